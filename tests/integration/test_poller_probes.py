"""The poller's probes against a local API edge: their pace, their pause while offline, the key."""

from __future__ import annotations

import threading
import time

import pytest

from tests.support.server import Reply, StatusServer
from tests.support.watching import wait_until
from trayapp.catalog import ProviderSpec
from trayapp.core.probing import Attempt, Outcome
from trayapp.model import Failure, ParsedPage
from trayapp.shell.poller import Poller

EDGE = "/edge/v1/models"
SUMMARY = "/acme/api/v2/summary.json"
CALM = b'{"status": {"indicator": "none"}, "components": []}'


class Seen:
    """Records what the poller hands over."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pages: list[ParsedPage | Failure] = []
        self.probes: list[Attempt] = []

    def page(self, spec: ProviderSpec, result: ParsedPage | Failure) -> None:
        with self.lock:
            self.pages.append(result)

    def probe(self, spec: ProviderSpec, attempt: Attempt) -> None:
        with self.lock:
            self.probes.append(attempt)

    def count(self) -> int:
        with self.lock:
            return len(self.probes)


def poller_for(server: StatusServer, seen: Seen, probe_every: float = 0.2) -> Poller:
    spec = ProviderSpec(
        id="openai",
        name="Acme",
        page=f"{server.url}/acme",
        kind="statuspage",
        probe=server.url + EDGE,
        builtin=True,  # stands in for the catalog's OpenAI: its SDK's key name applies
    )
    return Poller(
        [spec],
        lambda _: 0.2,
        seen.page,
        jitter=0,
        probe_plan=lambda s: (s.probe, probe_every) if s.probe else None,
        on_probe=seen.probe,
        offline_recheck=0.2,
    )


def test_probes_run_on_their_own_pace_and_say_what_the_edge_answered(server: StatusServer) -> None:
    server.set(SUMMARY, CALM)
    server.set(EDGE, Reply(b'{"error": "no key"}', status=401))
    seen = Seen()
    poller = poller_for(server, seen, probe_every=0.3)
    poller.start()
    try:
        wait_until(lambda: seen.count() >= 3, timeout=10)
        server.set(EDGE, Reply(b"upstream error", status=503, content_type="text/plain"))
        before = seen.count()
        wait_until(lambda: seen.count() >= before + 2, timeout=10)
    finally:
        poller.stop()
    with seen.lock:
        outcomes = [attempt.outcome for attempt in seen.probes]
    assert outcomes[:3] == [Outcome.UP] * 3
    assert outcomes[-1] is Outcome.DOWN
    edge_requests = server.requests_to(EDGE)
    assert all(request.headers["user-agent"].startswith("trayapp/") for request in edge_requests)
    assert all("authorization" not in request.headers for request in edge_requests), "no key, no header"


def test_probes_pause_while_offline_and_resume_when_the_network_is_back(server: StatusServer) -> None:
    server.set(SUMMARY, CALM)
    server.set(EDGE, Reply(b"{}", status=401))
    seen = Seen()
    poller = poller_for(server, seen)
    poller.start()
    try:
        wait_until(lambda: seen.count() >= 1, timeout=10)
        poller.set_offline(True)
        time.sleep(0.3)  # a probe already on its way may still land
        paused_at = seen.count()
        time.sleep(1.2)
        assert seen.count() == paused_at, "no probe while offline"
        pages_while_offline = len(server.requests_to(SUMMARY))
        poller.set_offline(False)
        wait_until(lambda: seen.count() > paused_at, timeout=5)
    finally:
        poller.stop()
    assert pages_while_offline >= 3, "pages are still rechecked while offline"


def test_a_key_from_the_environment_is_sent_and_never_leaves_the_request(
    server: StatusServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "sk-live-do-not-log-0123456789"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    server.set(SUMMARY, CALM)
    server.set(EDGE, Reply(b'{"data": []}', status=200))
    seen = Seen()
    poller = poller_for(server, seen)
    poller.start()
    try:
        wait_until(lambda: seen.count() >= 2, timeout=10)
    finally:
        poller.stop()
    assert server.requests_to(EDGE)[0].headers["authorization"] == f"Bearer {key}"
    with seen.lock:
        assert all(key not in repr(attempt) for attempt in seen.probes)
        assert seen.probes[0].status == 200
