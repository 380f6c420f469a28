"""What changed between two snapshots, as small event values."""

from __future__ import annotations

from dataclasses import dataclass

from trayapp.model import Incident, ProviderView, Snapshot, State


@dataclass(frozen=True)
class IncidentStarted:
    """An incident appeared. `at_first_sight`: it was already open when we first saw the page."""

    provider_id: str
    provider_name: str
    incident: Incident
    at_first_sight: bool = False


@dataclass(frozen=True)
class IncidentUpdated:
    """An open incident changed its impact or status."""

    provider_id: str
    provider_name: str
    incident: Incident
    previous: Incident


@dataclass(frozen=True)
class IncidentResolved:
    """An incident is over (the page said so, or it stayed gone from a readable page)."""

    provider_id: str
    provider_name: str
    incident: Incident


@dataclass(frozen=True)
class StateChanged:
    """A provider's state changed; `previous` is None the first time we see it."""

    provider_id: str
    provider_name: str
    previous: State | None
    current: State
    error: str | None = None


Event = IncidentStarted | IncidentUpdated | IncidentResolved | StateChanged


def _incident_events(before: ProviderView | None, after: ProviderView) -> list[Event]:
    first_sight = before is None or before.last_success_at is None
    old = {incident.id: incident for incident in before.incidents} if before else {}
    new = {incident.id: incident for incident in after.incidents}
    events: list[Event] = []
    for incident_id, incident in new.items():
        previous = old.get(incident_id)
        if previous is None:
            events.append(IncidentStarted(after.id, after.name, incident, at_first_sight=first_sight))
        elif (previous.impact, previous.status) != (incident.impact, incident.status):
            events.append(IncidentUpdated(after.id, after.name, incident, previous))
    events.extend(
        IncidentResolved(after.id, after.name, incident)
        for incident_id, incident in old.items()
        if incident_id not in new
    )
    return events


def diff(previous: Snapshot | None, current: Snapshot) -> list[Event]:
    """Events that lead from `previous` to `current` (providers that left yield nothing)."""
    events: list[Event] = []
    for after in current.providers:
        before = previous.provider(after.id) if previous else None
        never_checked = before is None or (before.checked_at is None and before.last_success_at is None)
        if before is None or before.state != after.state or never_checked:
            previous_state = None if never_checked or before is None else before.state
            events.append(StateChanged(after.id, after.name, previous_state, after.state, after.error))
        events.extend(_incident_events(before, after))
    return events
