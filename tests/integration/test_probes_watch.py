"""Probes and offline through the real engine, poller and config, against local servers.

Local servers play the status pages and the API edge (a fast 401, a 503, a refused port);
the checks are what the user would see: the suspected problem, its one notification, the
offline state, and a key that never reaches a file.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.notifiers import RecordingNotifier
from tests.support.server import Reply, StatusServer
from tests.support.watching import wait_until
from trayapp import paths
from trayapp.config import load_config
from trayapp.core.console import exit_code, snapshot_json
from trayapp.model import State
from trayapp.watch import Watch, fetch_snapshot

CALM = (
    b'{"status": {"indicator": "none"}, "components": [{"id": "c", "name": "API", "status": "operational"}]}'
)
EDGE = "/edge/v1/models"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config_text(page_root: str, edge: str, notify: bool = True, second_page: str | None = None) -> str:
    text = (
        "poll_interval = 0.2\nbuiltin = []\n"
        f"[probes]\ninterval = 0.2\nnotify = {'true' if notify else 'false'}\n"
        f'[[providers]]\nname = "Acme API"\nurl = "{page_root}"\nkind = "statuspage"\nprobe = "{edge}"\n'
    )
    if second_page:
        text += f'[[providers]]\nname = "Beta"\nurl = "{second_page}"\nkind = "statuspage"\n'
    return text


@contextmanager
def running(config_path: Path) -> Iterator[tuple[Watch, RecordingNotifier]]:
    config, _ = load_config(config_path)
    notifier = RecordingNotifier()
    watch = Watch(config, config_path, notifier, paths.state_file(), io.StringIO())
    watch.start()
    try:
        yield watch, notifier
    finally:
        watch.stop()


def test_a_failing_edge_becomes_a_suspected_problem_after_confirmation_and_clears(
    server: StatusServer, tmp_path: Path
) -> None:
    server.set("/acme/api/v2/summary.json", CALM)
    server.set(EDGE, Reply(b'{"error": "no key"}', status=401))
    config = tmp_path / "config.toml"
    config.write_text(config_text(server.url + "/acme", server.url + EDGE), "utf-8")
    with running(config) as (watch, notifier):
        engine = watch.engine
        wait_until(lambda: len(server.requests_to(EDGE)) >= 3, what="three good probes")
        assert engine.snapshot().provider("acme-api").suspected is None  # type: ignore[union-attr]
        assert engine.snapshot().provider("acme-api").probe.ok is True  # type: ignore[union-attr]
        server.set(EDGE, Reply(b"upstream connect error", status=503, content_type="text/plain"))
        failing_from = len(server.requests_to(EDGE))
        wait_until(
            lambda: engine.snapshot().provider("acme-api").suspected is not None,  # type: ignore[union-attr]
            what="the suspected problem",
        )
        failed = [r for r in server.requests_to(EDGE)[failing_from:] if r.status == 503]
        assert len(failed) >= 3, "only after the confirmation window"
        snapshot = engine.snapshot()
        assert snapshot.overall == State.DEGRADED
        assert snapshot.badge == "suspected"
        assert snapshot.provider("acme-api").state == State.OPERATIONAL  # type: ignore[union-attr]
        wait_until(lambda: len(server.requests_to(EDGE)) >= failing_from + 8, what="more failing probes")
        assert [n.kind for n in notifier.sent] == ["suspected"], "notified once"
        assert notifier.sent[0].title == "Possible problem · Acme API"
        server.set(EDGE, Reply(b"{}", status=401))
        wait_until(
            lambda: engine.snapshot().provider("acme-api").suspected is None,  # type: ignore[union-attr]
            what="recovery",
        )
        assert engine.snapshot().badge == "none"
    assert [n.kind for n in notifier.sent] == ["suspected"]


def test_everything_refused_is_offline_and_sends_nothing(server: StatusServer, tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    server.set("/beta/api/v2/summary.json", CALM)
    config = tmp_path / "config.toml"
    config.write_text(config_text(closed + "/acme", closed + EDGE, second_page=server.url + "/beta"), "utf-8")
    with running(config) as (watch, notifier):
        engine = watch.engine
        beta = lambda: engine.snapshot().provider("beta")  # noqa: E731
        wait_until(lambda: beta() is not None and beta().state == State.OPERATIONAL, what="Beta")  # type: ignore[union-attr]
        assert not engine.snapshot().offline, "Beta answers: the network is up"
        server.stop()  # now nothing answers: the pages, the edge
        wait_until(lambda: engine.snapshot().offline, what="offline")
        snapshot = engine.snapshot()
        assert snapshot.badge == "offline"
        assert snapshot.overall == State.UNKNOWN
        assert {view.error for view in snapshot.providers} == {"offline"}
        assert notifier.sent == []


def test_status_json_says_offline_and_exits_3_when_nothing_answers(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    config = tmp_path / "config.toml"
    config.write_text(config_text(closed + "/acme", closed + EDGE, second_page=closed + "/beta"), "utf-8")
    snapshot = fetch_snapshot(load_config(config)[0])
    document = snapshot_json(snapshot)
    assert document["offline"] is True
    assert exit_code(snapshot) == 3
    assert [p["error"] for p in document["providers"]] == ["offline", "offline"]
    assert document["providers"][0]["probe"]["enabled"] is True
    assert document["providers"][0]["probe"]["ok"] is False
    assert document["providers"][0]["probe"]["detail"] == "connection refused"
    assert document["providers"][1]["probe"] == {
        "enabled": False,
        "ok": None,
        "latency_ms": None,
        "failing_since": None,
        "detail": "",
        "deep": {"enabled": False, "ok": None, "latency_ms": None, "detail": ""},
    }
    assert document["providers"][0]["suspected"] is None


def test_status_json_reports_the_probe_of_a_healthy_edge(server: StatusServer, tmp_path: Path) -> None:
    server.set("/acme/api/v2/summary.json", CALM)
    server.set(EDGE, Reply(b"{}", status=401))
    config = tmp_path / "config.toml"
    config.write_text(config_text(server.url + "/acme", server.url + EDGE), "utf-8")
    document = snapshot_json(fetch_snapshot(load_config(config)[0]))
    assert document["offline"] is False
    probe = document["providers"][0]["probe"]
    assert (probe["enabled"], probe["ok"], probe["failing_since"]) == (True, True, None)
    assert probe["latency_ms"] > 0
    assert probe["detail"].startswith("HTTP 401 in ")


def test_an_api_key_reaches_the_edge_and_no_file(server: StatusServer, tmp_path: Path) -> None:
    key = "sk-ant-secret-never-written-0123456789"
    server.set("/acme/api/v2/summary.json", CALM)
    server.set(EDGE, Reply(b'{"data": []}', status=200))
    config = tmp_path / "config.toml"
    config.write_text(config_text(server.url + "/acme", server.url + EDGE), "utf-8")
    env = {**os.environ, "TRAYAPP_ACME_API_API_KEY": key}
    process = subprocess.Popen(
        [sys.executable, "-m", "trayapp", "-v", "--config", str(config), "watch"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until(lambda: len(server.requests_to(EDGE)) >= 3, timeout=20, what="probes with the key")
        server.set(EDGE, Reply(b"{}", status=503))
        wait_until(lambda: len(server.requests_to(EDGE)) >= 6, timeout=20, what="failing probes")
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert server.requests_to(EDGE)[0].headers["authorization"] == f"Bearer {key}"
    written = [p for root in (paths.state_dir(), paths.log_dir(), paths.cache_dir()) for p in root.rglob("*")]
    files = [p for p in written if p.is_file()]
    assert any(p.suffix == ".log" or "log" in p.name for p in files), "the log was written"
    for path in files:
        assert key.encode() not in path.read_bytes(), f"the key leaked into {path}"
    assert key not in out.decode() + err.decode()
    assert json.loads(paths.state_file().read_text("utf-8"))
