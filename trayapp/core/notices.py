"""Which events deserve a notification, and what it says (plain text; escaping is the shell's)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from trayapp.config import NotificationSettings
from trayapp.core.diff import Event, IncidentResolved, IncidentStarted, IncidentUpdated
from trayapp.core.text import duration_words, state_phrase
from trayapp.model import Incident, State

NoticeKind = Literal["start", "update", "resolve", "summary"]


@dataclass(frozen=True)
class Notice:
    """One notification to show."""

    kind: NoticeKind
    title: str
    body: str
    url: str | None = None
    provider_id: str = ""
    incident_id: str = ""


def notice_key(provider_id: str, incident_id: str) -> str:
    """The key under which a notified incident is remembered."""
    return f"{provider_id}/{incident_id}"


def qualifies(incident: Incident, settings: NotificationSettings) -> bool:
    """Whether an incident is worth a notification under the user's settings."""
    if incident.is_maintenance:
        return settings.maintenance
    impact = State.DEGRADED if incident.impact == State.UNKNOWN else incident.impact
    return impact >= settings.min_severity and impact > State.OPERATIONAL


def _status_sentence(incident: Incident) -> str:
    parts = [state_phrase(incident.impact, capital=True)]
    if incident.status:
        parts.append(incident.status.replace("_", " "))
    sentence = " · ".join(parts) + "."
    if incident.latest_update:
        sentence += " " + incident.latest_update
    return sentence


def start_notice(provider_id: str, provider_name: str, incident: Incident) -> Notice:
    """The notification for an incident that started."""
    return Notice(
        "start",
        f"{provider_name}: {incident.name}",
        _status_sentence(incident),
        incident.url,
        provider_id,
        incident.id,
    )


def update_notice(provider_id: str, provider_name: str, incident: Incident) -> Notice:
    """The notification for an update of an incident already notified."""
    return Notice(
        "update",
        f"{provider_name}: {incident.name} (update)",
        _status_sentence(incident),
        incident.url,
        provider_id,
        incident.id,
    )


def resolve_notice(provider_id: str, provider_name: str, incident: Incident, now: datetime) -> Notice:
    """The notification for an incident that is over."""
    body = "Resolved"
    if incident.started_at is not None and now >= incident.started_at:
        body += f" after {duration_words((now - incident.started_at).total_seconds())}"
    return Notice(
        "resolve",
        f"{provider_name}: {incident.name} — resolved",
        body + ".",
        incident.url,
        provider_id,
        incident.id,
    )


def summary_notice(started: Sequence[IncidentStarted]) -> Notice:
    """One notification summing up the incidents already open at the first check."""
    if len(started) == 1:
        event = started[0]
        notice = start_notice(event.provider_id, event.provider_name, event.incident)
        return Notice("summary", notice.title, notice.body, notice.url, event.provider_id, event.incident.id)
    lines = [
        f"{event.provider_name}: {event.incident.name} ({state_phrase(event.incident.impact)})"
        for event in started
    ]
    return Notice("summary", f"{len(started)} incidents open", "\n".join(lines))


def plan_notices(
    events: Iterable[Event], notified: frozenset[str], settings: NotificationSettings, now: datetime
) -> tuple[list[Notice], frozenset[str]]:
    """The notifications for `events`, and the updated set of notified incident keys.

    A resolve goes out only for a start that went out; incidents seen at first sight are
    summed up in at most one notification; an update is notified only when asked for,
    except that an incident that grows past `min_severity` is announced then as a start.
    """
    if not settings.enabled:
        return [], notified
    result: list[Notice] = []
    keys = set(notified)
    first_sight: list[IncidentStarted] = []
    for event in events:
        if isinstance(event, IncidentStarted | IncidentUpdated):
            key = notice_key(event.provider_id, event.incident.id)
            if key in keys:
                if isinstance(event, IncidentUpdated) and settings.updates:
                    result.append(update_notice(event.provider_id, event.provider_name, event.incident))
            elif qualifies(event.incident, settings):
                keys.add(key)
                if isinstance(event, IncidentStarted) and event.at_first_sight:
                    first_sight.append(event)
                else:
                    result.append(start_notice(event.provider_id, event.provider_name, event.incident))
        elif isinstance(event, IncidentResolved):
            key = notice_key(event.provider_id, event.incident.id)
            if key in keys:
                keys.discard(key)
                result.append(resolve_notice(event.provider_id, event.provider_name, event.incident, now))
    if first_sight:
        result.insert(0, summary_notice(first_sight))
    return result, frozenset(keys)
