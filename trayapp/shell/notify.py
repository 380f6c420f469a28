"""Desktop notifications (the only plyer importer): the notifier chosen for this platform, the queue.

Linux: `trayapp.shell.dbus.DBusNotifier` (freedesktop notifications with actions, jeepney only);
Windows: the tray icon's own balloon (`windows.BalloonNotifier`), plyer when there is no icon;
macOS: `macos.OsascriptNotifier`. Which one, and why, is logged once.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from trayapp.core.notices import Notice, Notifier
from trayapp.core.safe_text import escape_markup
from trayapp.i18n import _

if TYPE_CHECKING:
    from trayapp.watch import Watch

log = logging.getLogger(__name__)

APP_NAME = "trayapp"


def session_bus_available() -> bool:
    """Whether a desktop notification server can be reached at all (a D-Bus session on Linux)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS"))
    return True


def make_notifier(
    icon_path: Path | None,
    open_url: Callable[[str], object] | None = None,
    open_details: Callable[[], object] | None = None,
    tray_icon: object | None = None,
    platform: str = sys.platform,
) -> tuple[Notifier, str]:
    """The notifier for this platform and why it was chosen (the caller logs it once).

    `open_url` / `open_details` run when the user clicks a Linux notification (the incident's
    page) or its "Open details" action; `tray_icon` is the pystray icon (Windows balloons).
    """
    if platform.startswith("linux"):
        try:
            from trayapp.shell.dbus import DBusNotifier
        except ImportError as error:  # jeepney is a Linux dependency; a broken install still notifies
            return PlyerNotifier(icon_path), f"plyer: the D-Bus library is missing ({error})"
        notifier = DBusNotifier(icon_path, open_url=open_url, open_details=open_details)
        return notifier, "freedesktop notifications over D-Bus (jeepney)"
    if platform == "win32":
        if tray_icon is not None:
            from trayapp.shell import windows

            return windows.BalloonNotifier(tray_icon), "the tray icon's own balloon (Shell_NotifyIcon)"
        return PlyerNotifier(icon_path), "plyer: no tray icon to show balloons from"
    if platform == "darwin":
        from trayapp.shell import macos

        return macos.OsascriptNotifier(), "osascript (shown as Script Editor's notifications)"
    return PlyerNotifier(icon_path), f"plyer on {platform}"


def watch_notifier() -> tuple[QueuedNotifier, Callable[[Watch], None]]:
    """The notifier of `trayapp watch` (queued: a D-Bus call can take seconds), and its hook.

    The hook takes the Watch once made, so that "Open details" shows its latest snapshot.
    """
    from datetime import UTC, datetime

    from trayapp.shell.resources import notification_icon

    watches: list[Watch] = []

    def open_url(url: str) -> None:
        from trayapp.shell import details

        details.open_url(url)

    def open_details() -> None:
        from trayapp.shell import details

        if watches:
            details.open_details(details.write_details(watches[-1].engine.snapshot(), datetime.now(UTC)))

    inner, why = make_notifier(notification_icon(), open_url, open_details)
    log.info("notifications: %s", why)
    return QueuedNotifier(inner), watches.append


def close_notifier(notifier: Notifier) -> None:
    """Release what a notifier holds (the D-Bus connection), if anything."""
    close = getattr(notifier, "close", None)
    if callable(close):
        try:
            close()
        except Exception as error:  # noqa: BLE001 - closing must not fail a quit
            log.debug("closing the notifier: %s", error)


class PlyerNotifier:
    """Shows notices with plyer; a failure is logged once and never raised."""

    def __init__(self, icon_path: Path | None = None, timeout: int = 10) -> None:
        self.icon_path = icon_path
        self.timeout = timeout
        self._failed = False
        self._lock = threading.Lock()

    def send(self, notice: Notice) -> None:
        """Show `notice` as a native notification."""
        if not session_bus_available():
            self._fail_once("no D-Bus session bus")
            return
        try:
            from plyer import notification

            with self._lock:
                notification.notify(
                    title=notice.title[:200],
                    message=self._body(notice.body)[:1000],
                    app_name=APP_NAME,
                    app_icon=str(self.icon_path) if self.icon_path else "",
                    timeout=self.timeout,
                )
        except Exception as error:  # noqa: BLE001 - plyer raises whatever its backend raises
            self._fail_once(f"{type(error).__name__}: {error}")
            return
        if self._failed:
            log.info("desktop notifications work again")
            self._failed = False

    @staticmethod
    def _body(body: str) -> str:
        # Only Linux servers render markup in the body; Windows and macOS would show the entities.
        return escape_markup(body) if sys.platform.startswith("linux") else body

    def _fail_once(self, reason: str) -> None:
        if not self._failed:
            log.warning("cannot show desktop notifications (%s); carrying on without them", reason)
            # Translators: said once on stderr when no notification service answers.
            message = _("cannot show desktop notifications ({reason}); carrying on without them")
            print("trayapp: " + message.format(reason=reason), file=sys.stderr)
        self._failed = True


class QueuedNotifier:
    """Hands notices to a worker thread through a bounded queue (some platforms block for seconds).

    While `is_paused()` says so, notices are logged and dropped.
    """

    def __init__(
        self, inner: Notifier, is_paused: Callable[[], bool] = lambda: False, maxsize: int = 32
    ) -> None:
        self._inner = inner
        self._is_paused = is_paused
        self._queue: queue.Queue[Notice | None] = queue.Queue(maxsize)
        self._full_logged = False
        self._thread = threading.Thread(target=self._work, name="trayapp-notify", daemon=True)
        self._thread.start()

    def send(self, notice: Notice) -> None:
        """Queue `notice` (dropped, and logged once, when the queue is full)."""
        if self._is_paused():
            log.info("notifications paused; not shown: %s", notice.title)
            return
        try:
            self._queue.put_nowait(notice)
        except queue.Full:
            if not self._full_logged:
                log.warning("too many notifications at once; dropping some")
            self._full_logged = True

    @property
    def inner(self) -> Notifier:
        """The notifier the worker hands notices to."""
        return self._inner

    def close(self, timeout: float = 1.0) -> None:
        """Let the worker finish what is queued (up to `timeout` s), then close the inner notifier."""
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            return
        self._thread.join(timeout)
        if not self._thread.is_alive():
            close_notifier(self._inner)

    def _work(self) -> None:
        while (notice := self._queue.get()) is not None:
            try:
                self._inner.send(notice)
            except Exception:
                log.exception("showing a notification failed")
