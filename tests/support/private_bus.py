"""A private session bus for integration tests, and an in-process notification recorder on it.

``private_bus()`` starts ``dbus-daemon --print-address`` from a config with no service
directories (nothing can be bus-activated) in a short private directory, yields its address and
stops it. ``RecorderThread`` runs `tests.support.notify_recorder.Recorder` in this process with
the capabilities the test chooses, and can emit ``ActionInvoked`` as a user's click would.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from jeepney import DBusAddress, MessageType, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection as blocking_connection
from jeepney.io.threading import DBusConnection, ReceiveStopped, open_dbus_connection

from tests.support.desktop import DesktopError, _read_jsonl, wait_for
from tests.support.notify_recorder import BUS_NAME, INTERFACE, OBJECT_PATH, Recorder

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={runtime}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@contextlib.contextmanager
def private_bus(timeout: float = 10.0) -> Iterator[str]:
    """A dbus-daemon of our own for the duration of the block; yields its address."""
    runtime = Path(tempfile.mkdtemp(prefix="trayapp-bus-"))
    config = runtime / "session.conf"
    config.write_text(BUS_CONFIG.format(runtime=runtime), encoding="utf-8")
    daemon = subprocess.Popen(
        ["dbus-daemon", f"--config-file={config}", "--print-address", "--nofork", "--nopidfile"],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert daemon.stdout is not None
        line = daemon.stdout.readline().decode().strip()  # dbus-daemon prints it once it listens
        if not line:
            raise DesktopError(f"dbus-daemon printed no address (exit code {daemon.poll()})")
        yield line
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait(timeout)
        if daemon.stdout is not None:
            daemon.stdout.close()
        shutil.rmtree(runtime, ignore_errors=True)


class RecorderThread:
    """The recording notification server, in this process, with chosen capabilities."""

    def __init__(self, address: str, jsonl: Path, capabilities: list[str]) -> None:
        self.jsonl = jsonl
        jsonl.parent.mkdir(parents=True, exist_ok=True)
        jsonl.touch()
        self._address = address
        self.conn: DBusConnection = open_dbus_connection(bus=address)
        self.recorder = Recorder(self.conn, jsonl)
        self.recorder.capabilities = list(capabilities)
        self.capability_calls = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def start(self) -> None:
        """Serve calls, then own the notification server's name."""
        self._thread.start()
        # The reply to RequestName goes to the serving thread; wait for the name on the bus instead.
        self.conn.send(message_bus.RequestName(BUS_NAME, 0x4))
        wait_until(lambda: name_owner(self._address, BUS_NAME) == self.conn.unique_name, what=BUS_NAME)

    def _serve(self) -> None:
        try:
            while True:
                msg = self.conn.receive()
                if msg.header.fields.get(3) == "GetCapabilities":  # 3 = member
                    self.capability_calls += 1
                self.recorder.handle(msg)
        except (ReceiveStopped, OSError, EOFError):
            return

    def notifications(self) -> list[dict[str, Any]]:
        """Every Notify call recorded so far."""
        return _read_jsonl(self.jsonl)

    def invoke(self, notification_id: int, action: str) -> None:
        """Emit ActionInvoked(id, action) as the server does when the user clicks."""
        emitter = DBusAddress(OBJECT_PATH, interface=INTERFACE)
        self.conn.send(new_signal(emitter, "ActionInvoked", "us", (notification_id, action)))

    def close_notification(self, notification_id: int, reason: int = 2) -> None:
        """Emit NotificationClosed(id, reason) (2: dismissed by the user)."""
        emitter = DBusAddress(OBJECT_PATH, interface=INTERFACE)
        self.conn.send(new_signal(emitter, "NotificationClosed", "uu", (notification_id, reason)))

    def close(self) -> None:
        """Stop serving and leave the bus (the name goes with the connection)."""
        self.conn.interrupt()  # the serving thread ends before the socket and its selector close
        self._thread.join(5)
        self.conn.close()


def wait_until(predicate: Any, timeout: float = 5.0, what: str = "the condition") -> Any:
    """`tests.support.desktop.wait_for` with a short default timeout."""
    return wait_for(predicate, timeout, what)


def name_owner(address: str, name: str) -> str | None:
    """The unique name owning `name` on the bus at `address`, or None."""
    with contextlib.closing(blocking_connection(address)) as conn:
        reply = conn.send_and_get_reply(message_bus.GetNameOwner(name), timeout=5)
    return str(reply.body[0]) if reply.header.message_type == MessageType.method_return else None
