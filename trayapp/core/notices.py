"""Which events deserve a notification, and what it says (plain text; escaping is the shell's)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from trayapp.core.diff import Event, IncidentResolved, IncidentStarted, IncidentUpdated
from trayapp.core.text import at_time, duration_phrase, impact_phrase, status_phrase, suspected_phrase
from trayapp.i18n import _, ngettext
from trayapp.model import Incident, State, Suspicion
from trayapp.settings import NotificationSettings

NoticeKind = Literal["start", "update", "resolve", "summary", "suspected"]


@dataclass(frozen=True)
class Notice:
    """One notification to show."""

    kind: NoticeKind
    title: str
    body: str
    url: str | None = None
    provider_id: str = ""
    incident_id: str = ""
    # How bad the incident is (starts and updates), for the notification's urgency.
    impact: State | None = None


class Notifier(Protocol):
    """Something that shows notices to the user."""

    def send(self, notice: Notice) -> None:
        """Show one notice (must not raise)."""


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
    parts = [impact_phrase(incident, capital=True)]
    if incident.status:
        parts.append(status_phrase(incident.status))
    sentence = " · ".join(parts) + "."
    if incident.latest_update:
        sentence += " " + incident.latest_update
    return sentence


def _impact(incident: Incident) -> State:
    return State.MAINTENANCE if incident.is_maintenance else incident.impact


def start_notice(provider_id: str, provider_name: str, incident: Incident) -> Notice:
    """The notification for an incident that started."""
    return Notice(
        "start",
        f"{provider_name}: {incident.name}",
        _status_sentence(incident),
        incident.url,
        provider_id,
        incident.id,
        _impact(incident),
    )


def update_notice(provider_id: str, provider_name: str, incident: Incident) -> Notice:
    """The notification for an update of an incident already notified."""
    return Notice(
        "update",
        # Translators: the title of a notification about a change in an open incident.
        _("{provider}: {incident} (update)").format(provider=provider_name, incident=incident.name),
        _status_sentence(incident),
        incident.url,
        provider_id,
        incident.id,
        _impact(incident),
    )


def _resolve_body(incident: Incident, now: datetime) -> str:
    end = at_time(now)
    started = incident.started_at
    if started is None or now < started:
        if incident.is_maintenance:
            # Translators: the end of a scheduled maintenance; {end} is "at 23:14".
            return _("Maintenance completed {end}.").format(end=end)
        # Translators: {end} is "at 23:14".
        return _("Resolved {end}.").format(end=end)
    values = {
        "start": at_time(started, now),
        "end": end,
        "duration": duration_phrase((now - started).total_seconds()),
    }
    if incident.is_maintenance:
        # Translators: a scheduled maintenance is over; {start} is "at 16:10" or "yesterday at 16:10",
        # {end} is "at 23:14", {duration} is "7 hours and 4 minutes".
        return _("Maintenance started {start}, completed {end} ({duration}).").format(**values)
    # Translators: an incident is over; {start} is "at 16:10" or "yesterday at 16:10", {end} is
    # "at 23:14", {duration} is "7 hours and 4 minutes".
    return _("Started {start}, resolved {end} ({duration}).").format(**values)


def resolve_notice(provider_id: str, provider_name: str, incident: Incident, now: datetime) -> Notice:
    """The notification for an incident that is over: when it started and ended, and how long it lasted."""
    if incident.is_maintenance:
        # Translators: the title of a notification: a scheduled maintenance is over.
        title = _("{provider}: {incident} — completed")
    else:
        # Translators: the title of a notification: an incident is over.
        title = _("{provider}: {incident} — resolved")
    return Notice(
        "resolve",
        title.format(provider=provider_name, incident=incident.name),
        _resolve_body(incident, now),
        incident.url,
        provider_id,
        incident.id,
    )


def suspected_notice(provider_id: str, provider_name: str, suspicion: Suspicion, page: str) -> Notice:
    """The one notification for a suspected problem: what was observed, never called an outage."""
    # Translators: the title of a notification: the API misbehaves but the status page says nothing yet.
    title = _("{provider}: possible unreported problem").format(provider=provider_name)
    # Translators: follows the observation in a notification about a suspected problem.
    body = suspected_phrase(suspicion) + ". " + _("The status page still says all is well.")
    return Notice("suspected", title, body, page, provider_id)


def summary_notice(started: Sequence[IncidentStarted]) -> Notice:
    """One notification summing up the incidents already open at the first check."""
    if len(started) == 1:
        event = started[0]
        notice = start_notice(event.provider_id, event.provider_name, event.incident)
        return Notice(
            "summary",
            notice.title,
            notice.body,
            notice.url,
            event.provider_id,
            event.incident.id,
            notice.impact,
        )
    lines = [
        f"{event.provider_name}: {event.incident.name} ({impact_phrase(event.incident)})" for event in started
    ]
    # Translators: the title of the notification that sums up what is open at the first check.
    title = ngettext("{count} incident open", "{count} incidents open", len(started))
    return Notice("summary", title.format(count=len(started)), "\n".join(lines))


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
