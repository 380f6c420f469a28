"""From raw observations to the state we show: confirmation, damping and staleness.

An incident the page publishes counts at once. A component (or page indicator) that
changes while no incident is open, and any change to `unknown`, must be seen on
`CONFIRM_POLLS` consecutive polls before it counts, so a flapping component never
alarms. An incident that merely vanishes from a readable page must stay gone for
`CONFIRM_POLLS` polls (a page that says "resolved" is believed at once). A failed fetch
changes nothing until `STALE_AFTER_FAILURES` failures in a row; then the provider is
unknown, but its open incidents stay open: a failure is never a resolution.

Caches (CDNs) sometimes serve an older copy of a page. A document older than the last one
taken, by the page's own update time, is ignored. And an incident once over is not opened
again by a copy that tells nothing newer about it (its own update time no later than when it
was last seen open): one spell of an incident gives one start and one resolve, however the
copies alternate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from trayapp.core.rollup import rollup
from trayapp.model import Component, Incident, ParsedPage, ProviderView, State, worst

CONFIRM_POLLS = 2
STALE_AFTER_FAILURES = 3
INDICATOR_KEY = "\x00indicator"
# How many incidents that ended are remembered per provider, against old copies reopening them.
REMEMBER_ENDED = 50


@dataclass(frozen=True)
class Pending:
    """A state seen `count` polls in a row but not yet shown."""

    state: State
    count: int


@dataclass(frozen=True)
class Track:
    """Everything remembered about one provider between polls."""

    view: ProviderView
    pending: Mapping[str, Pending] = field(default_factory=dict)
    absent: Mapping[str, int] = field(default_factory=dict)
    failures: int = 0
    last_error: str | None = None
    page_updated_at: datetime | None = None
    ended: Mapping[str, datetime | None] = field(default_factory=dict)
    """Incidents over (newest last), each with its update time when last seen open."""


def new_track(provider_id: str, name: str, page: str) -> Track:
    """A provider not checked yet: unknown, no error."""
    return Track(ProviderView(id=provider_id, name=name, page=page))


def component_key(component: Component, index: int) -> str:
    """A stable key for a component: its id, else its group, name and position."""
    return component.id or f"{component.group or ''}\x00{component.name}\x00{index}"


def _confirm(
    key: str,
    shown: State,
    seen: State,
    narrated: bool,
    pending: Mapping[str, Pending],
    next_pending: dict[str, Pending],
) -> State:
    """The state to show for one component given what was seen this poll."""
    if seen == shown:
        return shown
    if narrated and seen != State.UNKNOWN:
        return seen
    before = pending.get(key)
    count = before.count + 1 if before is not None and before.state == seen else 1
    if count >= CONFIRM_POLLS:
        return seen
    next_pending[key] = Pending(seen, count)
    return shown


def _confirmed_components(
    track: Track, page: ParsedPage, narrated: bool, next_pending: dict[str, Pending]
) -> tuple[Component, ...]:
    shown = {component_key(c, i): c.state for i, c in enumerate(track.view.components)}
    result = []
    for index, component in enumerate(page.components):
        key = component_key(component, index)
        state = _confirm(
            key, shown.get(key, State.OPERATIONAL), component.state, narrated, track.pending, next_pending
        )
        result.append(replace(component, state=state))
    return tuple(result)


def _confirmed_incidents(track: Track, page: ParsedPage, next_absent: dict[str, int]) -> tuple[Incident, ...]:
    seen_ids = {incident.id for incident in page.incidents}
    kept: list[Incident] = list(page.incidents)
    for incident in track.view.incidents:
        if incident.id in seen_ids or incident.id in page.closed_incident_ids:
            continue
        polls_absent = track.absent.get(incident.id, 0) + 1
        if polls_absent < CONFIRM_POLLS:
            next_absent[incident.id] = polls_absent
            kept.append(incident)
    return tuple(kept)


def _is_older_copy(track: Track, page: ParsedPage) -> bool:
    """The page says it changed before the last document taken did: a cache's older copy."""
    return (
        page.updated_at is not None
        and track.page_updated_at is not None
        and (page.updated_at < track.page_updated_at)
    )


def _reopened_by_old_copy(track: Track, incident: Incident) -> bool:
    """An incident that is over, shown open with nothing newer than when it was last seen open."""
    if incident.id not in track.ended:
        return False
    last_seen = track.ended[incident.id]
    return incident.updated_at is None or (last_seen is not None and incident.updated_at <= last_seen)


def _ended_after(
    track: Track, before: tuple[Incident, ...], after: tuple[Incident, ...]
) -> dict[str, datetime | None]:
    """What is remembered as over after this poll: what just ended added, what is open again dropped."""
    open_now = {incident.id for incident in after}
    ended = {key: when for key, when in track.ended.items() if key not in open_now}
    for incident in before:
        if incident.id not in open_now:
            ended.pop(incident.id, None)
            ended[incident.id] = incident.updated_at
    return dict(list(ended.items())[-REMEMBER_ENDED:])


def observe_page(track: Track, page: ParsedPage, now: datetime) -> Track:
    """The track after a poll that fetched and parsed the page (an older copy changes nothing)."""
    if _is_older_copy(track, page):
        return replace(track, view=replace(track.view, checked_at=now))
    if track.ended:
        page = replace(
            page, incidents=tuple(i for i in page.incidents if not _reopened_by_old_copy(track, i))
        )
    view = track.view
    if view.last_success_at is None:
        components, indicator, incidents = page.components, page.indicator, page.incidents
        next_pending: dict[str, Pending] = {}
        next_absent: dict[str, int] = {}
    else:
        narrated = any(not incident.is_maintenance for incident in page.incidents)
        next_pending = {}
        next_absent = {}
        components = _confirmed_components(track, page, narrated, next_pending)
        indicator = page.indicator
        if page.indicator is not None:
            indicator = _confirm(
                INDICATOR_KEY,
                view.indicator if view.indicator is not None else State.OPERATIONAL,
                page.indicator,
                narrated,
                track.pending,
                next_pending,
            )
        incidents = _confirmed_incidents(track, page, next_absent)
    new_view = replace(
        view,
        state=rollup(components, indicator, incidents),
        components=components,
        incidents=incidents,
        upcoming=page.upcoming,
        indicator=indicator,
        error=None,
        checked_at=now,
        last_success_at=now,
    )
    newest = max((t for t in (page.updated_at, track.page_updated_at) if t is not None), default=None)
    ended = _ended_after(track, view.incidents, incidents)
    return Track(new_view, next_pending, next_absent, 0, None, newest, ended)


def observe_failure(track: Track, reason: str, now: datetime) -> Track:
    """The track after a poll that could not read the page (`reason` is one line)."""
    failures = track.failures + 1
    view = track.view
    if view.last_success_at is None or failures >= STALE_AFTER_FAILURES:
        state = worst([State.UNKNOWN, *(incident.impact for incident in view.incidents)])
        view = replace(view, state=state, error=reason, checked_at=now)
    else:
        view = replace(view, checked_at=now)
    return replace(track, view=view, failures=failures, last_error=reason)
