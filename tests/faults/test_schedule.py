"""A provider that fails forever: its backoff grows to the cap and resets after a success,
the others keep their pace, and the log gets one line for the failure and one for the recovery."""

from __future__ import annotations

import itertools
import statistics
import threading
import time
from pathlib import Path

import pytest

from tests.faults.pages import CALM
from tests.support.notifiers import RecordingNotifier
from tests.support.server import Reply, StatusServer
from tests.support.watching import wait_until
from trayapp import paths
from trayapp.catalog import ProviderSpec
from trayapp.engine import Engine
from trayapp.logs import setup_logging
from trayapp.model import Failure, ParsedPage
from trayapp.settings import NotificationSettings
from trayapp.shell.poller import Poller
from trayapp.shell.store import StateStore

INTERVAL = 0.05
CAP = 10 * INTERVAL
SLACK = 0.5  # a busy machine (or a slow fsync of the state file) may answer late, never early


class Timings:
    """When each provider's results arrived, and whether they were pages."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self.seen: dict[str, list[tuple[float, bool]]] = {}

    def __call__(self, spec: ProviderSpec, result: ParsedPage | Failure) -> None:
        with self._lock:
            self.seen.setdefault(spec.id, []).append((time.monotonic(), isinstance(result, ParsedPage)))
        self._engine.handle(spec, result)

    def of(self, provider_id: str) -> list[tuple[float, bool]]:
        with self._lock:
            return list(self.seen.get(provider_id, []))


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


@pytest.mark.usefixtures("logging_to_files")
def test_a_provider_failing_forever_backs_off_to_the_cap_and_resets_after_a_success(
    server: StatusServer, tmp_path: Path
) -> None:
    server.set("/good/summary.json", CALM)
    server.set("/bad/summary.json", Reply(b"down", 503, "text/plain"))
    specs = [
        ProviderSpec(
            id=name,
            name=name.title(),
            page=server.url,
            kind="statuspage",
            source=f"{server.url}/{name}/summary.json",
        )
        for name in ("good", "bad")
    ]
    setup_logging(paths.log_dir(), 0)
    notifier = RecordingNotifier()
    engine = Engine(specs, NotificationSettings(), notifier, StateStore(tmp_path / "state.json"))
    timings = Timings(engine)
    poller = Poller(specs, lambda _: INTERVAL, timings, jitter=0)
    poller.start()
    try:
        wait_until(lambda: len(timings.of("bad")) >= 9, timeout=15, what="nine failed polls")
        server.set("/bad/summary.json", CALM)
        wait_until(lambda: sum(ok for _, ok in timings.of("bad")) >= 4, timeout=5, what="four good polls")
    finally:
        poller.stop()

    bad = timings.of("bad")
    failures = [t for t, ok in bad if not ok]
    assert len(failures) >= 9
    expected = [min(INTERVAL * 2**n, CAP) for n in range(len(failures) - 1)]
    for waited, wanted in zip(gaps(failures), expected, strict=True):
        assert wanted * 0.95 <= waited <= wanted + SLACK, (
            f"waited {waited:.3f} s where backoff says {wanted} s"
        )
    assert expected[-3:] == [CAP] * 3, "the failures reached the cap"
    recovered = [t for t, ok in bad if ok]
    assert max(gaps(recovered)) < INTERVAL + SLACK, "the backoff reset after the first success"

    good = [t for t, _ in timings.of("good")]
    assert statistics.median(gaps(good)) < 2 * INTERVAL, "the healthy provider kept its pace"
    assert max(gaps(good)) < INTERVAL + SLACK

    lines = (paths.log_dir() / "trayapp.log").read_text(encoding="utf-8").splitlines()
    assert sum("Bad: HTTP 503" in line for line in lines) == 1, lines
    assert sum("Bad: reachable again" in line for line in lines) == 1, lines
    assert len(lines) <= 4, f"{len(bad) + len(good)} polls, {len(lines)} log lines: {lines}"
    assert notifier.sent == []
