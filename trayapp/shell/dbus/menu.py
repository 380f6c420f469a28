"""The tray menu over com.canonical.dbusmenu, built from a pystray Menu.

The layout is rebuilt from the pystray menu whenever the app updates it (and when a host is
about to show it, since pystray items may compute their text or state on the fly). Ids are given
in depth-first order, so an unchanged menu keeps its ids; every change bumps the revision and
emits `LayoutUpdated` (and `ItemsPropertiesUpdated` when only properties changed).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from jeepney import DBusAddress, Message, new_method_return, new_signal

from trayapp.shell.dbus.connection import (
    INTROSPECTABLE,
    PROPERTIES,
    BusConnection,
    error_reply,
    interface_of,
    introspection_xml,
    member_of,
)

log = logging.getLogger(__name__)

INTERFACE = "com.canonical.dbusmenu"
MENU_PATH = "/MenuBar"
INVALID_ARGS = "org.freedesktop.DBus.Error.InvalidArgs"
UNKNOWN_PROPERTY = "org.freedesktop.DBus.Error.UnknownProperty"
VERSION = 3
LAYOUT_SIGNATURE = "(ia{sv}av)"

Variant = tuple[str, Any]
Props = dict[str, Variant]

INTROSPECTION = introspection_xml(
    """  <interface name="com.canonical.dbusmenu">
    <property name="Version" type="u" access="read"/>
    <property name="TextDirection" type="s" access="read"/>
    <property name="Status" type="s" access="read"/>
    <property name="IconThemePath" type="as" access="read"/>
    <method name="GetLayout">
      <arg type="i" name="parentId" direction="in"/>
      <arg type="i" name="recursionDepth" direction="in"/>
      <arg type="as" name="propertyNames" direction="in"/>
      <arg type="u" name="revision" direction="out"/>
      <arg type="(ia{sv}av)" name="layout" direction="out"/>
    </method>
    <method name="GetGroupProperties">
      <arg type="ai" name="ids" direction="in"/>
      <arg type="as" name="propertyNames" direction="in"/>
      <arg type="a(ia{sv})" name="properties" direction="out"/>
    </method>
    <method name="GetProperty">
      <arg type="i" name="id" direction="in"/>
      <arg type="s" name="name" direction="in"/>
      <arg type="v" name="value" direction="out"/>
    </method>
    <method name="Event">
      <arg type="i" name="id" direction="in"/>
      <arg type="s" name="eventId" direction="in"/>
      <arg type="v" name="data" direction="in"/>
      <arg type="u" name="timestamp" direction="in"/>
    </method>
    <method name="EventGroup">
      <arg type="a(isvu)" name="events" direction="in"/>
      <arg type="ai" name="idErrors" direction="out"/>
    </method>
    <method name="AboutToShow">
      <arg type="i" name="id" direction="in"/>
      <arg type="b" name="needUpdate" direction="out"/>
    </method>
    <method name="AboutToShowGroup">
      <arg type="ai" name="ids" direction="in"/>
      <arg type="ai" name="updatesNeeded" direction="out"/>
      <arg type="ai" name="idErrors" direction="out"/>
    </method>
    <signal name="ItemsPropertiesUpdated">
      <arg type="a(ia{sv})" name="updatedProps"/>
      <arg type="a(ias)" name="removedProps"/>
    </signal>
    <signal name="LayoutUpdated">
      <arg type="u" name="revision"/>
      <arg type="i" name="parent"/>
    </signal>
    <signal name="ItemActivationRequested">
      <arg type="i" name="id"/>
      <arg type="u" name="timestamp"/>
    </signal>
  </interface>
"""
)


@dataclass
class Node:
    """One menu entry as dbusmenu sees it (id 0 is the root); `item` is the pystray item."""

    id: int
    props: Props
    children: tuple[Node, ...] = ()
    item: Any = field(default=None, compare=False, repr=False)

    def walk(self) -> Iterator[Node]:
        """This node and all below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


def escape_label(text: str) -> str:
    """A label with literal underscores (dbusmenu reads one `_` as a mnemonic mark)."""
    return text.replace("_", "__")


def _item_props(item: Any) -> Props:
    props: Props = {
        "label": ("s", escape_label(str(item.text))),
        "enabled": ("b", bool(item.enabled)),
        "visible": ("b", True),  # pystray leaves invisible items out of the menu
    }
    if item.submenu is not None:
        props["children-display"] = ("s", "submenu")
    checked = item.checked
    if checked is not None:
        props["toggle-type"] = ("s", "radio" if item.radio else "checkmark")
        props["toggle-state"] = ("i", 1 if checked else 0)
    return props


def build_layout(menu: Any | None) -> Node:
    """The dbusmenu tree of a pystray Menu (None: an empty menu)."""
    counter = iter(range(1, 1 << 31))

    def entries(submenu: Any | None) -> tuple[Node, ...]:
        if submenu is None:
            return ()
        separator = getattr(submenu, "SEPARATOR", None)
        nodes: list[Node] = []
        for item in submenu:  # pystray's iteration drops invisible items and extra separators
            node_id = next(counter)
            if item is separator:
                nodes.append(Node(node_id, {"type": ("s", "separator"), "visible": ("b", True)}, (), item))
                continue
            props = _item_props(item)
            nodes.append(Node(node_id, props, entries(item.submenu), item))
        return tuple(nodes)

    return Node(0, {"children-display": ("s", "submenu")}, entries(menu))


def _filtered(props: Props, names: list[str]) -> Props:
    return {key: value for key, value in props.items() if not names or key in names}


def layout_struct(node: Node, depth: int, names: list[str]) -> tuple[int, Props, list[Variant]]:
    """The `(ia{sv}av)` value of `node`, `depth` levels deep (-1: all)."""
    children: list[Variant] = []
    if depth != 0:
        children = [(LAYOUT_SIGNATURE, layout_struct(child, depth - 1, names)) for child in node.children]
    return node.id, _filtered(node.props, names), children


def _structure(node: Node) -> list[tuple[int, tuple[int, ...]]]:
    return [(n.id, tuple(c.id for c in n.children)) for n in node.walk()]


class DBusMenu:
    """Serves com.canonical.dbusmenu for a pystray menu at `path` on `bus`.

    `menu_source()` gives the current pystray Menu (or None); `activate(item)` runs a clicked
    item's action (off the dispatcher thread: it is the app's code).
    """

    def __init__(
        self,
        bus: BusConnection,
        menu_source: Callable[[], Any | None],
        activate: Callable[[Any], None],
        path: str = MENU_PATH,
    ) -> None:
        self.bus = bus
        self.path = path
        self._menu_source = menu_source
        self._activate = activate
        self._lock = threading.Lock()
        self.revision = 1
        self.root = build_layout(menu_source())
        self._by_id = {node.id: node for node in self.root.walk()}

    def export(self) -> None:
        """Start answering calls at `path`."""
        self.bus.export(self.path, self.handle)

    def refresh(self) -> bool:
        """Rebuild from the pystray menu; emit the change signals and return True if anything changed."""
        try:
            root = build_layout(self._menu_source())
        except Exception:
            log.exception("reading the tray menu failed")
            return False
        with self._lock:
            old = self.root
            if root == old:
                return False
            self.root = root
            self._by_id = {node.id: node for node in root.walk()}
            self.revision += 1
            revision = self.revision
        emitter = DBusAddress(self.path, interface=INTERFACE)
        if _structure(root) == _structure(old):
            old_props = {node.id: node.props for node in old.walk()}
            changed = [(node.id, node.props) for node in root.walk() if old_props.get(node.id) != node.props]
            self.bus.send(new_signal(emitter, "ItemsPropertiesUpdated", "a(ia{sv})a(ias)", (changed, [])))
        self.bus.send(new_signal(emitter, "LayoutUpdated", "ui", (revision, 0)))
        return True

    # ------------------------------------------------------------------ method calls (dispatcher thread)

    def handle(self, msg: Message) -> Message | None:
        """Answer one method call on the menu object."""
        interface, member = interface_of(msg), member_of(msg)
        if interface in (None, INTROSPECTABLE) and member == "Introspect":
            return new_method_return(msg, "s", (INTROSPECTION,))
        if interface == PROPERTIES:
            return self._properties(msg, member)
        if interface not in (None, INTERFACE):
            return None
        handler = {
            "GetLayout": self._get_layout,
            "GetGroupProperties": self._get_group_properties,
            "GetProperty": self._get_property,
            "Event": self._event,
            "EventGroup": self._event_group,
            "AboutToShow": self._about_to_show,
            "AboutToShowGroup": self._about_to_show_group,
        }.get(member)
        return None if handler is None else handler(msg)

    def _menu_properties(self) -> Props:
        return {
            "Version": ("u", VERSION),
            "TextDirection": ("s", "ltr"),
            "Status": ("s", "normal"),
            "IconThemePath": ("as", []),
        }

    def _properties(self, msg: Message, member: str) -> Message | None:
        props = self._menu_properties()
        if member == "GetAll":
            wanted = msg.body[0] if msg.body else ""
            return new_method_return(msg, "a{sv}", (props if wanted in ("", INTERFACE) else {},))
        if member == "Get" and len(msg.body) == 2:
            value = props.get(msg.body[1]) if msg.body[0] in ("", INTERFACE) else None
            if value is None:
                return error_reply(msg, UNKNOWN_PROPERTY, f"no property {msg.body[1]}")
            return new_method_return(msg, "v", (value,))
        if member == "Set":
            return error_reply(msg, "org.freedesktop.DBus.Error.PropertyReadOnly", "read-only")
        return None

    def _node(self, node_id: int) -> Node | None:
        with self._lock:
            return self._by_id.get(node_id)

    def _get_layout(self, msg: Message) -> Message:
        parent_id, depth, names = msg.body
        node = self._node(parent_id)
        if node is None:
            return error_reply(msg, INVALID_ARGS, f"no menu item {parent_id}")
        with self._lock:
            revision = self.revision
        return new_method_return(
            msg, "u" + LAYOUT_SIGNATURE, (revision, layout_struct(node, depth, list(names)))
        )

    def _get_group_properties(self, msg: Message) -> Message:
        ids, names = msg.body
        with self._lock:
            nodes = (
                list(self._by_id.values()) if not ids else [self._by_id[i] for i in ids if i in self._by_id]
            )
        found = [(node.id, _filtered(node.props, list(names))) for node in nodes]
        return new_method_return(msg, "a(ia{sv})", (found,))

    def _get_property(self, msg: Message) -> Message:
        node_id, name = msg.body
        node = self._node(node_id)
        if node is None or name not in node.props:
            return error_reply(msg, INVALID_ARGS, f"no property {name} on menu item {node_id}")
        return new_method_return(msg, "v", (node.props[name],))

    def _click(self, node_id: int, event_id: str) -> bool:
        """Act on one event; False for an unknown id."""
        node = self._node(node_id)
        if node is None:
            return False
        clickable = node.id != 0 and not node.children and node.props.get("type") is None
        if event_id == "clicked" and clickable and node.props.get("enabled", ("b", True))[1]:
            self._activate(node.item)
        return True

    def _event(self, msg: Message) -> Message:
        node_id, event_id, _data, _timestamp = msg.body  # data: <""> from KDE, <int32 0> from GNOME
        if not self._click(node_id, event_id):
            return error_reply(msg, INVALID_ARGS, f"no menu item {node_id}")
        return new_method_return(msg)

    def _event_group(self, msg: Message) -> Message:
        errors = [node_id for node_id, event_id, _d, _t in msg.body[0] if not self._click(node_id, event_id)]
        return new_method_return(msg, "ai", (errors,))

    def _about_to_show(self, msg: Message) -> Message:
        node_id = msg.body[0]
        if self._node(node_id) is None:
            return error_reply(msg, INVALID_ARGS, f"no menu item {node_id}")
        return new_method_return(msg, "b", (self.refresh(),))

    def _about_to_show_group(self, msg: Message) -> Message:
        ids = list(msg.body[0])
        changed = self.refresh()
        errors = [node_id for node_id in ids if self._node(node_id) is None]
        updates = [node_id for node_id in ids if changed and node_id not in errors]
        return new_method_return(msg, "aiai", (updates, errors))
