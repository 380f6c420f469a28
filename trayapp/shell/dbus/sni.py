"""The tray icon as a StatusNotifierItem: a pystray backend over D-Bus (jeepney, no PyGObject).

KDE Plasma, GNOME with the AppIndicator extension, Cinnamon and the SNI plugins of XFCE/LXQt
show items registered with `org.kde.StatusNotifierWatcher`; the menu is exported through
com.canonical.dbusmenu (`menu.py`).

`StatusNotifierBackend` implements what a pystray backend must (`_run`, `_show`, `_hide`,
`_update_icon`, `_update_title`, `_update_menu`, `_notify`, `_stop`, ...). pystray's home is
`shell/tray.py`, so the icon class is put together there, mixin first::

    import pystray._base
    class StatusNotifierIcon(StatusNotifierBackend, pystray._base.Icon): ...

and keeps pystray's Icon/Menu/MenuItem API: `run(setup)`, `icon`, `title`, `menu`, `visible`,
`update_menu()`, `stop()`. Menu actions and `Activate` (the default menu item, as a left click
on other backends) run on the thread that called `run`, like pystray's own backends do.

The item owns `org.kde.StatusNotifierItem-<pid>-<n>` and registers that name (the form every
watcher accepts); it registers again whenever a new watcher appears on the bus.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from jeepney import DBusAddress, MatchRule, Message, new_method_call, new_method_return, new_signal

from trayapp.shell.dbus import WATCHER_NAME
from trayapp.shell.dbus import watcher_present as watcher_on_bus
from trayapp.shell.dbus.connection import (
    BUS_NAME,
    DBUS_PATH,
    INTROSPECTABLE,
    PROPERTIES,
    BusConnection,
    error_reply,
    interface_of,
    introspection_xml,
    is_error,
    member_of,
)
from trayapp.shell.dbus.menu import MENU_PATH, DBusMenu

log = logging.getLogger(__name__)

WATCHER_PATH = "/StatusNotifierWatcher"
ITEM_INTERFACE = "org.kde.StatusNotifierItem"
ITEM_PATH = "/StatusNotifierItem"
PIXMAP_SIZES: tuple[int, ...] = (22, 24, 32, 48, 64)
DEFAULT_ID = "trayapp"
_LANCZOS = 1  # PIL.Image.Resampling.LANCZOS (PIL is imported by shell/icons.py only)

Pixmap = tuple[int, int, bytes]

INTROSPECTION = introspection_xml(
    """  <interface name="org.kde.StatusNotifierItem">
    <property name="Category" type="s" access="read"/>
    <property name="Id" type="s" access="read"/>
    <property name="Title" type="s" access="read"/>
    <property name="Status" type="s" access="read"/>
    <property name="WindowId" type="i" access="read"/>
    <property name="IconThemePath" type="s" access="read"/>
    <property name="IconName" type="s" access="read"/>
    <property name="IconPixmap" type="a(iiay)" access="read"/>
    <property name="OverlayIconName" type="s" access="read"/>
    <property name="OverlayIconPixmap" type="a(iiay)" access="read"/>
    <property name="AttentionIconName" type="s" access="read"/>
    <property name="AttentionIconPixmap" type="a(iiay)" access="read"/>
    <property name="AttentionMovieName" type="s" access="read"/>
    <property name="ToolTip" type="(sa(iiay)ss)" access="read"/>
    <property name="ItemIsMenu" type="b" access="read"/>
    <property name="Menu" type="o" access="read"/>
    <method name="ContextMenu">
      <arg name="x" type="i" direction="in"/><arg name="y" type="i" direction="in"/>
    </method>
    <method name="Activate">
      <arg name="x" type="i" direction="in"/><arg name="y" type="i" direction="in"/>
    </method>
    <method name="SecondaryActivate">
      <arg name="x" type="i" direction="in"/><arg name="y" type="i" direction="in"/>
    </method>
    <method name="Scroll">
      <arg name="delta" type="i" direction="in"/><arg name="orientation" type="s" direction="in"/>
    </method>
    <signal name="NewTitle"/>
    <signal name="NewIcon"/>
    <signal name="NewAttentionIcon"/>
    <signal name="NewOverlayIcon"/>
    <signal name="NewToolTip"/>
    <signal name="NewStatus"><arg name="status" type="s"/></signal>
  </interface>
"""
)

_item_numbers = itertools.count(1)


def rgba_to_argb(data: bytes) -> bytes:
    """RGBA pixel bytes reordered as ARGB32 in network byte order (A, R, G, B per pixel)."""
    out = bytearray(len(data))
    out[0::4] = data[3::4]
    out[1::4] = data[0::4]
    out[2::4] = data[1::4]
    out[3::4] = data[2::4]
    return bytes(out)


def argb_pixmaps(image: Any, sizes: tuple[int, ...] = PIXMAP_SIZES) -> list[Pixmap]:
    """`IconPixmap` values of a PIL image: (width, height, ARGB32 bytes) at each size, smallest first."""
    rgba = image.convert("RGBA")
    pixmaps = []
    for size in sorted(sizes):
        scaled = rgba if rgba.size == (size, size) else rgba.resize((size, size), _LANCZOS)
        pixmaps.append((size, size, rgba_to_argb(scaled.tobytes())))
    return pixmaps


def watcher_present(bus: BusConnection | None = None, address: str = "SESSION") -> bool:
    """Whether a StatusNotifierWatcher is on the session bus now (False without a bus)."""
    if bus is not None:
        return bus.name_has_owner(WATCHER_NAME)
    return watcher_on_bus(address)


class StatusNotifierBackend:
    """The StatusNotifierItem backend of a pystray Icon (a mixin: see the module docstring).

    Besides pystray's API: `needs_attention` (True shows the item as NeedsAttention, e.g.
    during an outage), `registered` (an Event set while a watcher has accepted the item) and
    `bus_address` (keyword argument; default: the session bus).
    """

    if TYPE_CHECKING:  # what pystray's Icon provides
        _icon: Any
        _menu: Any
        _icon_valid: bool
        title: str

        def _mark_ready(self) -> None: ...
        def update_menu(self) -> None: ...
        def __call__(self) -> None: ...

    HAS_DEFAULT_ACTION = True
    HAS_MENU = True
    HAS_MENU_RADIO = True
    HAS_NOTIFICATION = True

    def __init__(
        self,
        name: str,
        icon: Any = None,
        title: str | None = None,
        menu: Any = None,
        *,
        bus_address: str = "SESSION",
        **kwargs: Any,
    ) -> None:
        self.bus_address = bus_address
        self.registered = threading.Event()
        self._bus: BusConnection | None = None
        self._dbus_menu: DBusMenu | None = None
        self._notifier: Any = None
        self._tasks: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._state_lock = threading.Lock()
        self._pixmaps: list[Pixmap] = []
        self._needs_attention = False
        self._item_name: str | None = None
        self._no_watcher_logged = False
        super().__init__(name, icon, title, menu, **kwargs)  # type: ignore[call-arg]
        self._id = name or DEFAULT_ID

    # ------------------------------------------------------------------ the app's side

    @property
    def item_name(self) -> str | None:
        """The bus name the item is registered under while shown."""
        return self._item_name

    @property
    def needs_attention(self) -> bool:
        """Whether the item asks for attention (Status NeedsAttention instead of Active)."""
        return self._needs_attention

    @needs_attention.setter
    def needs_attention(self, value: bool) -> None:
        if value != self._needs_attention:
            self._needs_attention = value
            self._emit("NewStatus", "s", (self._status(),))

    def _status(self) -> str:
        return "NeedsAttention" if self._needs_attention else "Active"

    # ------------------------------------------------------------------ pystray backend

    def _run(self) -> None:
        self._start()
        self._mark_ready()
        self._loop()

    def _run_detached(self) -> None:
        self._start()
        self._mark_ready()
        threading.Thread(target=self._loop, name="trayapp-sni", daemon=True).start()

    def _loop(self) -> None:
        while (task := self._tasks.get()) is not None:
            try:
                task()
            except Exception:
                log.exception("a tray menu action failed")
        self._shutdown()

    def _stop(self) -> None:
        self._tasks.put(None)

    def _start(self) -> None:
        bus = BusConnection.open(self.bus_address)
        if bus is None:
            log.warning("no D-Bus session bus: the StatusNotifierItem cannot be shown")
            return
        self._bus = bus
        self._dbus_menu = DBusMenu(bus, lambda: self._menu, self._activate_item, MENU_PATH)
        self._dbus_menu.export()
        bus.export(ITEM_PATH, self._handle)
        rule = MatchRule(
            type="signal", sender=BUS_NAME, interface=BUS_NAME, member="NameOwnerChanged", path=DBUS_PATH
        )
        rule.add_arg_condition(0, WATCHER_NAME)
        bus.subscribe(rule, self._on_watcher_changed)

    def _shutdown(self) -> None:
        self._hide()
        bus, self._bus = self._bus, None
        if bus is not None:
            bus.close()

    def _show(self) -> None:
        bus = self._bus
        if bus is None:
            return
        if self._item_name is None:
            name = f"org.kde.StatusNotifierItem-{os.getpid()}-{next(_item_numbers)}"
            if not bus.request_name(name):
                log.warning("cannot own %s on the session bus; the tray icon is not shown", name)
                return
            self._item_name = name
        self._register()

    def _hide(self) -> None:
        # A watcher forgets an item when its name goes away; there is no unregister call.
        name, self._item_name = self._item_name, None
        self.registered.clear()
        if name is not None and self._bus is not None:
            self._bus.release_name(name)

    def _update_icon(self) -> None:
        pixmaps = argb_pixmaps(self._icon) if self._icon else []
        with self._state_lock:
            self._pixmaps = pixmaps
        self._icon_valid = True
        self._emit("NewIcon")

    def _update_title(self) -> None:
        self._emit("NewTitle")
        self._emit("NewToolTip")

    def _update_menu(self) -> None:
        if self._dbus_menu is not None:
            self._dbus_menu.refresh()

    def _notify(self, message: str, title: str | None = None) -> None:
        from trayapp.core.notices import Notice
        from trayapp.shell.dbus.notifications import DBusNotifier

        if self._bus is None:
            return
        if self._notifier is None:
            self._notifier = DBusNotifier(bus=self._bus)
        self._notifier.send(Notice("summary", title or self.title, message))

    def _remove_notification(self) -> None:
        """Nothing to do: notifications sent here expire on their own."""

    # ------------------------------------------------------------------ watcher

    def _register(self) -> None:
        bus, name = self._bus, self._item_name
        if bus is None or name is None:
            return
        address = DBusAddress(WATCHER_PATH, bus_name=WATCHER_NAME, interface=WATCHER_NAME)
        message = new_method_call(address, "RegisterStatusNotifierItem", "s", (name,))

        def registered(reply: Message | None) -> None:
            if reply is not None and not is_error(reply):
                log.info("registered the tray icon as %s", name)
                self._no_watcher_logged = False
                self.registered.set()
            elif not self._no_watcher_logged:
                self._no_watcher_logged = True
                log.info("no StatusNotifierWatcher took the tray icon; waiting for one")

        # Asynchronous: GNOME's watcher reads the item's properties before it answers.
        bus.call_async(message, registered)

    def _on_watcher_changed(self, msg: Message) -> None:
        _name, _old, new = msg.body
        self.registered.clear()
        if new and self._item_name is not None:
            log.info("a new StatusNotifierWatcher appeared; registering the tray icon again")
            self._register()

    # ------------------------------------------------------------------ D-Bus side (dispatcher thread)

    def _emit(self, signal: str, signature: str | None = None, body: tuple[Any, ...] = ()) -> None:
        bus = self._bus
        if bus is not None and self._item_name is not None:
            bus.send(new_signal(DBusAddress(ITEM_PATH, interface=ITEM_INTERFACE), signal, signature, body))

    def _activate_item(self, item: Any) -> None:
        def run() -> None:
            try:
                item(self)
            finally:
                self.update_menu()

        self._tasks.put(run)

    def _properties(self) -> dict[str, tuple[str, Any]]:
        with self._state_lock:
            pixmaps = list(self._pixmaps)
        title = str(self.title or "")
        return {
            "Category": ("s", "ApplicationStatus"),
            "Id": ("s", self._id),
            "Title": ("s", title),
            "Status": ("s", self._status()),
            "WindowId": ("i", 0),
            "IconThemePath": ("s", ""),
            "IconName": ("s", ""),
            "IconPixmap": ("a(iiay)", pixmaps),
            "OverlayIconName": ("s", ""),
            "OverlayIconPixmap": ("a(iiay)", []),
            "AttentionIconName": ("s", ""),
            "AttentionIconPixmap": ("a(iiay)", []),
            "AttentionMovieName": ("s", ""),
            "ToolTip": ("(sa(iiay)ss)", ("", [], title, "")),
            "ItemIsMenu": ("b", False),
            "Menu": ("o", MENU_PATH),
        }

    def _handle(self, msg: Message) -> Message | None:
        interface, member = interface_of(msg), member_of(msg)
        if interface in (None, INTROSPECTABLE) and member == "Introspect":
            return new_method_return(msg, "s", (INTROSPECTION,))
        if interface == PROPERTIES:
            return self._properties_call(msg, member)
        if interface not in (None, ITEM_INTERFACE):
            return None
        if member == "Activate":
            self._tasks.put(self._activate_default)
            return new_method_return(msg)
        if member in ("SecondaryActivate", "ContextMenu", "Scroll"):
            return new_method_return(msg)  # nothing to do: the menu comes from dbusmenu
        return None

    def _activate_default(self) -> None:
        log.debug("tray icon activated")
        self()  # pystray: the menu's default item, then update_menu()

    def _properties_call(self, msg: Message, member: str) -> Message | None:
        known = ("", ITEM_INTERFACE, "org.freedesktop.StatusNotifierItem")
        if member == "GetAll":
            wanted = msg.body[0] if msg.body else ""
            return new_method_return(msg, "a{sv}", (self._properties() if wanted in known else {},))
        if member == "Get" and len(msg.body) == 2:
            value = self._properties().get(msg.body[1]) if msg.body[0] in known else None
            if value is None:
                return error_reply(msg, "org.freedesktop.DBus.Error.UnknownProperty", str(msg.body[1]))
            return new_method_return(msg, "v", (value,))
        if member == "Set":
            return error_reply(msg, "org.freedesktop.DBus.Error.PropertyReadOnly", "read-only")
        return None
