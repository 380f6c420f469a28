"""The Linux desktop over D-Bus (the only jeepney importer): notifications, tray item, menu.

- `DBusNotifier(icon_path, open_url, open_details).send(notice)`: notifications with actions;
- `watcher_present()`: whether a StatusNotifierWatcher (a tray host for SNI items) is there;
- `trayapp.shell.dbus.sni.StatusNotifierBackend`: the StatusNotifierItem backend of a pystray
  Icon, mixed in by shell/tray.py: `class StatusNotifierIcon(StatusNotifierBackend, pystray._base.Icon)`.

This package's own import is light: `watcher_present` is asked before the tray icon is made,
and the icon comes first. The notifier and the connection load when first named.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trayapp.shell.dbus.connection import BusConnection
    from trayapp.shell.dbus.notifications import DBusNotifier

log = logging.getLogger(__name__)

WATCHER_NAME = "org.kde.StatusNotifierWatcher"
PROBE_TIMEOUT = 2.0  # seconds for the bus to answer whether a watcher is there


def watcher_present(address: str = "SESSION") -> bool:
    """Whether a StatusNotifierWatcher is on the bus at `address` now (False without a bus).

    Asked on a short-lived blocking connection: no dispatcher thread for one question.
    """
    if address == "SESSION" and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    try:
        with open_dbus_connection(bus=address, auth_timeout=PROBE_TIMEOUT) as connection:
            reply = connection.send_and_get_reply(
                message_bus.NameHasOwner(WATCHER_NAME), timeout=PROBE_TIMEOUT
            )
    except Exception as error:  # noqa: BLE001 - no bus, refused, bad address, no answer: no watcher
        log.debug("cannot ask the bus for a StatusNotifierWatcher: %s: %s", type(error).__name__, error)
        return False
    return bool(reply.body and reply.body[0] is True)


def __getattr__(name: str) -> Any:
    """`BusConnection` and `DBusNotifier`, imported when first named."""
    if name == "BusConnection":
        from trayapp.shell.dbus.connection import BusConnection

        return BusConnection
    if name == "DBusNotifier":
        from trayapp.shell.dbus.notifications import DBusNotifier

        return DBusNotifier
    raise AttributeError(name)


__all__ = ["WATCHER_NAME", "BusConnection", "DBusNotifier", "watcher_present"]
