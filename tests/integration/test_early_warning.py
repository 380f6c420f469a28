"""Early warning against local servers: how soon a failing edge is suspected, how often hosts are asked.

The requests are counted where they arrive (a local API edge and a local status page), at
shortened intervals: the same policy as the defaults, scaled down.
"""

from __future__ import annotations

import io
import itertools
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.model_api import model_api
from tests.support.notifiers import RecordingNotifier
from tests.support.server import Reply, StatusServer
from tests.support.watching import wait_until
from trayapp import paths
from trayapp.catalog import ProviderSpec
from trayapp.config import load_config
from trayapp.core.deep import DeepTarget
from trayapp.core.probing import Attempt
from trayapp.core.text import iso_utc
from trayapp.model import Failure, ParsedPage
from trayapp.shell.poller import Poller
from trayapp.watch import Watch

EDGE = "/edge/v1/models"
SUMMARY = "/acme/api/v2/summary.json"
CALM = (
    b'{"status": {"indicator": "none"}, "components": [{"id": "c", "name": "API", "status": "operational"}]}'
)
TROUBLE = (
    b'{"status": {"indicator": "minor"},'
    b' "components": [{"id": "c", "name": "API", "status": "degraded_performance"}]}'
)
PROBE_EVERY = 2.0


@contextmanager
def watching_edge(server: StatusServer, tmp_path: Path) -> Iterator[Watch]:
    config_path = tmp_path / "config.toml"
    config_path.write_text(
        f"poll_interval = 5\nbuiltin = []\n[probes]\ninterval = {PROBE_EVERY}\n"
        f'[[providers]]\nname = "Acme API"\nurl = "{server.url}/acme"\nkind = "statuspage"\n'
        f'probe = "{server.url}{EDGE}"\n',
        "utf-8",
    )
    config, _ = load_config(config_path)
    watch = Watch(config, config_path, RecordingNotifier(), paths.state_file(), io.StringIO())
    watch.start()
    try:
        yield watch
    finally:
        watch.stop()


class Arrivals:
    """When each request reached the edge (monotonic seconds), from the server's request log."""

    def __init__(self, server: StatusServer, path: str) -> None:
        self.server, self.path, self.times = server, path, []  # type: list[float]
        self._seen = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            count = len(self.server.requests_to(self.path))
            self.times.extend([time.monotonic()] * (count - self._seen))
            self._seen = count
            time.sleep(0.005)

    def stop(self) -> list[float]:
        self._stop.set()
        self._thread.join(1)
        return list(self.times)


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def test_a_failing_edge_is_suspected_within_1_5_intervals_and_a_healthy_one_is_asked_once_per_interval(
    server: StatusServer, tmp_path: Path
) -> None:
    server.set(SUMMARY, CALM)
    server.set(EDGE, Reply(b'{"error": "no key"}', status=401))
    arrivals = Arrivals(server, EDGE)
    with watching_edge(server, tmp_path) as watch:
        view = lambda: watch.engine.snapshot().provider("acme-api")  # noqa: E731
        wait_until(lambda: len(server.requests_to(EDGE)) >= 3, timeout=15, what="three healthy probes")
        healthy = list(arrivals.times)
        server.set(EDGE, Reply(b"upstream connect error", status=503, content_type="text/plain"))
        failing_from = time.monotonic()
        # Requests already logged were answered before the switch (the arrivals watcher may see
        # one a few ms late): the failing spell is what comes after them.
        answered_before = len(server.requests_to(EDGE))
        wait_until(lambda: view().suspected is not None, timeout=10, what="the suspected problem")  # type: ignore[union-attr]
        lead = time.monotonic() - failing_from
        wait_until(
            lambda: len(arrivals.times) >= answered_before + 4, timeout=15, what="probes while failing"
        )
    times = arrivals.stop()
    # Healthy: once per interval (less 10 % jitter and a little scheduling noise), never more.
    assert min(gaps(healthy)) >= 0.9 * PROBE_EVERY - 0.05, gaps(healthy)
    assert lead <= 1.5 * PROBE_EVERY, f"suspected after {lead:.2f} s"
    failing = times[answered_before:]
    spacing = gaps(failing)
    short = [gap for gap in spacing if gap < 0.5 * PROBE_EVERY]
    assert 1 <= len(short) <= 3, spacing  # the confirmations: at most 3 in this spell
    assert all(gap >= 0.1 * PROBE_EVERY - 0.05 for gap in short), spacing
    assert all(gap >= 0.9 * PROBE_EVERY - 0.05 for gap in spacing[len(short) :]), (
        "then once per interval",
        spacing,
    )


class Reads:
    """When each page result and probe reached the poller's handlers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pages: list[float] = []
        self.failing_probe = threading.Event()

    def page(self, spec: ProviderSpec, result: ParsedPage | Failure) -> None:
        with self.lock:
            self.pages.append(time.monotonic())

    def probe(self, spec: ProviderSpec, attempt: Attempt) -> None:
        if attempt.status == 503:
            self.failing_probe.set()

    def since(self, start: float) -> list[float]:
        with self.lock:
            return [t for t in self.pages if t >= start]


def poller(server: StatusServer, reads: Reads, hurry_for: float) -> Poller:
    spec = ProviderSpec(
        id="acme", name="Acme", page=f"{server.url}/acme", kind="statuspage", probe=server.url + EDGE
    )
    return Poller(
        [spec],
        lambda _: 0.6,
        reads.page,
        jitter=0,
        probe_plan=lambda s: (s.probe, 0.6) if s.probe else None,
        on_probe=reads.probe,
        hurry_for=hurry_for,
    )


def test_a_page_reporting_a_problem_is_read_twice_as_often_for_a_while_then_as_usual(
    server: StatusServer,
) -> None:
    server.set(SUMMARY, CALM)
    server.set(EDGE, Reply(b"{}", status=401))
    reads = Reads()
    polling = poller(server, reads, hurry_for=2.4)
    polling.start()
    try:
        wait_until(lambda: len(reads.since(0)) >= 3, what="calm reads")
        calm = reads.since(0)
        server.set(SUMMARY, TROUBLE)
        changed = time.monotonic()
        time.sleep(5.0)
    finally:
        polling.stop()
    assert min(gaps(calm)) >= 0.55, gaps(calm)
    troubled = reads.since(changed)
    first = troubled[0]  # the first read that saw the problem starts the hurry
    hurried = [t for t in troubled if t < first + 2.4]
    after = [t for t in troubled if t >= first + 2.4 + 0.6]
    assert all(0.25 <= gap <= 0.4 for gap in gaps(hurried)), gaps(hurried)
    assert len(hurried) <= 2.4 / 0.3 + 1, "bounded: no faster than half the interval"
    assert len(after) >= 2
    assert all(gap >= 0.55 for gap in gaps(after)), ("falls back while the problem goes on", gaps(after))


def test_a_failing_probe_hurries_its_page(server: StatusServer) -> None:
    server.set(SUMMARY, CALM)
    server.set(EDGE, Reply(b"{}", status=401))
    reads = Reads()
    polling = poller(server, reads, hurry_for=60)
    polling.start()
    try:
        wait_until(lambda: len(reads.since(0)) >= 3, what="calm reads")
        server.set(EDGE, Reply(b"upstream error", status=503, content_type="text/plain"))
        assert reads.failing_probe.wait(5)
        confirmed = time.monotonic() + 0.3  # two confirmations at a tenth of the interval
        time.sleep(2.5)
    finally:
        polling.stop()
    assert all(0.25 <= gap <= 0.4 for gap in gaps(reads.since(confirmed + 0.6))), gaps(reads.since(confirmed))


def test_status_json_beside_a_running_watch_reports_its_verdict(server: StatusServer, tmp_path: Path) -> None:
    server.set(SUMMARY, CALM)
    server.set(EDGE, Reply(b'{"error": "no key"}', status=401))
    verdict = paths.state_file().with_name("verdict.json")
    with watching_edge(server, tmp_path) as watch:
        view = lambda: watch.engine.snapshot().provider("acme-api")  # noqa: E731
        wait_until(lambda: len(server.requests_to(EDGE)) >= 2, timeout=15, what="healthy probes")
        assert not verdict.exists(), "a healthy edge writes no verdict"
        server.set(EDGE, Reply(b"upstream connect error", status=503, content_type="text/plain"))
        wait_until(lambda: view().suspected is not None, timeout=10, what="the suspected problem")  # type: ignore[union-attr]
        since = view().probe.failing_since  # type: ignore[union-attr]
        status = subprocess.run(
            [sys.executable, "-m", "trayapp", "--config", str(tmp_path / "config.toml"), "status", "--json"],
            capture_output=True,
            timeout=30,
            check=False,
        )
    document = json.loads(status.stdout)
    provider = document["providers"][0]
    assert provider["state"] == "operational", "the page says all is well"
    assert provider["suspected"] is not None, "one probe of its own could not confirm it: the watch's verdict"
    assert provider["suspected"]["reason"].startswith("API edge: ")
    assert provider["probe"]["failing_since"] == iso_utc(since)
    assert status.returncode == 1, "suspected counts as degraded for the exit code"


def test_a_failing_model_api_hurries_its_page_too(
    server: StatusServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deep probe that fails is a probe that fails: the page is read at the hurried pace."""
    server.set(SUMMARY, CALM)
    monkeypatch.setenv("TRAYAPP_ACME_API_KEY", "sk-test")
    deep_failed = threading.Event()
    with model_api() as api:
        api.set_status(529)
        spec = ProviderSpec(id="acme", name="Acme", page=f"{server.url}/acme", kind="statuspage")
        target = DeepTarget(api.root + "/v1/chat/completions", "openai", "acme-mini")
        reads = Reads()
        polling = Poller(
            [spec],
            lambda _: 0.6,
            reads.page,
            jitter=0,
            deep_plan=lambda _spec: (target, 0.6),
            on_deep=lambda _spec, attempt: deep_failed.set() if attempt and attempt.status == 529 else None,
            hurry_for=60,
        )
        polling.start()
        try:
            assert deep_failed.wait(5)
            wait_until(lambda: len(api.seen()) >= 4, what="the failure confirmed")
            confirmed = time.monotonic()
            time.sleep(2.5)
        finally:
            polling.stop()
    assert all(0.25 <= gap <= 0.4 for gap in gaps(reads.since(confirmed + 0.6))), gaps(reads.since(confirmed))
