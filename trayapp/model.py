"""The value types every layer shares: states, components, incidents, provider views."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal


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
    # The planned end of a scheduled maintenance, when the page gives one.
    scheduled_until: datetime | None = None


@dataclass(frozen=True)
class Window:
    """A report whose phase follows the clock: upcoming before `starts`, open until `ends`, then over.

    `incident` is the report as it reads while open; before its start it reads with the status
    `upcoming_status`. Kept on the parsed page so that the phase can be decided again at any
    time (`core.windows.at_time`) without reading the page again.
    """

    incident: Incident
    starts: datetime | None = None
    ends: datetime | None = None
    upcoming_status: str = "scheduled"


@dataclass(frozen=True)
class ParsedPage:
    """What one adapter read from one document: the page's own story, unjudged.

    `incidents` are the open ones (including active maintenances); `closed_incident_ids`
    are incidents the document explicitly says are over (feeds, incident lists), and
    `closed_incidents` those of them it describes, each with its `resolved_at` when given;
    `upcoming` are scheduled maintenances that have not started. `unknown_values` lists
    vocabulary values the adapter did not know (each mapped to unknown), for logging.
    `updated_at` is when the page says it last changed, where its format tells (an older copy
    served by a cache is recognised by it).
    `windows` are the reports among these whose phase the clock decides (see `Window`).
    """

    components: tuple[Component, ...] = ()
    incidents: tuple[Incident, ...] = ()
    indicator: State | None = None
    upcoming: tuple[Incident, ...] = ()
    closed_incident_ids: frozenset[str] = frozenset()
    closed_incidents: tuple[Incident, ...] = ()
    unknown_values: tuple[str, ...] = ()
    page_name: str | None = None
    updated_at: datetime | None = None
    windows: tuple[Window, ...] = ()


#: The `detail` of a deep probe that sends nothing because the provider's key is not set.
NO_API_KEY = "no API key"


@dataclass(frozen=True)
class DeepView:
    """What the deep probe of a provider (one minimal request to a real model) saw last.

    The contract's `probe.deep` object. `stopped` says why deep probing stopped for the
    provider, until the key or the config changes: "key" (401/403) or "refused" (another 4xx:
    a retired model, a request the API will not take); "" while it runs.
    """

    enabled: bool = False
    ok: bool | None = None
    latency_ms: float | None = None
    failing_since: datetime | None = None
    detail: str = ""
    stopped: str = ""


@dataclass(frozen=True)
class ProbeView:
    """What the probe of a provider's API edge saw last (the contract's `probe` object)."""

    enabled: bool = False
    ok: bool | None = None
    latency_ms: float | None = None
    failing_since: datetime | None = None
    detail: str = ""
    deep: DeepView = field(default_factory=DeepView)


@dataclass(frozen=True)
class Suspicion:
    """A possible problem the page does not report: since when, and what was observed.

    `failed` of the last `checks` probes went wrong; `seen` names what came back
    ("timeout, HTTP 503"), as technical words that are not translated.
    """

    since: datetime
    failed: int
    checks: int
    seen: str
    source: Literal["edge", "model"] = "edge"
    """Which probe saw it: the API edge, or the deep probe's real model requests."""

    @property
    def reason(self) -> str:
        """What was observed, in English (the language-neutral JSON and the log)."""
        if self.source == "model":
            return f"the model API failed {self.failed} of the last {self.checks} requests ({self.seen})"
        return f"API edge: {self.failed} of the last {self.checks} checks failed ({self.seen})"


#: The `error` of a provider that publishes no status document a plain HTTP client can read
#: (catalog kind "none"): its state stays unknown, but it does not count toward the icon.
NO_STATUS_FEED = "no status feed"


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
    probe: ProbeView = field(default_factory=ProbeView)
    suspected: Suspicion | None = None

    @property
    def alert_state(self) -> State:
        """The state the icon and exit code count: a suspected problem counts as degraded."""
        return max(self.state, State.DEGRADED) if self.suspected is not None else self.state

    @property
    def has_feed(self) -> bool:
        """False for a provider that publishes no status document at all (see NO_STATUS_FEED)."""
        return self.error != NO_STATUS_FEED


#: What the icon draws besides a state: a suspected, unreported problem, or being offline.
Badge = Literal["none", "suspected", "offline"]


@dataclass(frozen=True)
class Snapshot:
    """Every watched provider at one moment; `offline` when nothing at all could be reached."""

    providers: tuple[ProviderView, ...] = ()
    checked_at: datetime | None = None
    offline: bool = False

    @property
    def overall(self) -> State:
        """The worst state over all providers, suspected problems counted as degraded.

        Unknown when nothing is watched yet, and when offline: nothing can be known then.
        """
        if not self.providers or self.offline:
            return State.UNKNOWN
        # A provider with no status feed is unknown for good: it counts only through what its
        # API probe suspects, so that it never keeps the icon grey on its own.
        counted = [p.alert_state for p in self.providers if p.has_feed or p.suspected is not None]
        return worst(counted) if counted else State.UNKNOWN

    @property
    def badge(self) -> Badge:
        """The icon's badge: offline, or suspected when a suspicion alone makes the overall state."""
        if self.offline:
            return "offline"
        pages_say = worst(p.state for p in self.providers)
        if self.overall > pages_say:
            return "suspected"
        return "none"

    def provider(self, provider_id: str) -> ProviderView | None:
        """The view of one provider, or None."""
        for view in self.providers:
            if view.id == provider_id:
                return view
        return None


@dataclass(frozen=True)
class Failure:
    """A poll that produced no usable page."""

    reason: str
    retry_after: float | None = None
    connection: bool = field(default=False, compare=False)
