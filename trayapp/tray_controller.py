"""The tray indicator: the engine's snapshots shown as an icon, a tooltip and a menu.

Threads: pystray owns the main thread; the poller has its own; notifications have a
worker. Everything that touches the icon goes through `TrayController._refresh`, called
from one UI-side updater thread (and, on macOS, marshalled to the main thread).

Start-up shows the icon first: only what the icon needs (PIL, pystray and its backend)
is imported before it docks. The engine (httpx, the adapter registry), the notifier
and autostart are imported in pystray's setup thread once the icon is up, so the icon
appears about as fast as a bare pystray script's, and its first state ("checking…") is
replaced when the first poll answers. The details page (and the history reading behind it)
is imported when first opened, a format's parser when a page of that format is first read.
"""

from __future__ import annotations

import logging
import queue
import signal
import sys
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trayapp import paths
from trayapp.core.menu import UiState, build_menu, is_paused, pause_until, tooltip
from trayapp.i18n import _, current_language
from trayapp.model import Snapshot, State
from trayapp.shell import single_instance
from trayapp.shell.desktop import make_dpi_aware, on_ui_thread, open_file_in_editor
from trayapp.shell.icons import IconSet
from trayapp.shell.resources import notification_icon
from trayapp.shell.tray import Tray

if TYPE_CHECKING:
    from trayapp.core.diff import Event
    from trayapp.settings import Config
    from trayapp.shell.notify import QueuedNotifier
    from trayapp.watch import Watch

log = logging.getLogger(__name__)

SHUTDOWN_SECONDS = 2.0
NO_TRAY_NOTICE_SECONDS = 10.0


def _open_url(url: str) -> None:
    """Open a page's URL in the browser (the details module is imported when first needed)."""
    from trayapp.shell import details

    details.open_url(url)


class TrayController:
    """Connects the engine, the tray icon, the menu's actions and the details page.

    Only the icon is made here; the engine is made by `_start_engine` once the icon is up.
    """

    def __init__(self, config: Config, config_path: Path) -> None:
        self.config = config
        self.config_path = config_path
        self.icons = IconSet()
        self.ui = UiState()
        self._updates: queue.Queue[Snapshot | None] = queue.Queue()
        self._details_opened = False
        self._told: tuple[object, ...] | None = None  # what the last snapshot handed on shows
        self._stopped = threading.Event()
        self._ready = threading.Event()
        self._lifecycle = threading.Lock()
        self._failed = False
        self._finished = threading.Event()
        self._shut_down = False
        self.watch: Watch | None = None
        self.notifier: QueuedNotifier | None = None
        # Translators: the tray icon's tooltip before the first check has answered.
        self.tray = Tray(self.icons.get(State.UNKNOWN), _("trayapp — checking…"), self.on_action)

    def _paused(self) -> bool:
        return is_paused(self.ui, datetime.now(UTC))

    def run(self) -> int:
        """Show the icon and poll until Quit or a signal; returns the exit code."""
        self._install_signal_handlers()
        if sys.platform == "win32":
            from trayapp.shell import windows

            # Ctrl+C and closing the console: pystray's thread sits in GetMessage meanwhile.
            windows.install_console_ctrl_handler(windows.console_ctrl_handler(self.stop, self._finished))
        self.tray.run(self._setup)
        self._shutdown()
        return 1 if self._failed else 0

    def _setup(self) -> None:
        """Called by pystray (in its setup thread) once the icon is up: start everything else."""
        self._install_glib_signal_handlers()
        self._install_platform_stops()
        try:
            self._start_engine()
        except Exception as error:
            log.exception("cannot start polling")
            reason = f"{type(error).__name__}: {error}"
            print("trayapp: " + _("cannot start polling ({reason})").format(reason=reason), file=sys.stderr)
            self._failed = True
            self.stop()

    def _start_engine(self) -> None:
        """Import and make the engine, the notifier and the updater; start polling."""
        from trayapp.shell import autostart
        from trayapp.shell.notify import QueuedNotifier, make_notifier
        from trayapp.watch import Watch

        inner, why = make_notifier(
            notification_icon(),
            open_url=_open_url,
            open_details=lambda: self.on_action("details"),
            tray_icon=self.tray.icon,
        )
        log.info("notifications: %s", why)
        notifier = QueuedNotifier(inner, is_paused=self._paused)
        watch = Watch(self.config, self.config_path, notifier, paths.state_file(), sys.stderr)
        watch.engine.add_listener(self._on_snapshot)
        self.ui = replace(self.ui, autostart=autostart.autostart_enabled())
        with self._lifecycle:
            if self._stopped.is_set():
                notifier.close(0.5)
                return
            self.watch, self.notifier = watch, notifier
            threading.Thread(target=self._update_loop, args=(watch,), name="trayapp-ui", daemon=True).start()
            self._updates.put(watch.engine.snapshot())
            watch.start()
        self._ready.set()
        if not self.tray.host_found:
            timer = threading.Timer(NO_TRAY_NOTICE_SECONDS, self._tell_no_tray)
            timer.daemon = True
            timer.start()

    def _tell_no_tray(self) -> None:
        """Say once, 10 s after start, that no tray host shows the icon, and how to get one."""
        if self._stopped.is_set() or self.notifier is None or self.tray.has_host():
            return
        from trayapp.core.notices import Notice

        log.warning("no tray host shows the icon; polling and notifying go on")
        # Translators: the title of the notification sent when the desktop has no tray.
        title = _("trayapp runs without a tray icon")
        # Translators: the body of that notification; "AppIndicator" is the GNOME extension's name.
        body = _(
            "This desktop shows no tray icons, so trayapp keeps watching and notifies you without one. "
            "On GNOME, install and enable the AppIndicator extension "
            "(gnome-shell-extension-appindicator); the icon appears as soon as a tray is there."
        )
        self.notifier.send(Notice("summary", title, body))

    def _on_snapshot(self, snapshot: Snapshot, events: list[Event] | Any) -> None:
        """Hand a new snapshot to the UI thread, unless it has nothing to do with it.

        Most polls change only the poll times, and those are shown to the minute: such a
        snapshot does not wake the UI thread (run here, on the thread that took the poll),
        unless the config file was edited (the UI thread reloads it).
        """
        watch = self.watch
        if not events and watch is not None and not watch.watcher.changed():
            shown = self._shown(snapshot)
            if shown == self._told:
                return
            self._told = shown
        self._updates.put(snapshot)

    def _shown(self, snapshot: Snapshot) -> tuple[object, ...]:
        """What the icon, tooltip, menu and details page show of `snapshot`, but the poll times.

        Those are shown to the minute only (the tooltip's last successful read, the menu's last
        check); a poll that changed nothing else in the same minute (most of them) touches nothing.
        """
        now = datetime.now(UTC)
        views = tuple(replace(view, checked_at=None, last_success_at=None) for view in snapshot.providers)
        checked = snapshot.checked_at.replace(second=0, microsecond=0) if snapshot.checked_at else None
        return (
            views,
            checked,
            snapshot.offline,
            tooltip(snapshot),
            replace(self.ui, now=None),
            is_paused(self.ui, now),
            now.astimezone().date(),
            current_language(),
            self._details_opened,
        )

    def _update_loop(self, watch: Watch) -> None:
        shown: tuple[object, ...] | None = None
        while (snapshot := self._updates.get()) is not None:
            while True:  # only the newest snapshot matters
                try:
                    newer = self._updates.get_nowait()
                except queue.Empty:
                    break
                if newer is None:
                    return
                snapshot = newer
            try:
                watch.watcher.check()
                now_shown = self._shown(snapshot)
                if now_shown == shown:
                    continue
                shown = now_shown
                on_ui_thread(lambda s=snapshot: self._refresh(s))  # type: ignore[misc]
                if self._details_opened:
                    from trayapp.shell import details

                    details.write_details(snapshot, datetime.now(UTC), moves=watch.poller.moves)
            except Exception:
                log.exception("updating the tray failed")

    def _refresh(self, snapshot: Snapshot) -> None:
        ui = replace(self.ui, now=datetime.now(UTC))
        image = self.icons.get(snapshot.overall, snapshot.badge)
        menu = build_menu(snapshot, ui, self.tray.has_default_action)
        self.tray.show(image, tooltip(snapshot), menu, attention=snapshot.overall >= State.PARTIAL)

    def on_action(self, action: str) -> None:
        """Do what a menu item (or a left click) asks, off the tray's own loop.

        Opening a browser or an editor can block (a terminal `$BROWSER`); the icon must not.
        """
        if action == "quit":
            self.stop()
            return
        threading.Thread(target=self._act, args=(action,), name="trayapp-action", daemon=True).start()

    def _act(self, action: str) -> None:
        log.debug("menu action %s", action)
        if not self._ready.wait(10) or self.watch is None:
            log.warning("not started yet: %s ignored", action)
            return
        from trayapp.shell import autostart, details

        watch = self.watch
        now = datetime.now(UTC)
        if action == "details":
            self._details_opened = True
            snapshot = watch.engine.snapshot()
            details.open_details(details.write_details(snapshot, now, moves=watch.poller.moves))
        elif action.startswith("open:"):
            details.open_url(action.removeprefix("open:"))
        elif action == "refresh":
            watch.poller.refresh_now()
        elif action.startswith("pause:"):
            self.ui = replace(self.ui, paused_until=pause_until(now, action.removeprefix("pause:")))
            log.info("notifications paused until %s", self.ui.paused_until)
        elif action == "resume":
            self.ui = replace(self.ui, paused_until=None)
        elif action == "settings":
            open_file_in_editor(self.config_path)
        elif action == "autostart":
            wanted = not self.ui.autostart
            try:
                autostart.set_autostart(wanted, autostart.autostart_command())
                self.ui = replace(self.ui, autostart=autostart.autostart_enabled())
            except OSError as error:
                log.error("cannot change start at login: %s", error)
        self._updates.put(watch.engine.snapshot())

    def stop(self) -> None:
        """Leave the icon's loop (from any thread); `run` then shuts down."""
        if not self._stopped.is_set():
            self._stopped.set()
            self.tray.stop()

    def _install_signal_handlers(self) -> None:
        def handler(signum: int, _frame: object) -> None:
            log.info("signal %d: quitting", signum)
            self.stop()

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, handler)

    def _install_glib_signal_handlers(self) -> None:
        """GTK backends run a GLib loop in C (and pystray resets SIGINT): let GLib catch signals."""
        self.tray.quit_on_signals((signal.SIGTERM, signal.SIGINT), self.stop)

    def _install_platform_stops(self) -> None:
        """Windows: WM_CLOSE (taskkill) and log-off; macOS: SIGINT/SIGTERM while Cocoa sleeps."""
        if sys.platform == "win32":
            from trayapp.shell import windows

            # WM_ENDSESSION: the process ends when the handler returns, so save right there.
            windows.route_window_messages(self.tray.icon, self.stop, self._shutdown)
        elif sys.platform == "darwin":
            from trayapp.shell import macos

            macos.call_on_main(lambda: macos.install_stop_signals(self.stop))

    def _shutdown(self) -> None:
        """Stop polling, save, close the notifier; safe to call twice (log-off, then the loop's end)."""
        self._stopped.set()
        with self._lifecycle:
            if self._shut_down:
                return
            self._shut_down = True
            self._updates.put(None)
            if self.watch is not None:
                self.watch.stop()
            if self.notifier is not None:
                self.notifier.close(0.5)
        log.info("stopped")
        self._finished.set()


def run_tray(config: Config, config_path: Path) -> int:
    """`trayapp`: one instance per user; exits 0 when another one runs already."""
    lock = single_instance.acquire(paths.state_dir() / "trayapp.lock")
    if lock is None:
        print(_("trayapp is already running."))
        return 0
    try:
        make_dpi_aware()
        if sys.platform == "win32":
            from trayapp.shell import windows

            windows.hide_own_console()  # only the tray: `trayapp status` in a terminal still prints
        elif sys.platform == "darwin":
            from trayapp.shell import macos

            macos.become_accessory()  # no Dock icon, no ⌘-Tab entry
        try:
            controller = TrayController(config, config_path)
        except Exception as error:
            log.exception("cannot show a tray icon")
            reason = f"{type(error).__name__}: {error}"
            message = _(
                "cannot show a tray icon ({reason}).\n"
                "Is a desktop session running (DISPLAY / WAYLAND_DISPLAY)? "
                "`trayapp watch` and `trayapp status` work without one."
            )
            print("trayapp: " + message.format(reason=reason), file=sys.stderr)
            return 1
        return controller.run()
    finally:
        lock.release()
