"""The tray icon and its menu (the only pystray importer).

The backend is chosen at run time by what the desktop offers, and logged once with why:

- a StatusNotifierWatcher on the session bus (KDE Plasma, GNOME with the AppIndicator
  extension, Cinnamon, XFCE/LXQt with their SNI plugins): our StatusNotifierItem backend
  (`trayapp.shell.dbus.sni`, D-Bus through jeepney; no PyGObject, no AppIndicator library);
- else an XEmbed tray (`_NET_SYSTEM_TRAY_S<screen>` owned): pystray's GTK backend when
  PyGObject is there, else its xorg one (no menu: a left click opens the details page);
- else no tray host at all: the StatusNotifierItem waits on the bus (it registers by itself
  when a watcher appears), and a cheap check every few seconds moves the icon to an XEmbed tray
  as soon as one appears.

`PYSTRAY_BACKEND` still wins when set (`sni` names ours); Windows and macOS use pystray's own.
"""

from __future__ import annotations

import importlib
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
HOST_CHECK_SECONDS = 3.0

SNI = "sni"
XEMBED_BACKENDS = ("gtk", "xorg")


def _gi_available() -> bool:
    try:
        import gi

        gi.require_version("Gtk", "3.0")
        from gi.repository import Gtk  # noqa: F401
    except (ImportError, ValueError):
        return False
    return True


def status_notifier_watcher_present() -> bool:
    """Whether a StatusNotifierWatcher (an SNI tray host) owns its name on the session bus."""
    try:
        from trayapp.shell.dbus import watcher_present
    except ImportError as error:  # jeepney missing: a broken install, not a missing host
        log.debug("no D-Bus library: %s", error)
        return False
    try:
        return watcher_present()
    except Exception as error:  # noqa: BLE001 - any failure means "no watcher"
        log.debug("cannot ask the session bus for a StatusNotifierWatcher: %s", error)
        return False


def xembed_tray_present() -> bool:
    """Whether an XEmbed tray owns `_NET_SYSTEM_TRAY_S<screen>` on the X display."""
    if not os.environ.get("DISPLAY"):
        return False
    try:
        import Xlib.display

        display = Xlib.display.Display()
    except Exception as error:  # noqa: BLE001 - no X server, no XEmbed tray
        log.debug("cannot open the X display: %s", error)
        return False
    try:
        selection = display.intern_atom(f"_NET_SYSTEM_TRAY_S{display.get_default_screen()}")
        owner = display.get_selection_owner(selection)
        return int(getattr(owner, "id", owner)) != 0
    except Exception as error:  # noqa: BLE001
        log.debug("cannot read the tray selection: %s", error)
        return False
    finally:
        display.close()


def _xembed_backend() -> str:
    return "gtk" if _gi_available() else "xorg"


def choose_backend(platform: str = sys.platform) -> tuple[str | None, str, bool]:
    """The tray backend for this desktop: (backend, why, a tray host is there).

    The backend is None on Windows and macOS (pystray's own choice).
    """
    forced = os.environ.get("PYSTRAY_BACKEND")
    if forced:
        return forced, "PYSTRAY_BACKEND is set", True
    if platform.startswith(("win", "darwin")):
        return None, f"pystray's own backend on {platform}", True
    bus = bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS"))
    if bus and status_notifier_watcher_present():
        return SNI, "a StatusNotifierWatcher is on the session bus", True
    if xembed_tray_present():
        backend = _xembed_backend()
        why = "PyGObject is there" if backend == "gtk" else "PyGObject is not installed: no menu"
        return backend, f"no StatusNotifierWatcher, an XEmbed tray is there; {why}", True
    if bus:
        return SNI, "no tray host yet: waiting on the session bus for a StatusNotifierWatcher", False
    return "xorg", "no D-Bus session bus and no tray host: the plain X11 icon", False


def _status_notifier_icon_class(pystray_base: Any) -> Any:
    from trayapp.shell.dbus.sni import StatusNotifierBackend

    class StatusNotifierIcon(StatusNotifierBackend, pystray_base.Icon):  # type: ignore[misc]
        """pystray's Icon on trayapp's StatusNotifierItem backend."""

    return StatusNotifierIcon


def _import_pystray(backend: str | None) -> Any:
    """pystray, imported with `backend` (ours, `sni`, loads pystray's dummy one)."""
    if "pystray" in sys.modules:
        import pystray

        return pystray
    saved = os.environ.get("PYSTRAY_BACKEND")
    if backend is not None:
        # pystray loads its backend on import, and the xorg one needs a display.
        os.environ["PYSTRAY_BACKEND"] = "dummy" if backend == SNI else backend
    try:
        import pystray
    finally:
        if backend == SNI:
            if saved is None:
                os.environ.pop("PYSTRAY_BACKEND", None)
            else:
                os.environ["PYSTRAY_BACKEND"] = saved
    return pystray


def _lazy_menu_gtk_icon_class(gtk_icon: Any) -> Any:
    class LazyMenuGtkIcon(gtk_icon):  # type: ignore[misc]
        """pystray's GTK icon, whose native menu is built when it is opened, if it changed since.

        pystray rebuilds the whole Gtk.Menu at every change, on the GTK main loop (about
        1.5 ms). The menu's "Last checked" line changes with every minute's poll and the menu
        is seldom opened: it is built in the popup handler instead, on the main loop, just
        before it is shown.
        """

        _menu_stale = True
        _menu_handle: Any = None  # pystray made it in the `_update_menu` replaced here

        def _update_menu(self) -> None:
            self._menu_stale = True  # pystray's version would rebuild now, on the main loop

        def _on_status_icon_popup_menu(self, status_icon: Any, button: Any, activate_time: Any) -> None:
            if self._menu_stale:
                self._menu_stale = False
                self._menu_handle = self._create_menu(self.menu)
            super()._on_status_icon_popup_menu(status_icon, button, activate_time)

    return LazyMenuGtkIcon


def icon_class(backend: str | None) -> Any:
    """The pystray Icon class of `backend` (None: the one pystray picked on import)."""
    pystray = _import_pystray(backend)
    if backend is None or os.environ.get("PYSTRAY_BACKEND") == backend:
        chosen = pystray.Icon  # the one pystray loaded on import
    elif backend == SNI:
        return _status_notifier_icon_class(importlib.import_module("pystray._base"))
    else:
        chosen = importlib.import_module(f"pystray._{backend}").Icon
    if chosen.__module__ == "pystray._gtk":
        return _lazy_menu_gtk_icon_class(chosen)
    return chosen


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
        backend, why, self.host_found = choose_backend()
        self._on_action = on_action
        self._menu_model: tuple[MenuItem, ...] | None = None
        self._image = first_image
        self._title = title
        self._attention = False
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._docked = threading.Event()
        self._switch_to: str | None = None
        self._quit_on: tuple[tuple[int, ...], Callable[[], None]] | None = None
        self._wake_read, self._wake_write = (-1, -1)
        self.was_up = False
        self.backend = ""
        self.icon: Any = None
        self._make_icon(backend)
        log.info("tray backend: %s (%s)", self.backend, why)

    def _make_icon(self, backend: str | None) -> None:
        """Make the icon on `backend`, showing what the last one showed."""
        cls = icon_class(backend)
        self._pystray = sys.modules["pystray"]
        self.backend = backend or cls.__module__.rsplit("_", 1)[-1]
        if self.backend == "xorg" and self._wake_read < 0:
            self._wake_read, self._wake_write = os.pipe()
        menu = self._to_pystray(self._menu_model, top=True, cls=cls) if self._menu_model else None
        self.icon = cls("trayapp", self._image, self._safe_title(self._title), menu)
        if self.backend == SNI:
            self.icon.needs_attention = self._attention
        self.has_menu = bool(getattr(self.icon, "HAS_MENU", True))
        self.has_default_action = bool(getattr(self.icon, "HAS_DEFAULT_ACTION", True))
        if not self.has_menu:
            log.warning(
                "the %s tray backend has no menu: a left click opens the details page "
                "(install PyGObject for a menu, or use a desktop with a StatusNotifierItem tray)",
                self.backend,
            )

    def _safe_title(self, title: str) -> str:
        if sys.platform == "win32":
            from trayapp.shell import windows

            return windows.tooltip(title)
        return latin1_title(title) if self.backend == "xorg" else title

    def has_host(self) -> bool:
        """Whether a tray host shows the icon now (an SNI watcher took it, or an XEmbed tray is there)."""
        if self.backend == SNI:
            registered = getattr(self.icon, "registered", None)
            return bool(registered is not None and registered.is_set())
        if self.backend in XEMBED_BACKENDS:
            return xembed_tray_present()
        return True

    def run(self, setup: Callable[[], None]) -> None:
        """Run the icon's loop in this (main) thread; `setup` runs once it is up.

        Without a tray host the loop is left when an XEmbed tray appears, and run again on
        an icon made for it; `setup` still runs once.
        """
        set_up = threading.Event()

        def on_setup(icon: Any) -> None:
            self.was_up = True
            if self.backend == "xorg":
                self._wait_for_xorg_loop()
            if sys.platform == "darwin":
                from trayapp.shell import macos

                macos.show_icon(icon)  # AppKit: from the main thread only
            else:
                icon.visible = True
            if self.backend == "xorg":
                threading.Thread(target=self._xembed_helper, name="trayapp-xembed", daemon=True).start()
            if set_up.is_set() and self._quit_on is not None:
                self.quit_on_signals(*self._quit_on)  # the icon moved to another backend
            if not set_up.is_set():
                set_up.set()
                if not self.host_found:
                    threading.Thread(target=self._wait_for_host, name="trayapp-host", daemon=True).start()
                setup()

        while True:
            try:
                self.icon.run(setup=on_setup)
            except Exception as error:
                if not self.was_up:
                    raise
                # pystray's GTK backend talks to the notification server while closing; a
                # missing server must not turn a clean quit into a crash.
                log.warning("the tray backend failed while closing: %s", error)
            with self._lock:
                switch_to, self._switch_to = self._switch_to, None
                if switch_to is None or self._stopping.is_set():
                    return
                self._make_icon(switch_to)

    def _wait_for_host(self) -> None:
        """Without a tray host: look every few seconds for one, and move the icon to an XEmbed tray.

        A StatusNotifierItem registers by itself when a watcher appears; an XEmbed tray needs
        an icon of another backend, so the loop is left and `run` makes one.
        """
        while not self._stopping.wait(HOST_CHECK_SECONDS):
            if self.has_host():
                log.info("a tray host appeared: the icon is shown (%s)", self.backend)
                self.host_found = True
                return
            if self.backend == SNI and xembed_tray_present():
                backend = _xembed_backend()
                log.info("an XEmbed tray appeared: moving the icon to the %s backend", backend)
                with self._lock:
                    self._switch_to = backend
                    icon = self.icon
                self.host_found = True
                icon.stop()
                return

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

    def show(self, image: Any, title: str, menu: tuple[MenuItem, ...], attention: bool = False) -> None:
        """Update what changed (image, title, menu, asking for attention), nothing else.

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
            if attention != self._attention:
                self._attention = attention
                if self.backend == SNI:
                    self.icon.needs_attention = attention  # Status NeedsAttention during an outage

    def quit_on_signals(self, signals: tuple[int, ...], quit_app: Callable[[], None]) -> None:
        """On the GTK backends (a GLib loop in C; pystray resets SIGINT), let GLib catch `signals`.

        Asked again of an icon moved to another backend.
        """
        self._quit_on = (signals, quit_app)
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
        with self._lock:
            icon = self.icon
        icon.stop()

    def _to_pystray(self, items: tuple[MenuItem, ...], top: bool = False, cls: Any = None) -> Any:
        pystray = self._pystray
        entries: list[Any] = []
        for item in items:
            if item == SEPARATOR:
                entries.append(pystray.Menu.SEPARATOR)
                continue
            entries.append(self._entry(item))
        has_menu = bool(getattr(cls, "HAS_MENU", True)) if cls is not None else self.has_menu
        if top and not has_menu:
            # Only the default item matters on a backend without menus: the left click.
            entries = [e for e in entries if getattr(e, "default", False)]
        return pystray.Menu(*entries)

    def _entry(self, item: MenuItem) -> Any:
        pystray = self._pystray
        text = item.text
        if self.backend == "appindicator":
            text = text.replace("_", "__")  # a mnemonic marker there (dbus/menu.py does it for ours)
        elif sys.platform == "win32":
            from trayapp.shell import windows

            text = windows.menu_label(text)
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
