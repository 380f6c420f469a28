"""Probes against a local server playing an API edge: fast 401, slow, 503, reset, refused; keys."""

from __future__ import annotations

import socket

import pytest

from tests.support.server import Reply, StatusServer
from trayapp.catalog import CATALOG, ProviderSpec
from trayapp.core.probing import Outcome
from trayapp.shell import prober
from trayapp.shell.fetch import USER_AGENT, Fetcher
from trayapp.shell.prober import find_key, key_env_name, probe_edge, probe_headers

EDGE = "/v1/models"
KEY = "sk-test-0123456789abcdef"


def probe(url: str, headers: dict[str, str] | None = None, timeout: float = 5.0) -> prober.Attempt:
    def once() -> prober.Attempt:
        fetcher = Fetcher(timeout=timeout, deadline=timeout)
        try:
            return probe_edge(fetcher, url, headers)
        finally:
            fetcher.close()

    return once()


def test_a_fast_401_means_the_edge_is_up(server: StatusServer) -> None:
    server.set(EDGE, Reply(b'{"error": "no key"}', status=401))
    attempt = probe(server.url + EDGE)
    assert attempt.outcome is Outcome.UP
    assert attempt.status == 401
    assert attempt.latency_s is not None
    assert attempt.latency_s < 2
    assert attempt.detail.startswith("HTTP 401 in ")
    request = server.requests_to(EDGE)[0]
    assert request.headers["user-agent"] == USER_AGENT
    assert "authorization" not in request.headers


def test_a_503_from_the_edge_is_down(server: StatusServer) -> None:
    server.set(EDGE, Reply(b"upstream connect error", status=503, content_type="text/plain"))
    attempt = probe(server.url + EDGE)
    assert attempt.outcome is Outcome.DOWN
    assert attempt.status == 503
    assert not attempt.connection


def test_a_slow_answer_is_slow_not_down(server: StatusServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("trayapp.core.probing.SLOW_AFTER", 0.3)
    server.set(EDGE, Reply(b"{}", status=401, delay=0.5))
    attempt = probe(server.url + EDGE)
    assert attempt.outcome is Outcome.SLOW
    assert attempt.latency_s is not None
    assert attempt.latency_s >= 0.5


def test_no_answer_is_a_timeout(server: StatusServer) -> None:
    server.set(EDGE, Reply(b"{}", status=401, delay=3.0))
    attempt = probe(server.url + EDGE, timeout=0.5)
    assert attempt.outcome is Outcome.DOWN
    assert attempt.error == "timeout"
    assert attempt.connection
    assert attempt.latency_s is None


def test_a_connection_reset_is_down(server: StatusServer) -> None:
    server.set(EDGE, Reply(b'{"data": []}' * 100, status=200, reset_after=10))
    attempt = probe(server.url + EDGE)
    assert attempt.outcome is Outcome.DOWN
    assert attempt.error == "connection dropped"


def test_refused_is_a_connection_failure() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    attempt = probe(f"http://127.0.0.1:{port}{EDGE}")
    assert attempt.outcome is Outcome.DOWN
    assert attempt.error == "connection refused"
    assert attempt.connection


def test_a_key_is_sent_in_the_form_the_api_wants(server: StatusServer) -> None:
    server.set(EDGE, Reply(b'{"data": []}', status=200))
    attempt = probe(server.url + EDGE, probe_headers(CATALOG["anthropic"], KEY))
    assert attempt.outcome is Outcome.UP
    assert attempt.status == 200
    sent = server.requests_to(EDGE)[0].headers
    assert sent["x-api-key"] == KEY
    assert sent["anthropic-version"]
    assert KEY not in attempt.detail
    assert probe_headers(CATALOG["openai"], KEY) == {"Authorization": f"Bearer {KEY}"}
    assert probe_headers(CATALOG["openai"], None) == {}


def test_keys_come_from_the_environment_then_the_keyring() -> None:
    assert key_env_name(CATALOG["openai"]) == "OPENAI_API_KEY"
    assert (
        key_env_name(ProviderSpec("acme-api", "Acme", "https://status.acme.example", "statuspage"))
        == "TRAYAPP_ACME_API_API_KEY"
    )
    assert find_key(CATALOG["openai"], {"OPENAI_API_KEY": f" {KEY} "}, lambda _: "from-keyring") == KEY
    assert find_key(CATALOG["openai"], {}, lambda provider: f"ring-{provider}") == "ring-openai"
    assert find_key(CATALOG["openai"], {"OPENAI_API_KEY": ""}, lambda _: None) is None
