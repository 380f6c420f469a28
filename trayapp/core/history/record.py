"""What one poll adds to the history: a plain value the engine hands to the history recorder.

Two stories are kept apart. The provider's own story: the state its page gave (the provider
as a whole and each component) and its incidents (started, updated, resolved, with impact,
status and affected components). trayapp's story: the fetches that failed, the time the
provider was unknown because its page could not be read, and the spells of suspected trouble
its probes saw while the page said all was well (`SuspicionRecord`, apart from the polls: a
probe's answer changes them as much as a page does).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from trayapp.core.diff import Event, IncidentResolved, IncidentStarted, IncidentUpdated
from trayapp.model import Component, Incident, ProviderView, State, Suspicion

NoteKind = Literal["started", "updated", "resolved"]
SuspectedSource = Literal["edge", "deep"]
"""Which probe saw a suspected problem: the API edge, or the deep probe's model API."""
SUSPECTED_SOURCES: tuple[SuspectedSource, ...] = ("edge", "deep")


@dataclass(frozen=True)
class IncidentNote:
    """An incident event for the history.

    `resolved_at`: the page's own time of resolution, when it gave one. `while_away`: the
    incident was open when trayapp last ran and was already over at this start.
    """

    kind: NoteKind
    incident: Incident
    at_first_sight: bool = False
    resolved_at: datetime | None = None
    while_away: bool = False


@dataclass(frozen=True)
class PastIncident:
    """An incident the page lists as over, with its time of resolution."""

    incident: Incident
    resolved_at: datetime


@dataclass(frozen=True)
class PollRecord:
    """One poll of one provider, as the history records it.

    `state` and `components` are what the page said (None and () when it could not be read);
    `failure` is why this poll could not read it; `unknown_reason` is set while trayapp shows
    the provider unknown because its page could not be read. `past` lists incidents the page
    reports as over, given on the first successful read of a run, so that those that began
    and ended while trayapp was not running are recorded too.
    """

    provider_id: str
    at: datetime
    state: State | None = None
    components: tuple[tuple[str, State], ...] = ()
    failure: str | None = None
    unknown_reason: str | None = None
    incidents: tuple[IncidentNote, ...] = ()
    past: tuple[PastIncident, ...] = ()

    @property
    def readable(self) -> bool:
        """Whether this poll read the page."""
        return self.state is not None


def suspected_source(suspicion: Suspicion) -> SuspectedSource:
    """The history's name of the probe behind a suspicion ("deep" for the model API)."""
    return "deep" if suspicion.source == "model" else "edge"


@dataclass(frozen=True)
class SuspicionRecord:
    """A provider's suspected problems at `at`, as the history records them: one per probe that sees one.

    A probe (source) missing from `suspected` is not suspected: its spell, if one was under
    way, ended at `at`. Nothing is suspected while trayapp is offline. `unobserved`: the spells
    end because trayapp stopped seeing (offline, or the provider no longer watched), not because
    the probe recovered or the page owned up; they are over where they were last seen.
    """

    provider_id: str
    at: datetime
    suspected: tuple[Suspicion, ...] = ()
    unobserved: bool = False

    def of(self, source: SuspectedSource) -> Suspicion | None:
        """The suspicion of one probe, if it has one."""
        return next((s for s in self.suspected if suspected_source(s) == source), None)


HistoryItem = PollRecord | SuspicionRecord
"""What the engine hands to the history."""


def component_label(component: Component) -> str:
    """The name a component is recorded under: `Group / Name`, or its name."""
    return f"{component.group} / {component.name}" if component.group else component.name


def component_states(components: Iterable[Component]) -> tuple[tuple[str, State], ...]:
    """(label, state) per component in page order; a label listed twice keeps its worst state."""
    states: dict[str, State] = {}
    for component in components:
        label = component_label(component)
        states[label] = max(states.get(label, component.state), component.state)
    return tuple(states.items())


def gone_while_away(before: ProviderView, open_now: Collection[str]) -> frozenset[str]:
    """Ids of incidents open when trayapp last ran that the first read of this run lacks."""
    return frozenset(incident.id for incident in before.incidents if incident.id not in open_now)


def incident_notes(
    provider_id: str,
    events: Sequence[Event],
    resolved_times: Mapping[str, datetime],
    away: Collection[str] = (),
) -> tuple[IncidentNote, ...]:
    """The incident events of one provider as history notes."""
    notes: list[IncidentNote] = []
    for event in events:
        if event.provider_id != provider_id:
            continue
        if isinstance(event, IncidentStarted):
            notes.append(IncidentNote("started", event.incident, at_first_sight=event.at_first_sight))
        elif isinstance(event, IncidentUpdated):
            notes.append(IncidentNote("updated", event.incident))
        elif isinstance(event, IncidentResolved):
            incident_id = event.incident.id
            notes.append(
                IncidentNote(
                    "resolved",
                    event.incident,
                    resolved_at=resolved_times.get(incident_id),
                    while_away=incident_id in away,
                )
            )
    return tuple(notes)


def poll_record(
    view: ProviderView,
    failure: str | None,
    events: Sequence[Event],
    at: datetime,
    past: Sequence[PastIncident] = (),
    away: Collection[str] = (),
    first_read: bool = False,
) -> PollRecord:
    """The history record of one poll: `view` is the provider after it, `failure` why it failed.

    `past` gives the times of resolution the page reported; the incidents themselves are kept
    on the record only on the `first_read` of a run.
    """
    readable = failure is None
    resolved_times = {item.incident.id: item.resolved_at for item in past}
    return PollRecord(
        provider_id=view.id,
        at=at,
        state=view.state if readable else None,
        components=component_states(view.components) if readable else (),
        failure=failure,
        unknown_reason=None if readable else view.error,
        incidents=incident_notes(view.id, events, resolved_times, away),
        past=tuple(past) if first_read else (),
    )
