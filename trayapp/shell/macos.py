"""macOS specifics: notifications through osascript, the menu-bar-only app, the main thread, signals.

What is decided (the AppleScript text, which command opens a file) is pure and tested on any
OS; AppKit and PyObjCTools (PyObjC, which pystray's darwin backend requires) are imported
lazily, only on macOS, and tests pass fakes.

Notifications: plyer 2.1.0's macOS backend (`plyer/platforms/macosx/notification.py`) imports
pyobjus, which is not installed, and NSUserNotificationCenter has no default center for a
process without a bundle identifier. UNUserNotificationCenter also needs a (signed) bundle.
`osascript -e 'display notification …'` works for the pip-installed program and the `.app`
alike; macOS attributes it to Script Editor, and drops it without an error when Script Editor
may not notify (System Settings › Notifications › Script Editor).
"""

from __future__ import annotations

import logging
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trayapp.core.notices import Notice

log = logging.getLogger(__name__)

OSASCRIPT = "/usr/bin/osascript"
OPEN = "/usr/bin/open"
NOTIFY_TIMEOUT_SECONDS = 10.0
OPEN_TIMEOUT_SECONDS = 10.0
# NSApplicationActivationPolicyAccessory: no Dock icon, no ⌘-Tab entry, menus and windows allowed.
ACTIVATION_POLICY_ACCESSORY = 1

# AppleScript string literals know these escapes (AppleScript Language Guide, "text").
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


# --- notifications -------------------------------------------------------------------------------


def applescript_string(text: str) -> str:
    """`text` as an AppleScript string literal (quotes included).

    Backslash and double quote are escaped, line breaks and tabs written as \\n, \\r and \\t;
    other control characters, which AppleScript would reject or show as boxes, become spaces.
    Everything else (any Unicode) is kept: osascript reads its arguments as UTF-8.
    """
    out: list[str] = []
    for character in text:
        if character in _ESCAPES:
            out.append(_ESCAPES[character])
        elif ord(character) < 0x20 or ord(character) == 0x7F:
            out.append(" ")
        else:
            out.append(character)
    return '"' + "".join(out) + '"'


def notification_command(title: str, body: str) -> list[str]:
    """The osascript command that shows one notification (plain text: no markup is rendered)."""
    script = f"display notification {applescript_string(body)} with title {applescript_string(title)}"
    return [OSASCRIPT, "-e", script]


Runner = Callable[..., "subprocess.CompletedProcess[str]"]


def notify(title: str, body: str, run: Runner = subprocess.run) -> bool:
    """Show a notification with osascript; False (and a log line) when osascript says it failed.

    A notification macOS drops because Script Editor may not notify is not seen here:
    osascript exits 0 and prints nothing.
    """
    try:
        result = run(
            notification_command(title, body),
            capture_output=True,
            text=True,
            timeout=NOTIFY_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        log.warning("cannot run osascript to notify: %s", error)
        return False
    if result.returncode != 0:
        log.warning(
            "osascript could not notify (exit %d): %s",
            result.returncode,
            result.stderr.strip() or "no message",
        )
        return False
    if result.stderr.strip():
        log.warning("osascript notified with a complaint: %s", result.stderr.strip())
    return True


class OsascriptNotifier:
    """Shows notices with osascript (see the module's docstring for who they are attributed to)."""

    def __init__(self, run: Runner = subprocess.run) -> None:
        self._run = run
        self._told = False
        self._failing = False

    def send(self, notice: Notice) -> None:
        """Show `notice` (a failure is logged, never raised)."""
        shown = notify(notice.title, notice.body, self._run)
        if shown and not self._told:
            log.info(
                "notifications are shown by osascript as Script Editor; if none appear, allow "
                "Script Editor in System Settings > Notifications"
            )
            self._told = True
        if shown and self._failing:
            log.info("notifications work again")
        self._failing = not shown


# --- the app: no Dock icon, the main thread ------------------------------------------------------


def become_accessory(appkit: Any = None) -> bool:
    """Keep the process out of the Dock and ⌘-Tab (before the icon is made, on the main thread).

    pystray 0.19.5 sets no activation policy, so a Python started from a terminal or a
    LaunchAgent shows a Dock icon; the `.app` sets LSUIElement, which does the same earlier.
    """
    if appkit is None:
        import AppKit

        appkit = AppKit
    application = appkit.NSApplication.sharedApplication()
    done = bool(application.setActivationPolicy_(ACTIVATION_POLICY_ACCESSORY))
    if not done:
        log.warning("macOS refused the accessory activation policy: the Dock may show the app")
    return done


def call_on_main(function: Callable[[], None], app_helper: Any = None) -> None:
    """Run `function` on the main thread, in the Cocoa run loop (AppKit objects live there)."""
    if app_helper is None:
        from PyObjCTools import AppHelper

        app_helper = AppHelper
    app_helper.callAfter(function)


def show_icon(icon: Any, app_helper: Any = None) -> None:
    """Make the pystray icon visible from the main thread (pystray's setup thread is not)."""

    def show() -> None:
        icon.visible = True

    call_on_main(show, app_helper)


def install_stop_signals(on_stop: Callable[[], None], mach_signals: Any = None) -> None:
    """Stop cleanly on SIGINT and SIGTERM, at once, while the Cocoa run loop sleeps.

    pystray 0.19.5 (`_darwin.py`, `_run`) makes SIGINT call `NSApp.terminate_`, which exits
    without trayapp's shutdown; and a Python signal handler runs only when Python code next
    runs on the main thread, which may be the next poll. PyObjC's MachSignals wakes the run loop
    with a Mach message instead. Call it on the main thread once the loop runs (for instance
    through `call_on_main` from pystray's setup), so it replaces pystray's handler.
    """
    if mach_signals is None:
        from PyObjCTools import MachSignals

        mach_signals = MachSignals

    def handler(signum: int) -> None:
        log.info("signal %d: quitting", signum)
        on_stop()

    for signum in (signal.SIGINT, signal.SIGTERM):
        mach_signals.signal(signum, handler)


# --- opening the config file ---------------------------------------------------------------------


def open_commands(path: Path) -> list[list[str]]:
    """The commands to try in turn: the app that claims the file, then the default text editor."""
    return [[OPEN, str(path)], [OPEN, "-t", str(path)]]


def open_in_editor(path: Path, run: Runner = subprocess.run) -> bool:
    """Open `path` in the app that claims `.toml`, else in the default text editor (TextEdit).

    `open` exits 1 with "No application knows how to open" where nothing claims the extension.
    Blocks for as long as `open` takes (a moment): call it off the UI thread.
    """
    for command in open_commands(path):
        try:
            result = run(command, capture_output=True, text=True, timeout=OPEN_TIMEOUT_SECONDS, check=False)
        except (OSError, subprocess.SubprocessError) as error:
            log.warning("cannot run %s: %s", " ".join(command), error)
            continue
        if result.returncode == 0:
            return True
        log.info("%s failed (exit %d): %s", " ".join(command), result.returncode, result.stderr.strip())
    log.warning("cannot open %s", path)
    return False
