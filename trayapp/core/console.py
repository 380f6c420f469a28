"""Snapshots and events as a person or a script reads them: JSON (language-neutral), a table, log lines."""

from __future__ import annotations

from typing import Any

from trayapp.core.diff import Event, IncidentResolved, IncidentStarted, IncidentUpdated, StateChanged
from trayapp.core.safe_text import printable
from trayapp.core.text import at_time, incident_phrase, iso_utc, state_phrase, suspected_phrase
from trayapp.core.urls import is_loopback
from trayapp.i18n import _
from trayapp.model import Incident, ProviderView, Snapshot, State

EXIT_CODES: dict[State, int] = {
    State.OPERATIONAL: 0,
    State.MAINTENANCE: 0,
    State.DEGRADED: 1,
    State.PARTIAL: 1,
    State.MAJOR: 2,
    State.UNKNOWN: 3,
}

_ANSI: dict[State, str] = {
    State.OPERATIONAL: "\x1b[32m",
    State.MAINTENANCE: "\x1b[34m",
    State.UNKNOWN: "\x1b[90m",
    State.DEGRADED: "\x1b[33m",
    State.PARTIAL: "\x1b[38;5;208m",
    State.MAJOR: "\x1b[31m",
}
_RESET = "\x1b[0m"


def exit_code(snapshot: Snapshot) -> int:
    """The monitoring-plugin exit code of the worst state (0 ok, 1 warning, 2 critical, 3 unknown)."""
    return EXIT_CODES[snapshot.overall]


def incident_json(incident: Incident) -> dict[str, Any]:
    """One incident as the contract's JSON object."""
    return {
        "id": incident.id,
        "name": incident.name,
        "impact": incident.impact.label,
        "status": incident.status,
        "url": incident.url,
        "started_at": iso_utc(incident.started_at),
    }


def provider_json(view: ProviderView) -> dict[str, Any]:
    """One provider as the contract's JSON object."""
    return {
        "id": view.id,
        "name": view.name,
        "state": view.state.label,
        "page": view.page,
        "error": view.error,
        "components": [{"name": c.name, "state": c.state.label} for c in view.components],
        "incidents": [incident_json(incident) for incident in view.incidents],
        "probe": {
            "enabled": view.probe.enabled,
            "ok": view.probe.ok,
            "latency_ms": view.probe.latency_ms,
            "failing_since": iso_utc(view.probe.failing_since),
            "detail": view.probe.detail,
            "deep": {
                "enabled": view.probe.deep.enabled,
                "ok": view.probe.deep.ok,
                "latency_ms": view.probe.deep.latency_ms,
                "detail": view.probe.deep.detail,
            },
        },
        "suspected": (
            {"since": iso_utc(view.suspected.since), "reason": view.suspected.reason}
            if view.suspected is not None
            else None
        ),
    }


def snapshot_json(snapshot: Snapshot) -> dict[str, Any]:
    """The whole snapshot as `status --json` prints it (language-neutral)."""
    return {
        "overall": snapshot.overall.label,
        "offline": snapshot.offline,
        "checked_at": iso_utc(snapshot.checked_at),
        "providers": [provider_json(view) for view in snapshot.providers],
    }


def _paint(text: str, state: State, colour: bool) -> str:
    return f"{_ANSI[state]}{text}{_RESET}" if colour else text


def _details(view: ProviderView) -> list[str]:
    lines = [incident_phrase(incident) for incident in view.incidents]
    troubled = [c for c in view.components if c.state != State.OPERATIONAL]
    if troubled:
        lines.append(", ".join(f"{c.name}: {state_phrase(c.state)}" for c in troubled))
    if view.suspected is not None:
        lines.append(suspected_phrase(view.suspected, detail=True))
    if view.error:
        # Translators: in the DETAILS column of `trayapp status`: why a page could not be read.
        lines.append(_("error: {error}").format(error=view.error))
    return lines or [""]


def _only_local(snapshot: Snapshot) -> bool:
    """Whether every watched page is on this computer (then a failure says nothing of the network)."""
    return bool(snapshot.providers) and all(is_loopback(view.page) for view in snapshot.providers)


def snapshot_table(snapshot: Snapshot, colour: bool = False) -> str:
    """A readable table of every provider, its state and what is wrong (times in the local zone)."""
    # Page text is shown, never obeyed: no escape sequence, no newline forging a row.
    rows = [
        (printable(view.name), view.state, [printable(line) for line in _details(view)])
        for view in snapshot.providers
    ]
    # Translators: the column headings of `trayapp status`.
    headings = (_("PROVIDER"), _("STATE"), _("DETAILS"))
    name_width = max([len(headings[0]), *(len(name) for name, _state, _lines in rows)])
    state_width = max([len(headings[1]), *(len(state_phrase(state)) for state in State)])
    overall = _paint(state_phrase(snapshot.overall), snapshot.overall, colour)
    if snapshot.offline and _only_local(snapshot):
        # Translators: the first line of `trayapp status` when nothing could be reached and every
        # page is on this computer: the network is not to blame.
        first = _("No status page and no API could be reached (all are on this computer)")
    elif snapshot.offline:
        # Translators: the first line of `trayapp status` when nothing at all could be reached.
        first = _("Offline: no status page and no API could be reached (is the network up?)")
    elif snapshot.checked_at is None:
        # Translators: the first line of `trayapp status`.
        first = _("Overall: {state}  (never checked)").format(state=overall)
    else:
        # Translators: the first line of `trayapp status`; {when} is "at 19:02".
        first = _("Overall: {state}  (checked {when})").format(
            state=overall, when=at_time(snapshot.checked_at)
        )
    out = [first, "", f"{headings[0]:<{name_width}}  {headings[1]:<{state_width}}  {headings[2]}"]
    for name, state, details in rows:
        phrase = _paint(f"{state_phrase(state):<{state_width}}", state, colour)
        out.append(f"{name:<{name_width}}  {phrase}  {details[0]}".rstrip())
        out.extend(f"{'':<{name_width}}  {'':<{state_width}}  {line}" for line in details[1:])
    return "\n".join(out)


def event_line(event: Event) -> str:
    """One line for `watch`: what changed, at which provider."""
    if isinstance(event, StateChanged):
        if event.previous is None:
            line = f"{event.provider_name}: {state_phrase(event.current)}"
        else:
            line = f"{event.provider_name}: {state_phrase(event.previous)} → {state_phrase(event.current)}"
        return f"{line} ({event.error})" if event.error else line
    incident = event.incident
    values = {"provider": event.provider_name, "incident": incident_phrase(incident)}
    maintenance = incident.is_maintenance
    if isinstance(event, IncidentStarted):
        if event.at_first_sight:
            if maintenance:
                # Translators: a `watch` line; {incident} is "Name (scheduled maintenance, in progress)".
                return _("{provider}: maintenance already in progress: {incident}").format(**values)
            # Translators: a `watch` line; {incident} is "Name (partial outage, investigating)".
            return _("{provider}: incident already open: {incident}").format(**values)
        if maintenance:
            return _("{provider}: maintenance started: {incident}").format(**values)
        return _("{provider}: incident started: {incident}").format(**values)
    if isinstance(event, IncidentUpdated):
        if maintenance:
            return _("{provider}: maintenance updated: {incident}").format(**values)
        return _("{provider}: incident updated: {incident}").format(**values)
    assert isinstance(event, IncidentResolved)
    values["incident"] = incident.name
    if maintenance:
        # Translators: a `watch` line; {incident} is the maintenance's name.
        return _("{provider}: maintenance completed: {incident}").format(**values)
    # Translators: a `watch` line; {incident} is the incident's name.
    return _("{provider}: incident resolved: {incident}").format(**values)
