"""The value types every layer shares: states, components, incidents, provider views."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


class State(enum.IntEnum):
    """A component's or provider's state, ordered by severity (worst last)."""

    OPERATIONAL = 0
    MAINTENANCE = 1
    UNKNOWN = 2
    DEGRADED = 3
    PARTIAL = 4
    MAJOR = 5

    @property
    def label(self) -> str:
        """The contract's lowercase name: `operational`, `partial`, ...

        Language-neutral (JSON, config values, CSS classes, file names): never translated.
        The words shown to people are `trayapp.core.text.state_phrase`.
        """
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> State:
        """The state named by a contract label; ValueError for anything else."""
        try:
            return cls[label.upper()]
        except KeyError:
            raise ValueError(f"not a state: {label!r}") from None


#: The contract's icon colour of each state (the icon, the details page and its dots).
STATE_COLOURS: dict[State, str] = {
    State.OPERATIONAL: "#22A04B",
    State.MAINTENANCE: "#3B82F6",
    State.UNKNOWN: "#9CA3AF",
    State.DEGRADED: "#EAB308",
    State.PARTIAL: "#F97316",
    State.MAJOR: "#DC2626",
}


def worst(states: Iterable[State]) -> State:
    """The most severe of `states`; operational when there are none."""
    return max(states, default=State.OPERATIONAL)


@dataclass(frozen=True)
class Component:
    """One component of a status page (a leaf, never a group row)."""

    name: str
    state: State
    id: str = ""
    group: str | None = None


@dataclass(frozen=True)
class Incident:
    """An incident or maintenance as the page tells it.

    `impact` is already mapped to our states; `status` is the page's lowercase word
    (investigating, identified, monitoring, resolved, in_progress, ...).
    """

    id: str
    name: str
    impact: State
    status: str
    url: str | None = None
    started_at: datetime | None = None
    updated_at: datetime | None = None
    latest_update: str = ""
    is_maintenance: bool = False
    components: tuple[str, ...] = ()
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class ParsedPage:
    """What one adapter read from one document: the page's own story, unjudged.

    `incidents` are the open ones (including active maintenances); `closed_incident_ids`
    are incidents the document explicitly says are over (feeds, incident lists), and
    `closed_incidents` those of them it describes, each with its `resolved_at` when given;
    `upcoming` are scheduled maintenances that have not started. `unknown_values` lists
    vocabulary values the adapter did not know (each mapped to unknown), for logging.
    """

    components: tuple[Component, ...] = ()
    incidents: tuple[Incident, ...] = ()
    indicator: State | None = None
    upcoming: tuple[Incident, ...] = ()
    closed_incident_ids: frozenset[str] = frozenset()
    closed_incidents: tuple[Incident, ...] = ()
    unknown_values: tuple[str, ...] = ()
    page_name: str | None = None


@dataclass(frozen=True)
class ProviderView:
    """One provider as trayapp shows it: confirmed state, what the page says, errors."""

    id: str
    name: str
    page: str
    state: State = State.UNKNOWN
    components: tuple[Component, ...] = ()
    incidents: tuple[Incident, ...] = ()
    upcoming: tuple[Incident, ...] = ()
    indicator: State | None = None
    error: str | None = None
    checked_at: datetime | None = None
    last_success_at: datetime | None = None


@dataclass(frozen=True)
class Snapshot:
    """Every watched provider at one moment."""

    providers: tuple[ProviderView, ...] = ()
    checked_at: datetime | None = None

    @property
    def overall(self) -> State:
        """The worst state over all providers (unknown when nothing is watched yet)."""
        if not self.providers:
            return State.UNKNOWN
        return worst(p.state for p in self.providers)

    def provider(self, provider_id: str) -> ProviderView | None:
        """The view of one provider, or None."""
        for view in self.providers:
            if view.id == provider_id:
                return view
        return None
