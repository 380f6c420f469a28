"""A scripted timeline against a local status server, recorded into the history database.

The scripted run drives the real reader, engine, recorder and `Watch` wiring with a clock that
moves one minute per poll, so the database must hold exactly the expected rows and figures:
an outage with an update, a page unreachable for a while (unknown, kept apart from the page's
story), a resolution, and an incident that resolved while trayapp was not running.
"""

from __future__ import annotations

import io
import json
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.notifiers import RecordingNotifier
from tests.support.server import Reply, StatusServer, fixture_bytes
from tests.support.watching import wait_until, watching, write_config
from trayapp import paths
from trayapp.cli import main
from trayapp.config import load_config
from trayapp.settings import Config
from trayapp.shell.fetch import Fetcher
from trayapp.shell.history.writer import to_ms
from trayapp.shell.reader import PageReader
from trayapp.watch import Watch

SUMMARY = "/anthropic/api/v2/summary.json"
STATUS = "/anthropic/api/v2/status.json"
T0 = datetime(2026, 2, 4, 16, 50, tzinfo=UTC)
FIRST = "b8k2yq6wrn4t"
FIRST_STARTED = datetime(2026, 2, 4, 16, 48, 9, 180000, tzinfo=UTC)  # as the page says
API = "Claude API (api.anthropic.com)"
CODE = "Claude Code"
OTHERS = ("claude.ai", "platform.claude.com", "Claude for Government")


def ms(minutes: float) -> int:
    return to_ms(T0 + timedelta(minutes=minutes))


def second_incident() -> bytes:
    """The major outage page with another incident: "Console login failures", from 17:15:30."""
    data = json.loads(fixture_bytes("statuspage/summary_major_outage.json"))
    item = data["incidents"][0]
    item.update(id="x9", name="Console login failures", shortlink="https://stspg.io/x9")
    item.update(started_at="2026-02-04T17:15:30Z", created_at="2026-02-04T17:15:30Z")
    return json.dumps(data).encode()


class Script:
    """Runs `Watch` by hand: one poll of the page per scripted minute."""

    def __init__(self, server: StatusServer, config: Config, config_path: Path) -> None:
        self.server = server
        self.config = config
        self.config_path = config_path
        self.spec = config.providers[0]
        self.minute = 0.0
        self.watch: Watch | None = None

    def now(self) -> datetime:
        return T0 + timedelta(minutes=self.minute)

    def start(self) -> Watch:
        self.watch = Watch(
            self.config,
            self.config_path,
            RecordingNotifier(),
            paths.state_file(),
            io.StringIO(),
            clock=self.now,
        )
        return self.watch

    def polls(self, reader: PageReader, count: int) -> None:
        assert self.watch is not None
        for _ in range(count):
            result = reader.read(self.spec, now=self.now())
            self.watch.engine.handle(self.spec, result)
            self.minute += 1

    def run(self) -> None:
        server = self.server
        fetcher = Fetcher()
        try:
            reader = PageReader(fetcher)
            self.start()
            server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")
            self.polls(reader, 5)  # minutes 0-4: all operational
            server.set_fixture(SUMMARY, "statuspage/summary_major_outage.json")
            self.polls(reader, 5)  # 5-9: the incident opens, critical
            server.set_fixture(SUMMARY, "statuspage/summary_partial_incident.json")
            self.polls(reader, 3)  # 10-12: an update (identified)
            server.set(SUMMARY, Reply(b"oops", 503, "text/plain"))
            server.set(STATUS, Reply(b"oops", 503, "text/plain"))
            self.polls(reader, 5)  # 13-17: unreachable, unknown from the third failure
            server.set_fixture(SUMMARY, "statuspage/summary_partial_incident.json")
            self.polls(reader, 3)  # 18-20: readable again, still open
            server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")
            self.polls(reader, 5)  # 21-25: gone from the page; resolved at the second poll
            server.set(SUMMARY, Reply(second_incident()))
            self.polls(reader, 2)  # 26-27: a second incident, open when trayapp stops
            assert self.watch is not None
            self.watch.stop()
            self.minute = 208  # three hours later
            server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")
            self.start()
            self.polls(reader, 3)  # 208-210: over; confirmed at the second poll
            self.watch.stop()
        finally:
            fetcher.close()


@pytest.fixture
def scripted(server: StatusServer, tmp_path: Path) -> Path:
    config_path = write_config(
        tmp_path / "config.toml", [("Anthropic", server.url + "/anthropic", "statuspage")]
    )
    config, _ = load_config(config_path)
    Script(server, config, config_path).run()
    return config_path


def table(query: str) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(paths.history_file())
    try:
        return [tuple(row) for row in connection.execute(query).fetchall()]
    finally:
        connection.close()


def test_the_database_holds_exactly_the_expected_rows(scripted: Path) -> None:
    assert paths.history_file() == paths.state_file().with_name("history.sqlite3")
    assert stat.S_IMODE(paths.history_file().stat().st_mode) == 0o600
    pages = table("SELECT provider, component, state, start_ms, end_ms FROM page_states ORDER BY id")
    whole = [row[2:] for row in pages if row[1] == ""]
    assert whole == [
        ("operational", ms(0), ms(5)),
        ("major", ms(5), ms(12)),  # the page was last read at 12
        ("major", ms(18), ms(22)),  # read again at 18; the incident kept it major until resolved
        ("operational", ms(22), ms(26)),
        ("major", ms(26), ms(27)),
        ("major", ms(208), ms(209)),  # the next run: the saved state until confirmed
        ("operational", ms(209), ms(210)),
    ]
    api = [row[2:] for row in pages if row[1] == API]
    assert api == [
        ("operational", ms(0), ms(5)),
        ("major", ms(5), ms(10)),
        ("partial", ms(10), ms(12)),
        ("partial", ms(18), ms(22)),  # components confirm a calm page over two polls
        ("operational", ms(22), ms(26)),
        ("major", ms(26), ms(27)),
        ("major", ms(208), ms(209)),
        ("operational", ms(209), ms(210)),
    ]
    code = [row[2:] for row in pages if row[1] == CODE]
    assert code == [
        ("operational", ms(0), ms(5)),
        ("degraded", ms(5), ms(10)),
        ("operational", ms(10), ms(12)),
        ("operational", ms(18), ms(26)),
        ("degraded", ms(26), ms(27)),
        ("degraded", ms(208), ms(209)),
        ("operational", ms(209), ms(210)),
    ]
    for name in OTHERS:
        assert [row[2:] for row in pages if row[1] == name] == [
            ("operational", ms(0), ms(12)),
            ("operational", ms(18), ms(27)),
            ("operational", ms(208), ms(210)),
        ]
    assert {row[0] for row in pages} == {"anthropic"}
    assert len(pages) == 7 + 8 + 7 + 3 * 3
    # trayapp's own story, kept apart: unknown from the last read (12) to the next (18), and the
    # five failed fetches.
    assert table("SELECT provider, reason, start_ms, end_ms FROM unknown_periods") == [
        ("anthropic", "HTTP 503", ms(12), ms(18))
    ]
    assert table("SELECT provider, reason, first_ms, last_ms, count FROM fetch_failures") == [
        ("anthropic", "HTTP 503", ms(13), ms(17), 5)
    ]
    assert table(
        "SELECT incident_id, name, impact, status, url, components, started_ms, first_seen_ms, resolved_ms,"
        " seen_after_the_fact, resolved_while_away FROM incidents ORDER BY started_ms"
    ) == [
        (
            FIRST,
            "Elevated errors on Claude API across all models",
            "major",
            "resolved",
            "https://stspg.io/q8m3zt1w",
            f'["{API}"]',
            to_ms(FIRST_STARTED),
            ms(5),
            ms(22),
            0,
            0,
        ),
        (
            "x9",
            "Console login failures",
            "major",
            "resolved",
            "https://stspg.io/x9",
            f'["{API}"]',
            ms(25.5),
            ms(26),
            ms(209),
            0,
            1,
        ),
    ]
    assert table("SELECT incident_id, at_ms, kind, impact, status FROM incident_updates ORDER BY id") == [
        (FIRST, ms(5), "started", "major", "investigating"),
        (FIRST, ms(10), "updated", "major", "identified"),
        (FIRST, ms(22), "resolved", "major", "resolved"),
        ("x9", ms(26), "started", "major", "investigating"),
        ("x9", ms(209), "resolved", "major", "resolved"),
    ]
    assert table("PRAGMA integrity_check") == [("ok",)]


def test_history_json_gives_the_durations_and_uptime_of_the_timeline(
    scripted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(scripted), "history", "--since", "2026-02-04", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["since"] == "2026-02-04T00:00:00Z"
    assert [(i["id"], i["started_at"], i["resolved_at"], i["duration_s"]) for i in data["incidents"]] == [
        ("x9", "2026-02-04T17:15:30Z", "2026-02-04T20:19:00Z", 182 * 60 + 90),
        (FIRST, "2026-02-04T16:48:09Z", "2026-02-04T17:12:00Z", 1431),  # 23 min 50.82 s
    ]
    # Observed: 0-27 and 208-210, 29 minutes. Up: 0-5, 22-26 and 209-210, 10 minutes.
    # Unknown: 12-18, 6 minutes. Major the remaining 13.
    assert data["uptime"] == [{"provider": "anthropic", "operational_pct": 34.48, "unknown_pct": 20.69}]


def test_watch_records_through_its_own_loop(server: StatusServer, tmp_path: Path) -> None:
    config_path = write_config(
        tmp_path / "config.toml", [("Anthropic", server.url + "/anthropic", "statuspage")]
    )
    server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")
    with watching(config_path) as w:
        wait_until(lambda: "Anthropic: operational" in w.lines(), what="first poll")
        server.set_fixture(SUMMARY, "statuspage/summary_major_outage.json")
        wait_until(lambda: "Anthropic: operational → major outage" in w.lines(), what="outage")
        server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")
        wait_until(lambda: "Anthropic: major outage → operational" in w.lines(), timeout=15, what="calm")
    states = [row[0] for row in table("SELECT state FROM page_states WHERE component = '' ORDER BY id")]
    assert states == ["operational", "major", "operational"]
    first, outage, calm = table("SELECT start_ms, end_ms FROM page_states WHERE component = '' ORDER BY id")
    assert first[1] == outage[0]
    assert outage[1] == calm[0], "the stretches tile the time watched"
    assert table("SELECT incident_id, resolved_ms IS NOT NULL FROM incidents") == [(FIRST, 1)]
