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
from trayapp.shell.poller import Poller, Workers, backoff_delay


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


def test_answers_are_passed_on_one_at_a_time(server: StatusServer) -> None:
    for name in ("a", "b", "c"):
        server.set(f"/{name}/api/v2/summary.json", b'{"status": {"indicator": "none"}}')
    inside, most, seen = [0], [0], []
    lock = threading.Lock()

    def slow_handler(provider: ProviderSpec, result: ParsedPage | Failure) -> None:
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.2)  # long enough for the other workers' answers to arrive meanwhile
        with lock:
            inside[0] -= 1
            seen.append(provider.id)

    poller = Poller([spec(server, n) for n in "abc"], lambda _: 60.0, slow_handler, jitter=0)
    poller.start()
    try:
        wait_until(lambda: len(seen) == 3, timeout=5, what="three answers")
    finally:
        poller.stop()
    assert most[0] == 1, "the engine never sees two answers at once"


def test_a_hanging_page_neither_holds_up_the_others_nor_quit(server: StatusServer) -> None:
    server.set("/stuck/api/v2/summary.json", Reply(b"{}", delay=8))
    server.set("/fast/api/v2/summary.json", b'{"status": {"indicator": "none"}}')
    results = Results()
    poller = Poller([spec(server, "stuck"), spec(server, "fast")], lambda _: 0.2, results, jitter=0)
    poller.start()
    try:
        wait_until(lambda: len(results.of("fast")) >= 5, timeout=3, what="the other page at its pace")
        assert results.of("stuck") == []
    finally:
        started = time.monotonic()
        poller.stop()
    assert time.monotonic() - started < 2
    workers = [t for t in threading.enumerate() if t.name.startswith("trayapp-fetch")]
    assert workers, "the hanging request is still on its worker"
    assert all(t.daemon for t in workers), "a request still hanging never blocks the exit"


def test_workers_are_reused_and_limited() -> None:
    workers = Workers(2, "test-workers")
    names: list[str] = []
    for _ in range(5):  # one at a time: the one worker serves them all
        done = threading.Event()
        workers.submit(lambda done=done: (names.append(threading.current_thread().name), done.set()))
        assert done.wait(2)
        time.sleep(0.02)  # back to waiting
    assert set(names) == {"test-workers-1"}
    gate = threading.Event()
    running: list[str] = []
    for _ in range(4):  # four that block: two workers at most, the rest wait their turn
        workers.submit(lambda: (running.append(threading.current_thread().name), gate.wait(2)))
    time.sleep(0.3)
    assert len(running) == 2
    gate.set()
    wait_until(lambda: len(running) == 4, timeout=3, what="the queued jobs")
    assert set(running) <= {"test-workers-1", "test-workers-2"}
    workers.stop()


def test_no_answer_is_passed_on_once_stop_has_returned(server: StatusServer) -> None:
    server.set("/a/api/v2/summary.json", b'{"status": {"indicator": "none"}}')
    server.set("/b/api/v2/summary.json", Reply(b'{"status": {"indicator": "none"}}', delay=0.3))
    handling_a = threading.Event()
    calls: list[tuple[str, float]] = []

    def handler(provider: ProviderSpec, result: ParsedPage | Failure) -> None:
        calls.append((provider.id, time.monotonic()))
        if provider.id == "a":
            handling_a.set()
            time.sleep(0.6)  # b's answer arrives meanwhile and waits its turn

    poller = Poller([spec(server, "a"), spec(server, "b")], lambda _: 60.0, handler, jitter=0)
    poller.start()
    assert handling_a.wait(3)
    poller.stop()
    stopped = time.monotonic()
    time.sleep(0.8)
    assert [provider for provider, _ in calls] == ["a"], "b's answer, come during the stop, is dropped"
    assert all(at < stopped for _, at in calls)
