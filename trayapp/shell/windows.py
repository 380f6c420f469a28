"""Windows specifics: balloon text limits, the console window, stopping, opening the config file.

What is decided (text cut to the shell's fixed fields, which process owns the console, which
command opens a file) is pure and tested on any OS. The calls into Windows (kernel32, user32,
os.startfile) sit behind small functions that take the API object as a parameter; the real one
is loaded lazily, only on Windows.

The limits come from pystray 0.19.5 (`pystray/_util/win32.py`, NOTIFYICONDATAW): szTip is
WCHAR[128], szInfo WCHAR[256], szInfoTitle WCHAR[64]. ctypes raises `ValueError: string too
long` for a longer string, and Windows wants room for the terminating NUL, so the usable
lengths are one less, counted in UTF-16 code units (a character outside the BMP takes two).
"""

from __future__ import annotations

import ctypes
import logging
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from trayapp.core.notices import Notice

log = logging.getLogger(__name__)

TIP_UNITS = 127  # szTip: WCHAR[128], NUL included
BODY_UNITS = 255  # szInfo: WCHAR[256]
TITLE_UNITS = 63  # szInfoTitle: WCHAR[64]
ELLIPSIS = "…"
FALLBACK_TITLE = "trayapp"

# The frozen build's windowless executable (build.spec), used for autostart and shortcuts.
TRAY_EXECUTABLE = "trayapp-tray.exe"

# winerror.h
ERROR_NO_ASSOCIATION = 1155
# wincon.h: console control events
CTRL_C_EVENT = 0
CTRL_BREAK_EVENT = 1
CTRL_CLOSE_EVENT = 2
STOP_EVENTS = frozenset({CTRL_C_EVENT, CTRL_BREAK_EVENT, CTRL_CLOSE_EVENT})
# winuser.h
SW_HIDE = 0
WM_CLOSE = 0x0010
WM_QUERYENDSESSION = 0x0011
WM_ENDSESSION = 0x0016

# A character reference (&amp; &#38; &#x26;): never cut in the middle of one.
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);")


# --- text in fixed UTF-16 fields -----------------------------------------------------------------


def utf16_units(text: str) -> int:
    """How many UTF-16 code units `text` takes in a WCHAR field."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _entity_split_at(text: str, end: int) -> int | None:
    """Where the character reference cut by a cut at `end` starts (None when none is cut)."""
    start = text.rfind("&", 0, end)
    if start == -1:
        return None
    match = _ENTITY.match(text, start)
    if match is not None and match.end() > end:
        return start
    return None


def fit_utf16(text: str, units: int) -> str:
    """`text` cut to at most `units` UTF-16 code units, on a character boundary, with an ellipsis.

    Never splits a surrogate pair or a character reference such as `&amp;`; a cut also drops
    the white space it leaves at the end.
    """
    if utf16_units(text) <= units:
        return text
    budget = units - utf16_units(ELLIPSIS)
    end = used = 0
    for character in text:
        width = 2 if ord(character) > 0xFFFF else 1
        if used + width > budget:
            break
        used += width
        end += 1
    split = _entity_split_at(text, end)
    if split is not None:
        end = split
    return text[:end].rstrip() + ELLIPSIS


@dataclass(frozen=True)
class Balloon:
    """What pystray's `Icon.notify` gets on Windows, cut to its fields."""

    title: str
    body: str
    cuts: tuple[str, ...]  # one line per cut field, for the log


def balloon(title: str, body: str) -> Balloon:
    """The notification cut to the balloon's fields (plain text: Windows renders no markup)."""
    title = title.strip() or FALLBACK_TITLE  # an empty title makes pystray use the 127-unit tooltip
    cuts: list[str] = []
    fitted_title = fit_utf16(title, TITLE_UNITS)
    fitted_body = fit_utf16(body, BODY_UNITS)
    for name, before, after, limit in (
        ("title", title, fitted_title, TITLE_UNITS),
        ("body", body, fitted_body, BODY_UNITS),
    ):
        if after != before:
            cuts.append(
                f"{name} cut from {utf16_units(before)} to {utf16_units(after)} UTF-16 units (limit {limit})"
            )
    return Balloon(fitted_title, fitted_body, tuple(cuts))


def tooltip(text: str) -> str:
    """The tray tooltip cut to szTip (a longer one makes pystray raise on every update)."""
    return fit_utf16(text, TIP_UNITS)


def menu_label(text: str) -> str:
    """A menu label shown as written: a single `&` marks a keyboard shortcut in Win32 menus."""
    return text.replace("&", "&&")


class BalloonNotifier:
    """Shows notices through the tray icon itself (pystray's Shell_NotifyIcon balloon).

    plyer's Windows backend adds a second, lingering tray icon, labels the toast "Python" and
    raises `ValueError` in its own thread for long text; the existing icon has none of that.
    """

    def __init__(self, icon: Any) -> None:
        self._icon = icon
        self._lock = threading.Lock()

    def send(self, notice: Notice) -> None:
        """Show `notice` as a balloon (a failure is logged, never raised)."""
        shown = balloon(notice.title, notice.body)
        for cut in shown.cuts:
            log.info("notification %s: %s", cut, notice.title)
        try:
            with self._lock:
                self._icon.notify(shown.body, shown.title)
        except Exception as error:  # noqa: BLE001 - ctypes and Shell_NotifyIcon errors alike
            log.warning("the tray icon could not notify: %s: %s", type(error).__name__, error)


# --- the console window --------------------------------------------------------------------------


class ConsoleApi(Protocol):
    """The kernel32/user32 calls the console handling needs (a fake in tests)."""

    def attached_processes(self) -> int:
        """GetConsoleProcessList's count (0 without a console)."""

    def console_window(self) -> int:
        """GetConsoleWindow (0 without one)."""

    def hide_window(self, hwnd: int) -> None:
        """ShowWindow(hwnd, SW_HIDE)."""

    def free_console(self) -> None:
        """FreeConsole."""


class _Win32Console:
    def __init__(self) -> None:
        windll: Any = getattr(ctypes, "windll")  # noqa: B009 - absent off Windows; mypy checks on Linux
        self._kernel32 = windll.kernel32
        self._user32 = windll.user32

    def attached_processes(self) -> int:
        ids = (ctypes.c_uint32 * 4)()
        return int(self._kernel32.GetConsoleProcessList(ids, len(ids)))

    def console_window(self) -> int:
        return int(self._kernel32.GetConsoleWindow() or 0)

    def hide_window(self, hwnd: int) -> None:
        self._user32.ShowWindow(hwnd, SW_HIDE)

    def free_console(self) -> None:
        self._kernel32.FreeConsole()


def launcher_processes(frozen: bool, onefile: bool, argv0: str) -> int:
    """How many processes started only to launch this one share its console.

    PyInstaller's one-file bootloader stays as a parent process; pip's `trayapp.exe` script
    launcher runs python.exe with its own path as the script. The one-folder build runs in
    the bootloader's process.
    """
    if frozen:
        return 1 if onefile else 0
    return 1 if argv0.lower().endswith(".exe") else 0


def owns_console(attached: int, launchers: int) -> bool:
    """Whether the console was opened for this program alone (not a terminal the user typed in)."""
    return 0 < attached <= 1 + launchers


def _running_onefile() -> bool:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is None:
        return False
    return not Path(bundle).resolve().is_relative_to(Path(sys.executable).resolve().parent)


def hide_own_console(api: ConsoleApi | None = None) -> bool:
    """Hide and leave the console window when it was opened only for the tray.

    A console program started from Explorer, a shortcut or the Run key gets a console window
    of its own; in a terminal (`trayapp status`, or the tray started by hand) the terminal's
    shell is attached too and nothing is hidden. Returns whether the console was left; the
    standard streams then go to the null device, since the console's handles are gone.
    """
    console = api if api is not None else _Win32Console()
    frozen = bool(getattr(sys, "frozen", False))
    launchers = launcher_processes(frozen, frozen and _running_onefile(), sys.argv[0] if sys.argv else "")
    if not owns_console(console.attached_processes(), launchers):
        return False
    window = console.console_window()
    if window:
        console.hide_window(window)
    console.free_console()
    _streams_to_null()
    log.info("started with a console window of its own: hid it")
    return True


def _streams_to_null() -> None:
    null = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    sys.stdout = null
    sys.stderr = null


def windowless_executable(executable: Path) -> Path:
    """The executable autostart and shortcuts should start: the frozen build's windowless one.

    `trayapp.exe` (a console program, so that `trayapp status` prints) has a sibling
    `trayapp-tray.exe` without a console in the build from build.spec; elsewhere the
    executable is kept.
    """
    sibling = executable.with_name(TRAY_EXECUTABLE)
    if executable.name.lower() != TRAY_EXECUTABLE and sibling.is_file():
        return sibling
    return executable


# --- stopping ------------------------------------------------------------------------------------

# Keeps the ctypes callback alive: Windows calls it long after install returns.
_installed_handlers: list[Any] = []


def console_ctrl_handler(
    on_stop: Callable[[], None], stopped: threading.Event, wait: float = 4.0
) -> Callable[[int], bool]:
    """A HandlerRoutine for Ctrl+C, Ctrl+Break and the console window being closed.

    Python's own SIGINT handler runs only when the main thread runs Python code, and pystray's
    main thread sits in GetMessage until a window message comes; Windows calls this routine
    in a thread of its own, so the app stops at once. After CTRL_CLOSE_EVENT the process is
    ended when the routine returns, so it waits (up to `wait` s, under Windows' 5 s) for the
    shutdown to finish.
    """

    def handle(event: int) -> bool:
        if event not in STOP_EVENTS:
            return False
        log.info("console event %d: quitting", event)
        on_stop()
        if event == CTRL_CLOSE_EVENT:
            stopped.wait(wait)
        return True

    return handle


def install_console_ctrl_handler(handler: Callable[[int], bool], kernel32: Any = None) -> bool:
    """Register `handler` with SetConsoleCtrlHandler; False when Windows refuses."""
    if kernel32 is None:
        kernel32 = getattr(ctypes, "windll").kernel32  # noqa: B009 - absent off Windows
    prototype = getattr(ctypes, "WINFUNCTYPE", ctypes.CFUNCTYPE)
    routine = prototype(ctypes.c_int, ctypes.c_uint32)(lambda event: 1 if handler(int(event)) else 0)
    if not kernel32.SetConsoleCtrlHandler(routine, 1):
        log.warning("cannot install a console control handler")
        return False
    _installed_handlers.append(routine)
    return True


def route_window_messages(icon: Any, on_stop: Callable[[], None], on_session_end: Callable[[], None]) -> None:
    """Make pystray's hidden window stop the app on WM_CLOSE and save it at log-off.

    pystray 0.19.5's window procedure (`pystray/_win32.py`, `_dispatcher`) answers 0 to every
    message it has no handler for: `taskkill` (WM_CLOSE) is swallowed, and 0 to
    WM_QUERYENDSESSION asks Windows to hold the log-off. Handlers run on the icon's thread;
    WM_ENDSESSION is the last message before the process is ended, so the state is saved
    right there (`on_session_end`), not after the loop.
    """

    def close(_wparam: int, _lparam: int) -> int:
        log.info("WM_CLOSE: quitting")
        on_stop()
        return 0

    def query_end(_wparam: int, _lparam: int) -> int:
        return 1  # the session may end

    def end(wparam: int, _lparam: int) -> int:
        if wparam:
            log.info("the session is ending: saving and quitting")
            on_session_end()
        return 0

    handlers: dict[int, Callable[[int, int], int]] = icon._message_handlers
    handlers[WM_CLOSE] = close
    handlers[WM_QUERYENDSESSION] = query_end
    handlers[WM_ENDSESSION] = end


# --- opening the config file ---------------------------------------------------------------------


def editor_fallback(path: Path) -> list[str]:
    """The command that opens `path` when no application claims its extension."""
    return ["notepad.exe", str(path)]


def open_in_editor(
    path: Path,
    startfile: Callable[[str], None] | None = None,
    popen: Callable[[Sequence[str]], Any] = subprocess.Popen,
) -> bool:
    """Open `path` with the application that claims it, else Notepad; False when neither works.

    `os.startfile` raises WinError 1155 (ERROR_NO_ASSOCIATION) where nothing claims `.toml`,
    which is a fresh Windows.
    """
    start = startfile if startfile is not None else getattr(os, "startfile")  # noqa: B009
    try:
        start(str(path))
        return True
    except OSError as error:
        if getattr(error, "winerror", None) == ERROR_NO_ASSOCIATION:
            log.info("no application is associated with %s: opening it with Notepad", path.suffix)
        else:
            log.warning("cannot open %s (%s): trying Notepad", path, error)
    try:
        popen(editor_fallback(path))
    except OSError as error:
        log.warning("cannot open %s with Notepad: %s", path, error)
        return False
    return True
