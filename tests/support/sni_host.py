"""A fake StatusNotifierWatcher + host (what KDE Plasma or GNOME's extension is to a tray item).

`FakeWatcherHost(address)` owns ``org.kde.StatusNotifierWatcher`` on a bus and answers
``RegisterStatusNotifierItem`` the way GNOME's extension does: it reads the item's properties
with ``GetAll`` *before* it replies (an item that cannot answer while it waits is dropped). It
records every registration and every signal from the item, and reads and drives the item as a
host does: properties, ``IconPixmap`` as an image, the dbusmenu layout, ``Event`` clicks and
``Activate``. Closing it (and starting another) is a watcher restart.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from jeepney import (
    DBusAddress,
    HeaderFields,
    MatchRule,
    Message,
    MessageType,
    new_error,
    new_method_call,
    new_method_return,
    new_signal,
)
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection as blocking_connection
from jeepney.io.threading import ReceiveStopped, open_dbus_connection
from PIL import Image

from tests.support.desktop import DesktopError, wait_for

WATCHER_NAME = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
ITEM_INTERFACE = "org.kde.StatusNotifierItem"
MENU_INTERFACE = "com.canonical.dbusmenu"
PROPERTIES = "org.freedesktop.DBus.Properties"


@dataclass(frozen=True)
class Registration:
    """One accepted RegisterStatusNotifierItem call and what GetAll said before the reply."""

    service: str
    path: str
    sender: str
    properties: dict[str, Any]
    time: float


@functools.cache
def status_notifier_icon_class() -> Any:
    """The app's tray icon class on the StatusNotifierItem backend, put together as shell/tray.py does.

    Without pystray loaded yet, it is imported with its dummy backend (the package picks and
    loads a backend on import, and the xorg one needs a display); the environment is left as
    it was.
    """
    if "pystray" not in sys.modules:
        saved = os.environ.get("PYSTRAY_BACKEND")
        os.environ["PYSTRAY_BACKEND"] = "dummy"
        try:
            import pystray._base
        finally:
            if saved is None:
                del os.environ["PYSTRAY_BACKEND"]
            else:
                os.environ["PYSTRAY_BACKEND"] = saved
    import pystray._base

    from trayapp.shell.dbus.sni import StatusNotifierBackend

    class StatusNotifierIcon(StatusNotifierBackend, pystray._base.Icon):  # type: ignore[misc]
        """pystray's Icon on the StatusNotifierItem backend."""

    return StatusNotifierIcon


def argb_to_image(width: int, height: int, data: bytes) -> Image.Image:
    """An RGBA image from one IconPixmap entry (ARGB32, network byte order)."""
    raw = bytes(data)
    if len(raw) != width * height * 4:
        raise ValueError(f"pixmap of {width}x{height} has {len(raw)} bytes")
    rgba = bytearray(len(raw))
    rgba[0::4] = raw[1::4]
    rgba[1::4] = raw[2::4]
    rgba[2::4] = raw[3::4]
    rgba[3::4] = raw[0::4]
    return Image.frombytes("RGBA", (width, height), bytes(rgba))


def unwrap(value: Any) -> Any:
    """A jeepney variant ``(signature, value)`` → value, recursively for dicts of variants."""
    if isinstance(value, dict):
        return {key: unwrap(item) for key, item in value.items()}
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        return value[1]
    return value


class FakeWatcherHost:
    """See the module docstring. Use as a context manager or `start()` / `close()`."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.registrations: list[Registration] = []
        self.signals: list[tuple[str, str, str, tuple[Any, ...]]] = []  # (sender, path, member, body)
        self._lock = threading.Lock()
        self._serve = open_dbus_connection(bus=address)
        self._client = blocking_connection(bus=address)
        self._client_lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="fake-watcher", daemon=True)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def start(self, timeout: float = 5.0) -> None:
        """Listen for item signals, then own the watcher name."""
        self._thread.start()
        for interface in (ITEM_INTERFACE, MENU_INTERFACE):
            self._serve.send(message_bus.AddMatch(MatchRule(type="signal", interface=interface)))
        self._serve.send(message_bus.RequestName(WATCHER_NAME, 0x4))
        wait_for(lambda: self.owner(WATCHER_NAME) == self._serve.unique_name, timeout, WATCHER_NAME)

    def close(self) -> None:
        """Leave the bus (the watcher name goes with the connection)."""
        self._serve.interrupt()  # the serving thread ends before the socket and its selector close
        self._thread.join(5)
        self._serve.close()
        self._client.close()

    # ------------------------------------------------------------------ serving the watcher

    def _loop(self) -> None:
        try:
            while True:
                msg = self._serve.receive()
                kind = msg.header.message_type
                if kind == MessageType.signal:
                    fields = msg.header.fields
                    record = (
                        str(fields.get(HeaderFields.sender, "")),
                        str(fields.get(HeaderFields.path, "")),
                        str(fields.get(HeaderFields.member, "")),
                        tuple(msg.body),
                    )
                    with self._lock:
                        self.signals.append(record)
                elif kind == MessageType.method_call:
                    self._serve.send(self._answer(msg))
        except (ReceiveStopped, OSError, EOFError):
            return

    def _answer(self, msg: Message) -> Message:
        fields = msg.header.fields
        member = fields.get(HeaderFields.member)
        interface = fields.get(HeaderFields.interface)
        if interface == WATCHER_NAME and member == "RegisterStatusNotifierItem":
            return self._register(msg)
        if interface == PROPERTIES and member == "Get":
            values = {
                "RegisteredStatusNotifierItems": ("as", [f"{r.service}{r.path}" for r in self.registrations]),
                "IsStatusNotifierHostRegistered": ("b", True),
                "ProtocolVersion": ("i", 0),
            }
            if msg.body[1] in values:
                return new_method_return(msg, "v", (values[msg.body[1]],))
        return new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", ("not served here",))

    def _register(self, msg: Message) -> Message:
        sender = str(msg.header.fields.get(HeaderFields.sender, ""))
        argument = str(msg.body[0])
        service, path = (sender, argument) if argument.startswith("/") else (argument, "/StatusNotifierItem")
        if self.owner(service) is None:  # GNOME refuses a name nobody owns
            return new_error(msg, "org.freedesktop.DBus.Error.ServiceUnknown", "s", (service,))
        # Like GNOME's extension: read the item before answering the registration.
        properties = self._call(service, path, PROPERTIES, "GetAll", "s", (ITEM_INTERFACE,))
        if properties is None:
            return new_error(msg, "org.freedesktop.DBus.Error.Failed", "s", ("the item did not answer",))
        with self._lock:
            self.registrations.append(Registration(service, path, sender, unwrap(properties[0]), time.time()))
        emitter = DBusAddress(WATCHER_PATH, interface=WATCHER_NAME)
        self._serve.send(new_signal(emitter, "StatusNotifierItemRegistered", "s", (f"{service}{path}",)))
        return new_method_return(msg)

    # ------------------------------------------------------------------ reading and driving the item

    def _call(
        self,
        service: str,
        path: str,
        interface: str,
        method: str,
        signature: str | None = None,
        body: tuple[Any, ...] = (),
        timeout: float = 5.0,
    ) -> tuple[Any, ...] | None:
        message = new_method_call(
            DBusAddress(path, bus_name=service, interface=interface), method, signature, body
        )
        with self._client_lock:
            try:
                reply = self._client.send_and_get_reply(message, timeout=timeout)
            except TimeoutError:
                return None
        if reply.header.message_type == MessageType.error:
            return None
        return tuple(reply.body)

    def call(
        self, path: str, interface: str, method: str, signature: str | None = None, body: tuple[Any, ...] = ()
    ) -> tuple[Any, ...]:
        """Call a method on the last registered item; the reply body (DesktopError on an error)."""
        item = self.item()
        reply = self._call(item.service, path, interface, method, signature, body)
        if reply is None:
            raise DesktopError(f"{interface}.{method} on {path} failed or timed out")
        return reply

    def owner(self, name: str) -> str | None:
        """The unique name owning `name`, or None."""
        with self._client_lock:
            reply = self._client.send_and_get_reply(message_bus.GetNameOwner(name), timeout=5)
        return str(reply.body[0]) if reply.header.message_type == MessageType.method_return else None

    def item(self) -> Registration:
        """The last registration (DesktopError when none)."""
        with self._lock:
            if not self.registrations:
                raise DesktopError("no item registered")
            return self.registrations[-1]

    def wait_for_registration(self, count: int = 1, timeout: float = 10.0) -> Registration:
        """Wait until `count` registrations were accepted; the last one."""
        wait_for(lambda: len(self.registrations) >= count, timeout, f"{count} item registration(s)")
        return self.item()

    def properties(self) -> dict[str, Any]:
        """The item's properties now (GetAll), unwrapped."""
        item = self.item()
        return dict(unwrap(self.call(item.path, PROPERTIES, "GetAll", "s", (ITEM_INTERFACE,))[0]))

    def get(self, name: str) -> Any:
        """One property through Properties.Get, unwrapped."""
        item = self.item()
        return unwrap(self.call(item.path, PROPERTIES, "Get", "ss", (ITEM_INTERFACE, name))[0])

    def icon_images(self) -> list[Image.Image]:
        """The IconPixmap entries as images."""
        return [argb_to_image(w, h, data) for w, h, data in self.properties()["IconPixmap"]]

    def menu_path(self) -> str:
        """The item's Menu object path."""
        return str(self.properties()["Menu"])

    def layout(self, parent: int = 0, depth: int = -1, names: list[str] | None = None) -> tuple[int, Any]:
        """GetLayout: (revision, (id, props, children)) with variants unwrapped."""
        revision, node = self.call(
            self.menu_path(), MENU_INTERFACE, "GetLayout", "iias", (parent, depth, names or [])
        )
        return revision, _plain_node(node)

    def click(self, item_id: int, gnome: bool = False) -> None:
        """Event(id, "clicked", …) as KDE (data <"">) or GNOME (data <int32 0>) sends it."""
        data = ("i", 0) if gnome else ("s", "")
        self.call(self.menu_path(), MENU_INTERFACE, "Event", "isvu", (item_id, "clicked", data, 0))

    def activate(self) -> None:
        """Activate(0, 0): a left click on KDE."""
        self.call(self.item().path, ITEM_INTERFACE, "Activate", "ii", (0, 0))

    def signals_named(self, member: str) -> list[tuple[Any, ...]]:
        """The bodies of the signals called `member` received so far."""
        with self._lock:
            return [body for _sender, _path, name, body in self.signals if name == member]

    def find(self, label: str) -> dict[str, Any]:
        """The menu node whose label is `label` (DesktopError when absent)."""
        for node in walk(self.layout()[1]):
            if node["props"].get("label") == label:
                return node
        raise DesktopError(f"no menu item labelled {label!r}")


def _plain_node(node: Any) -> dict[str, Any]:
    node_id, props, children = node
    return {"id": node_id, "props": unwrap(props), "children": [_plain_node(unwrap(c)) for c in children]}


def walk(node: dict[str, Any]) -> list[dict[str, Any]]:
    """A plain layout node and everything below it, depth first."""
    found = [node]
    for child in node["children"]:
        found += walk(child)
    return found
