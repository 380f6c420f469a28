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

#: Desktops cut notification titles at ~50-60 characters: titles are kept to this length, the
#: event word first, and the incident name is what gets shortened (in full in the body then).
MAX_TITLE = 60


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


def _fit(template: str, provider_name: str, incident_name: str) -> tuple[str, bool]:
    """`template` filled in, at most MAX_TITLE long: the incident name (then the provider's) shortened.

    Also says whether anything was shortened, so the body can carry the full name.
    """
    full = template.format(provider=provider_name, incident=incident_name)
    if len(full) <= MAX_TITLE:
        return full, False
    room = MAX_TITLE - len(template.format(provider=provider_name, incident=""))
    if room >= 8:
        return template.format(provider=provider_name, incident=_shorten(incident_name, room)), True
    # A very long provider name: keep a few letters of the incident, shorten the provider.
    incident = _shorten(incident_name, 8)
    room = MAX_TITLE - len(template.format(provider="", incident=incident))
    return template.format(provider=_shorten(provider_name, max(room, 2)), incident=incident), True


def _shorten(text: str, room: int) -> str:
    """`text` in at most `room` characters, ending in an ellipsis when cut."""
    if len(text) <= room:
        return text
    return text[: room - 1].rstrip() + "…"


def _titled(
    kind: NoticeKind, template: str, provider_id: str, provider_name: str, incident: Incident, body: str
) -> Notice:
    """A notice about one incident; a shortened incident name is given in full in the body."""
    title, cut = _fit(template, provider_name, incident.name)
    if cut:
        body = incident.name + "\n" + body
    impact = None if kind == "resolve" else _impact(incident)
    return Notice(kind, title, body, incident.url, provider_id, incident.id, impact)


def start_notice(provider_id: str, provider_name: str, incident: Incident) -> Notice:
    """The notification for an incident that started: the provider and the incident, nothing before."""
    return _titled(
        "start", "{provider}: {incident}", provider_id, provider_name, incident, _status_sentence(incident)
    )


def update_notice(provider_id: str, provider_name: str, incident: Incident) -> Notice:
    """The notification for an update of an incident already notified ('Update · OpenAI: …')."""
    # Translators: the title of a notification about a change in an open incident. Keep the
    # word "Update" first and short: desktops cut titles at about 50 characters.
    template = _("Update · {provider}: {incident}")
    return _titled("update", template, provider_id, provider_name, incident, _status_sentence(incident))


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
    """The notification for an incident that is over ('Resolved · OpenAI: …'): when it started and ended."""
    if incident.is_maintenance:
        # Translators: the title of a notification: a scheduled maintenance is over. Keep the
        # word first: desktops cut titles at about 50 characters.
        template = _("Completed · {provider}: {incident}")
    else:
        # Translators: the title of a notification: an incident is over. Keep the word
        # "Resolved" first: desktops cut titles at about 50 characters.
        template = _("Resolved · {provider}: {incident}")
    return _titled("resolve", template, provider_id, provider_name, incident, _resolve_body(incident, now))


def suspected_notice(provider_id: str, provider_name: str, suspicion: Suspicion, page: str) -> Notice:
    """The one notification for a suspected problem: what was observed, never called an outage."""
    # Translators: the title of a notification: the API misbehaves but the status page says
    # nothing yet. Keep the words first and short.
    template = _("Possible problem · {provider}")
    room = MAX_TITLE - len(template.format(provider=""))
    title = template.format(provider=_shorten(provider_name, room))
    # Translators: follows the observation in a notification about a suspected problem.
    body = suspected_phrase(suspicion, detail=True) + ". " + _("The status page still says all is well.")
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
    return Notice("summary", _summary_title(started), "\n".join(lines))


def _summary_title(started: Sequence[IncidentStarted]) -> str:
    """'2 incidents in progress', '1 maintenance in progress', '2 incidents and 1 maintenance in progress'.

    A scheduled maintenance is not an incident, and is not counted as one.
    """
    works = sum(1 for event in started if event.incident.is_maintenance)
    incidents = len(started) - works
    # Translators: part of the title that sums up what is under way at the first check.
    incident_words = ngettext("{count} incident", "{count} incidents", incidents).format(count=incidents)
    # Translators: part of the title that sums up what is under way at the first check.
    work_words = ngettext("{count} maintenance", "{count} maintenances", works).format(count=works)
    if incidents and works:
        # Translators: {incidents} is "2 incidents", {maintenances} is "1 maintenance".
        return _("{incidents} and {maintenances} in progress").format(
            incidents=incident_words, maintenances=work_words
        )
    # Translators: the title that sums up what is under way at the first check; {what} is
    # "2 incidents" or "2 maintenances".
    return _("{what} in progress").format(what=incident_words if incidents else work_words)


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
