"""One session-bus connection served by one dispatcher thread (jeepney, pure Python).

jeepney's blocking `send_and_get_reply` reads the socket itself until the reply comes, so a
method call arriving meanwhile waits unanswered; GNOME's AppIndicator extension calls
`Properties.GetAll` on an item *before* it answers `RegisterStatusNotifierItem`, and drops an
item that does not answer. jeepney's threading `DBusRouter` only queues what it receives, which
would need a second thread to serve calls. So the receiving is done here, by one thread that
matches replies to waiting callers, answers method calls for exported objects, and hands signals
to their handlers; any other thread may send and wait for a reply meanwhile.

Handlers run on the dispatcher thread: they must be quick and must not wait for a reply (use
`call_async` there). Nothing here raises into the app: a failure is logged once and the call
returns None.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from jeepney import (
    DBusAddress,
    HeaderFields,
    MatchRule,
    Message,
    MessageFlag,
    MessageType,
    new_error,
    new_method_call,
    new_method_return,
)
from jeepney.bus_messages import message_bus
from jeepney.io.threading import DBusConnection, ReceiveStopped, open_dbus_connection

log = logging.getLogger(__name__)

BUS_NAME = "org.freedesktop.DBus"
DBUS_PATH = "/org/freedesktop/DBus"
PROPERTIES = "org.freedesktop.DBus.Properties"
INTROSPECTABLE = "org.freedesktop.DBus.Introspectable"
PEER = "org.freedesktop.DBus.Peer"
UNKNOWN_METHOD = "org.freedesktop.DBus.Error.UnknownMethod"
UNKNOWN_OBJECT = "org.freedesktop.DBus.Error.UnknownObject"
FAILED = "org.freedesktop.DBus.Error.Failed"

_STANDARD_INTERFACES = """  <interface name="org.freedesktop.DBus.Properties">
    <method name="Get">
      <arg type="s" name="interface_name" direction="in"/>
      <arg type="s" name="property_name" direction="in"/>
      <arg type="v" name="value" direction="out"/>
    </method>
    <method name="GetAll">
      <arg type="s" name="interface_name" direction="in"/>
      <arg type="a{sv}" name="properties" direction="out"/>
    </method>
  </interface>
  <interface name="org.freedesktop.DBus.Introspectable">
    <method name="Introspect"><arg type="s" name="xml_data" direction="out"/></method>
  </interface>
  <interface name="org.freedesktop.DBus.Peer">
    <method name="Ping"/>
  </interface>
"""


def introspection_xml(own_interfaces: str) -> str:
    """An exported object's Introspect answer: its own interfaces, and the standard ones every
    exported object serves here (Properties, Introspectable, and Peer's Ping, answered for all)."""
    return (
        '<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"\n'
        ' "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">\n'
        "<node>\n" + own_interfaces + _STANDARD_INTERFACES + "</node>\n"
    )


DEFAULT_TIMEOUT = 5.0
AUTH_TIMEOUT = 2.0

# RequestName flags and replies (D-Bus specification).
DO_NOT_QUEUE = 0x4
PRIMARY_OWNER = 1
ALREADY_OWNER = 4

#: Answers one method call on an exported path: a reply (or error) message, or None for
#: "no such method" (an UnknownMethod error is sent).
MethodHandler = Callable[[Message], Message | None]
SignalHandler = Callable[[Message], None]
ReplyCallback = Callable[[Message | None], None]


def member_of(msg: Message) -> str:
    """The member (method or signal name) of a message."""
    return str(msg.header.fields.get(HeaderFields.member, ""))


def interface_of(msg: Message) -> str | None:
    """The interface named in a message, if any."""
    value = msg.header.fields.get(HeaderFields.interface)
    return None if value is None else str(value)


def sender_of(msg: Message) -> str:
    """The unique bus name that sent a message."""
    return str(msg.header.fields.get(HeaderFields.sender, ""))


def is_error(msg: Message | None) -> bool:
    """Whether a reply is missing or is a D-Bus error."""
    return msg is None or msg.header.message_type == MessageType.error


def error_reply(msg: Message, name: str, text: str) -> Message:
    """An error reply to `msg`."""
    return new_error(msg, name, "s", (text,))


def unknown_method(msg: Message) -> Message:
    """The UnknownMethod error reply to `msg`."""
    text = f"no method {interface_of(msg)}.{member_of(msg)} with signature {signature_of(msg)!r}"
    return error_reply(msg, UNKNOWN_METHOD, text)


def signature_of(msg: Message) -> str:
    """The body signature of a message ('' for none)."""
    return str(msg.header.fields.get(HeaderFields.signature, ""))


class BusConnection:
    """A session-bus connection with its dispatcher thread; see the module docstring."""

    def __init__(self, conn: DBusConnection) -> None:
        self._conn = conn
        self.unique_name: str = str(conn.unique_name)
        self._lock = threading.Lock()
        self._pending: dict[int, Future[Message] | ReplyCallback] = {}
        self._objects: dict[str, MethodHandler] = {}
        self._signal_handlers: dict[int, tuple[MatchRule, SignalHandler]] = {}
        self._next_handler = 0
        self._closed = threading.Event()
        self._failed_logged = False
        self._thread = threading.Thread(target=self._dispatch_loop, name="trayapp-dbus", daemon=True)
        self._thread.start()

    @classmethod
    def open(cls, address: str = "SESSION") -> BusConnection | None:
        """Connect to the bus at `address` ('SESSION' reads DBUS_SESSION_BUS_ADDRESS); None on failure."""
        try:
            conn = open_dbus_connection(bus=address, auth_timeout=AUTH_TIMEOUT)
        except Exception as error:  # noqa: BLE001 - no bus, refused, bad address: all mean "no bus"
            log.debug("cannot connect to the D-Bus session bus: %s: %s", type(error).__name__, error)
            return None
        return cls(conn)

    @property
    def closed(self) -> bool:
        """Whether the connection was closed or lost."""
        return self._closed.is_set()

    # ------------------------------------------------------------------ sending

    def send(self, msg: Message) -> bool:
        """Send a message that expects no reply (a signal); False when it could not be sent."""
        if self.closed:
            return False
        try:
            self._conn.send(msg)
        except OSError as error:
            self._lost(error)
            return False
        return True

    def call(self, msg: Message, timeout: float = DEFAULT_TIMEOUT) -> Message | None:
        """Send a method call and wait for its reply (an error reply included); None on no reply.

        Never call this from a handler (the dispatcher thread would wait for itself): use
        `call_async` there.
        """
        if threading.current_thread() is self._thread:
            log.error("a blocking D-Bus call from the dispatcher thread; use call_async")
            return None
        future: Future[Message] = Future()
        if not self._send_call(msg, future):
            return None
        try:
            return future.result(timeout)
        except FutureTimeout:
            log.debug("no reply to %s within %g s", member_of(msg), timeout)
            return None
        except ConnectionError:
            return None
        finally:
            with self._lock:  # a timed-out call's entry would otherwise stay forever
                self._pending = {k: v for k, v in self._pending.items() if v is not future}

    def call_async(self, msg: Message, callback: ReplyCallback | None = None) -> None:
        """Send a method call; `callback(reply)` runs on the dispatcher thread (None if the bus went away)."""
        self._send_call(msg, callback or (lambda _reply: None))

    def _send_call(self, msg: Message, waiter: Future[Message] | ReplyCallback) -> bool:
        if self.closed:
            return False
        serial = next(self._conn.outgoing_serial)
        with self._lock:
            self._pending[serial] = waiter
        try:
            self._conn.send(msg, serial=serial)
        except OSError as error:
            with self._lock:
                self._pending.pop(serial, None)
            self._lost(error)
            return False
        return True

    def call_method(
        self,
        bus_name: str,
        path: str,
        interface: str,
        method: str,
        signature: str | None = None,
        body: tuple[Any, ...] = (),
        timeout: float = DEFAULT_TIMEOUT,
    ) -> tuple[Any, ...] | None:
        """Call a method and return its reply body; None on an error reply or no reply."""
        address = DBusAddress(path, bus_name=bus_name, interface=interface)
        reply = self.call(new_method_call(address, method, signature, body), timeout)
        if reply is None or is_error(reply):
            if reply is not None:
                log.debug("%s.%s failed: %s", interface, method, reply.body)
            return None
        return tuple(reply.body)

    # ------------------------------------------------------------------ the message bus

    def name_has_owner(self, name: str) -> bool:
        """Whether someone owns `name` on the bus now."""
        reply = self.call(message_bus.NameHasOwner(name))
        return bool(reply is not None and not is_error(reply) and reply.body[0])

    def name_owner(self, name: str) -> str | None:
        """The unique name owning `name` now, or None."""
        reply = self.call(message_bus.GetNameOwner(name))
        return None if reply is None or is_error(reply) else str(reply.body[0])

    def request_name(self, name: str) -> bool:
        """Own `name` (without queueing); whether we own it now."""
        reply = self.call(message_bus.RequestName(name, DO_NOT_QUEUE))
        return reply is not None and not is_error(reply) and reply.body[0] in (PRIMARY_OWNER, ALREADY_OWNER)

    def release_name(self, name: str) -> None:
        """Give up `name` (no reply awaited)."""
        self.call_async(message_bus.ReleaseName(name))

    def subscribe(self, rule: MatchRule, handler: SignalHandler) -> int:
        """Route signals matching `rule` to `handler` (and ask the bus for them); a token to unsubscribe."""
        with self._lock:
            self._next_handler += 1
            token = self._next_handler
            self._signal_handlers[token] = (rule, handler)
        self.call_async(message_bus.AddMatch(rule), self._log_match_failure)
        return token

    def unsubscribe(self, token: int) -> None:
        """Stop routing the signals of a `subscribe` call."""
        with self._lock:
            entry = self._signal_handlers.pop(token, None)
        if entry is not None:
            self.call_async(message_bus.RemoveMatch(entry[0]))

    @staticmethod
    def _log_match_failure(reply: Message | None) -> None:
        if reply is not None and is_error(reply):
            log.warning("the bus refused a match rule: %s", reply.body)

    # ------------------------------------------------------------------ exported objects

    def export(self, path: str, handler: MethodHandler) -> None:
        """Answer method calls on object `path` with `handler` (replacing any before)."""
        with self._lock:
            self._objects[path] = handler

    # ------------------------------------------------------------------ closing

    def close(self) -> None:
        """Stop the dispatcher and close the socket (idempotent; from any thread)."""
        if self._closed.is_set():
            return
        self._closed.set()
        with contextlib.suppress(OSError):
            self._conn.interrupt()
        if threading.current_thread() is not self._thread:
            self._thread.join(2.0)
        with contextlib.suppress(OSError):
            self._conn.close()
        self._drop_pending()

    def _lost(self, error: BaseException) -> None:
        if not self._failed_logged and not self._closed.is_set():
            log.warning("lost the D-Bus session bus: %s: %s", type(error).__name__, error)
        self._failed_logged = True
        self._closed.set()
        self._drop_pending()

    def _drop_pending(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        for waiter in pending.values():
            if isinstance(waiter, Future):
                if not waiter.done():
                    waiter.set_exception(ConnectionError("the D-Bus connection closed"))
            else:
                self._run_callback(waiter, None)

    # ------------------------------------------------------------------ the dispatcher thread

    def _dispatch_loop(self) -> None:
        try:
            while not self._closed.is_set():
                msg = self._conn.receive()
                self._dispatch(msg)
        except ReceiveStopped:
            pass
        except (OSError, EOFError, ValueError) as error:
            self._lost(error)
        finally:
            self._drop_pending()

    def _dispatch(self, msg: Message) -> None:
        kind = msg.header.message_type
        if kind in (MessageType.method_return, MessageType.error):
            serial = msg.header.fields.get(HeaderFields.reply_serial, -1)
            with self._lock:
                waiter = self._pending.pop(serial, None)
            if isinstance(waiter, Future):
                waiter.set_result(msg)
            elif waiter is not None:
                self._run_callback(waiter, msg)
        elif kind == MessageType.method_call:
            self._serve(msg)
        elif kind == MessageType.signal:
            with self._lock:
                handlers = [handler for rule, handler in self._signal_handlers.values() if rule.matches(msg)]
            for handler in handlers:
                try:
                    handler(msg)
                except Exception:
                    log.exception("a D-Bus signal handler failed")

    @staticmethod
    def _run_callback(callback: ReplyCallback, msg: Message | None) -> None:
        try:
            callback(msg)
        except Exception:
            log.exception("a D-Bus reply callback failed")

    def _serve(self, msg: Message) -> None:
        path = str(msg.header.fields.get(HeaderFields.path, ""))
        with self._lock:
            handler = self._objects.get(path)
        reply: Message | None
        if interface_of(msg) in (None, PEER) and member_of(msg) == "Ping":
            reply = new_method_return(msg)
        elif handler is None:
            if member_of(msg) == "Introspect" and interface_of(msg) in (None, INTROSPECTABLE):
                reply = new_method_return(msg, "s", (self._child_nodes(path),))
            else:
                reply = error_reply(msg, UNKNOWN_OBJECT, f"no object at {path}")
        else:
            try:
                reply = handler(msg) or unknown_method(msg)
            except Exception as error:
                log.exception("answering %s on %s failed", member_of(msg), path)
                reply = error_reply(msg, FAILED, f"{type(error).__name__}: {error}")
        if not msg.header.flags & MessageFlag.no_reply_expected:
            self.send(reply)

    def _child_nodes(self, path: str) -> str:
        """Introspection data of a path above exported objects (so tools can walk the tree)."""
        prefix = path.rstrip("/") + "/"
        with self._lock:
            paths = list(self._objects)
        children = sorted({p[len(prefix) :].split("/", 1)[0] for p in paths if p.startswith(prefix)})
        nodes = "".join(f'<node name="{child}"/>' for child in children)
        return f"<node>{nodes}</node>"
