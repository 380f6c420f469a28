"""The fault suite's instruments: a rig, a stub resolver, memory readings.

The rig reads a provider over real HTTP and has the real engine judge it, one poll at a
time. The poller's schedule is left out on purpose: each `poll()` is one read of the page by
the real PageReader and Fetcher, handed to the real Engine with its state file, so a test
says exactly how many polls a fault lasts.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.support.notifiers import RecordingNotifier
from trayapp.catalog import ProviderSpec
from trayapp.engine import Engine, utc_now
from trayapp.model import Failure, ParsedPage, ProviderView
from trayapp.settings import NotificationSettings
from trayapp.shell.fetch import Fetcher
from trayapp.shell.reader import PageReader
from trayapp.shell.store import StateStore


def statuspage_spec(root: str, provider_id: str = "acme", name: str = "Acme") -> ProviderSpec:
    """A Statuspage provider whose documents live under `root`."""
    return ProviderSpec(id=provider_id, name=name, page=root, kind="statuspage")


class Rig:
    """A Fetcher, a PageReader and an Engine with a recording notifier and a state file."""

    def __init__(
        self,
        specs: Sequence[ProviderSpec],
        state_path: Path,
        *,
        timeout: float = 2.0,
        deadline: float = 4.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.specs = list(specs)
        self.state_path = state_path
        self.clock = clock
        self.notifier = RecordingNotifier()
        self.fetcher = Fetcher(timeout=timeout, deadline=deadline)
        self.reader = PageReader(self.fetcher)
        self.engine = self._new_engine()

    def _new_engine(self) -> Engine:
        return Engine(
            self.specs, NotificationSettings(), self.notifier, StateStore(self.state_path), self.clock
        )

    def poll(self, spec: ProviderSpec | None = None) -> ParsedPage | Failure:
        """One poll of `spec` (the first provider by default), handled by the engine."""
        target = spec or self.specs[0]
        result = self.reader.read(target)
        self.engine.handle(target, result)
        return result

    def polls(self, count: int, spec: ProviderSpec | None = None) -> list[ParsedPage | Failure]:
        """`count` polls in a row."""
        return [self.poll(spec) for _ in range(count)]

    def restart(self) -> None:
        """A new engine from the same state file (the notifier keeps counting)."""
        self.engine.flush()
        self.engine = self._new_engine()

    def view(self, provider_id: str | None = None) -> ProviderView:
        """The confirmed view of one provider (the first by default)."""
        view = self.engine.snapshot().provider(provider_id or self.specs[0].id)
        assert view is not None
        return view

    def sent(self) -> list[tuple[str, str]]:
        """(kind, incident id) of every notification so far."""
        return [(notice.kind, notice.incident_id) for notice in self.notifier.sent]

    def close(self) -> None:
        """Close the HTTP client and the event loop."""
        self.fetcher.close()


class StubResolver:
    """Stands in for DNS: known names resolve to 127.0.0.1, others fail; no real query is made."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self._real = real
        self.names: set[str] = set()
        self.asked: list[str] = []

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        self.asked.append(name)
        try:
            ipaddress.ip_address(name)
        except ValueError:
            if name not in self.names:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
            name = "127.0.0.1"
        return self._real(name, port, *args, **kwargs)


def memory_kib(field: str) -> int:
    """A line of /proc/self/status in KiB: VmRSS (now) or VmHWM (peak since the last reset)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/self/status")


def reset_peak_memory() -> None:
    """Start measuring the peak (VmHWM) afresh."""
    Path("/proc/self/clear_refs").write_text("5")
