"""The engine's pure step, table by table: a state built from earlier inputs, one input, what comes out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import pytest

from tests.support.builders import T0, at, incident, page
from trayapp.catalog import ProviderSpec
from trayapp.core.codec import SavedState
from trayapp.core.diff import Event, IncidentResolved, IncidentStarted, IncidentUpdated, StateChanged
from trayapp.core.history.record import PollRecord
from trayapp.core.notices import Notice
from trayapp.core.probing import Attempt, Outcome
from trayapp.core.step import (
    EngineState,
    FirstSight,
    hold_first_sight,
    probe_step,
    saved_state,
    start_state,
    step,
    suspected_notices,
    with_probe_settings,
    with_specs,
)
from trayapp.model import Failure, ParsedPage, ProviderView, Snapshot, State, Suspicion
from trayapp.settings import NotificationSettings

A = ProviderSpec(id="a", name="Alpha", page="https://a.example", kind="statuspage")
B = ProviderSpec(id="b", name="Beta", page="https://b.example", kind="statuspage")
EDGE = "https://api.alpha.example/v1/models"
AP = ProviderSpec(id="a", name="Alpha", page="https://a.example", kind="statuspage", probe=EDGE, builtin=True)

CALM = page(("API", State.OPERATIONAL))
MAJOR_X = page(incidents=(incident("x", State.MAJOR),))
PARTIAL_Y = page(incidents=(incident("y", State.PARTIAL),))
PARTIAL_X = page(incidents=(incident("x", State.PARTIAL),))
TIMEOUT = Failure("timeout")
REFUSED = Failure("connection refused", connection=True)
X_CLOSED = page(("API", State.OPERATIONAL), closed=frozenset({"x"}))

RESTART = "restart"
"""In a row's `given`: trayapp stops and starts again from what it saved."""

Given = tuple[ProviderSpec, ParsedPage | Failure | Attempt] | str


def up(minute: int) -> Attempt:
    return Attempt(at(minute), Outcome.UP, 0.12, 401)


def down(minute: int) -> Attempt:
    return Attempt(at(minute), Outcome.DOWN, 0.2, 503)


def unreachable(minute: int) -> Attempt:
    return Attempt(at(minute), Outcome.DOWN, None, None, "connection refused", connection=True)


def fresh(
    specs: Sequence[ProviderSpec], notify: bool = False, saved: SavedState | None = None
) -> EngineState:
    """A state at start-up with probes on, suspected problems notified or not."""
    return with_probe_settings(start_state(specs, NotificationSettings(), saved), True, notify)


def run(specs: Sequence[ProviderSpec], given: Sequence[Given], notify: bool = False) -> EngineState:
    """The state after the `given` inputs: page results at minute 0, 1, ...; attempts at their own time."""
    state = fresh(specs, notify)
    for minute, item in enumerate(given):
        if item == RESTART:
            state = fresh(specs, notify, saved_state(state))
            continue
        assert not isinstance(item, str)
        spec, result = item
        if isinstance(result, Attempt):
            probed = probe_step(state, spec, result)
            assert probed is not None
            state = probed.state
        else:
            stepped = step(state, spec, result, at(minute))
            assert stepped is not None
            state = stepped.state
    return state


def describe_event(event: Event) -> str:
    """An event in a few words: 'a: operational -> major', 'started a/x'."""
    if isinstance(event, StateChanged):
        previous = event.previous.label if event.previous is not None else "new"
        error = f" ({event.error})" if event.error else ""
        return f"{event.provider_id}: {previous} -> {event.current.label}{error}"
    if isinstance(event, IncidentStarted):
        return f"started {event.provider_id}/{event.incident.id}" + (" at first sight" * event.at_first_sight)
    if isinstance(event, IncidentUpdated):
        return f"updated {event.provider_id}/{event.incident.id}"
    assert isinstance(event, IncidentResolved)
    return f"resolved {event.provider_id}/{event.incident.id}"


def describe_notice(notice: Notice) -> str:
    return f"{notice.kind}: {notice.title}"


def describe_record(record: PollRecord) -> tuple[str | None, str | None, str | None, tuple[str, ...]]:
    """(state, failure, unknown reason, incident notes) of a history record."""
    notes = tuple(
        f"{note.kind} {note.incident.id}" + (" while away" * note.while_away) for note in record.incidents
    )
    state = record.state.label if record.state is not None else None
    return state, record.failure, record.unknown_reason, notes


@dataclass(frozen=True)
class PageRow:
    """Given earlier inputs, one page result of `spec` one minute after them."""

    id: str
    specs: tuple[ProviderSpec, ...]
    given: tuple[Given, ...]
    spec: ProviderSpec
    result: ParsedPage | Failure
    events: tuple[str, ...]
    notices: tuple[str, ...]
    state: State
    """The provider's state in the new snapshot."""
    error: str | None
    record: tuple[str | None, str | None, str | None, tuple[str, ...]]
    offline: bool = False
    notify: bool = False


PAGE_ROWS = [
    PageRow(
        "first read of a calm page",
        (A,), (), A, CALM,
        events=("a: new -> operational",),
        notices=(),
        state=State.OPERATIONAL, error=None,
        record=("operational", None, None, ()),
    ),
    PageRow(
        "a new incident is notified at once",
        (A,), ((A, CALM),), A, MAJOR_X,
        events=("a: operational -> major", "started a/x"),
        notices=("start: Alpha: Elevated error rates",),
        state=State.MAJOR, error=None,
        record=("major", None, None, ("started x",)),
    ),
    PageRow(
        "a page resolving its incident is believed at once",
        (A,), ((A, CALM), (A, MAJOR_X)), A, X_CLOSED,
        events=("a: major -> operational", "resolved a/x"),
        notices=("resolve: Resolved · Alpha: Elevated error rates",),
        state=State.OPERATIONAL, error=None,
        record=("operational", None, None, ("resolved x",)),
    ),
    PageRow(
        "one failure changes nothing shown",
        (A,), ((A, CALM),), A, TIMEOUT,
        events=(),
        notices=(),
        state=State.OPERATIONAL, error=None,
        record=(None, "timeout", None, ()),
    ),
    PageRow(
        "two failures change nothing shown",
        (A,), ((A, CALM), (A, TIMEOUT)), A, TIMEOUT,
        events=(),
        notices=(),
        state=State.OPERATIONAL, error=None,
        record=(None, "timeout", None, ()),
    ),
    PageRow(
        "the third failure in a row makes the provider unknown",
        (A,), ((A, CALM), (A, TIMEOUT), (A, TIMEOUT)), A, TIMEOUT,
        events=("a: operational -> unknown (timeout)",),
        notices=(),
        state=State.UNKNOWN, error="timeout",
        record=(None, "timeout", "timeout", ()),
    ),
    PageRow(
        "failures never resolve an open incident",
        (A,), ((A, CALM), (A, MAJOR_X), (A, TIMEOUT), (A, TIMEOUT)), A, TIMEOUT,
        events=(),
        notices=(),
        state=State.MAJOR, error="timeout",
        record=(None, "timeout", "timeout", ()),
    ),
    PageRow(
        "a failure at the first poll is unknown at once",
        (A,), (), A, TIMEOUT,
        events=("a: new -> unknown (timeout)",),
        notices=(),
        state=State.UNKNOWN, error="timeout",
        record=(None, "timeout", "timeout", ()),
    ),
    PageRow(
        "first sight: held while another provider has not answered",
        (A, B), (), A, MAJOR_X,
        events=("a: new -> major", "started a/x at first sight", "b: new -> unknown"),
        notices=(),
        state=State.MAJOR, error=None,
        record=("major", None, None, ("started x",)),
    ),
    PageRow(
        "first sight: released when the last provider answers, even with a failure",
        (A, B), ((A, MAJOR_X),), B, TIMEOUT,
        events=("b: new -> unknown (timeout)",),
        notices=("summary: Alpha: Elevated error rates",),
        state=State.UNKNOWN, error="timeout",
        record=(None, "timeout", "timeout", ()),
    ),
    PageRow(
        "first sight: everything open at start-up in one notification",
        (A, B), ((A, MAJOR_X),), B, PARTIAL_Y,
        events=("b: new -> partial", "started b/y at first sight"),
        notices=("summary: 2 incidents in progress",),
        state=State.PARTIAL, error=None,
        record=("partial", None, None, ("started y",)),
    ),
    PageRow(
        "first sight: an answer while offline releases nothing",
        (A, B), ((A, MAJOR_X), (A, REFUSED)), B, REFUSED,
        events=("b: new -> unknown (offline)",),
        notices=(),
        state=State.UNKNOWN, error="offline",
        record=(None, "connection refused", "connection refused", ()),
        offline=True,
    ),
    PageRow(
        "first sight: back online, what was held is summed up",
        (A, B), ((A, MAJOR_X), (A, REFUSED), (B, REFUSED)), B, CALM,
        events=("b: unknown -> operational",),
        notices=("summary: Alpha: Elevated error rates",),
        state=State.OPERATIONAL, error=None,
        record=("operational", None, None, ()),
    ),
    PageRow(
        "resolved while away: over at the first read after a restart",
        (A,), ((A, CALM), (A, MAJOR_X), RESTART), A, X_CLOSED,
        events=("a: major -> operational", "resolved a/x"),
        notices=("resolve: Resolved · Alpha: Elevated error rates",),
        state=State.OPERATIONAL, error=None,
        record=("operational", None, None, ("resolved x while away",)),
    ),
    PageRow(
        "resolved while away: gone at the first read, confirmed at the next",
        (A,),
        ((A, page(incidents=(incident("x", State.MAJOR), incident("y")))), RESTART, (A, PARTIAL_Y)),
        A, PARTIAL_Y,
        events=("a: major -> partial", "resolved a/x"),
        notices=("resolve: Resolved · Alpha: Elevated error rates",),
        state=State.PARTIAL, error=None,
        record=("partial", None, None, ("resolved x while away",)),
    ),
    PageRow(
        "resolved while away: an incident over in this run is not",
        (A,), ((A, MAJOR_X), RESTART, (A, MAJOR_X)), A, X_CLOSED,
        events=("a: major -> operational", "resolved a/x"),
        notices=("resolve: Resolved · Alpha: Elevated error rates",),
        state=State.OPERATIONAL, error=None,
        record=("operational", None, None, ("resolved x",)),
    ),
    PageRow(
        "offline: every page refused, with enough evidence",
        (B,), ((B, CALM), (B, REFUSED)), B, REFUSED,
        events=(),
        notices=(),
        state=State.OPERATIONAL, error="offline",
        record=(None, "connection refused", None, ()),
        offline=True,
    ),
    PageRow(
        "offline: one refusal of a lone page is not enough",
        (B,), ((B, CALM),), B, REFUSED,
        events=(),
        notices=(),
        state=State.OPERATIONAL, error=None,
        record=(None, "connection refused", None, ()),
    ),
    PageRow(
        "offline: a server that answers, even badly, means online",
        (B,), ((B, CALM), (B, REFUSED), (B, REFUSED)), B, Failure("HTTP 503"),
        events=("b: operational -> unknown (HTTP 503)",),
        notices=(),
        state=State.UNKNOWN, error="HTTP 503",
        record=(None, "HTTP 503", "HTTP 503", ()),
    ),
    PageRow(
        "suspected: not notified again by a page result in the same spell",
        (AP,), ((AP, CALM), (AP, down(1)), (AP, down(2)), (AP, down(3))), AP, CALM,
        events=(),
        notices=(),
        state=State.OPERATIONAL, error=None,
        record=("operational", None, None, ()),
        notify=True,
    ),
    PageRow(
        "suspected: trouble seen while offline is notified once back online",
        (AP,),
        ((AP, CALM), (AP, REFUSED), (AP, unreachable(2)), (AP, unreachable(3)), (AP, unreachable(4))),
        AP, CALM,
        events=(),
        notices=("suspected: Possible problem · Alpha",),
        state=State.OPERATIONAL, error=None,
        record=("operational", None, None, ()),
        notify=True,
    ),
]  # fmt: skip


@pytest.mark.parametrize("row", PAGE_ROWS, ids=lambda row: row.id)
def test_page_step(row: PageRow) -> None:
    before = run(row.specs, row.given, row.notify)
    now = at(len(row.given))
    result = step(before, row.spec, row.result, now)
    assert result is not None
    state, snapshot, events, notices, record = result
    assert tuple(describe_event(e) for e in events) == row.events
    assert tuple(describe_notice(n) for n in notices) == row.notices
    assert snapshot is state.snapshot
    assert (snapshot.checked_at, snapshot.offline) == (now, row.offline)
    view = snapshot.provider(row.spec.id)
    assert view is not None
    assert (view.state, view.error) == (row.state, row.error)
    assert describe_record(record) == row.record
    assert (record.provider_id, record.at) == (row.spec.id, now)
    assert before == run(row.specs, row.given, row.notify), "the state given in is left as it was"


@dataclass(frozen=True)
class ProbeRow:
    """Given earlier inputs, one probe attempt of Alpha's API edge (Alpha and Beta watched)."""

    id: str
    given: tuple[Given, ...]
    attempt: Attempt
    suspected: bool
    notices: tuple[str, ...]
    offline: bool = False
    notify: bool = True
    changed: bool = True
    """Whether the snapshot differs from the one before (the listeners are told only then)."""


ANSWERED = ((AP, CALM), (B, CALM))

PROBE_ROWS = [
    ProbeRow(
        "two bad answers are not yet a verdict",
        (*ANSWERED, (AP, up(0)), (AP, down(1))), down(2),
        suspected=False, notices=(), changed=False,
    ),
    ProbeRow(
        "the third makes a suspected problem, notified when asked for",
        (*ANSWERED, (AP, up(0)), (AP, down(1)), (AP, down(2))), down(3),
        suspected=True, notices=("suspected: Possible problem · Alpha",),
    ),
    ProbeRow(
        "a suspected problem is not notified unless asked for",
        (*ANSWERED, (AP, up(0)), (AP, down(1)), (AP, down(2))), down(3),
        suspected=True, notices=(), notify=False,
    ),
    ProbeRow(
        "one notification per spell",
        (*ANSWERED, (AP, down(0)), (AP, down(1)), (AP, down(2)), (AP, down(3))), down(4),
        suspected=True, notices=(), changed=False,
    ),
    ProbeRow(
        "one good answer does not end the spell",
        (*ANSWERED, (AP, down(0)), (AP, down(1)), (AP, down(2))), up(3),
        suspected=True, notices=(),
    ),
    ProbeRow(
        "two good answers in a row end it",
        (*ANSWERED, (AP, down(0)), (AP, down(1)), (AP, down(2)), (AP, up(3))), up(4),
        suspected=False, notices=(),
    ),
    ProbeRow(
        "a new spell gets a new notification",
        (
            *ANSWERED,
            *((AP, down(minute)) for minute in range(3)),
            (AP, up(3)), (AP, up(4)), (AP, down(5)), (AP, down(6)),
        ),
        down(7),
        suspected=True, notices=("suspected: Possible problem · Alpha",),
    ),
    ProbeRow(
        "no suspicion when the page already says something is wrong",
        ((AP, PARTIAL_Y), (B, CALM), (AP, down(0)), (AP, down(1))), down(2),
        suspected=False, notices=(),
    ),
    ProbeRow(
        "an unreachable edge with unreachable pages is offline, and nothing is notified",
        ((AP, CALM), (B, CALM), (AP, REFUSED), (B, REFUSED), (AP, unreachable(4)), (AP, unreachable(5))),
        unreachable(6),
        suspected=False, notices=(), offline=True,
    ),
    ProbeRow(
        "an edge that answers means online again",
        ((AP, CALM), (B, CALM), (AP, REFUSED), (B, REFUSED)), up(4),
        suspected=False, notices=(),
    ),
]  # fmt: skip


@pytest.mark.parametrize("row", PROBE_ROWS, ids=lambda row: row.id)
def test_probe_step(row: ProbeRow) -> None:
    before = run((AP, B), row.given, row.notify)
    result = probe_step(before, AP, row.attempt)
    assert result is not None
    state, snapshot, notices = result
    assert tuple(describe_notice(n) for n in notices) == row.notices
    assert snapshot is state.snapshot
    assert snapshot.checked_at == before.snapshot.checked_at, "a probe is not a poll of the page"
    assert snapshot.offline == row.offline
    view = snapshot.provider("a")
    assert view is not None
    assert (view.suspected is not None) == row.suspected
    assert view.probe.detail == row.attempt.detail
    assert (snapshot != before.snapshot) == row.changed


def test_the_offline_rows_start_online() -> None:
    """The rows above that end offline really cross over: the step before was online."""
    assert not run((AP, B), ((AP, CALM), (B, CALM), (AP, REFUSED))).snapshot.offline
    assert not run((B,), ((B, CALM), (B, REFUSED))).snapshot.offline
    assert run((AP, B), ((AP, CALM), (B, CALM), (AP, REFUSED), (B, REFUSED))).snapshot.offline


def test_results_of_providers_never_watched_are_ignored() -> None:
    state = fresh((A,))
    assert step(state, B, CALM, T0) is None
    assert probe_step(state, B, up(0)) is None
    assert probe_step(state, A, up(0)) is None, "Alpha here has no API edge"


def test_no_probe_when_probes_are_off_for_the_catalog() -> None:
    state = with_probe_settings(fresh((AP,)), enabled=False, notify=True)
    assert probe_step(state, AP, down(0)) is None
    view = state.snapshot.provider("a")
    assert view is not None
    assert not view.probe.enabled


def test_a_reload_keeps_the_tracks_of_providers_left_out_and_renames() -> None:
    state = run((A, B), ((A, MAJOR_X), (B, CALM)))
    renamed = ProviderSpec(id="b", name="Beta Two", page="https://b2.example", kind="statuspage")
    reloaded = with_specs(state, [renamed])
    assert [(v.id, v.name, v.page) for v in reloaded.snapshot.providers] == [
        ("b", "Beta Two", "https://b2.example")
    ]
    assert reloaded.snapshot.checked_at == state.snapshot.checked_at
    back = with_specs(reloaded, [A, renamed])
    view = back.snapshot.provider("a")
    assert view is not None
    assert view.state == State.MAJOR, "Alpha's track was kept aside"


def test_the_state_saved_last_time_is_where_a_new_run_starts() -> None:
    earlier = run((A,), ((A, CALM), (A, MAJOR_X)))
    state = start_state([A, B], NotificationSettings(), SavedState(earlier.tracks, earlier.notified))
    assert state.notified == frozenset({"a/x"})
    assert state.first_sight.awaiting == frozenset({"b"}), "only Beta has never answered"
    assert [v.state for v in state.snapshot.providers] == [State.MAJOR, State.UNKNOWN]
    assert state.snapshot.checked_at is None


def test_a_restart_before_the_summary_keeps_what_it_held() -> None:
    state = run((A, B), ((A, MAJOR_X), RESTART))
    assert saved_state(state).held == frozenset({("a", "x")})
    assert [e.incident.id for e in state.first_sight.held if isinstance(e, IncidentStarted)] == ["x"]
    assert state.first_sight.awaiting == frozenset({"b"})
    outcome = step(state, B, CALM, at(5))
    assert outcome is not None
    assert [(n.kind, n.incident_id) for n in outcome.notices] == [("summary", "x")]
    assert saved_state(outcome.state).held == frozenset()


def test_a_held_incident_that_changes_is_told_by_the_summary_not_alone() -> None:
    state = run((A, B), ((A, MAJOR_X),))
    changed = step(state, A, PARTIAL_X, at(5))
    assert changed is not None
    assert changed.notices == [], "held for the summary: no start of its own"
    released = step(changed.state, B, CALM, at(6))
    assert released is not None
    (summary,) = released.notices
    assert (summary.kind, summary.incident_id, summary.impact) == ("summary", "x", State.PARTIAL)


def test_a_provider_no_longer_watched_is_not_awaited_for_the_summary() -> None:
    state = with_specs(run((A, B), ((A, MAJOR_X),)), [A])
    assert state.first_sight.awaiting == frozenset()
    outcome = step(state, A, MAJOR_X, at(5))
    assert outcome is not None
    assert [(n.kind, n.incident_id) for n in outcome.notices] == [("summary", "x")]


def started(provider_id: str, incident_id: str, first: bool) -> IncidentStarted:
    return IncidentStarted(provider_id, provider_id.title(), incident(incident_id), at_first_sight=first)


@pytest.mark.parametrize(
    ("held", "awaiting", "answering", "events", "released", "still_held"),
    [
        ((), {"a", "b"}, "a", [started("a", "x", True)], [], ["x"]),
        ((), {"a", "b"}, "a", [started("a", "x", False)], ["x"], []),
        (("x",), {"b"}, "b", [started("b", "y", True)], ["x", "y"], []),
        (("x",), {"b"}, "a", [started("a", "z", False)], ["z"], ["x"]),
        (("x",), {"b"}, "b", [started("b", "z", False)], ["x", "z"], []),
    ],
    ids=[
        "first sight held",
        "not first sight goes out",
        "last answer releases all",
        "another answer releases nothing",
        "held ones go first",
    ],
)
def test_hold_first_sight(
    held: tuple[str, ...],
    awaiting: set[str],
    answering: str,
    events: list[Event],
    released: list[str],
    still_held: list[str],
) -> None:
    holding = FirstSight(frozenset(awaiting), tuple(started("a", incident_id, True) for incident_id in held))
    out, after = hold_first_sight(holding, answering, events)
    assert [e.incident.id for e in out if isinstance(e, IncidentStarted)] == released
    assert [e.incident.id for e in after.held if isinstance(e, IncidentStarted)] == still_held
    assert after.awaiting == frozenset(awaiting) - {answering}


def test_suspected_notices_need_both_switches_and_come_once() -> None:
    trouble = Suspicion(T0, 3, 4, "HTTP 503")
    view = ProviderView("a", "Alpha", "https://a.example", State.OPERATIONAL, suspected=trouble)
    snapshot = Snapshot((view,), T0 + timedelta(minutes=1))
    on, off = NotificationSettings(), NotificationSettings(enabled=False)
    assert suspected_notices(snapshot, frozenset(), False, on) == ([], frozenset())
    assert suspected_notices(snapshot, frozenset(), True, off) == ([], frozenset())
    notices, notified = suspected_notices(snapshot, frozenset(), True, on)
    assert [n.kind for n in notices] == ["suspected"]
    assert notified == frozenset({"a"})
    assert suspected_notices(snapshot, notified, True, on) == ([], notified)
