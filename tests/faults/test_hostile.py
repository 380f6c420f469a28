"""Hostile input, second round: nothing a page, a file or a terminal does may stop, storm or inject."""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import os
import subprocess
import sys
import time
import types
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.faults.pages import CALM, incident, summary
from tests.faults.rig import Rig, StubResolver, statuspage_spec
from tests.support.notifiers import RecordingNotifier
from tests.support.server import Reply, StatusServer
from tests.support.watching import write_config
from trayapp import paths
from trayapp.catalog import CATALOG, ProviderSpec
from trayapp.cli import main
from trayapp.config import ConfigError, load_config
from trayapp.core.codec import decode_state
from trayapp.core.console import snapshot_table
from trayapp.core.history.figures import HistoryReport, IncidentRecord
from trayapp.core.history.report import history_csv, history_table
from trayapp.engine import Engine
from trayapp.logs import setup_logging
from trayapp.model import Component, Failure, Incident, ParsedPage, ProviderView, Snapshot, State
from trayapp.settings import NotificationSettings
from trayapp.shell import single_instance
from trayapp.shell.fetch import Fetcher
from trayapp.shell.prober import find_key, probe_edge, probe_headers
from trayapp.shell.reader import PageReader
from trayapp.shell.store import StateStore
from trayapp.watch import EventPrinter, Watch

SUMMARY = "/acme/api/v2/summary.json"
BETA = "/beta/api/v2/summary.json"
KEY = "sk-ant-test-0123456789"


def test_a_lone_surrogate_in_a_page_stops_nothing(server: StatusServer, make_rig: Callable[..., Rig]) -> None:
    acme, beta = statuspage_spec(server.url + "/acme"), statuspage_spec(server.url + "/beta", "beta", "Beta")
    rig = make_rig(acme, beta)
    server.set(SUMMARY, CALM)
    server.set(BETA, CALM)
    rig.poll(acme)
    rig.poll(beta)
    hostile = incident("inc-1", name="Elevated errors \ud800", incident_updates=[{"body": "x\udfff\x1b[2J"}])
    server.set(SUMMARY, summary(hostile))  # json.dumps writes the lone surrogate as \ud800: valid JSON
    rig.poll(acme)
    server.set(BETA, summary(incident("inc-2", name="Slow API")))
    rig.poll(beta)
    assert rig.sent() == [("start", "inc-1"), ("start", "inc-2")], "every provider still notifies"
    name = rig.view().incidents[0].name
    assert name == "Elevated errors \ufffd"
    assert "\x1b" not in rig.view().incidents[0].latest_update
    saved = decode_state(json.loads(Path(rig.state_path).read_text(encoding="utf-8")))
    assert set(saved.tracks) == {"acme", "beta"}
    assert saved.tracks["beta"].view.incidents


class _CrashingStore:
    """A state keeper whose every save raises what the store never expected."""

    def load(self) -> None:
        return None

    def save(self, saved: object) -> bool:
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")


def test_a_state_save_that_raises_stops_no_notification_and_no_listener() -> None:
    spec = ProviderSpec(id="acme", name="Acme", page="https://status.acme.example", kind="statuspage")
    notifier = RecordingNotifier()
    engine = Engine([spec], NotificationSettings(), notifier, _CrashingStore())  # type: ignore[arg-type]
    heard: list[int] = []
    engine.add_listener(lambda snapshot, events: heard.append(len(events)))
    engine.handle(spec, ParsedPage(components=(Component("API", State.OPERATIONAL),)))
    opened = Incident("inc-1", "Errors", State.MAJOR, "investigating")
    engine.handle(spec, ParsedPage(components=(Component("API", State.MAJOR),), incidents=(opened,)))
    assert [n.kind for n in notifier.sent] == ["start"]
    assert len(heard) == 2


def test_a_redirect_to_plain_http_across_the_network_is_refused(
    server: StatusServer, rig: Rig, resolver: StubResolver
) -> None:
    resolver.names.add("mirror.evil.test")
    port = server.url.rsplit(":", 1)[1]
    server.set(
        SUMMARY, Reply(b"", 302, headers={"Location": f"http://mirror.evil.test:{port}/evil"}, etag=False)
    )
    server.set("/evil", summary(incident("inc-forged")))
    result = rig.poll()
    assert isinstance(result, Failure)
    assert result.reason == "redirect refused: not https"
    assert server.requests_to("/evil") == [], "never asked, never believed"
    assert rig.sent() == []


def _probe(url: str, headers: dict[str, str]) -> None:
    def run() -> None:
        fetcher = Fetcher(timeout=2.0, deadline=4.0)
        try:
            probe_edge(fetcher, url, headers)
        finally:
            fetcher.close()

    run()


def test_a_key_never_follows_a_redirect_to_another_origin(
    server: StatusServer, resolver: StubResolver
) -> None:
    resolver.names.update({"mirror.evil.test", "localhost"})
    port = server.url.rsplit(":", 1)[1]
    headers = probe_headers(CATALOG["anthropic"], KEY)
    server.set("/v1/models", Reply(b"", 302, headers={"Location": f"http://mirror.evil.test:{port}/steal"}))
    _probe(server.url + "/v1/models", headers)
    assert server.requests_to("/steal") == []
    server.set("/v1/models", Reply(b"", 307, headers={"Location": f"http://localhost:{port}/steal"}))
    server.set("/steal", b"{}")
    server.set("/same", Reply(b"", 302, headers={"Location": "/steal"}))
    _probe(server.url + "/v1/models", headers)
    (hop,) = server.requests_to("/steal")
    assert "x-api-key" not in {name.lower() for name in hop.headers}, "another origin: no key"
    _probe(server.url + "/same", headers)
    assert server.requests_to("/steal")[1].headers["x-api-key"] == KEY, "the same origin keeps its key"


def test_a_custom_provider_named_like_a_built_in_one_never_gets_its_key() -> None:
    custom = ProviderSpec(id="openai", name="OpenAI", page="https://status.example.test", kind="statuspage")
    environ = {"OPENAI_API_KEY": "sk-real", "ANTHROPIC_API_KEY": "sk-ant"}
    assert find_key(custom, environ, lambda _: None) is None
    assert find_key(custom, {**environ, "TRAYAPP_OPENAI_API_KEY": "own"}, lambda _: None) == "own"
    lookalike = ProviderSpec(
        id="anthropic", name="Anthropic", page="https://s.example.test", kind="statuspage"
    )
    assert find_key(lookalike, environ, lambda _: None) is None
    assert probe_headers(lookalike, "own") == {"Authorization": "Bearer own"}
    assert find_key(CATALOG["openai"], environ, lambda _: None) == "sk-real"


def test_a_custom_provider_reads_its_own_keyring_entry_never_a_built_in_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ring = {("trayapp", "openai"): "sk-real", ("trayapp", "custom:openai"): "own"}
    asked: list[tuple[str, str]] = []

    def get_password(service: str, user: str) -> str | None:
        asked.append((service, user))
        return ring.get((service, user))

    monkeypatch.setitem(sys.modules, "keyring", types.SimpleNamespace(get_password=get_password))
    custom = ProviderSpec(id="openai", name="OpenAI", page="https://status.example.test", kind="statuspage")
    assert find_key(custom, {}) == "own"
    assert find_key(CATALOG["openai"], {}) == "sk-real"
    assert asked == [("trayapp", "custom:openai"), ("trayapp", "openai")]
    del ring[("trayapp", "custom:openai")]
    assert find_key(custom, {}) is None, "the built-in entry is not a fallback"


def _dated(document: bytes, updated_at: str | None) -> bytes:
    """`document` with the page's own update time (or none)."""
    data = json.loads(document)
    data["page"]["updated_at"] = updated_at
    return json.dumps(data).encode()


def test_older_copies_from_a_cache_never_storm(server: StatusServer, rig: Rig) -> None:
    opened = incident("inc-1", updated_at="2026-02-04T15:00:00Z")
    over = incident("inc-1", status="resolved", updated_at="2026-02-04T16:00:00Z")
    server.set(SUMMARY, _dated(CALM, "2026-02-04T14:00:00Z"))
    rig.poll()
    server.set(SUMMARY, _dated(summary(opened), "2026-02-04T15:00:00Z"))
    rig.poll()
    server.set(SUMMARY, _dated(summary(over), "2026-02-04T16:00:00Z"))
    rig.poll()
    for _ in range(3):  # the CDN alternates between the old copy and the new one
        server.set(SUMMARY, _dated(summary(opened), "2026-02-04T15:00:00Z"))
        rig.poll()
        server.set(SUMMARY, _dated(summary(over), "2026-02-04T16:00:00Z"))
        rig.poll()
    assert rig.sent() == [("start", "inc-1"), ("resolve", "inc-1")]
    assert rig.view().incidents == ()


def test_an_old_copy_without_a_page_time_does_not_reopen_an_incident(server: StatusServer, rig: Rig) -> None:
    opened = incident("inc-1", updated_at="2026-02-04T15:00:00Z")
    server.set(SUMMARY, CALM)
    rig.poll()
    server.set(SUMMARY, summary(opened))
    rig.poll()
    server.set(SUMMARY, CALM)  # gone for two polls: over
    rig.polls(2)
    for _ in range(3):
        server.set(SUMMARY, summary(opened))
        rig.poll()
        server.set(SUMMARY, CALM)
        rig.polls(2)
    assert rig.sent() == [("start", "inc-1"), ("resolve", "inc-1")]
    reopened = incident("inc-1", updated_at="2026-02-04T17:00:00Z")  # the page really reopens it
    server.set(SUMMARY, summary(reopened))
    rig.poll()
    assert rig.sent()[2:] == [("start", "inc-1")]


def test_the_start_up_summary_leaves_out_what_ended_while_a_slow_provider_answered(
    server: StatusServer, make_rig: Callable[..., Rig]
) -> None:
    acme, beta = statuspage_spec(server.url + "/acme"), statuspage_spec(server.url + "/beta", "beta", "Beta")
    rig = make_rig(acme, beta)
    server.set(SUMMARY, summary(incident("inc-1"), incident("inc-2", name="Slow API")))
    rig.poll(acme)  # Beta's first answer is still awaited: both are held for the summary
    server.set(SUMMARY, summary(incident("inc-1", status="resolved"), incident("inc-2", name="Slow API")))
    rig.poll(acme)
    server.set(BETA, CALM)
    rig.poll(beta)
    (notice,) = rig.notifier.sent
    assert "Slow API" in notice.title + notice.body
    assert "Elevated error rates" not in notice.title + notice.body, "over before it was announced"
    server.set(SUMMARY, summary(incident("inc-2", name="Slow API", status="resolved")))
    rig.poll(acme)
    assert [n.kind for n in rig.notifier.sent][1:] == ["resolve"], "what was announced gets its resolve"


def test_a_restart_before_the_start_up_summary_loses_no_incident(tmp_path: Path) -> None:
    acme = ProviderSpec(id="acme", name="Acme", page="https://status.acme.example", kind="statuspage")
    slow = ProviderSpec(id="slow", name="Slow", page="https://status.slow.example", kind="statuspage")
    path = tmp_path / "state.json"
    errors = Incident("inc-1", "Elevated errors", State.MAJOR, "investigating")
    calm = ParsedPage(components=(Component("API", State.OPERATIONAL),))
    notifier = RecordingNotifier()
    first = Engine([acme, slow], NotificationSettings(), notifier, StateStore(path))
    first.handle(acme, ParsedPage(incidents=(errors,)))  # held: Slow has not answered yet
    first.flush()
    assert notifier.sent == []
    second = Engine([acme, slow], NotificationSettings(), notifier, StateStore(path))
    second.handle(acme, ParsedPage(incidents=(errors,)))
    assert notifier.sent == [], "still waiting for Slow's first answer"
    second.handle(slow, calm)
    (summary_sent,) = notifier.sent
    assert (summary_sent.kind, summary_sent.incident_id) == ("summary", "inc-1"), "the summary it was owed"
    second.handle(acme, ParsedPage(closed_incident_ids=frozenset({"inc-1"})))
    assert [(n.kind, n.incident_id) for n in notifier.sent[1:]] == [("resolve", "inc-1")]


def test_a_restart_before_the_summary_does_not_announce_what_ended_meanwhile(tmp_path: Path) -> None:
    acme = ProviderSpec(id="acme", name="Acme", page="https://status.acme.example", kind="statuspage")
    slow = ProviderSpec(id="slow", name="Slow", page="https://status.slow.example", kind="statuspage")
    path = tmp_path / "state.json"
    errors = Incident("inc-1", "Elevated errors", State.MAJOR, "investigating")
    notifier = RecordingNotifier()
    first = Engine([acme, slow], NotificationSettings(), notifier, StateStore(path))
    first.handle(acme, ParsedPage(incidents=(errors,)))
    first.flush()
    second = Engine([acme, slow], NotificationSettings(), notifier, StateStore(path))
    second.handle(acme, ParsedPage(closed_incident_ids=frozenset({"inc-1"})))
    second.handle(slow, ParsedPage())
    assert notifier.sent == [], "over before the summary went out: nothing to announce or resolve"
    second.flush()
    assert json.loads(path.read_text(encoding="utf-8"))["held"] == []


def test_watch_prints_a_provider_once_per_change_and_not_before_its_first_answer() -> None:
    acme = ProviderSpec(id="acme", name="Acme", page="https://status.acme.example", kind="statuspage")
    slow = ProviderSpec(id="slow", name="Slow", page="https://status.slow.example", kind="statuspage")
    engine = Engine([acme, slow], NotificationSettings(enabled=False), RecordingNotifier())
    out = io.StringIO()
    engine.add_listener(EventPrinter(out))
    calm = ParsedPage(components=(Component("API", State.OPERATIONAL),))
    for _ in range(30):
        engine.handle(acme, calm)
    engine.handle(slow, Failure("timeout", connection=True))
    engine.handle(acme, calm)
    lines = [line.split("  ", 1)[1] for line in out.getvalue().splitlines()]
    assert lines == ["Acme: operational", "Slow: unknown (timeout)"]


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The local time zone is America/New_York (west of UTC) for one test."""
    monkeypatch.setenv("TZ", "EST5EDT,M3.2.0,M11.1.0")  # New York, as a POSIX rule
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_go_zero_time_west_of_utc_degrades_to_an_unknown_time(
    server: StatusServer, tmp_path: Path, new_york: None, capsys: pytest.CaptureFixture[str]
) -> None:
    zero = "0001-01-01T00:00:00Z"
    config_path = write_config(tmp_path / "config.toml", [("Acme", server.url + "/acme", "statuspage")])
    config, _ = load_config(config_path)
    notifier = RecordingNotifier()
    watch = Watch(config, config_path, notifier, paths.state_file(), io.StringIO())
    spec = config.providers[0]

    def polls(count: int) -> None:
        fetcher = Fetcher()
        try:
            reader = PageReader(fetcher)
            for _ in range(count):
                watch.engine.handle(spec, reader.read(spec))
        finally:
            fetcher.close()

    server.set(SUMMARY, CALM)
    polls(1)
    server.set(SUMMARY, summary(incident("inc-0", started_at=zero, created_at=zero, updated_at=zero)))
    polls(1)
    server.set(SUMMARY, summary(incident("inc-0", status="resolved", started_at=zero, updated_at=zero)))
    polls(1)
    watch.stop()
    assert [n.kind for n in notifier.sent] == ["start", "resolve"], "the resolve is not lost"
    saved = decode_state(json.loads(paths.state_file().read_text(encoding="utf-8")))
    assert saved.notified == frozenset(), "nothing stays notified"
    capsys.readouterr()
    assert main(["history", "--since", "2000-01-01"]) == 0
    assert main(["history", "--csv", "--since", "2000-01-01"]) == 0
    assert main(["history", "--json", "--since", "2000-01-01"]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_a_closed_pipe_ends_the_output_quietly(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[[providers]]\nname = "Acme"\nurl = "https://status.acme.example"\n', encoding="utf-8")
    for args in (["providers"], ["check-config"], ["history"]):
        reader, writer = os.pipe()
        os.close(reader)  # `| head -1` that has already gone
        try:
            done = subprocess.run(
                [sys.executable, "-m", "trayapp", *args, "--config", str(config)],
                check=False,
                stdout=writer,
                stderr=subprocess.PIPE,
                text=True,
                timeout=60,
            )
        finally:
            os.close(writer)
        assert "Traceback" not in done.stderr, done.stderr
        assert "BrokenPipe" not in done.stderr, done.stderr


def test_a_terminal_that_cannot_show_a_character_loses_no_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[[providers]]\nname = "Ωmega → one"\nurl = "https://status.example.com"\n', "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "trayapp", "check-config", "--config", str(config)],
        check=False,
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "latin-1"},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "?mega ? one" in done.stdout.decode("latin-1")


def test_a_thousand_content_codings_are_an_undecodable_response(server: StatusServer, rig: Rig) -> None:
    body = CALM
    for _ in range(1000):
        body = gzip.compress(body, compresslevel=1)
    server.set(SUMMARY, Reply(body, headers={"Content-Encoding": ", ".join(["gzip"] * 1000)}))
    result = rig.poll()
    assert isinstance(result, Failure)
    assert result.reason == "undecodable response"
    two = gzip.compress(gzip.compress(CALM))
    server.set(SUMMARY, Reply(two, headers={"Content-Encoding": "gzip, gzip"}))
    assert not isinstance(rig.poll(), Failure), "two layers are still read"


def test_nested_toml_is_a_config_error_and_a_running_watch_keeps_its_config(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("x = " + "[" * 500 + "]" * 500 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "nested too deeply" in str(caught.value)
    done = subprocess.run(
        [sys.executable, "-m", "trayapp", "check-config", "--config", str(path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3
    assert "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) < 5


def test_a_config_path_that_is_no_regular_file_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "config.fifo"
    os.mkfifo(fifo)
    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * (2 * 1024 * 1024) + "\n", encoding="utf-8")
    for path, words in (
        (Path("/dev/zero"), "not a regular file"),
        (fifo, "not a regular file"),
        (big, "1 MB"),
    ):
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        assert words in str(caught.value)


def _good_state(tmp_path: Path) -> dict[str, Any]:
    """A real state file's content, after one poll of one provider."""
    spec = ProviderSpec(id="acme", name="Acme", page="https://status.acme.example", kind="statuspage")
    path = tmp_path / "good" / "state.json"
    engine = Engine([spec], NotificationSettings(), RecordingNotifier(), StateStore(path))
    engine.handle(spec, ParsedPage(components=(Component("API", State.OPERATIONAL),)))
    engine.flush()
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_a_state_file_that_decodes_but_cannot_be_used_is_moved_aside(tmp_path: Path) -> None:
    good = _good_state(tmp_path)
    huge = json.dumps(good).replace('"failures": 0', '"failures": 1e999')
    gone = json.loads(json.dumps(good))
    gone["providers"]["old"] = json.loads(json.dumps(gone["providers"]["acme"]))
    gone["providers"]["old"]["view"]["last_success_at"] = "0001-01-01T00:00:00+05:00"
    nested = json.dumps(good)[:-1] + ', "deep": ' + "[" * 100_000 + "]" * 100_000 + "}"
    spec = ProviderSpec(id="acme", name="Acme", page="https://status.acme.example", kind="statuspage")
    for n, text in enumerate((huge, json.dumps(gone), nested)):
        path = tmp_path / str(n) / "state.json"
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
        notifier = RecordingNotifier()
        engine = Engine([spec], NotificationSettings(), notifier, StateStore(path))
        assert list(path.parent.glob("state.json.corrupt-*")), f"case {n}: moved aside"
        engine.handle(
            spec, ParsedPage(incidents=(Incident("inc-1", "Errors", State.MAJOR, "investigating"),))
        )
        assert len(notifier.sent) == 1, f"case {n}: notified as on a first run"


def test_page_text_never_drives_a_terminal_a_spreadsheet_or_the_log(
    tmp_path: Path, logging_to_files: None
) -> None:
    start = datetime(2026, 2, 4, 15, 0, tzinfo=UTC)
    names = [
        '=HYPERLINK("http://evil.test","x")',
        "@SUM(A1)",
        "=1+1",
        "-2+3",
        "ok\x1b[2J\x1b]52;c;eA==\x07\nFORGED",
    ]
    report = HistoryReport(
        start,
        start,
        tuple(IncidentRecord("acme", f"inc-{n}", name, State.MAJOR, start) for n, name in enumerate(names)),
    )
    rows = list(csv.reader(io.StringIO(history_csv(report))))
    cells = [row[rows[0].index("name")] for row in rows[1:]]
    assert cells[:4] == ["'" + name for name in names[:4]], "inert the OWASP way"
    table = history_table(report)
    assert "\x1b" not in table
    assert "\x07" not in table
    assert not any(line.startswith("FORGED") for line in table.splitlines())
    view = ProviderView(
        "acme",
        "Acme\x1b]0;pwned\x07",
        "https://status.acme.example",
        State.MAJOR,
        incidents=(Incident("inc-1", "x\nFORGED\x1b[2J", State.MAJOR, "investigating"),),
    )
    shown = snapshot_table(Snapshot((view,)))
    assert "\x1b" not in shown
    assert not any(line.startswith("FORGED") for line in shown.splitlines())
    setup_logging(tmp_path / "logs", 0)
    logging.getLogger("trayapp.test").warning("%s: %s", "Acme", "reason\nFORGED ERROR x\x1b[2J")
    logged = (tmp_path / "logs" / "trayapp.log").read_text(encoding="utf-8")
    assert len(logged.splitlines()) == 1
    assert "\x1b" not in logged


def test_a_second_watch_says_so_and_leaves(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[[providers]]\nname = "Acme"\nurl = "https://127.0.0.1:9/acme"\n', encoding="utf-8")
    lock = single_instance.acquire(paths.state_dir() / "trayapp.lock")  # the tray, or a first watch
    assert lock is not None
    try:
        done = subprocess.run(
            [sys.executable, "-m", "trayapp", "watch", "--config", str(config)],
            check=False,
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        lock.release()
    assert done.returncode == 0
    assert "already running" in done.stdout
