"""Past incidents: the page's list of recent incidents is read seldom, and reaches the history.

Statuspage's summary lists unresolved incidents only, so the reader also reads
`api/v2/incidents.json` on the first successful read of a run and then at most once an hour;
what it lists as resolved is recorded as "seen after the fact" when it began and ended while
trayapp was not running. Its failure changes nothing.
"""

from __future__ import annotations

import io
import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.notifiers import RecordingNotifier
from tests.support.server import Reply, StatusServer
from tests.support.watching import write_config
from trayapp import paths
from trayapp.catalog import ProviderSpec
from trayapp.config import load_config
from trayapp.core.rollup import page_state
from trayapp.model import Failure, ParsedPage, State
from trayapp.shell.fetch import Fetcher
from trayapp.shell.history.writer import to_ms
from trayapp.shell.reader import PageReader
from trayapp.watch import Watch

SUMMARY = "/api/v2/summary.json"
INCIDENTS = "/api/v2/incidents.json"
T0 = datetime(2026, 2, 4, 19, 0, tzinfo=UTC)


def spec_for(url: str, kind: str) -> ProviderSpec:
    return ProviderSpec(id="p", name="P", page=url, kind=kind)


def read_at(spec: ProviderSpec, times: list[datetime], reader: PageReader | None = None) -> list[ParsedPage]:
    """One read of `spec` at each of `times` through one reader (a new one: a new run)."""

    def go() -> list[ParsedPage]:
        fetcher = Fetcher(timeout=2, deadline=3)
        own = reader or PageReader(fetcher)
        own.fetcher = fetcher
        try:
            results = [own.read(spec, now=moment) for moment in times]
        finally:
            fetcher.close()
        pages = [result for result in results if isinstance(result, ParsedPage)]
        assert len(pages) == len(results), [r for r in results if isinstance(r, Failure)]
        return pages

    return go()


def minutes(*offsets: float) -> list[datetime]:
    return [T0 + timedelta(minutes=offset) for offset in offsets]


def test_incident_list_is_read_once_per_run_then_hourly(server: StatusServer) -> None:
    server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")
    server.set_fixture(INCIDENTS, "statuspage/incidents_history.json")
    spec = spec_for(server.url, "statuspage")
    reader = PageReader(Fetcher())
    pages = read_at(spec, minutes(0, 1, 2, 30, 59), reader)
    assert len(server.requests_to(SUMMARY)) == 5, "the summary is read at every poll"
    assert len(server.requests_to(INCIDENTS)) == 1, "the list only at the first read of the run"
    first, *others = pages
    assert {i.id: i.resolved_at for i in first.closed_incidents} == {
        "b8k2yq6wrn4t": datetime(2026, 2, 4, 18, 1, 46, 930000, tzinfo=UTC),
        "r3c6nw9dy2fk": datetime(2026, 1, 22, 10, 40, 5, 331000, tzinfo=UTC),
    }
    assert all(page.closed_incidents == () for page in others)
    assert all(page_state(page) is State.OPERATIONAL and page.incidents == () for page in pages)

    [later] = read_at(spec, minutes(61), reader)  # an hour on: asked again, conditionally
    again = server.requests_to(INCIDENTS)
    assert len(again) == 2
    assert again[1].headers.get("if-none-match")
    assert again[1].status == 304
    assert {i.id for i in later.closed_incidents} == {"b8k2yq6wrn4t", "r3c6nw9dy2fk"}, "from the cache"

    read_at(spec, minutes(62, 63))  # a new reader is a new run: read once more
    assert len(server.requests_to(INCIDENTS)) == 3


@pytest.mark.parametrize(
    "reply",
    [Reply(b"busy", 503, "text/plain"), Reply(b"<html>no</html>", 200, "text/html"), None],
    ids=["503", "html", "404"],
)
def test_a_failing_incident_list_changes_nothing(
    server: StatusServer, reply: Reply | None, caplog: pytest.LogCaptureFixture
) -> None:
    server.set_fixture(SUMMARY, "statuspage/summary_major_outage.json")
    if reply is not None:
        server.set(INCIDENTS, reply)
    spec = spec_for(server.url, "statuspage")
    with caplog.at_level(logging.INFO, logger="trayapp.shell.reader"):
        pages = read_at(spec, minutes(0, 1, 70, 140))
    assert len(server.requests_to(INCIDENTS)) == 3, "tried at the first read, then hourly"
    for page in pages:
        assert page_state(page) is State.MAJOR
        assert [i.id for i in page.incidents] == ["b8k2yq6wrn4t"]
        assert page.closed_incidents == ()
        assert page.closed_incident_ids == frozenset()
    said = [r for r in caplog.records if "past incidents" in r.getMessage()]
    assert len(said) == 1, "logged once"
    assert said[0].levelno < logging.WARNING


def test_open_incidents_of_the_list_are_not_counted_twice(server: StatusServer) -> None:
    server.set_fixture(SUMMARY, "statuspage/summary_major_outage.json")
    server.set_fixture(INCIDENTS, "statuspage/incidents_recent_with_open.json")
    [page] = read_at(spec_for(server.url, "statuspage"), minutes(0))
    [incident] = page.incidents
    assert (incident.id, incident.status) == ("b8k2yq6wrn4t", "investigating"), "the summary's own"
    assert page_state(page) is State.MAJOR
    assert page.closed_incident_ids == frozenset({"p4n8c2w6x0zs", "r3c6nw9dy2fk"})


def test_auto_detected_statuspage_reads_the_list_at_its_first_read(server: StatusServer) -> None:
    server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")
    server.set_fixture(INCIDENTS, "statuspage/incidents_history.json")
    [page, _] = read_at(spec_for(server.url, "auto"), minutes(0, 1))
    assert {i.id for i in page.closed_incidents} == {"b8k2yq6wrn4t", "r3c6nw9dy2fk"}
    assert len(server.requests_to(INCIDENTS)) == 1


def test_incidentio_reads_its_feed_for_past_incidents(server: StatusServer) -> None:
    server.set_fixture("/proxy/127.0.0.1", "incidentio/proxy_finetune_lingering.json")
    server.set_fixture("/feed.atom", "incidentio/feed.atom")
    [page, later] = read_at(spec_for(server.url, "incidentio"), minutes(0, 1))
    assert [i.id for i in page.incidents] == ["01KGPBQ2M0F1NETUNEDELAY00X"], "open in the feed too: once"
    assert {i.id: i.resolved_at for i in page.closed_incidents} == {
        "01KGP4Z7H0ERRRATES0CGPTAP1": datetime(2026, 2, 4, 22, 14, 8, tzinfo=UTC)
    }
    assert later.closed_incidents == ()
    assert len(server.requests_to("/feed.atom")) == 1


def test_a_feed_that_answers_for_the_page_is_not_read_twice(server: StatusServer) -> None:
    server.set_fixture("/feed.atom", "incidentio/feed.atom")  # proxy, widget and shim: 404
    [page] = read_at(spec_for(server.url, "incidentio"), minutes(0))
    assert "01KGP4Z7H0ERRRATES0CGPTAP1" in {i.id for i in page.closed_incidents}
    assert len(server.requests_to("/feed.atom")) == 1


# ------------------------------------------------------------------------------ into the history


def _run(server: StatusServer, config_path: Path, start: datetime, polls: int) -> None:
    """One run of trayapp: a new reader and a new `Watch`, one poll a minute from `start`."""
    config, _ = load_config(config_path)
    spec = config.providers[0]
    clock = [start]
    watch = Watch(
        config, config_path, RecordingNotifier(), paths.state_file(), io.StringIO(), clock=lambda: clock[0]
    )

    def go() -> None:
        fetcher = Fetcher()
        try:
            reader = PageReader(fetcher)
            for _ in range(polls):
                watch.engine.handle(spec, reader.read(spec, now=clock[0]))
                clock[0] += timedelta(minutes=1)
        finally:
            fetcher.close()

    try:
        go()
    finally:
        watch.stop()


def test_incident_over_while_not_running_is_recorded_after_the_fact(
    server: StatusServer, tmp_path: Path
) -> None:
    config_path = write_config(tmp_path / "config.toml", [("Anthropic", server.url, "statuspage")])
    server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")
    _run(server, config_path, datetime(2026, 2, 4, 16, 0, tzinfo=UTC), 2)  # before the incident
    server.set_fixture(INCIDENTS, "statuspage/incidents_history.json")
    _run(server, config_path, T0, 3)  # after it ended
    assert len(server.requests_to(INCIDENTS)) == 2, "once per run"
    connection = sqlite3.connect(paths.history_file())
    try:
        rows = connection.execute(
            "SELECT incident_id, impact, status, started_ms, resolved_ms, first_seen_ms, seen_after_the_fact"
            " FROM incidents"
        ).fetchall()
    finally:
        connection.close()
    assert rows == [
        (
            "b8k2yq6wrn4t",
            "major",
            "resolved",
            to_ms(datetime(2026, 2, 4, 16, 48, 9, 180000, tzinfo=UTC)),
            to_ms(datetime(2026, 2, 4, 18, 1, 46, 930000, tzinfo=UTC)),
            to_ms(T0),
            1,
        )
    ], "the January postmortem ended before trayapp last ran: not ours to fill in"
