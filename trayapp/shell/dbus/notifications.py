"""Desktop notifications over org.freedesktop.Notifications, from a plain install (jeepney only).

The server's capabilities are asked once per server owner (a server that starts later, or
replaces another, is followed through NameOwnerChanged). With `actions`, a click on a
notification (`default`) opens the incident's page and the `details` action the details page,
through the callbacks given; the ids sent are forgotten once the server closes them.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jeepney import MatchRule, Message

from trayapp.core.notices import Notice
from trayapp.core.safe_text import escape_markup
from trayapp.i18n import _
from trayapp.model import State
from trayapp.shell.dbus.connection import BUS_NAME, DBUS_PATH, BusConnection, member_of, sender_of

log = logging.getLogger(__name__)

APP_NAME = "trayapp"
SERVER_NAME = "org.freedesktop.Notifications"
SERVER_PATH = "/org/freedesktop/Notifications"
SERVER_INTERFACE = "org.freedesktop.Notifications"
NOTIFY_SIGNATURE = "susssasa{sv}i"

URGENCY_LOW = 0
URGENCY_NORMAL = 1
URGENCY_CRITICAL = 2

MAX_TITLE = 200
MAX_BODY = 1000
MAX_REMEMBERED = 64  # ids kept for ActionInvoked when a server never says it closed them

UrlOpener = Callable[[str], object]
DetailsOpener = Callable[[], object]
NotifyArguments = tuple[str, int, str, str, str, list[str], dict[str, tuple[str, Any]], int]


def urgency(notice: Notice) -> int:
    """The freedesktop urgency of a notice: resolves are low, a major outage is critical."""
    if notice.kind == "resolve":
        return URGENCY_LOW
    if notice.kind in ("start", "update") and notice.impact is not None:
        if notice.impact >= State.MAJOR:
            return URGENCY_CRITICAL
        if notice.impact <= State.MAINTENANCE:
            return URGENCY_LOW
    return URGENCY_NORMAL


def notify_arguments(
    notice: Notice,
    capabilities: frozenset[str],
    icon_path: Path | None = None,
    timeout_ms: int = -1,
    replaces_id: int = 0,
) -> NotifyArguments:
    """The body of a Notify call for `notice` on a server with `capabilities`.

    The body is escaped only where the server renders markup; the actions are sent only where
    the server has them (`default`: a click on the notification; `details`: "Open details").
    """
    body = notice.body[:MAX_BODY]
    if "body-markup" in capabilities:
        body = escape_markup(body)
    actions: list[str] = []
    if "actions" in capabilities:
        actions = ["default", "", "details", _("Open details")]
    hints: dict[str, tuple[str, Any]] = {"urgency": ("y", urgency(notice))}
    icon = str(icon_path) if icon_path is not None else ""
    if icon:
        hints["image-path"] = ("s", icon)
    return (APP_NAME, replaces_id, icon, notice.title[:MAX_TITLE], body, actions, hints, timeout_ms)


class DBusNotifier:
    """Shows notices on the session bus's notification server; never raises, logs a failure once.

    `open_url(url)` and `open_details()` run (on a short-lived thread of their own) when the
    user clicks a notification or its "Open details" action. `bus` shares an existing
    connection (not closed here); without it one is opened on the first notice, and again after
    the bus went away.
    """

    def __init__(
        self,
        icon_path: Path | None = None,
        open_url: UrlOpener | None = None,
        open_details: DetailsOpener | None = None,
        *,
        timeout_ms: int = -1,
        bus: BusConnection | None = None,
        address: str = "SESSION",
    ) -> None:
        self.icon_path = icon_path
        self.open_url = open_url
        self.open_details = open_details
        self.timeout_ms = timeout_ms
        self._address = address
        self._bus = bus
        self._own_bus = bus is None
        self._subscribed_on: BusConnection | None = None
        self._lock = threading.Lock()
        self._server: tuple[str, frozenset[str]] | None = None  # (owner, capabilities)
        self._sent: dict[tuple[str, int], Notice] = {}
        self._failed = False

    # ------------------------------------------------------------------ sending

    def send(self, notice: Notice) -> None:
        """Show `notice` as a native notification (a failure is logged once)."""
        try:
            self._send(notice)
        except Exception as error:  # noqa: BLE001 - a notification must never take the app down
            self._fail_once(f"{type(error).__name__}: {error}")

    def _send(self, notice: Notice) -> None:
        bus = self._connection()
        if bus is None:
            self._fail_once("no D-Bus session bus")
            return
        server = self._server_info(bus)
        if server is None:
            self._fail_once("no notification server on the session bus")
            return
        owner, capabilities = server
        arguments = notify_arguments(notice, capabilities, self.icon_path, self.timeout_ms)
        reply = bus.call_method(
            SERVER_NAME, SERVER_PATH, SERVER_INTERFACE, "Notify", NOTIFY_SIGNATURE, arguments
        )
        if reply is None:
            self._fail_once("the notification server refused or did not answer")
            with self._lock:
                self._server = None  # ask again next time: the server may have been replaced
            return
        if arguments[5]:
            with self._lock:
                self._sent[(owner, int(reply[0]))] = notice
                while len(self._sent) > MAX_REMEMBERED:
                    del self._sent[next(iter(self._sent))]
        if self._failed:
            log.info("desktop notifications work again")
            self._failed = False

    def _connection(self) -> BusConnection | None:
        with self._lock:
            bus = self._bus
        if bus is None or bus.closed:
            if not self._own_bus:
                return None
            bus = BusConnection.open(self._address)
            if bus is None:
                return None
            with self._lock:
                self._bus = bus
                self._server = None
        if self._subscribed_on is not bus:
            self._subscribe(bus)
        return bus

    def _subscribe(self, bus: BusConnection) -> None:
        self._subscribed_on = bus
        owner_rule = MatchRule(
            type="signal", sender=BUS_NAME, interface=BUS_NAME, member="NameOwnerChanged", path=DBUS_PATH
        )
        owner_rule.add_arg_condition(0, SERVER_NAME)
        bus.subscribe(owner_rule, self._on_owner_changed)
        bus.subscribe(
            MatchRule(type="signal", interface=SERVER_INTERFACE, path=SERVER_PATH), self._on_server_signal
        )

    def _server_info(self, bus: BusConnection) -> tuple[str, frozenset[str]] | None:
        with self._lock:
            if self._server is not None:
                return self._server
        owner = bus.name_owner(SERVER_NAME)
        if owner is None:
            return None
        reply = bus.call_method(SERVER_NAME, SERVER_PATH, SERVER_INTERFACE, "GetCapabilities")
        capabilities = frozenset(str(c) for c in reply[0]) if reply else frozenset()
        log.debug("notification server %s can: %s", owner, sorted(capabilities))
        server = (owner, capabilities)
        with self._lock:
            self._server = server
        return server

    def _fail_once(self, reason: str) -> None:
        if not self._failed:
            log.warning("cannot show desktop notifications (%s); carrying on without them", reason)
            # Translators: said once on stderr when no notification service answers.
            message = _("cannot show desktop notifications ({reason}); carrying on without them")
            print("trayapp: " + message.format(reason=reason), file=sys.stderr)
        self._failed = True

    # ------------------------------------------------------------------ signals (dispatcher thread)

    def _on_owner_changed(self, msg: Message) -> None:
        _name, old, new = msg.body
        with self._lock:
            self._server = None  # capabilities are asked again of the new owner
            self._sent = {key: notice for key, notice in self._sent.items() if key[0] != old}
        if new:
            log.debug("the notification server is now %s", new)

    def _on_server_signal(self, msg: Message) -> None:
        member = member_of(msg)
        key = (sender_of(msg), int(msg.body[0])) if msg.body else None
        if key is None:
            return
        if member == "NotificationClosed":
            with self._lock:
                self._sent.pop(key, None)
        elif member == "ActionInvoked":
            with self._lock:
                notice = self._sent.get(key)
            if notice is not None:
                self._act(notice, str(msg.body[1]))

    def _act(self, notice: Notice, action: str) -> None:
        target: Callable[[], object] | None = None
        if action == "default" and notice.url and self.open_url is not None:
            url, open_url = notice.url, self.open_url
            target = lambda: open_url(url)  # noqa: E731 - a one-line closure
        elif action in ("default", "details"):
            target = self.open_details
        if target is None:
            return
        log.info("notification action %r on %r", action, notice.title)
        threading.Thread(target=self._run_action, args=(target,), name="trayapp-open", daemon=True).start()

    @staticmethod
    def _run_action(target: Callable[[], object]) -> None:
        try:
            target()
        except Exception:
            log.exception("opening a notification's page failed")

    # ------------------------------------------------------------------ closing

    def close(self) -> None:
        """Close the connection this notifier opened (a shared one stays open)."""
        with self._lock:
            bus, self._bus = self._bus, None
        if bus is not None and self._own_bus:
            bus.close()
