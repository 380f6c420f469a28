"""The poller's schedule: concurrency, backoff, Retry-After, waking from sleep, stopping."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from tests.support.server import Reply, StatusServer
from tests.support.watching import wait_until
from trayapp.catalog import ProviderSpec
from trayapp.model import Failure, ParsedPage
from trayapp.shell.poller import Poller, backoff_delay


def spec(server: StatusServer, name: str) -> ProviderSpec:
    return ProviderSpec(id=name, name=name, page=f"{server.url}/{name}", kind="statuspage")


class Results:
    def __init__(self) -> None:
        self.items: list[tuple[str, ParsedPage | Failure, float]] = []
        self.lock = threading.Lock()

    def __call__(self, provider: ProviderSpec, result: ParsedPage | Failure) -> None:
        with self.lock:
            self.items.append((provider.id, result, time.monotonic()))

    def of(self, provider_id: str) -> list[tuple[ParsedPage | Failure, float]]:
        with self.lock:
            return [(r, t) for p, r, t in self.items if p == provider_id]


@pytest.mark.parametrize(
    ("interval", "failures", "retry_after", "expected"),
    [
        (60, 0, None, 60),
        (60, 1, None, 60),
        (60, 2, None, 120),
        (60, 4, None, 480),
        (60, 9, None, 600),
        (0.2, 9, None, 2.0),
        (900, 5, None, 900),
        (60, 1, 300.0, 300),
    ],
)
def test_backoff(interval: float, failures: int, retry_after: float | None, expected: float) -> None:
    assert backoff_delay(interval, failures, retry_after) == expected


def test_providers_are_polled_concurrently(server: StatusServer) -> None:
    for name in ("a", "b", "c"):
        server.set(f"/{name}/api/v2/summary.json", Reply(b'{"status": {"indicator": "none"}}', delay=1.0))
    results = Results()
    poller = Poller([spec(server, n) for n in "abc"], lambda _: 60.0, results, jitter=0)
    started = time.monotonic()
    poller.start()
    try:
        wait_until(lambda: len(results.items) == 3, timeout=5, what="three results")
    finally:
        poller.stop()
    assert max(t for _, _, t in results.items) - started < 1.8, "three 1 s pages took about 1 s, not 3"


def test_failing_provider_backs_off_while_the_other_keeps_its_pace(server: StatusServer) -> None:
    server.set("/good/api/v2/summary.json", b'{"status": {"indicator": "none"}}')
    server.set("/bad/api/v2/summary.json", Reply(b"", 503))
    server.set("/bad/api/v2/status.json", Reply(b"", 503))
    results = Results()
    poller = Poller([spec(server, "good"), spec(server, "bad")], lambda _: 0.2, results, jitter=0)
    poller.start()
    try:
        time.sleep(3)
    finally:
        poller.stop()
    good, bad = results.of("good"), results.of("bad")
    assert len(good) >= 10
    assert 3 <= len(bad) <= 6, f"backoff 0.2, 0.4, 0.8, 1.6, 2.0 s: {len(bad)} polls"
    assert all(isinstance(r, Failure) for r, _ in bad)


def test_retry_after_is_honoured(server: StatusServer) -> None:
    server.set("/slow/api/v2/summary.json", Reply(b"", 429, headers={"Retry-After": "2"}))
    results = Results()
    poller = Poller([spec(server, "slow")], lambda _: 0.2, results, jitter=0)
    poller.start()
    try:
        time.sleep(1.5)
        assert len(results.of("slow")) == 1
        wait_until(lambda: len(results.of("slow")) == 2, timeout=3, what="the retry after 2 s")
    finally:
        poller.stop()


def test_waking_from_sleep_polls_soon(server: StatusServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    server.set("/a/api/v2/summary.json", b'{"status": {"indicator": "none"}}')
    wall = [time.time()]
    results = Results()
    poller = Poller(
        [spec(server, "a")], lambda _: 60.0, results, jitter=0, wall_clock=lambda: wall[0], wake_delay=0.3
    )
    poller.start()
    try:
        wait_until(lambda: len(results.items) == 1, what="first poll")
        wall[0] += 3600  # the lid was closed for an hour
        poller._poke()
        wait_until(lambda: len(results.items) == 2, timeout=3, what="a poll soon after waking")
    finally:
        poller.stop()
    assert any("woke from sleep" in r.getMessage() for r in caplog.records)


def test_refresh_now_and_stop_within_two_seconds(server: StatusServer) -> None:
    server.set("/a/api/v2/summary.json", b'{"status": {"indicator": "none"}}')
    results = Results()
    poller = Poller([spec(server, "a")], lambda _: 60.0, results, jitter=0)
    poller.start()
    wait_until(lambda: len(results.items) == 1, what="first poll")
    poller.refresh_now()
    wait_until(lambda: len(results.items) == 2, timeout=3, what="refresh")
    started = time.monotonic()
    poller.stop()
    assert time.monotonic() - started < 2
    assert poller._thread is not None
    assert not poller._thread.is_alive()
