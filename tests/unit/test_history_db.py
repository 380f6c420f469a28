"""The history database: stretches, incidents, retention, the recorder thread, migrations, reading."""

from __future__ import annotations

import sqlite3
import stat
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from trayapp.core.history.record import HistoryItem, IncidentNote, PastIncident, PollRecord, SuspicionRecord
from trayapp.model import Incident, State, Suspicion
from trayapp.shell.history.db import SCHEMA_VERSION, HistoryError, open_history
from trayapp.shell.history.reader import known_providers, read_page_history, read_report
from trayapp.shell.history.recorder import HistoryRecorder
from trayapp.shell.history.writer import HistoryWriter, to_ms

T0 = datetime(2026, 2, 4, 12, 0, tzinfo=UTC)
OK, PARTIAL, MAJOR = State.OPERATIONAL, State.PARTIAL, State.MAJOR


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def ms(minutes: float) -> int:
    return to_ms(at(minutes))


def read(path: Path, minutes: float, state: State, api: State | None = None) -> PollRecord:
    return PollRecord("p", at(minutes), state, (("API", api or state),))


def fail(minutes: float, reason: str = "HTTP 503", unknown: bool = False) -> PollRecord:
    return PollRecord("p", at(minutes), failure=reason, unknown_reason=reason if unknown else None)


def incident(incident_id: str = "i1", impact: State = PARTIAL, **extra: object) -> Incident:
    values: dict[str, object] = {
        "status": "investigating",
        "url": f"https://status.example/incidents/{incident_id}",
        "started_at": at(9),
        "components": ("API",),
    }
    values.update(extra)
    return Incident(incident_id, f"Incident {incident_id}", impact, **values)  # type: ignore[arg-type]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = open_history(tmp_path / "history.sqlite3")
    assert connection is not None
    yield connection
    connection.close()


def apply(connection: sqlite3.Connection, writer: HistoryWriter, *records: HistoryItem) -> None:
    connection.execute("BEGIN")
    for record in records:
        writer.apply(record)
    writer.flush_ends()
    connection.execute("COMMIT")


def rows(connection: sqlite3.Connection, query: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in connection.execute(query).fetchall()]


def test_polls_tile_time_into_stretches_kept_apart_from_trayapps_own_story(
    db: sqlite3.Connection, tmp_path: Path
) -> None:
    writer = HistoryWriter(db)
    apply(
        db,
        writer,
        *(read(tmp_path, m, OK) for m in range(10)),  # 0..9 operational
        *(read(tmp_path, m, PARTIAL) for m in range(10, 15)),  # 10..14 partial
        fail(15),
        fail(16),  # two failures: not unknown yet
        fail(17, unknown=True),  # the third: unknown, since the last read at 14
        fail(18, "timeout", unknown=True),
        read(tmp_path, 19, OK),
        read(tmp_path, 20, OK),
    )
    assert rows(db, "SELECT provider, component, state, start_ms, end_ms FROM page_states ORDER BY id") == [
        ("p", "", "operational", ms(0), ms(10)),
        ("p", "API", "operational", ms(0), ms(10)),
        ("p", "", "partial", ms(10), ms(14)),
        ("p", "API", "partial", ms(10), ms(14)),
        ("p", "", "operational", ms(19), ms(20)),
        ("p", "API", "operational", ms(19), ms(20)),
    ]
    assert rows(db, "SELECT provider, reason, start_ms, end_ms FROM unknown_periods") == [
        ("p", "HTTP 503", ms(14), ms(19))
    ]
    assert rows(db, "SELECT provider, reason, first_ms, last_ms, count FROM fetch_failures ORDER BY id") == [
        ("p", "HTTP 503", ms(15), ms(17), 3),
        ("p", "timeout", ms(18), ms(18), 1),
    ]


def test_a_short_run_of_failures_leaves_the_pages_story_whole(db: sqlite3.Connection, tmp_path: Path) -> None:
    writer = HistoryWriter(db)
    apply(db, writer, read(tmp_path, 0, OK), fail(1), read(tmp_path, 2, OK))
    assert rows(db, "SELECT component, state, start_ms, end_ms FROM page_states ORDER BY id") == [
        ("", "operational", ms(0), ms(2)),
        ("API", "operational", ms(0), ms(2)),
    ]
    assert rows(db, "SELECT count(*) FROM unknown_periods") == [(0,)]


def test_a_long_silence_or_a_new_run_is_a_gap_never_bridged(db: sqlite3.Connection, tmp_path: Path) -> None:
    writer = HistoryWriter(db, gap_for=lambda provider: 120.0)
    apply(db, writer, read(tmp_path, 0, OK), read(tmp_path, 2, OK), read(tmp_path, 10, OK))  # slept 8 min
    apply(db, HistoryWriter(db), read(tmp_path, 11, OK))  # a new run
    assert rows(db, "SELECT start_ms, end_ms FROM page_states WHERE component = '' ORDER BY id") == [
        (ms(0), ms(2)),
        (ms(10), ms(10)),
        (ms(11), ms(11)),
    ]


def test_a_page_that_fails_from_the_start_is_unknown_from_the_first_failure(
    db: sqlite3.Connection, tmp_path: Path
) -> None:
    writer = HistoryWriter(db)
    apply(
        db, writer, fail(0, "timeout", unknown=True), fail(1, "timeout", unknown=True), read(tmp_path, 3, OK)
    )
    assert rows(db, "SELECT reason, start_ms, end_ms FROM unknown_periods") == [("timeout", ms(0), ms(3))]


def test_components_come_and_go(db: sqlite3.Connection) -> None:
    writer = HistoryWriter(db)
    apply(
        db,
        writer,
        PollRecord("p", at(0), OK, (("API", OK), ("Chat", OK))),
        PollRecord("p", at(1), OK, (("API", OK),)),
        PollRecord("p", at(2), OK, (("API", OK), ("Chat", MAJOR))),
    )
    assert rows(
        db, "SELECT component, state, start_ms, end_ms FROM page_states WHERE component = 'Chat'"
    ) == [
        ("Chat", "operational", ms(0), ms(0)),
        ("Chat", "major", ms(2), ms(2)),
    ]


def test_incident_life_worst_impact_merged_components_and_page_times(db: sqlite3.Connection) -> None:
    writer = HistoryWriter(db)
    first = incident("i1", PARTIAL)
    worse = incident("i1", MAJOR, status="identified", components=("Chat",))
    better = incident("i1", State.DEGRADED, status="monitoring")
    apply(
        db,
        writer,
        PollRecord("p", at(10), PARTIAL, incidents=(IncidentNote("started", first),)),
        PollRecord("p", at(20), MAJOR, incidents=(IncidentNote("updated", worse),)),
        PollRecord("p", at(30), State.DEGRADED, incidents=(IncidentNote("updated", better),)),
        PollRecord("p", at(40), OK, incidents=(IncidentNote("resolved", better, resolved_at=at(37)),)),
    )
    assert rows(
        db,
        "SELECT incident_id, name, impact, status, url, components, started_ms, first_seen_ms, resolved_ms,"
        " seen_after_the_fact, resolved_while_away FROM incidents",
    ) == [
        (
            "i1",
            "Incident i1",
            "major",
            "resolved",
            "https://status.example/incidents/i1",
            '["API", "Chat"]',
            ms(9),
            ms(10),
            ms(37),
            0,
            0,
        )
    ]
    assert rows(db, "SELECT at_ms, kind, impact, status FROM incident_updates ORDER BY id") == [
        (ms(10), "started", "partial", "investigating"),
        (ms(20), "updated", "major", "identified"),
        (ms(30), "updated", "degraded", "monitoring"),
        (ms(40), "resolved", "degraded", "resolved"),
    ]


def test_a_reopened_incident_is_open_again_and_a_resolution_while_away_is_marked(
    db: sqlite3.Connection,
) -> None:
    writer = HistoryWriter(db)
    item = incident("i1", started_at=None)
    apply(
        db,
        writer,
        PollRecord("p", at(0), PARTIAL, incidents=(IncidentNote("started", item),)),
        PollRecord("p", at(5), OK, incidents=(IncidentNote("resolved", item),)),
        PollRecord("p", at(7), PARTIAL, incidents=(IncidentNote("started", item),)),
    )
    assert rows(db, "SELECT started_ms, resolved_ms FROM incidents") == [(ms(0), None)]
    apply(
        db, writer, PollRecord("p", at(90), OK, incidents=(IncidentNote("resolved", item, while_away=True),))
    )
    assert rows(db, "SELECT resolved_ms, resolved_while_away FROM incidents") == [(ms(90), 1)]


def test_incidents_that_began_and_ended_while_away_are_recorded_after_the_fact(
    db: sqlite3.Connection,
) -> None:
    def past(incident_id: str, start: float | None, end: float) -> PastIncident:
        return PastIncident(
            incident(incident_id, started_at=at(start) if start is not None else None), at(end)
        )

    listed = (
        past("before", -50, -40),  # over before trayapp last watched: not ours
        past("away", 60, 90),  # began and ended while away
        past("straddle", 15, 100),  # began before the last poll, never seen open: ended while away
        past("no-start", None, 80),  # cannot be placed
        past("known", 30, 70),  # already recorded
        past("future", 200, 300),  # nonsense
    )
    writer = HistoryWriter(db)
    apply(db, writer, PollRecord("p", at(0), OK, past=listed))  # a first run: no past of ours yet
    assert rows(db, "SELECT count(*) FROM incidents") == [(0,)]
    apply(db, writer, PollRecord("p", at(20), OK))
    apply(
        db,
        HistoryWriter(db),
        PollRecord("p", at(40), OK, incidents=(IncidentNote("started", incident("known")),)),
    )
    apply(db, HistoryWriter(db), PollRecord("p", at(120), OK, past=listed))  # the next start
    assert rows(
        db,
        "SELECT incident_id, status, started_ms, resolved_ms, first_seen_ms, seen_after_the_fact"
        " FROM incidents WHERE seen_after_the_fact = 1 ORDER BY incident_id",
    ) == [
        ("away", "resolved", ms(60), ms(90), ms(120), 1),
        ("straddle", "resolved", ms(15), ms(100), ms(120), 1),
    ]
    assert rows(db, "SELECT incident_id, kind FROM incident_updates WHERE at_ms = " + str(ms(120))) == [
        ("away", "resolved"),
        ("straddle", "resolved"),
    ]


def test_prune_deletes_what_ended_before_the_cutoff(db: sqlite3.Connection, tmp_path: Path) -> None:
    writer = HistoryWriter(db)
    item = incident("old", started_at=at(0))
    apply(
        db,
        writer,
        read(tmp_path, 0, OK),
        PollRecord("p", at(1), PARTIAL, (("API", PARTIAL),), incidents=(IncidentNote("started", item),)),
        fail(2),
        PollRecord("p", at(3), OK, (("API", OK),), incidents=(IncidentNote("resolved", item),)),
        PollRecord(
            "p", at(4), MAJOR, incidents=(IncidentNote("started", incident("open", started_at=at(4))),)
        ),
    )
    db.execute("BEGIN")
    deleted = writer.prune(at(3.5))
    db.execute("COMMIT")
    # 2 rows of the whole page, 3 of API (it left the page at 4), a failure, the old incident's
    # two updates and itself.
    assert deleted == 2 + 3 + 1 + 2 + 1
    assert rows(db, "SELECT state, start_ms FROM page_states WHERE component = '' ORDER BY id") == [
        ("operational", ms(3)),
        ("major", ms(4)),
    ]
    assert rows(db, "SELECT incident_id FROM incidents") == [("open",)]
    assert rows(db, "SELECT incident_id, kind FROM incident_updates") == [("open", "started")]


# --- the recorder ---------------------------------------------------------------------------------


def test_the_recorder_writes_from_its_thread_into_a_private_wal_database(tmp_path: Path) -> None:
    path = tmp_path / "state" / "history.sqlite3"
    recorder = HistoryRecorder(path)
    try:
        for minute in range(5):
            recorder.record(read(tmp_path, minute, OK))
        assert recorder.sync()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.with_name(path.name + "-wal").stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        with sqlite3.connect(path) as other:
            assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            assert other.execute(
                "SELECT start_ms, end_ms FROM page_states WHERE component = ''"
            ).fetchall() == [(ms(0), ms(4))]
        other.close()
    finally:
        recorder.close()
    recorder.record(read(tmp_path, 9, OK))  # after close: ignored, no error


def end_of_stretch(path: Path) -> list[tuple[object, ...]]:
    """(start, end) of the page's overall stretches, as another reader sees them on disk."""
    other = sqlite3.connect(path)
    try:
        return other.execute("SELECT start_ms, end_ms FROM page_states WHERE component = ''").fetchall()
    finally:
        other.close()


def test_continued_records_wait_aside_and_join_the_queue_in_time_order(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    recorder = HistoryRecorder(path, flush_every=3600)
    try:
        recorder.record(read(tmp_path, 0, OK))
        recorder.extend(read(tmp_path, 1, OK))
        recorder.extend(read(tmp_path, 2, OK))  # the newest continuation of a provider is kept
        recorder.record(read(tmp_path, 3, PARTIAL))  # a real change, queued after them
        recorder.extend(read(tmp_path, 4, PARTIAL))
        assert recorder.sync()
        assert end_of_stretch(path) == [(ms(0), ms(3)), (ms(3), ms(4))]
    finally:
        recorder.close()


def test_a_continued_record_is_written_by_the_timed_look_without_another_record(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    recorder = HistoryRecorder(path, flush_every=0.3)
    try:
        recorder.record(read(tmp_path, 0, OK))
        assert recorder.sync()
        recorder.extend(read(tmp_path, 5, OK))
        deadline = time.monotonic() + 5
        while end_of_stretch(path) != [(ms(0), ms(5))] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert end_of_stretch(path) == [(ms(0), ms(5))], "written within about one flush period"
    finally:
        recorder.close()


def test_continuations_are_looked_at_often_enough_to_leave_no_false_gap(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    # Polls every 5 minutes, whose history bridges gaps of up to 15: only the newest continuation
    # is kept aside, so the thread must take them more often than that.
    recorder = HistoryRecorder(path, gap_for=lambda _provider: 900.0, flush_every=3600, look_every=0.05)
    try:
        recorder.record(read(tmp_path, 0, OK))
        for minute in (5, 10, 15, 20, 25):
            recorder.extend(read(tmp_path, minute, OK))
            time.sleep(0.2)  # a look in between, as five minutes of polling would see
    finally:
        recorder.close()
    assert end_of_stretch(path) == [(ms(0), ms(25))], "one stretch, no gap"


def test_a_continued_record_is_written_at_close(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    recorder = HistoryRecorder(path, flush_every=3600)
    recorder.record(read(tmp_path, 0, OK))
    assert recorder.sync()
    recorder.extend(read(tmp_path, 7, OK))
    recorder.close()
    assert end_of_stretch(path) == [(ms(0), ms(7))]
    recorder.extend(read(tmp_path, 9, OK))  # after close: ignored, no error


def test_the_recorder_prunes_by_its_retention(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    recorder = HistoryRecorder(path, days=1)
    recorder.record(PollRecord("p", at(0), OK))
    recorder.record(PollRecord("p", at(3 * 24 * 60), OK))  # three days later: the first row is too old
    recorder.close()
    connection = sqlite3.connect(path)
    assert connection.execute("SELECT start_ms FROM page_states").fetchall() == [(ms(3 * 24 * 60),)]
    connection.close()


def test_an_unreadable_history_is_moved_aside_and_started_afresh(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not a database at all, just some text " * 100)
    recorder = HistoryRecorder(path)
    recorder.record(read(tmp_path, 0, OK))
    assert recorder.sync()
    recorder.close()
    (aside,) = tmp_path.glob("history.sqlite3.corrupt-*")
    assert aside.read_bytes().startswith(b"this is not a database")
    assert known_providers(path) == {"p"}


def test_a_history_from_a_newer_trayapp_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    before = path.read_bytes()
    recorder = HistoryRecorder(path)
    recorder.record(read(tmp_path, 0, OK))
    assert recorder.sync()
    recorder.close()
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.corrupt-*"))
    with pytest.raises(HistoryError, match="newer trayapp"):
        read_report(path, at(-60), at(60))


# --- migrations -----------------------------------------------------------------------------------

# The schema as version 1 wrote it, verbatim: a file from then must open and keep its rows.
V1_DDL = """
CREATE TABLE page_states (id INTEGER PRIMARY KEY, provider TEXT NOT NULL, component TEXT NOT NULL,
    state TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL);
CREATE INDEX page_states_by_provider ON page_states (provider, component, end_ms);
CREATE TABLE incidents (provider TEXT NOT NULL, incident_id TEXT NOT NULL, name TEXT NOT NULL,
    impact TEXT NOT NULL, status TEXT NOT NULL, url TEXT, maintenance INTEGER NOT NULL DEFAULT 0,
    components TEXT NOT NULL DEFAULT '[]', started_ms INTEGER NOT NULL, first_seen_ms INTEGER NOT NULL,
    resolved_ms INTEGER, PRIMARY KEY (provider, incident_id));
CREATE INDEX incidents_by_start ON incidents (started_ms);
CREATE TABLE incident_updates (id INTEGER PRIMARY KEY, provider TEXT NOT NULL, incident_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL, kind TEXT NOT NULL, impact TEXT NOT NULL, status TEXT NOT NULL,
    components TEXT NOT NULL DEFAULT '[]');
CREATE INDEX incident_updates_by_incident ON incident_updates (provider, incident_id);
CREATE TABLE fetch_failures (id INTEGER PRIMARY KEY, provider TEXT NOT NULL, reason TEXT NOT NULL,
    first_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL, count INTEGER NOT NULL);
CREATE INDEX fetch_failures_by_provider ON fetch_failures (provider, last_ms);
PRAGMA user_version = 1;
"""


def test_a_version_1_history_is_migrated_with_its_rows_kept(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(V1_DDL)
    old.execute("INSERT INTO page_states VALUES (1, 'openai', '', 'partial', ?, ?)", (ms(0), ms(60)))
    old.execute(
        "INSERT INTO incidents VALUES ('openai', 'x1', 'Old outage', 'partial', 'resolved', NULL, 0, '[]',"
        " ?, ?, ?)",
        (ms(0), ms(1), ms(60)),
    )
    old.execute("INSERT INTO fetch_failures VALUES (1, 'openai', 'timeout', ?, ?, 2)", (ms(70), ms(71)))
    old.commit()
    old.close()

    connection = open_history(path)
    assert connection is not None
    try:
        assert connection.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert SCHEMA_VERSION == 3
        assert connection.execute("SELECT count(*) FROM suspected_periods").fetchall() == [(0,)]
        assert connection.execute("SELECT * FROM page_states").fetchall() == [
            (1, "openai", "", "partial", ms(0), ms(60))
        ]
        assert connection.execute(
            "SELECT incident_id, resolved_ms, seen_after_the_fact, resolved_while_away FROM incidents"
        ).fetchall() == [("x1", ms(60), 0, 0)]
        assert connection.execute("SELECT count FROM fetch_failures").fetchall() == [(2,)]
        apply(connection, HistoryWriter(connection), fail(80, unknown=True))
        assert connection.execute("SELECT provider, start_ms FROM unknown_periods").fetchall() == [
            ("p", ms(80))
        ]
    finally:
        connection.close()
    report = read_report(path, at(-60), at(120))
    assert [(i.id, i.duration(at(120))) for i in report.incidents] == [("x1", 3600.0)]
    assert report.uptime[0].provider == "openai"
    assert report.uptime[0].uptime.seconds == {State.PARTIAL: 3600.0}


# The statements version 2 added, verbatim.
V2_DDL = """
CREATE TABLE unknown_periods (id INTEGER PRIMARY KEY, provider TEXT NOT NULL, reason TEXT NOT NULL,
    start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL);
CREATE INDEX unknown_periods_by_provider ON unknown_periods (provider, end_ms);
ALTER TABLE incidents ADD COLUMN seen_after_the_fact INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN resolved_while_away INTEGER NOT NULL DEFAULT 0;
PRAGMA user_version = 2;
"""


def test_a_version_2_history_gains_the_suspected_periods_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(V1_DDL + V2_DDL)
    old.execute("INSERT INTO page_states VALUES (1, 'p', '', 'operational', ?, ?)", (ms(0), ms(30)))
    old.execute("INSERT INTO unknown_periods VALUES (1, 'p', 'timeout', ?, ?)", (ms(30), ms(40)))
    old.execute(
        "INSERT INTO incidents VALUES ('p', 'x1', 'Old outage', 'partial', 'resolved', NULL, 0, '[]',"
        " ?, ?, ?, 1, 0)",
        (ms(5), ms(50), ms(6)),
    )
    old.commit()
    old.close()

    connection = open_history(path)
    assert connection is not None
    try:
        assert connection.execute("PRAGMA user_version").fetchone() == (3,)
        assert rows(connection, "SELECT provider, reason, start_ms, end_ms FROM unknown_periods") == [
            ("p", "timeout", ms(30), ms(40))
        ]
        assert rows(connection, "SELECT incident_id, seen_after_the_fact FROM incidents") == [("x1", 1)]
        apply(connection, HistoryWriter(connection), suspected(41, edge=40))
        assert rows(
            connection, "SELECT provider, source, start_ms, end_ms, status FROM suspected_periods"
        ) == [("p", "edge", ms(40), ms(41), "ongoing")]
    finally:
        connection.close()
    report = read_report(path, at(0), at(60))
    assert [(i.id, i.seen_after_the_fact) for i in report.incidents] == [("x1", True)]
    assert report.uptime[0].uptime.seconds == {OK: 1800.0, State.UNKNOWN: 600.0}
    assert [(p.source, p.ended_at) for p in report.suspected] == [("edge", None)]


# --- suspected problems ---------------------------------------------------------------------------


def suspicion(since: float, source: str = "edge", failed: int = 3, seen: str = "HTTP 503") -> Suspicion:
    return Suspicion(
        at(since), failed, 4 if source == "edge" else 3, seen, "model" if source == "deep" else "edge"
    )


def suspected(minutes: float, edge: float | None = None, deep: float | None = None) -> SuspicionRecord:
    """The record of a step at `minutes`: the edge and the model API suspected since then, or not."""
    found = []
    if edge is not None:
        found.append(suspicion(edge))
    if deep is not None:
        found.append(suspicion(deep, "deep", seen="HTTP 529"))
    return SuspicionRecord("p", at(minutes), tuple(found))


SPELLS = (
    "SELECT source, reason, failed, checks, seen, start_ms, end_ms, status FROM suspected_periods ORDER BY id"
)


def test_a_spell_is_one_row_per_probe_opened_at_its_start_and_closed_at_its_end(
    db: sqlite3.Connection, tmp_path: Path
) -> None:
    writer = HistoryWriter(db)
    apply(
        db,
        writer,
        *(read(tmp_path, m, OK) for m in range(0, 8)),
        suspected(2, edge=1),
        suspected(3, edge=1, deep=2.5),
        suspected(4, edge=1, deep=2.5),
        suspected(5, deep=2.5),  # the edge recovered
        suspected(6, deep=2.5),
    )
    assert rows(db, SPELLS) == [
        (
            "edge",
            "API edge: 3 of the last 4 checks failed (HTTP 503)",
            3,
            4,
            "HTTP 503",
            ms(1),
            ms(5),
            "ended",
        ),
        (
            "deep",
            "the model API failed 3 of the last 3 requests (HTTP 529)",
            3,
            3,
            "HTTP 529",
            ms(2.5),
            ms(6),
            "ongoing",
        ),
    ]
    report = read_report(tmp_path / "history.sqlite3", at(0), at(8))
    assert [(p.source, p.started_at, p.ended_at) for p in report.suspected] == [
        ("deep", at(2.5), None),
        ("edge", at(1), at(5)),
    ]
    assert report.uptime[0].uptime.operational_pct == 100.0, "uptime is what the page said"
    assert read_report(tmp_path / "history.sqlite3", at(0), at(8), "q").suspected == ()
    assert [p.source for p in read_report(tmp_path / "history.sqlite3", at(5.5), at(8)).suspected] == ["deep"]
    page = read_page_history(tmp_path / "history.sqlite3", ["p"], at(8), UTC)
    assert [p.source for p in page["p"].suspected] == ["deep", "edge"]


def test_a_spell_cut_by_offline_is_stopped_and_one_that_resumes_starts_anew(
    db: sqlite3.Connection, tmp_path: Path
) -> None:
    writer = HistoryWriter(db)
    offline = SuspicionRecord("p", at(10), (), unobserved=True)
    apply(db, writer, read(tmp_path, 0, OK), suspected(2, edge=1), suspected(4, edge=1), offline)
    apply(db, writer, read(tmp_path, 30, OK), suspected(40, edge=1))  # the same failing spell of the probe
    spells = [(start, end, status) for *_, start, end, status in rows(db, SPELLS)]
    assert spells == [(ms(1), ms(4), "stopped"), (ms(40), ms(40), "ongoing")], "nothing suspected offline"


def test_a_spell_of_a_new_failure_after_one_ended_starts_where_that_failure_began(
    db: sqlite3.Connection, tmp_path: Path
) -> None:
    writer = HistoryWriter(db)
    apply(db, writer, read(tmp_path, 0, OK), suspected(2, edge=1), suspected(3), suspected(6, edge=5))
    spells = [(start, end, status) for *_, start, end, status in rows(db, SPELLS)]
    assert spells == [(ms(1), ms(3), "ended"), (ms(5), ms(6), "ongoing")]


def test_a_continuing_spell_writes_nothing_a_start_or_an_end_at_once(db: sqlite3.Connection) -> None:
    writer = HistoryWriter(db)
    writer.apply(suspected(1, deep=0))
    assert db.in_transaction, "a spell that starts is written at once"
    db.execute("COMMIT")
    for minute in (2, 3, 4):
        writer.apply(suspected(minute, deep=0))
        assert not db.in_transaction, "a spell that goes on writes nothing"
    assert writer.pending
    assert rows(db, "SELECT end_ms FROM suspected_periods") == [(ms(1),)]
    writer.apply(suspected(3.5, deep=0))  # a probe's record crossing a poll's: nothing either
    assert not db.in_transaction
    writer.apply(suspected(5))
    assert db.in_transaction, "a spell that ends is written at once"
    writer.flush_ends()
    db.execute("COMMIT")
    assert rows(db, "SELECT start_ms, end_ms, status FROM suspected_periods") == [(ms(0), ms(5), "ended")]


def test_a_spell_that_went_quiet_is_over_where_it_was_last_seen(db: sqlite3.Connection) -> None:
    writer = HistoryWriter(db, gap_for=lambda provider: 120.0)
    apply(db, writer, suspected(1, edge=0), suspected(2, edge=0), suspected(10, edge=0), suspected(11))
    apply(db, writer, suspected(12, edge=0), suspected(20))  # failing since 0 as far as the probe knows
    assert rows(db, "SELECT start_ms, end_ms, status FROM suspected_periods ORDER BY id") == [
        (ms(0), ms(2), "stopped"),  # asleep from 2 to 10
        (ms(10), ms(11), "ended"),  # seen again at 10, over at 11
        (ms(12), ms(12), "stopped"),  # from when seen again, not over 11-12 (nothing suspected then)
    ]


def test_a_restart_mid_spell_neither_loses_nor_doubles_it(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    first = HistoryRecorder(path)
    for minute in range(4):
        first.record(read(tmp_path, minute, OK))
    first.record(suspected(2, deep=1))
    first.record(suspected(3, deep=1))
    first.close()
    (spell,) = read_report(path, at(0), at(5)).suspected
    assert (spell.started_at, spell.ended_at) == (at(1), at(3)), "stopped: over where last seen"
    second = HistoryRecorder(path)
    second.record(read(tmp_path, 5, OK))
    second.record(suspected(5))  # the first probes after the start: not confirmed yet
    assert second.sync()
    assert len(read_report(path, at(0), at(6)).suspected) == 1
    second.record(suspected(7, deep=5))  # confirmed again, failing since 5
    assert second.sync()
    (spell,) = read_report(path, at(0), at(8)).suspected
    assert (spell.started_at, spell.ended_at) == (at(1), None), "the same spell, going on"
    second.record(suspected(9))
    second.close()
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT source, start_ms, end_ms, status FROM suspected_periods").fetchall() == [
            ("deep", ms(1), ms(9), "ended")
        ]
    other.close()


def test_a_spell_left_by_a_crash_or_a_stop_ends_where_last_seen_unless_seen_again_in_time(
    db: sqlite3.Connection, tmp_path: Path
) -> None:
    apply(db, HistoryWriter(db), suspected(1, edge=0), suspected(2, edge=0, deep=1))  # then killed
    assert rows(db, "SELECT status FROM suspected_periods") == [("ongoing",), ("ongoing",)]
    writer = HistoryWriter(db, gap_for=lambda provider: 600.0)
    apply(db, writer, read(tmp_path, 5, OK), suspected(6))
    assert rows(db, "SELECT status FROM suspected_periods") == [("ongoing",), ("ongoing",)], "may come back"
    apply(db, writer, suspected(9, edge=8))  # the edge, again within 10 minutes: the same spell
    apply(db, writer, read(tmp_path, 13, OK))  # 11 minutes after it was last seen: the model API's is over
    apply(db, writer, suspected(14, edge=8, deep=13.5))  # a new spell of the model API
    assert rows(db, "SELECT source, start_ms, end_ms, status FROM suspected_periods ORDER BY id") == [
        ("edge", ms(0), ms(14), "ongoing"),
        ("deep", ms(1), ms(2), "stopped"),
        ("deep", ms(13.5), ms(14), "ongoing"),
    ]
    writer.stop_spells()
    db.execute("COMMIT")
    assert rows(db, "SELECT status FROM suspected_periods") == [("stopped",)] * 3


def test_prune_deletes_old_spells(db: sqlite3.Connection) -> None:
    writer = HistoryWriter(db)
    apply(db, writer, suspected(1, edge=0), suspected(2), suspected(5, deep=4))
    db.execute("BEGIN")
    assert writer.prune(at(3)) == 1
    db.execute("COMMIT")
    assert rows(db, "SELECT source FROM suspected_periods") == [("deep",)]


# --- reading --------------------------------------------------------------------------------------


def test_reading_a_missing_history_is_empty_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "nothing" / "history.sqlite3"
    report = read_report(path, at(0), at(60))
    assert (report.incidents, report.uptime) == ((), ())
    assert read_page_history(path, ["p"], at(60), UTC) == {}
    assert known_providers(path) == set()
    assert not path.parent.exists()


def test_read_report_filters_by_provider_and_span(db: sqlite3.Connection, tmp_path: Path) -> None:
    writer = HistoryWriter(db, gap_for=lambda provider: 3600.0)
    apply(
        db,
        writer,
        PollRecord("a", at(0), OK),
        PollRecord("b", at(0), OK),
        PollRecord(
            "a", at(30), PARTIAL, incidents=(IncidentNote("started", incident("a1", started_at=at(25))),)
        ),
        PollRecord("b", at(30), OK, incidents=(IncidentNote("started", incident("b1", started_at=at(1))),)),
        PollRecord("b", at(40), OK, incidents=(IncidentNote("resolved", incident("b1")),)),
        PollRecord("a", at(60), OK),
        PollRecord("b", at(60), OK),
    )
    path = tmp_path / "history.sqlite3"
    everything = read_report(path, at(0), at(60))
    assert [(i.provider, i.id) for i in everything.incidents] == [("a", "a1"), ("b", "b1")]
    assert everything.incidents[0].resolved_at is None
    assert [(f.provider, f.uptime.operational_pct) for f in everything.uptime] == [("a", 50.0), ("b", 100.0)]
    only_a = read_report(path, at(45), at(60), "a")
    assert [i.id for i in only_a.incidents] == ["a1"], "b1 ended before the span"
    assert [(f.provider, f.uptime.seconds) for f in only_a.uptime] == [("a", {PARTIAL: 900.0})]
    page = read_page_history(path, ["a", "zzz"], at(60), UTC)
    assert page["a"].long.seconds == {OK: 1800.0, PARTIAL: 1800.0}
    assert page["a"].bars[-1].worst == PARTIAL
    assert not page["zzz"].observed_anything
