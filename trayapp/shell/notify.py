"""Desktop notifications (the only plyer importer), and the Notifier interface."""

from __future__ import annotations

import html
import logging
import os
import queue
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from trayapp.core.notices import Notice, Notifier
from trayapp.i18n import _

log = logging.getLogger(__name__)

APP_NAME = "trayapp"


def escape_markup(text: str) -> str:
    """Text made safe for notification servers that render a subset of HTML in the body."""
    return html.escape(text, quote=False)


def session_bus_available() -> bool:
    """Whether a desktop notification server can be reached at all (a D-Bus session on Linux)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS"))
    return True


Fallback = Callable[[str, str], bool]


class PlyerNotifier:
    """Shows notices with plyer; a failure is logged once and never raised.

    When plyer cannot notify, `fallback(title, body)` (the tray backend's own notifier,
    where it has one) is tried before giving up.
    """

    def __init__(
        self, icon_path: Path | None = None, timeout: int = 10, fallback: Fallback | None = None
    ) -> None:
        self.icon_path = icon_path
        self.timeout = timeout
        self.fallback = fallback
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
                    message=escape_markup(notice.body)[:1000],
                    app_name=APP_NAME,
                    app_icon=str(self.icon_path) if self.icon_path else "",
                    timeout=self.timeout,
                )
        except Exception as error:  # noqa: BLE001 - plyer raises whatever its backend raises
            if self.fallback is not None and self.fallback(notice.title, escape_markup(notice.body)):
                return
            self._fail_once(f"{type(error).__name__}: {error}")
            return
        if self._failed:
            log.info("desktop notifications work again")
            self._failed = False

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

    def close(self, timeout: float = 1.0) -> None:
        """Let the worker finish what is queued (up to `timeout` s)."""
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            return
        self._thread.join(timeout)

    def _work(self) -> None:
        while (notice := self._queue.get()) is not None:
            try:
                self._inner.send(notice)
            except Exception:
                log.exception("showing a notification failed")
