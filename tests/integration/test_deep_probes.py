"""Deep probes through the real engine, poller and config, against a fake model API on loopback.

The status page stays calm throughout: what changes is the model API behind it, as on a day when
the gateway answers and the models fail. The checks are what the user would see: the icon's
state, `status --json`, the log, and a key that never reaches a file or the output.
"""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.model_api import ModelApi, model_api
from tests.support.notifiers import RecordingNotifier
from tests.support.server import StatusServer
from tests.support.watching import wait_until
from trayapp import paths
from trayapp.config import load_config
from trayapp.core.console import exit_code, snapshot_json
from trayapp.model import ProviderView, State
from trayapp.shell.fetch import Fetcher, FetchError
from trayapp.watch import Watch, fetch_snapshot

CALM = (
    b'{"status": {"indicator": "none"}, "components": [{"id": "c", "name": "API", "status": "operational"}]}'
)
KEY = "sk-deep-secret-never-written-0123456789"
KEY_ENV = "TRAYAPP_ACME_API_API_KEY"
MODEL = "acme-mini"


@pytest.fixture
def api() -> Iterator[ModelApi]:
    with model_api() as running_api:
        yield running_api


def config_text(page_root: str, api_root: str, interval: float, dialect: str = "openai") -> str:
    path = "/v1/messages" if dialect == "anthropic" else "/v1/chat/completions"
    return (
        "poll_interval = 0.2\nbuiltin = []\n"
        f"[probes]\nenabled = false\ndeep_interval = {interval}\n"
        f'[[providers]]\nname = "Acme API"\nurl = "{page_root}"\nkind = "statuspage"\n'
        f'deep_probe = "{api_root}{path}"\nprobe_api = "{dialect}"\nprobe_model = "{MODEL}"\n'
    )


@pytest.fixture
def calm(server: StatusServer) -> str:
    server.set("/acme/api/v2/summary.json", CALM)
    return server.url + "/acme"


@contextmanager
def running(config_path: Path) -> Iterator[Watch]:
    config, _ = load_config(config_path)
    watch = Watch(config, config_path, RecordingNotifier(), paths.state_file(), io.StringIO())
    watch.start()
    try:
        yield watch
    finally:
        watch.stop()


def acme(watch: Watch) -> ProviderView:
    view = watch.engine.snapshot().provider("acme-api")
    assert view is not None
    return view


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, "utf-8")
    return path


def test_no_request_without_a_key(
    api: ModelApi, calm: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    with running(write_config(tmp_path, config_text(calm, api.root, 0.3))) as watch:
        wait_until(lambda: acme(watch).probe.deep.detail == "no API key", what="the missing key said")
        time.sleep(1.0)  # more than three intervals
        view = acme(watch)
        assert view.state == State.OPERATIONAL
        assert view.suspected is None
        assert view.probe.deep.enabled is False
    assert api.seen() == [], "nothing is sent without a key"


@pytest.mark.parametrize(
    ("dialect", "path", "key_header", "key_value", "limit"),
    [
        ("openai", "/v1/chat/completions", "authorization", f"Bearer {KEY}", "max_tokens"),
        ("anthropic", "/v1/messages", "x-api-key", KEY, "max_tokens"),
    ],
)
def test_requests_carry_the_key_the_model_and_an_output_limit_of_one(
    api: ModelApi,
    calm: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    dialect: str,
    path: str,
    key_header: str,
    key_value: str,
    limit: str,
) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    with running(write_config(tmp_path, config_text(calm, api.root, 0.3, dialect))) as watch:
        wait_until(lambda: len(api.seen()) >= 3, what="three deep probes")
        wait_until(lambda: acme(watch).probe.deep.ok is True, what="a healthy model API")
        view = acme(watch)
        assert view.state == State.OPERATIONAL
        assert view.suspected is None
        assert watch.engine.snapshot().overall == State.OPERATIONAL
    request = api.seen()[0]
    assert request.path == path
    assert request.headers[key_header] == key_value
    assert request.body == {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], limit: 1}
    assert request.headers["content-type"] == "application/json"
    if dialect == "anthropic":
        assert request.headers["anthropic-version"] == "2023-06-01"
        assert "authorization" not in request.headers
    else:
        assert "x-api-key" not in request.headers
    gaps = [b.at - a.at for a, b in zip(api.seen(), api.seen()[1:], strict=False)]
    assert min(gaps) > 0.2, "a healthy model API is asked once per interval"


@pytest.mark.parametrize("failure", [529, 500])
def test_a_failing_model_api_is_suspected_within_one_and_a_half_intervals_and_recovers(
    api: ModelApi, calm: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: int
) -> None:
    interval = 2.0
    monkeypatch.setenv(KEY_ENV, KEY)
    config = write_config(tmp_path, config_text(calm, api.root, interval))
    with running(config) as watch:
        wait_until(lambda: acme(watch).probe.deep.ok is True, what="a healthy model API")
        api.set_status(failure)
        switched = time.monotonic()
        wait_until(lambda: acme(watch).suspected is not None, timeout=10, what="the suspected problem")
        took = time.monotonic() - switched
        assert took <= 1.5 * interval + 0.5, f"suspected after {took:.1f} s"
        view = acme(watch)
        assert view.state == State.OPERATIONAL, "the page's own state stays what the page says"
        assert view.suspected is not None
        assert view.suspected.source == "model"
        snapshot = watch.engine.snapshot()
        assert snapshot.overall == State.DEGRADED
        assert snapshot.badge == "suspected"
        # `status --json` beside the running instance reports its verdict.
        status = fetch_snapshot(load_config(config)[0])
        document = snapshot_json(status)
        provider = document["providers"][0]
        assert provider["suspected"]["reason"].startswith("the model API failed ")
        assert f"HTTP {failure}" in provider["suspected"]["reason"]
        assert provider["probe"]["deep"]["enabled"] is True
        assert provider["probe"]["deep"]["ok"] is False
        assert exit_code(status) == 1
        api.set_status(200)
        wait_until(lambda: acme(watch).suspected is None, timeout=10, what="recovery")
        assert watch.engine.snapshot().overall == State.OPERATIONAL
        assert acme(watch).probe.deep.ok is True


def spells(history: Path) -> list[tuple[str, str, int, int, str]]:
    """(source, reason, start, end, status) of every suspected period, read by another connection."""
    if not history.exists():
        return []
    connection = sqlite3.connect(f"file:{history}?mode=ro", uri=True)
    try:
        found = connection.execute(
            "SELECT source, reason, start_ms, end_ms, status FROM suspected_periods ORDER BY id"
        ).fetchall()
    except sqlite3.OperationalError:  # not created yet
        return []
    finally:
        connection.close()
    return [(str(a), str(b), int(c), int(d), str(e)) for a, b, c, d, e in found]


def stamp(path: Path) -> tuple[int, int] | None:
    """(mtime in ns, size) of a file, or None when it does not exist."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return (found.st_mtime_ns, found.st_size)


def test_the_history_keeps_the_suspected_period_and_writes_nothing_while_it_goes_on(
    api: ModelApi, calm: str, server: StatusServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    config = write_config(tmp_path, config_text(calm, api.root, 0.5))
    history = paths.history_file()
    files = [history, history.with_name(history.name + "-wal")]
    with running(config) as watch:
        wait_until(lambda: acme(watch).probe.deep.ok is True, what="a healthy model API")
        api.set_status(529)
        wait_until(lambda: [s[4] for s in spells(history)] == ["ongoing"], what="the spell in the history")
        assert acme(watch).suspected is not None
        # The spell goes on: polls of the calm page and failing model requests change nothing on disk.
        before = [stamp(path) for path in files]
        requests, polls = len(api.seen()), len(server.requests_to("/acme/api/v2/summary.json"))
        wait_until(
            lambda: (
                len(api.seen()) >= requests + 3
                and len(server.requests_to("/acme/api/v2/summary.json")) >= polls + 8
            ),
            what="more polls and deep probes",
        )
        assert acme(watch).suspected is not None, "still suspected"
        assert [stamp(path) for path in files] == before, "a spell that goes on wrote to the disk"
        api.set_status(200)
        wait_until(lambda: acme(watch).suspected is None, what="recovery")
        wait_until(lambda: [s[4] for s in spells(history)] == ["ended"], what="the end in the history")
    result = subprocess.run(
        [sys.executable, "-m", "trayapp", "--config", str(config), "history", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (period,) = json.loads(result.stdout)["suspected"]
    assert list(period) == ["provider", "source", "reason", "started_at", "ended_at", "duration_s"]
    assert (period["provider"], period["source"]) == ("acme-api", "deep")
    assert period["reason"].startswith("the model API failed ")
    assert period["reason"].endswith("(HTTP 529)")
    assert period["ended_at"] is not None, "over after the recovery"
    assert period["started_at"] <= period["ended_at"]
    assert 0 <= period["duration_s"] < 60


def test_a_refused_key_stops_deep_probing_after_one_notice_until_the_key_changes(
    api: ModelApi,
    calm: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    api.set_status(401)
    with (
        caplog.at_level(logging.INFO, logger="trayapp"),
        running(write_config(tmp_path, config_text(calm, api.root, 0.3))) as watch,
    ):
        wait_until(lambda: acme(watch).probe.deep.stopped == "key", what="deep probing stopped")
        time.sleep(1.2)  # four intervals
        assert len(api.seen()) == 1, "one request, then none"
        view = acme(watch)
        assert view.suspected is None
        assert view.state == State.OPERATIONAL
        assert "HTTP 401" in view.probe.deep.detail
        notices = [r for r in caplog.records if "refused the key" in r.getMessage()]
        assert len(notices) == 1, "said once"
        api.set_status(200)
        monkeypatch.setenv(KEY_ENV, KEY + "-new")
        wait_until(lambda: acme(watch).probe.deep.ok is True, what="a new key resumes deep probing")
        assert api.seen()[-1].headers["authorization"] == f"Bearer {KEY}-new"
    assert KEY not in caplog.text


def test_a_retired_model_stops_deep_probing_as_a_configuration_problem(
    api: ModelApi, calm: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    api.set_status(404)
    with running(write_config(tmp_path, config_text(calm, api.root, 0.3))) as watch:
        wait_until(lambda: acme(watch).probe.deep.stopped == "refused", what="deep probing stopped")
        time.sleep(1.0)
        assert len(api.seen()) == 1
        assert acme(watch).suspected is None
        assert watch.engine.snapshot().overall == State.OPERATIONAL


def test_rate_limits_change_nothing(
    api: ModelApi, calm: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    api.set_status(429)
    with running(write_config(tmp_path, config_text(calm, api.root, 0.3))) as watch:
        wait_until(lambda: len(api.seen()) >= 6, what="six rate-limited answers")
        view = acme(watch)
        assert view.suspected is None
        assert view.state == State.OPERATIONAL
        assert watch.engine.snapshot().overall == State.OPERATIONAL
        assert view.probe.deep.ok is None
        assert "not counted" in view.probe.deep.detail
        assert view.probe.deep.stopped == ""
    gaps = [b.at - a.at for a, b in zip(api.seen(), api.seen()[1:], strict=False)]
    assert min(gaps) > 0.2, "no confirmation bursts for the user's own limit"


def test_the_key_reaches_only_the_request_header_never_a_file_or_the_output(
    api: ModelApi, calm: str, tmp_path: Path, isolated_dirs: Path
) -> None:
    config = write_config(tmp_path, config_text(calm, api.root, 0.2))
    env = {**os.environ, KEY_ENV: KEY}
    check = subprocess.run(
        [sys.executable, "-m", "trayapp", "--config", str(config), "check-config"],
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert check.returncode == 0, check.stderr
    assert f"POST {api.root}/v1/chat/completions" in check.stdout
    assert f"model {MODEL}" in check.stdout
    assert "max_tokens = 1" in check.stdout
    assert f"{KEY_ENV} in the Authorization header" in check.stdout
    process = subprocess.Popen(
        [sys.executable, "-m", "trayapp", "-v", "--config", str(config), "watch"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until(lambda: len(api.seen()) >= 2, timeout=20, what="deep probes with the key")
        api.set_status(529)  # the error bodies echo the key: they must never be shown
        wait_until(lambda: len(api.seen()) >= 6, timeout=20, what="failing deep probes")
        api.set_status(401)
        count = len(api.seen())
        wait_until(lambda: len(api.seen()) > count, timeout=20, what="a refused key")
        time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert api.seen()[0].headers["authorization"] == f"Bearer {KEY}"
    files = [path for path in isolated_dirs.rglob("*") if path.is_file()]
    assert any("log" in path.name for path in files), "the log was written"
    assert paths.state_file() in files
    for path in files:
        assert KEY.encode() not in path.read_bytes(), f"the key leaked into {path}"
    for text in (out.decode(), err.decode(), check.stdout, check.stderr):
        assert KEY not in text


def test_post_json_follows_307_with_its_body_and_sends_the_key_to_its_origin_only() -> None:
    with model_api() as first, model_api() as second:
        first.redirect = (307, f"{second.root}/v1/chat/completions")

        def post() -> bytes:
            fetcher = Fetcher()
            try:
                answer = fetcher.post_json(
                    f"{first.root}/v1/chat/completions", {"model": "m"}, headers={"Authorization": "Bearer k"}
                )
                return answer.body
            finally:
                fetcher.close()

        assert b"chat.completion" in post()
        assert first.seen()[0].headers["authorization"] == "Bearer k"
        moved = second.seen()[0]
        assert moved.body == {"model": "m"}, "307 keeps the method and the body"
        assert "authorization" not in moved.headers, "the key never crosses to another origin"


@pytest.mark.parametrize("status", [301, 302, 303])
def test_post_json_refuses_a_redirect_that_would_drop_the_body(status: int) -> None:
    with model_api() as api:
        api.redirect = (status, f"{api.root}/elsewhere")

        def post() -> None:
            fetcher = Fetcher()
            try:
                fetcher.post_json(f"{api.root}/v1/messages", {"model": "m"}, headers={"x-api-key": "k"})
            finally:
                fetcher.close()

        with pytest.raises(FetchError) as raised:
            post()
        assert raised.value.status == status
        assert raised.value.reason == f"HTTP {status}", "a reason is the status, never a header"
        assert len(api.seen()) == 1
