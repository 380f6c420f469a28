"""The Linux desktop over D-Bus (the only jeepney importer): notifications, tray item, menu.

- `DBusNotifier(icon_path, open_url, open_details).send(notice)`: notifications with actions;
- `watcher_present()`: whether a StatusNotifierWatcher (a tray host for SNI items) is there;
- `trayapp.shell.dbus.sni.StatusNotifierBackend`: the StatusNotifierItem backend of a pystray
  Icon, mixed in by shell/tray.py: `class StatusNotifierIcon(StatusNotifierBackend, pystray._base.Icon)`.
"""

from __future__ import annotations

from trayapp.shell.dbus.connection import BusConnection
from trayapp.shell.dbus.notifications import DBusNotifier


def watcher_present(address: str = "SESSION") -> bool:
    """Whether a StatusNotifierWatcher is on the session bus now (False without a bus)."""
    from trayapp.shell.dbus.sni import watcher_present as present

    return present(address=address)


__all__ = ["BusConnection", "DBusNotifier", "watcher_present"]
