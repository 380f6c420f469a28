"""What the engine hands the history for each poll: the page's story, trayapp's, incident notes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from tests.support.builders import T0, at, incident, page
from tests.support.notifiers import RecordingNotifier
from trayapp.catalog import ProviderSpec
from trayapp.core.diff import IncidentResolved, IncidentStarted, IncidentUpdated, StateChanged
from trayapp.core.history.record import (
    PastIncident,
    PollRecord,
    component_states,
    gone_while_away,
    poll_record,
)
from trayapp.core.history.report import history_json
from trayapp.core.step import past_incidents
from trayapp.engine import Engine
from trayapp.model import Component, Failure, Incident, ParsedPage, ProviderView, State
from trayapp.settings import NotificationSettings
from trayapp.shell.history.reader import read_report
from trayapp.shell.history.recorder import HistoryRecorder
from trayapp.shell.store import StateStore

A = ProviderSpec(id="a", name="Alpha", page="https://a.example", kind="statuspage")


class Sink:
    """A history that keeps what it is given."""

    def __init__(self) -> None:
        self.records: list[PollRecord] = []

    def record(self, record: PollRecord) -> None:
        self.records.append(record)

    extend = record  # a continued record is kept like any other


@dataclass(frozen=True)
class ResolvedIncident(Incident):
    """An incident with the time the page says it was resolved (what list-reading adapters give)."""

    resolved_at: datetime | None = None


@dataclass(frozen=True)
class PageWithPast(ParsedPage):
    """A page that also lists incidents that are over, with their details."""

    closed_incidents: tuple[Incident, ...] = ()


class Clock:
    def __init__(self) -> None:
        self.minutes = 0.0

    def __call__(self) -> datetime:
        return at(self.minutes)

    def tick(self, minutes: float = 1) -> None:
        self.minutes += minutes


def test_component_labels_carry_their_group_and_a_repeated_label_keeps_the_worst() -> None:
    components = (
        Component("API", State.OPERATIONAL, group="Platform"),
        Component("API", State.MAJOR, group="Platform"),
        Component("Login", State.DEGRADED),
    )
    assert component_states(components) == (("Platform / API", State.MAJOR), ("Login", State.DEGRADED))


def test_a_readable_poll_records_the_pages_story() -> None:
    view = ProviderView(
        "a", "Alpha", "https://a.example", State.PARTIAL, components=(Component("API", State.PARTIAL),)
    )
    started = IncidentStarted("a", "Alpha", incident("x"), at_first_sight=True)
    other = IncidentStarted("b", "Beta", incident("y"))
    record = poll_record(view, None, [StateChanged("a", "Alpha", None, State.PARTIAL), started, other], T0)
    assert record.readable
    assert record.state == State.PARTIAL
    assert record.components == (("API", State.PARTIAL),)
    assert record.failure is None
    assert record.unknown_reason is None
    assert [(n.kind, n.incident.id, n.at_first_sight) for n in record.incidents] == [("started", "x", True)]


def test_a_failed_poll_records_only_trayapps_story() -> None:
    view = ProviderView("a", "Alpha", "https://a.example", State.UNKNOWN, error="timeout")
    record = poll_record(view, "timeout", [], T0)
    assert not record.readable
    assert record.state is None
    assert record.components == ()
    assert record.failure == "timeout"
    assert record.unknown_reason == "timeout"
    before_stale = replace(view, state=State.OPERATIONAL, error=None)
    assert poll_record(before_stale, "timeout", [], T0).unknown_reason is None, "not unknown yet"


def test_notes_for_updates_and_resolutions_with_the_pages_time() -> None:
    view = ProviderView("a", "Alpha", "https://a.example", State.OPERATIONAL)
    old, new = incident("x", State.DEGRADED), incident("x", State.MAJOR, "identified")
    events = [IncidentUpdated("a", "Alpha", new, old), IncidentResolved("a", "Alpha", incident("z"))]
    past = (PastIncident(incident("z"), at(-5)),)
    record = poll_record(view, None, events, T0, past, away={"z"}, first_read=False)
    assert [(n.kind, n.incident.id) for n in record.incidents] == [("updated", "x"), ("resolved", "z")]
    resolved = record.incidents[1]
    assert resolved.resolved_at == at(-5)
    assert resolved.while_away
    assert record.past == (), "past incidents travel only with the first read of a run"
    assert poll_record(view, None, [], T0, past, first_read=True).past == past


def test_gone_while_away() -> None:
    view = ProviderView("a", "Alpha", "x", incidents=(incident("x"), incident("y")))
    assert gone_while_away(view, {"y"}) == frozenset({"x"})


def test_past_incidents_come_only_from_pages_that_list_them() -> None:
    assert past_incidents(page()) == ()
    over = ResolvedIncident("old", "Old", State.MAJOR, "resolved", started_at=at(-60), resolved_at=at(-30))
    undated = ResolvedIncident("undated", "Undated", State.MAJOR, "resolved")
    listed = PageWithPast(closed_incidents=(over, undated))
    (found,) = past_incidents(listed)
    assert found.incident.id == "old"
    assert found.resolved_at == at(-30)


def test_the_engine_records_every_poll_in_order() -> None:
    sink, clock = Sink(), Clock()
    engine = Engine([A], NotificationSettings(), RecordingNotifier(), clock=clock, history=sink)
    engine.handle(A, page(("API", State.OPERATIONAL)))
    clock.tick()
    engine.handle(A, page(("API", State.OPERATIONAL), incidents=(incident("x", State.MAJOR),)))
    clock.tick()
    engine.handle(A, Failure("timeout"))
    clock.tick()
    engine.handle(A, page(("API", State.OPERATIONAL), closed=frozenset({"x"})))
    states = [(r.at, r.state, r.failure) for r in sink.records]
    assert states == [
        (at(0), State.OPERATIONAL, None),
        (at(1), State.MAJOR, None),
        (at(2), None, "timeout"),
        (at(3), State.OPERATIONAL, None),
    ]
    kinds = [[n.kind for n in r.incidents] for r in sink.records]
    assert kinds == [[], ["started"], [], ["resolved"]]
    assert not sink.records[3].incidents[0].while_away, "resolved while we watched"


def test_an_incident_over_at_the_next_start_is_marked_resolved_while_away(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    clock = Clock()
    first = Engine([A], NotificationSettings(), RecordingNotifier(), StateStore(state), clock, Sink())
    first.handle(A, page(incidents=(incident("x", State.MAJOR),)))
    clock.tick(180)  # not running for three hours
    sink = Sink()
    second = Engine([A], NotificationSettings(), RecordingNotifier(), StateStore(state), clock, sink)
    over = ResolvedIncident("x", "Elevated error rates", State.MAJOR, "resolved", resolved_at=at(42))
    second.handle(A, PageWithPast(closed_incident_ids=frozenset({"x"}), closed_incidents=(over,)))
    (note,) = sink.records[0].incidents
    assert (note.kind, note.incident.id, note.while_away, note.resolved_at) == ("resolved", "x", True, at(42))
    assert sink.records[0].past[0].incident.id == "x"


def test_an_incident_gone_from_the_page_at_start_resolves_later_still_while_away(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    clock = Clock()
    first = Engine([A], NotificationSettings(), RecordingNotifier(), StateStore(state), clock, Sink())
    first.handle(A, page(incidents=(incident("x", State.MAJOR), incident("y", State.DEGRADED))))
    clock.tick(60)
    sink = Sink()
    second = Engine([A], NotificationSettings(), RecordingNotifier(), StateStore(state), clock, sink)
    second.handle(A, page(incidents=(incident("y", State.DEGRADED),)))  # x vanished: confirmed next poll
    clock.tick()
    second.handle(A, page(incidents=(incident("y", State.DEGRADED),)))
    for _ in range(2):  # y goes while we watch: confirmed on the second poll without it
        clock.tick()
        second.handle(A, page())
    notes = [(r.at, n.kind, n.incident.id, n.while_away) for r in sink.records for n in r.incidents]
    assert notes == [
        (T0 + timedelta(minutes=61), "resolved", "x", True),
        (T0 + timedelta(minutes=63), "resolved", "y", False),
    ]


def test_incidents_that_began_and_ended_while_away_reach_the_database(tmp_path: Path) -> None:
    state, history = tmp_path / "s.json", tmp_path / "history.sqlite3"
    clock = Clock()
    recorder = HistoryRecorder(history)
    first = Engine([A], NotificationSettings(), RecordingNotifier(), StateStore(state), clock, recorder)
    first.handle(A, page(("API", State.OPERATIONAL)))
    clock.tick()
    first.handle(A, page(("API", State.OPERATIONAL)))
    recorder.close()

    clock.tick(600)  # ten hours away; an outage came and went meanwhile
    away = ResolvedIncident(
        "gone", "Outage while away", State.MAJOR, "resolved", started_at=at(120), resolved_at=at(180)
    )
    before = ResolvedIncident(
        "ancient", "Long ago", State.MAJOR, "resolved", started_at=at(-90), resolved_at=at(-60)
    )
    recorder = HistoryRecorder(history)
    second = Engine([A], NotificationSettings(), RecordingNotifier(), StateStore(state), clock, recorder)
    listed = PageWithPast(closed_incident_ids=frozenset({"gone", "ancient"}), closed_incidents=(away, before))
    second.handle(A, listed)
    recorder.close()

    report = read_report(history, at(-120), at(700))
    assert [(i.id, i.seen_after_the_fact, i.started_at, i.resolved_at) for i in report.incidents] == [
        ("gone", True, at(120), at(180))
    ]
    assert history_json(report)["incidents"][0]["seen_after_the_fact"] is True
    assert report.uptime[0].uptime.observed == 60.0, "the time away is not observed"
