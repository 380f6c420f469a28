"""The engine's bookkeeping as a pure step: state and one poll result in, new state and news out.

What the engine remembers between polls is one immutable `EngineState`: each page's track,
each probe's track and how long the pages have been unreachable (for being offline), the
incidents held back at first sight, which suspected problems were already notified, and which
incidents went away while trayapp was not running. `step` takes one page result, `probe_step`
one probe attempt; each gives the new state, the snapshot, and what to tell: events,
notifications, the history record; `suspicion_records` what a step adds to the history's
spells of suspected trouble. Logging, saving, sending and the clock are the engine's.

Pure: plain values in, plain values out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NamedTuple

from trayapp.catalog import NO_FEED, ProviderSpec
from trayapp.core.codec import SavedState
from trayapp.core.deep import DeepTrack, deep_suspicion, deep_target, deep_view, observe_deep
from trayapp.core.diff import Event, IncidentResolved, IncidentStarted, IncidentUpdated, diff
from trayapp.core.first_sight import still_open
from trayapp.core.history.record import (
    PastIncident,
    PollRecord,
    SuspicionRecord,
    gone_while_away,
    poll_record,
)
from trayapp.core.notices import Notice, plan_notices, suspected_notice
from trayapp.core.probing import (
    Attempt,
    ProbeTrack,
    all_offline,
    connection_failure_run,
    observe_attempt,
    probe_target,
    probe_view,
    suspicion,
)
from trayapp.core.tracker import Track, new_track, observe_failure, observe_page
from trayapp.model import Failure, ParsedPage, ProviderView, Snapshot, State, Suspicion
from trayapp.settings import NotificationSettings


@dataclass(frozen=True)
class FirstSight:
    """Incidents seen at first sight, held until every provider not read yet has answered once.

    So that everything already open at start-up is summed up in one notification.
    """

    awaiting: frozenset[str] = frozenset()
    held: tuple[Event, ...] = ()


@dataclass(frozen=True)
class Away:
    """Incidents open when trayapp last ran that were over at this run's first read.

    `read` lists the providers read at least once in this run; `gone`, per provider, those
    incidents whose resolution the history has not recorded yet.
    """

    read: frozenset[str] = frozenset()
    gone: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class EngineState:
    """Everything the engine remembers between poll results (each change makes a new value)."""

    settings: NotificationSettings
    specs: tuple[ProviderSpec, ...] = ()
    tracks: Mapping[str, Track] = field(default_factory=dict)
    notified: frozenset[str] = frozenset()
    snapshot: Snapshot = field(default_factory=Snapshot)
    unreachable: Mapping[str, int] = field(default_factory=dict)
    """Per page, its latest polls in a row that failed without reaching a server."""
    probes: Mapping[str, ProbeTrack] = field(default_factory=dict)
    probes_enabled: bool = True
    deep: Mapping[str, DeepTrack] = field(default_factory=dict)
    """Per provider, its deep probe (real model requests)."""
    deep_enabled: bool = False
    notify_suspected: bool = False
    suspected_notified: frozenset[str] = frozenset()
    first_sight: FirstSight = field(default_factory=FirstSight)
    away: Away = field(default_factory=Away)


class Step(NamedTuple):
    """What one page result gives: the new state, its snapshot, and the news to pass on."""

    state: EngineState
    snapshot: Snapshot
    events: list[Event]
    notices: list[Notice]
    record: PollRecord


class ProbeStep(NamedTuple):
    """What one probe attempt gives: the new state, its snapshot, and the notifications to send."""

    state: EngineState
    snapshot: Snapshot
    notices: list[Notice]


def start_state(
    specs: Sequence[ProviderSpec], settings: NotificationSettings, saved: SavedState | None
) -> EngineState:
    """The state at start-up, from what the last run saved (if anything), watching `specs`."""
    state = EngineState(settings)
    if saved is None:
        return with_specs(state, specs)
    state = with_specs(replace(state, tracks=dict(saved.tracks), notified=saved.notified), specs)
    return replace(state, first_sight=replace(state.first_sight, held=_held_again(state.tracks, saved.held)))


def _held_again(tracks: Mapping[str, Track], held: frozenset[tuple[str, str]]) -> tuple[Event, ...]:
    """The first-sight starts the last run held for its summary and never sent, as last seen."""
    again: list[Event] = []
    for provider_id, incident_id in sorted(held):
        track = tracks.get(provider_id)
        if track is None:
            continue
        view = track.view
        again += [
            IncidentStarted(view.id, view.name, i, at_first_sight=True)
            for i in view.incidents
            if i.id == incident_id
        ]
    return tuple(again)


def saved_state(state: EngineState) -> SavedState:
    """What of the state survives a restart (the detected formats are the engine's).

    The incidents held for the start-up summary go with it: a restart before the summary
    went out must not lose them (the next run would take them as known and never tell them).
    """
    held = frozenset(
        (event.provider_id, event.incident.id)
        for event in state.first_sight.held
        if isinstance(event, IncidentStarted)
    )
    return SavedState(state.tracks, state.notified, held=held)


def with_specs(state: EngineState, specs: Sequence[ProviderSpec]) -> EngineState:
    """Watch these providers (a config reload); tracks of the others are kept aside."""
    tracks = dict(state.tracks)
    # A provider no longer watched is not awaited: the summary would wait for it forever.
    watched = {spec.id for spec in specs}
    awaiting = set(state.first_sight.awaiting & watched)
    for spec in specs:
        track = tracks.get(spec.id)
        if track is None:
            track = new_track(spec.id, spec.name, spec.page)
        else:
            track = replace(track, view=replace(track.view, name=spec.name, page=spec.page))
        tracks[spec.id] = track
        if track.view.last_success_at is None:
            awaiting.add(spec.id)
    first_sight = replace(state.first_sight, awaiting=frozenset(awaiting))
    # A changed provider starts its deep probe afresh (a new key or model may answer).
    old = {spec.id: spec for spec in state.specs}
    new = {spec.id: spec for spec in specs}
    deep = {key: track for key, track in state.deep.items() if key in new and old.get(key) == new[key]}
    changed = replace(state, specs=tuple(specs), tracks=tracks, first_sight=first_sight, deep=deep)
    return _with_snapshot(changed, state.snapshot.checked_at)


def with_settings(state: EngineState, settings: NotificationSettings) -> EngineState:
    """Use new notification settings from now on."""
    return replace(state, settings=settings)


def with_probe_settings(state: EngineState, enabled: bool, notify: bool) -> EngineState:
    """Probe the catalog's API edges or not; notify a suspected problem or not."""
    changed = replace(state, probes_enabled=enabled, notify_suspected=notify)
    return _with_snapshot(changed, state.snapshot.checked_at)


def with_deep_enabled(state: EngineState, enabled: bool) -> EngineState:
    """Ask the catalog's models or not (`[probes] deep`); a change starts every deep probe afresh."""
    if enabled == state.deep_enabled:
        return state
    changed = replace(state, deep_enabled=enabled, deep={})
    return _with_snapshot(changed, state.snapshot.checked_at)


def _deep_track(state: EngineState, spec: ProviderSpec) -> DeepTrack | None:
    """The provider's deep track, or None when it has no deep probe."""
    if deep_target(spec, state.deep_enabled) is None:
        return None
    return state.deep.get(spec.id, DeepTrack())


def _probe_track(state: EngineState, spec: ProviderSpec) -> ProbeTrack | None:
    """The provider's probe track, or None when it is not probed."""
    if probe_target(spec, state.probes_enabled) is None:
        return None
    return state.probes.get(spec.id, ProbeTrack())


def is_offline(state: EngineState) -> bool:
    """Every page's latest poll and every probe's latest try failed without reaching a server."""
    # A provider with no status feed is never polled: it says nothing about the network.
    specs = [spec for spec in state.specs if spec.id in state.tracks and spec.kind != NO_FEED]
    if not specs or any(spec.id not in state.unreachable for spec in specs):
        return False
    runs = [state.unreachable[spec.id] for spec in specs]
    for spec in specs:
        track = _probe_track(state, spec)
        if track is not None and track.attempts:
            runs.append(connection_failure_run(track))
    return all_offline(runs)


def _suspicions(
    spec: ProviderSpec, view: ProviderView, track: ProbeTrack | None, deep: DeepTrack | None
) -> tuple[Suspicion, ...]:
    """What each of a provider's probes suspects (the API edge first, then the model API)."""
    # With no status feed, a failing probe is the only sign of trouble there is.
    says_operational = view.state is State.OPERATIONAL or spec.kind == NO_FEED
    edge = suspicion(track, says_operational) if track is not None else None
    model = deep_suspicion(deep, says_operational)
    return tuple(found for found in (edge, model) if found is not None)


def build_snapshot(state: EngineState, checked_at: datetime | None) -> Snapshot:
    """The snapshot of the watched providers: the pages' views with their probes, or offline."""
    offline = is_offline(state)
    views = []
    for spec in state.specs:
        if spec.id not in state.tracks:
            continue
        view = state.tracks[spec.id].view
        track = _probe_track(state, spec)
        deep = _deep_track(state, spec)
        probe = replace(probe_view(track), deep=deep_view(deep))
        if offline:
            view = replace(view, error="offline", probe=probe)
        else:
            found = _suspicions(spec, view, track, deep)
            view = replace(view, probe=probe, suspected=found[0] if found else None)
        views.append(view)
    return Snapshot(tuple(views), checked_at, offline)


def suspected_now(state: EngineState, provider_id: str) -> tuple[Suspicion, ...]:
    """A provider's suspected problems, one per probe that sees one; none while offline.

    The snapshot shows one (the API edge's first); the history keeps each probe's spell.
    """
    if state.snapshot.offline or provider_id not in state.tracks:
        return ()
    spec = next((spec for spec in state.specs if spec.id == provider_id), None)
    if spec is None:
        return ()
    view = state.tracks[provider_id].view
    return _suspicions(spec, view, _probe_track(state, spec), _deep_track(state, spec))


def suspicion_records(
    before: EngineState,
    after: EngineState,
    provider_id: str | None,
    at: datetime,
    recorded: Collection[str] = (),
) -> tuple[SuspicionRecord, ...]:
    """What a change of state adds to the history's suspected periods.

    One record per provider that has a suspected problem now or had one in its last record
    (`recorded`): the one a poll or a probe was about, or every provider when `provider_id` is
    None (a new config) or being offline changed (it clears or brings back every suspicion).
    A provider with nothing suspected before or after gets none: a quiet step records nothing.
    """
    if provider_id is None or before.snapshot.offline != after.snapshot.offline:
        ids = [*(spec.id for spec in after.specs), *recorded]
    else:
        ids = [provider_id]
    watched = {spec.id for spec in after.specs}
    records = []
    for each in dict.fromkeys(ids):
        found = suspected_now(after, each)
        if found or each in recorded:
            unobserved = after.snapshot.offline or each not in watched
            records.append(SuspicionRecord(each, at, found, unobserved=unobserved and not found))
    return tuple(records)


def _with_snapshot(state: EngineState, checked_at: datetime | None) -> EngineState:
    return replace(state, snapshot=build_snapshot(state, checked_at))


def past_incidents(page: ParsedPage) -> tuple[PastIncident, ...]:
    """Incidents the page reports as over, with their time of resolution.

    They come as `closed_incidents` (each with a `resolved_at`) from adapters that read a page's
    list of past incidents; a page that carries no such list, or an incident without its time,
    gives none.
    """
    return tuple(
        PastIncident(incident, incident.resolved_at)
        for incident in page.closed_incidents
        if incident.resolved_at is not None
    )


def hold_first_sight(
    first_sight: FirstSight, provider_id: str, events: Sequence[Event]
) -> tuple[list[Event], FirstSight]:
    """The events to notify now after `provider_id` answered, and what stays held.

    Incidents seen at first sight are held until every provider not read yet has answered;
    then all of them go out together, ahead of this answer's other events.
    """
    awaiting = first_sight.awaiting - {provider_id}
    held = list(first_sight.held)
    held += [e for e in events if isinstance(e, IncidentStarted) and e.at_first_sight]
    others = [e for e in events if not (isinstance(e, IncidentStarted) and e.at_first_sight)]
    if not awaiting and held:
        return held + others, FirstSight(awaiting)
    # A held incident that changes is the summary's to tell, as it is then: an update now
    # (which announces an incident that grows past the minimum severity) would tell it alone.
    keys = {(e.provider_id, e.incident.id) for e in held if isinstance(e, IncidentStarted)}
    others = [
        e for e in others if not (isinstance(e, IncidentUpdated) and (e.provider_id, e.incident.id) in keys)
    ]
    return others, FirstSight(awaiting, tuple(held))


def _still_open_first(events: Sequence[Event], snapshot: Snapshot) -> list[Event]:
    """Released events, with the first-sight summary narrowed to what is still open now."""
    first = [e for e in events if isinstance(e, IncidentStarted) and e.at_first_sight]
    rest = [e for e in events if not (isinstance(e, IncidentStarted) and e.at_first_sight)]
    return [*still_open(first, snapshot), *rest]


def suspected_notices(
    snapshot: Snapshot, notified: frozenset[str], notify: bool, settings: NotificationSettings
) -> tuple[list[Notice], frozenset[str]]:
    """One notification per spell of suspected trouble, when the user asked for them.

    Gives the notifications and the providers whose current spell has been notified.
    """
    if not (notify and settings.enabled):
        return [], notified
    notices = []
    keys = set(notified)
    for view in snapshot.providers:
        if view.suspected is not None and view.id not in keys:
            keys.add(view.id)
            notices.append(suspected_notice(view.id, view.name, view.suspected, view.page))
    return notices, frozenset(keys)


def history_record(
    away: Away,
    before: Track,
    after: Track,
    result: ParsedPage | Failure,
    events: Sequence[Event],
    now: datetime,
) -> tuple[PollRecord, Away]:
    """What this poll adds to the history, and the incidents still to be recorded gone while away."""
    provider_id = after.view.id
    if not isinstance(result, ParsedPage):
        return poll_record(after.view, result.reason, events, now), away
    gone = dict(away.gone)
    first_read = provider_id not in away.read
    if first_read and before.view.last_success_at is not None:
        open_now = {incident.id for incident in result.incidents}
        gone[provider_id] = gone_while_away(before.view, open_now)
    was_away = gone.get(provider_id, frozenset())
    record = poll_record(after.view, None, events, now, past_incidents(result), was_away, first_read)
    resolved = {
        e.incident.id for e in events if isinstance(e, IncidentResolved) and e.provider_id == provider_id
    }
    if was_away & resolved:
        gone[provider_id] = was_away - resolved
    return record, Away(away.read | {provider_id}, gone)


def step(state: EngineState, spec: ProviderSpec, result: ParsedPage | Failure, now: datetime) -> Step | None:
    """Take one poll result of a provider at `now` (None for a provider never watched).

    While offline nothing from the pages is news: no notification goes out, and incidents
    seen at first sight are not held for later either.
    """
    before = state.tracks.get(spec.id)
    if before is None:
        return None
    unreachable = dict(state.unreachable)
    if isinstance(result, ParsedPage):
        after = observe_page(before, result, now)
        unreachable[spec.id] = 0
    else:
        after = observe_failure(before, result.reason, now)
        unreachable[spec.id] = unreachable.get(spec.id, 0) + 1 if result.connection else 0
    tracks = {**state.tracks, spec.id: after}
    new = _with_snapshot(replace(state, tracks=tracks, unreachable=unreachable), now)
    snapshot = new.snapshot
    events = diff(state.snapshot, snapshot)
    notices: list[Notice] = []
    if not snapshot.offline:
        released, first_sight = hold_first_sight(state.first_sight, spec.id, events)
        released = _still_open_first(released, snapshot)
        notices, notified = plan_notices(released, state.notified, state.settings, now)
        suspected, suspected_notified = suspected_notices(
            snapshot, state.suspected_notified, state.notify_suspected, state.settings
        )
        notices += suspected
        new = replace(new, first_sight=first_sight, notified=notified, suspected_notified=suspected_notified)
    record, away = history_record(state.away, before, after, result, events, now)
    return Step(replace(new, away=away), snapshot, events, notices, record)


def _without_times(track: Track) -> Track:
    return replace(track, view=replace(track.view, checked_at=None, last_success_at=None))


def is_steady(before: EngineState, outcome: Step, spec_id: str) -> bool:
    """Whether this step changed nothing but the provider's poll times.

    Then the same page again would change nothing either (the tracker's confirmations have
    settled): `steady_step` can take it without the comparison, the diff and the notices.
    """
    old, new = before.tracks.get(spec_id), outcome.state.tracks.get(spec_id)
    return (
        old is not None
        and new is not None
        and not outcome.events
        and not outcome.notices
        and not outcome.record.incidents
        and not outcome.record.past
        and not outcome.snapshot.offline
        and spec_id not in outcome.state.first_sight.awaiting
        and spec_id in before.away.read
        and outcome.state.notified == before.notified
        and outcome.state.suspected_notified == before.suspected_notified
        and _without_times(old) == _without_times(new)
    )


def steady_step(state: EngineState, spec_id: str, now: datetime) -> EngineState:
    """The state after a poll that read the same page as a steady one: only its times move."""
    track = state.tracks[spec_id]
    tracks = {
        **state.tracks,
        spec_id: replace(track, view=replace(track.view, checked_at=now, last_success_at=now)),
    }
    shown = tuple(
        replace(view, checked_at=now, last_success_at=now) if view.id == spec_id else view
        for view in state.snapshot.providers
    )
    snapshot = replace(state.snapshot, providers=shown, checked_at=now)
    return replace(state, tracks=tracks, snapshot=snapshot)


def probe_step(state: EngineState, spec: ProviderSpec, attempt: Attempt) -> ProbeStep | None:
    """Take one probe of a provider's API edge (None when the provider is not watched or probed).

    A spell of suspected trouble is notified once; it ends when the probe stops failing.
    """
    if spec.id not in state.tracks or probe_target(spec, state.probes_enabled) is None:
        return None
    track = observe_attempt(state.probes.get(spec.id, ProbeTrack()), attempt)
    return _verdict_step(replace(state, probes={**state.probes, spec.id: track}), spec.id)


def deep_step(state: EngineState, spec: ProviderSpec, attempt: Attempt | None) -> ProbeStep | None:
    """Take one deep probe answer (None: no key is set); None when the provider has no deep probe.

    A failing model API joins the edge's verdict: one spell of suspected trouble per provider,
    notified once, ending when neither probe is failing.
    """
    if spec.id not in state.tracks or deep_target(spec, state.deep_enabled) is None:
        return None
    deep = observe_deep(state.deep.get(spec.id, DeepTrack()), attempt)
    return _verdict_step(replace(state, deep={**state.deep, spec.id: deep}), spec.id)


def _verdict_step(observed: EngineState, provider_id: str) -> ProbeStep:
    """After an edge or a deep probe was observed: the new snapshot and the suspected notices.

    A provider's spell of suspected trouble ends when neither of its probes is failing; a new one
    is notified once (not while offline).
    """
    suspected_notified = observed.suspected_notified
    edge_failing = observed.probes.get(provider_id, ProbeTrack()).failing
    if not edge_failing and not observed.deep.get(provider_id, DeepTrack()).failing:
        suspected_notified -= {provider_id}
    new = _with_snapshot(
        replace(observed, suspected_notified=suspected_notified), observed.snapshot.checked_at
    )
    notices: list[Notice] = []
    if not new.snapshot.offline:
        notices, suspected_notified = suspected_notices(
            new.snapshot, new.suspected_notified, new.notify_suspected, new.settings
        )
        new = replace(new, suspected_notified=suspected_notified)
    return ProbeStep(new, new.snapshot, notices)
