"""The tray icon and its menu (the only pystray importer).

pystray picks AppIndicator whenever PyGObject and the Ayatana library are present, even on
a plain XEmbed tray where it then cannot take a left click. So the backend is chosen here:
AppIndicator when a StatusNotifierWatcher is on the session bus (GNOME with the extension,
KDE), GTK when only an XEmbed tray is there, xorg when PyGObject is missing (no menu: a
left click opens the details page). `PYSTRAY_BACKEND` still wins when set.
"""

from __future__ import annotations

import logging
import os
import select
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from trayapp.core.menu import SEPARATOR, MenuItem

log = logging.getLogger(__name__)

ActionHandler = Callable[[str], None]

XORG_DOCK_CHECK_SECONDS = 3.0
XORG_FIRST_CHECK_SECONDS = 0.3
XORG_SETTLE_SECONDS = 3.0


def _gi_available() -> bool:
    try:
        import gi

        gi.require_version("Gtk", "3.0")
        from gi.repository import Gtk  # noqa: F401
    except (ImportError, ValueError):
        return False
    return True


def _status_notifier_watcher_present() -> bool:
    """Whether a StatusNotifierWatcher (AppIndicator host) owns its name on the session bus."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    try:
        from gi.repository import Gio, GLib

        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        for name in ("org.kde.StatusNotifierWatcher", "org.freedesktop.StatusNotifierWatcher"):
            reply = bus.call_sync(
                "org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus",
                "NameHasOwner",
                GLib.Variant("(s)", (name,)),
                GLib.VariantType.new("(b)"),
                Gio.DBusCallFlags.NONE,
                1000,
                None,
            )
            if reply.unpack()[0]:
                return True
    except Exception as error:  # noqa: BLE001 - any failure means "no watcher"
        log.debug("cannot ask the session bus for a StatusNotifierWatcher: %s", error)
    return False


def choose_backend(platform: str = sys.platform) -> str | None:
    """The pystray backend to use on Linux/BSD (None elsewhere: pystray's own choice)."""
    forced = os.environ.get("PYSTRAY_BACKEND")
    if forced:
        return forced
    if platform.startswith(("win", "darwin")):
        return None
    if not _gi_available():
        return "xorg"
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        log.warning("no D-Bus session bus: using the plain X11 tray icon (no menu)")
        return "xorg"
    if _status_notifier_watcher_present():
        return "appindicator"
    return "gtk"


def _squeezed(window: Any) -> bool:
    """Whether a mapped XEmbed icon window has been squeezed to a sliver by its tray.

    trayer, given repeated dock requests (pystray's xorg backend sends one on every image
    change), sometimes keeps the icon mapped in a socket one pixel wide: docked in name,
    invisible in fact.
    """
    geometry = window.get_geometry()
    return bool(geometry.width <= 1 or geometry.height <= 1)


def latin1_title(title: str) -> str:
    """A title the X11 window name can carry (pystray's xorg backend writes it as Latin-1)."""
    for wide, narrow in (("—", "-"), ("–", "-"), ("…", "..."), ("’", "'"), ("“", '"'), ("”", '"')):
        title = title.replace(wide, narrow)
    return title.encode("latin-1", "replace").decode("latin-1")


class Tray:
    """A pystray icon driven from one UI-side place: `show` sets image, title and menu."""

    def __init__(self, first_image: Any, title: str, on_action: ActionHandler) -> None:
        backend = choose_backend()
        if backend is not None:
            os.environ["PYSTRAY_BACKEND"] = backend
        import pystray

        self._pystray = pystray
        self.backend = backend or pystray.Icon.__module__.rsplit("_", 1)[-1]
        self._on_action = on_action
        self._menu_model: tuple[MenuItem, ...] | None = None
        self._image = first_image
        self._title = title
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._docked = threading.Event()
        self._wake_read, self._wake_write = os.pipe() if backend == "xorg" else (-1, -1)
        self.was_up = False
        self.icon = pystray.Icon("trayapp", first_image, self._safe_title(title))
        self.has_menu = bool(getattr(self.icon, "HAS_MENU", True))
        self.has_default_action = bool(getattr(self.icon, "HAS_DEFAULT_ACTION", True))
        if not self.has_menu:
            log.warning(
                "the %s tray backend has no menu: a left click opens the details page "
                "(install PyGObject for a menu)",
                self.backend,
            )

    def _safe_title(self, title: str) -> str:
        return latin1_title(title) if self.backend == "xorg" else title

    def run(self, setup: Callable[[], None]) -> None:
        """Run the icon's loop in this (main) thread; `setup` runs once it is up."""

        def on_setup(icon: Any) -> None:
            self.was_up = True
            if self.backend == "xorg":
                self._wait_for_xorg_loop()
            icon.visible = True
            if self.backend == "xorg":
                threading.Thread(target=self._xembed_helper, name="trayapp-xembed", daemon=True).start()
            setup()

        try:
            self.icon.run(setup=on_setup)
        except Exception as error:
            if not self.was_up:
                raise
            # pystray's GTK backend talks to the notification server while closing; a
            # missing server must not turn a clean quit into a crash.
            log.warning("the tray backend failed while closing: %s", error)

    def _wait_for_xorg_loop(self, timeout: float = 5.0) -> None:
        """pystray's xorg backend starts `setup` a moment before its loop knows its own thread.

        Touching the icon in that moment raises inside pystray and leaves a blank icon that
        never updates; wait until the loop is really there.
        """
        deadline = time.monotonic() + timeout
        while getattr(self.icon, "_thread", None) is None and time.monotonic() < deadline:
            time.sleep(0.01)

    def _xembed_helper(self) -> None:
        """Clicks and docking for pystray's xorg backend, on an X connection of our own.

        pystray's xorg backend handles button presses but never asks X for them, so a left
        click reaches nothing; we select them on our own connection (pystray's is not ours to
        use from another thread) and open the details page. It also docks only once: when the
        tray host restarts, or loses the icon (some trays do when a dock request is repeated),
        the icon stays invisible; we ask to be docked again when the icon window has not been
        visible (unmapped, or squeezed by trayer into a socket one pixel wide) for two checks in
        a row.

        The checks follow events, not a clock: the icon window's structure changes (unmapped,
        reparented, …) and a new tray host's MANAGER announcement on the root window schedule
        them, and while the icon stays docked the thread sleeps until the next event, so an
        idle tray is never woken by it.
        """
        try:
            import Xlib.display
            import Xlib.X

            display = Xlib.display.Display()
        except Exception as error:  # noqa: BLE001 - without X there is nothing to watch
            log.warning("cannot watch the tray host: %s", error)
            return
        try:
            selection = display.intern_atom(f"_NET_SYSTEM_TRAY_S{display.get_default_screen()}")
            window = display.create_resource_object("window", self.icon._window.id)
            window.change_attributes(event_mask=Xlib.X.ButtonPressMask | Xlib.X.StructureNotifyMask)
            # A new tray host announces itself with a MANAGER client message to the root window.
            display.screen().root.change_attributes(event_mask=Xlib.X.StructureNotifyMask)
            display.flush()
            undocked_checks = 0
            next_check: float | None = time.monotonic() + XORG_FIRST_CHECK_SECONDS
            while not self._stopping.is_set():
                wait = None if next_check is None else max(0.0, next_check - time.monotonic())
                ready, _, _ = select.select([display.fileno(), self._wake_read], [], [], wait)
                if self._wake_read in ready:
                    break
                for _ in range(display.pending_events()):
                    event = display.next_event()
                    if event.type == Xlib.X.ButtonPress:
                        if event.detail == 1:
                            self._on_action("details")
                    elif next_check is None:
                        # Something moved the icon or the tray: look again shortly.
                        next_check = time.monotonic() + XORG_FIRST_CHECK_SECONDS
                if next_check is None or time.monotonic() < next_check:
                    continue
                owner = display.get_selection_owner(selection)
                viewable = window.get_attributes().map_state == Xlib.X.IsViewable
                squeezed = viewable and _squeezed(window)
                undocked = bool(owner) and (not viewable or squeezed)
                undocked_checks = undocked_checks + 1 if undocked else 0
                # Twice in a row: a dock request still in flight is not mistaken for a lost icon
                # (a second request for a window being embedded makes some trays lose it).
                if not undocked:
                    self._docked.set()
                if undocked_checks >= 2:
                    log.info("the tray host restarted or dropped the icon; docking again")
                    undocked_checks = 0
                    if squeezed:
                        # Still embedded: another dock request alone would only add to the mess.
                        self.icon._hide()
                    self.icon._show()
                # Keep checking while undocked; once docked (or with no tray host at all), sleep
                # until an event says something changed.
                next_check = time.monotonic() + XORG_DOCK_CHECK_SECONDS if undocked else None
        except Exception as error:  # noqa: BLE001 - the helper must never take the app down
            if not self._stopping.is_set():
                log.warning("stopped watching the tray host: %s", error)
        finally:
            display.close()

    def show(self, image: Any, title: str, menu: tuple[MenuItem, ...]) -> None:
        """Update what changed (image, title, menu), nothing else.

        On the xorg backend the first change waits until the icon is docked (pystray's X
        connection is shared between threads, and a change racing the docking has been seen
        to hang it), and the title is left alone: XEmbed trays show no tooltip.
        """
        if self.backend == "xorg":
            self._docked.wait(XORG_SETTLE_SECONDS)
            title = self._title
        with self._lock:
            if image is not self._image:
                self._image = image
                self.icon.icon = image
            if title != self._title:
                self._title = title
                self.icon.title = self._safe_title(title)
            if menu != self._menu_model:
                self._menu_model = menu
                self.icon.menu = self._to_pystray(menu, top=True)  # the setter rebuilds the native menu

    def notify(self, title: str, body: str) -> bool:
        """Show a notification through the backend itself, where it can; False otherwise."""
        if not getattr(self.icon, "HAS_NOTIFICATION", False):
            return False
        try:
            self.icon.notify(body, title)
        except Exception as error:  # noqa: BLE001
            log.warning("the tray backend could not notify: %s", error)
            return False
        return True

    def quit_on_signals(self, signals: tuple[int, ...], quit_app: Callable[[], None]) -> None:
        """On the GTK backends (a GLib loop in C; pystray resets SIGINT), let GLib catch `signals`."""
        if self.backend not in {"gtk", "appindicator"}:
            return
        try:
            from gi.repository import GLib

            def on_signal() -> bool:
                quit_app()
                # Keep watching: once the last source for a signal goes, GLib restores the
                # default action, and a second SIGTERM (the one-file build's launcher forwards
                # it) would kill the process before the state is flushed.
                return True

            for signum in signals:
                GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, on_signal)
        except (ImportError, AttributeError) as error:
            log.debug("no GLib signal handling: %s", error)

    def stop(self) -> None:
        """End the icon's loop (from any thread)."""
        self._stopping.set()
        if self._wake_write >= 0:
            os.write(self._wake_write, b"x")  # the xorg helper sleeps until an X event or this
        self.icon.stop()

    def _to_pystray(self, items: tuple[MenuItem, ...], top: bool = False) -> Any:
        pystray = self._pystray
        entries: list[Any] = []
        for item in items:
            if item == SEPARATOR:
                entries.append(pystray.Menu.SEPARATOR)
                continue
            entries.append(self._entry(item))
        if top and not self.has_menu:
            # Only the default item matters on a backend without menus: the left click.
            entries = [e for e in entries if getattr(e, "default", False)]
        return pystray.Menu(*entries)

    def _entry(self, item: MenuItem) -> Any:
        pystray = self._pystray
        text = item.text.replace("_", "__") if self.backend == "appindicator" else item.text
        if item.children:
            return pystray.MenuItem(text, self._to_pystray(item.children), enabled=item.enabled)
        action = item.action
        handler = (lambda _icon, _item: self._on_action(action)) if action else None
        if item.checked is not None:
            checked = item.checked
            return pystray.MenuItem(
                text, handler, checked=lambda _item: checked, enabled=item.enabled, default=item.default
            )
        return pystray.MenuItem(text, handler, enabled=item.enabled, default=item.default)
