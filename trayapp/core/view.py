"""Snapshots and events as a person or a script reads them: JSON, a table, log lines."""

from __future__ import annotations

from typing import Any

from trayapp.core.diff import Event, IncidentResolved, IncidentStarted, IncidentUpdated, StateChanged
from trayapp.core.text import iso_utc, state_phrase
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
    }


def snapshot_json(snapshot: Snapshot) -> dict[str, Any]:
    """The whole snapshot as `status --json` prints it (language-neutral)."""
    return {
        "overall": snapshot.overall.label,
        "checked_at": iso_utc(snapshot.checked_at),
        "providers": [provider_json(view) for view in snapshot.providers],
    }


def _paint(text: str, state: State, colour: bool) -> str:
    return f"{_ANSI[state]}{text}{_RESET}" if colour else text


def _details(view: ProviderView) -> list[str]:
    lines = [f"{i.name} ({state_phrase(i.impact)}, {i.status or 'open'})" for i in view.incidents]
    troubled = [c for c in view.components if c.state != State.OPERATIONAL]
    if troubled:
        lines.append(", ".join(f"{c.name}: {state_phrase(c.state)}" for c in troubled))
    if view.error:
        lines.append(f"error: {view.error}")
    return lines or [""]


def snapshot_table(snapshot: Snapshot, colour: bool = False) -> str:
    """A readable table of every provider, its state and what is wrong."""
    rows = [(view.name, view.state, _details(view)) for view in snapshot.providers]
    name_width = max([len("PROVIDER"), *(len(name) for name, _, _ in rows)])
    state_width = max(len(state_phrase(state)) for state in State)
    checked = iso_utc(snapshot.checked_at) or "never"
    out = [
        f"Overall: {_paint(state_phrase(snapshot.overall), snapshot.overall, colour)}  (checked {checked})",
        "",
        f"{'PROVIDER':<{name_width}}  {'STATE':<{state_width}}  DETAILS",
    ]
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
    what = f"{incident.name} ({state_phrase(incident.impact)}, {incident.status or 'open'})"
    if isinstance(event, IncidentStarted):
        prefix = "incident already open" if event.at_first_sight else "incident started"
        return f"{event.provider_name}: {prefix}: {what}"
    if isinstance(event, IncidentUpdated):
        return f"{event.provider_name}: incident updated: {what}"
    assert isinstance(event, IncidentResolved)
    return f"{event.provider_name}: incident resolved: {incident.name}"
