"""A recording freedesktop notification server for the end-to-end tests.

Run as ``python -m tests.support.notify_recorder <jsonl path>`` with
``DBUS_SESSION_BUS_ADDRESS`` pointing at a private session bus (or pass the bus
address with ``--bus``). It owns ``org.freedesktop.Notifications`` and answers:

- ``Notify``: appends one JSON object per call to ``<jsonl path>`` (``id``, ``app_name``,
  ``replaces_id``, ``app_icon``, ``summary``, ``body``, ``actions``, ``hints`` made JSON-safe,
  ``hint_signatures``, ``expire_timeout``, ``sender``, ``time``) and returns the notification id;
- ``GetCapabilities``, ``GetServerInformation``;
- ``CloseNotification``: appends ``{"id": ..., "time": ...}`` to ``<jsonl path stem>.closed.jsonl``
  and emits ``NotificationClosed(id, 3)``;
- ``Introspect`` and ``Peer.Ping``, so that dbus-python (plyer's path) learns the signatures.

Readiness: the name is owned on the bus (callers poll ``NameHasOwner``); it also prints
``ready`` on stdout once the name is acquired. It exits on SIGTERM/SIGINT or when the bus goes away.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from jeepney import (
    DBusAddress,
    HeaderFields,
    Message,
    MessageFlag,
    MessageType,
    new_error,
    new_method_return,
    new_signal,
)
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import DBusConnection, open_dbus_connection

BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"
INTERFACE = "org.freedesktop.Notifications"
CAPABILITIES = ["body", "body-markup", "icon-static", "actions"]
SERVER_INFORMATION = ("trayapp-notify-recorder", "trayapp tests", "1.0", "1.2")
CLOSED_BY_CALL = 3
NOTIFY_SIGNATURE = "susssasa{sv}i"

INTROSPECTION = """<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node>
  <interface name="org.freedesktop.DBus.Introspectable">
    <method name="Introspect"><arg name="xml" type="s" direction="out"/></method>
  </interface>
  <interface name="org.freedesktop.DBus.Peer">
    <method name="Ping"/>
    <method name="GetMachineId"><arg name="machine_uuid" type="s" direction="out"/></method>
  </interface>
  <interface name="org.freedesktop.Notifications">
    <method name="GetCapabilities"><arg name="capabilities" type="as" direction="out"/></method>
    <method name="Notify">
      <arg name="app_name" type="s" direction="in"/>
      <arg name="replaces_id" type="u" direction="in"/>
      <arg name="app_icon" type="s" direction="in"/>
      <arg name="summary" type="s" direction="in"/>
      <arg name="body" type="s" direction="in"/>
      <arg name="actions" type="as" direction="in"/>
      <arg name="hints" type="a{sv}" direction="in"/>
      <arg name="expire_timeout" type="i" direction="in"/>
      <arg name="id" type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg name="id" type="u" direction="in"/></method>
    <method name="GetServerInformation">
      <arg name="name" type="s" direction="out"/>
      <arg name="vendor" type="s" direction="out"/>
      <arg name="version" type="s" direction="out"/>
      <arg name="spec_version" type="s" direction="out"/>
    </method>
    <signal name="NotificationClosed"><arg name="id" type="u"/><arg name="reason" type="u"/></signal>
    <signal name="ActionInvoked"><arg name="id" type="u"/><arg name="action_key" type="s"/></signal>
  </interface>
</node>
"""


def json_safe(value: Any) -> Any:
    """A JSON-serialisable copy of a value jeepney decoded (bytes become a summary)."""
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, bytes | bytearray):
        return {"bytes": len(value), "sha256": hashlib.sha256(value).hexdigest()}
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return repr(value)


def closed_path(jsonl: Path) -> Path:
    """Where CloseNotification calls are recorded, beside the Notify log."""
    return jsonl.with_name(jsonl.stem + ".closed.jsonl")


def _append(path: Path, record: dict[str, Any]) -> None:
    line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode("utf-8"))  # one write per record: readers never see half a line
    finally:
        os.close(fd)


def _child_nodes(path: str) -> str:
    """Introspection data for a parent of OBJECT_PATH (so tools can walk the tree)."""
    rest = OBJECT_PATH[len(path) :].lstrip("/") if OBJECT_PATH.startswith(path) else ""
    child = rest.split("/", 1)[0]
    inner = f'<node name="{child}"/>' if child else ""
    return f"<node>{inner}</node>"


class Recorder:
    """Answers the notification interface and records calls to a JSON-lines file."""

    def __init__(self, conn: DBusConnection, jsonl: Path) -> None:
        self.conn = conn
        self.jsonl = jsonl
        self.next_id = 1
        self.capabilities = list(CAPABILITIES)

    def handle(self, msg: Message) -> None:
        """Answer one incoming message (method calls only; signals are ignored)."""
        header = msg.header
        if header.message_type != MessageType.method_call:
            return
        fields = header.fields
        member = fields.get(HeaderFields.member, "")
        interface = fields.get(HeaderFields.interface)
        path = fields.get(HeaderFields.path, "")
        reply = self._reply(msg, path, interface, member)
        if not header.flags & MessageFlag.no_reply_expected:
            self.conn.send(reply)

    def _reply(self, msg: Message, path: str, interface: str | None, member: str) -> Message:
        if member == "Ping" and interface in (None, "org.freedesktop.DBus.Peer"):
            return new_method_return(msg)
        if member == "GetMachineId" and interface in (None, "org.freedesktop.DBus.Peer"):
            return new_method_return(msg, "s", ("0" * 32,))
        if member == "Introspect" and interface in (None, "org.freedesktop.DBus.Introspectable"):
            xml = INTROSPECTION if path == OBJECT_PATH else _child_nodes(path)
            return new_method_return(msg, "s", (xml,))
        if path == OBJECT_PATH and interface in (None, INTERFACE):
            if member == "Notify":
                signature = msg.header.fields.get(HeaderFields.signature, "")
                if signature != NOTIFY_SIGNATURE:  # a real server (GDBus) refuses these too
                    return new_error(
                        msg,
                        "org.freedesktop.DBus.Error.InvalidArgs",
                        "s",
                        (f"Notify takes ({NOTIFY_SIGNATURE}), got ({signature})",),
                    )
                return new_method_return(msg, "u", (self._notify(msg),))
            if member == "GetCapabilities":
                return new_method_return(msg, "as", (self.capabilities,))
            if member == "GetServerInformation":
                return new_method_return(msg, "ssss", SERVER_INFORMATION)
            if member == "CloseNotification" and msg.body and isinstance(msg.body[0], int):
                self._close(msg.body[0])
                return new_method_return(msg)
        return new_error(
            msg,
            "org.freedesktop.DBus.Error.UnknownMethod",
            "s",
            (f"no method {interface}.{member} on {path} with these arguments",),
        )

    def _notify(self, msg: Message) -> int:
        app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout = msg.body
        notification_id = replaces_id or self.next_id
        if not replaces_id:
            self.next_id += 1
        _append(
            self.jsonl,
            {
                "id": notification_id,
                "app_name": app_name,
                "replaces_id": replaces_id,
                "app_icon": app_icon,
                "summary": summary,
                "body": body,
                "actions": list(actions),
                "hints": {key: json_safe(variant[1]) for key, variant in hints.items()},
                "hint_signatures": {key: variant[0] for key, variant in hints.items()},
                "expire_timeout": expire_timeout,
                "sender": msg.header.fields.get(HeaderFields.sender),
                "time": time.time(),
            },
        )
        return int(notification_id)

    def _close(self, notification_id: int) -> None:
        _append(closed_path(self.jsonl), {"id": notification_id, "time": time.time()})
        emitter = DBusAddress(OBJECT_PATH, interface=INTERFACE)
        self.conn.send(new_signal(emitter, "NotificationClosed", "uu", (notification_id, CLOSED_BY_CALL)))


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    """Own the name, then answer calls until terminated or the bus disappears."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("jsonl", type=Path, help="file that gets one JSON line per Notify call")
    parser.add_argument("--bus", default="SESSION", help="bus address (default: the session bus)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    jsonl: Path = args.jsonl
    jsonl.parent.mkdir(parents=True, exist_ok=True)
    jsonl.touch()
    with open_dbus_connection(bus=args.bus) as conn:
        recorder = Recorder(conn, jsonl)
        reply = conn.send_and_get_reply(message_bus.RequestName(BUS_NAME, 0x4), timeout=10)  # DO_NOT_QUEUE
        if reply.body != (1,):  # 1 = PRIMARY_OWNER
            print(f"could not own {BUS_NAME}: {reply.body}", file=sys.stderr, flush=True)
            return 1
        print("ready", flush=True)
        while True:
            try:
                msg = conn.receive()
            except (ConnectionError, EOFError, OSError):
                return 0
            recorder.handle(msg)


if __name__ == "__main__":
    sys.exit(main())
