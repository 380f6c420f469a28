"""The saved state as plain JSON values and back (pure; the store does the file work)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from trayapp.core.safe_text import clean_text
from trayapp.core.text import as_utc, iso_utc
from trayapp.core.tracker import Pending, Track
from trayapp.model import Component, Incident, ProviderView, State

STATE_VERSION = 1


class StateFormatError(ValueError):
    """The saved state is not something this version can read."""


@dataclass(frozen=True)
class SavedState:
    """What survives a restart: each provider's track, what was notified, detected formats.

    `held`: the incidents seen open at first sight whose start-up summary has not gone out
    yet, as (provider id, incident id); a restart before the summary still owes it.
    """

    tracks: Mapping[str, Track] = field(default_factory=dict)
    notified: frozenset[str] = frozenset()
    detected: Mapping[str, str] = field(default_factory=dict)
    held: frozenset[tuple[str, str]] = frozenset()


class StateKeeper(Protocol):
    """Where the saved state lives between runs (the shell's state file)."""

    def load(self) -> SavedState | None:
        """The saved state, or None when there is none (or it was unusable)."""

    def save(self, saved: SavedState) -> bool:
        """Keep `saved`; True when it was written."""


def _time(value: Any) -> datetime | None:
    """An aware UTC time; StateFormatError for anything that could not be used later."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise StateFormatError("bad timestamp")
    try:
        return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        raise StateFormatError(f"bad timestamp {value[:40]!r}") from None


def _line(value: Any) -> str:
    """A name, id or word from the file, on one line and with no control character.

    The file is read as text from outside: a tampered one must not reach the menu, a
    notification or a terminal with escape sequences or bidi overrides, as no page can.
    """
    return clean_text(str(value), one_line=True)


def _optional_line(value: Any) -> str | None:
    return _line(value) if isinstance(value, str) else None


def _group(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise StateFormatError("bad group")
    return _optional_line(value)


def _count(value: Any) -> int:
    """A non-negative whole number (a count of polls or failures)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise StateFormatError("bad count")
    return value


def _state(value: Any) -> State:
    if not isinstance(value, str):
        raise StateFormatError("bad state")
    return State.from_label(value)


def _incident_out(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "name": incident.name,
        "impact": incident.impact.label,
        "status": incident.status,
        "url": incident.url,
        "started_at": iso_utc(incident.started_at),
        "updated_at": iso_utc(incident.updated_at),
        "latest_update": incident.latest_update,
        "is_maintenance": incident.is_maintenance,
        "components": list(incident.components),
    }


def _incident_in(data: Mapping[str, Any]) -> Incident:
    return Incident(
        id=_line(data["id"]),
        name=_line(data["name"]),
        impact=_state(data["impact"]),
        status=_line(data.get("status", "")),
        url=_optional_line(data.get("url")),
        started_at=_time(data.get("started_at")),
        updated_at=_time(data.get("updated_at")),
        latest_update=clean_text(str(data.get("latest_update", ""))),
        is_maintenance=bool(data.get("is_maintenance", False)),
        components=tuple(_line(name) for name in data.get("components", [])),
    )


def _view_out(view: ProviderView) -> dict[str, Any]:
    return {
        "id": view.id,
        "name": view.name,
        "page": view.page,
        "state": view.state.label,
        "components": [
            {"name": c.name, "state": c.state.label, "id": c.id, "group": c.group} for c in view.components
        ],
        "incidents": [_incident_out(i) for i in view.incidents],
        "upcoming": [_incident_out(i) for i in view.upcoming],
        "indicator": view.indicator.label if view.indicator is not None else None,
        "error": view.error,
        "checked_at": iso_utc(view.checked_at),
        "last_success_at": iso_utc(view.last_success_at),
    }


def _view_in(data: Mapping[str, Any]) -> ProviderView:
    return ProviderView(
        id=_line(data["id"]),
        name=_line(data["name"]),
        page=_line(data["page"]),
        state=_state(data["state"]),
        components=tuple(
            Component(_line(c["name"]), _state(c["state"]), _line(c.get("id", "")), _group(c.get("group")))
            for c in data.get("components", [])
        ),
        incidents=tuple(_incident_in(i) for i in data.get("incidents", [])),
        upcoming=tuple(_incident_in(i) for i in data.get("upcoming", [])),
        indicator=_state(data["indicator"]) if data.get("indicator") is not None else None,
        error=_optional_line(data.get("error")),
        checked_at=_time(data.get("checked_at")),
        last_success_at=_time(data.get("last_success_at")),
    )


def encode_state(saved: SavedState) -> dict[str, Any]:
    """The saved state as JSON-ready values."""
    return {
        "version": STATE_VERSION,
        "providers": {
            provider_id: {
                "view": _view_out(track.view),
                "pending": {key: [p.state.label, p.count] for key, p in track.pending.items()},
                "absent": dict(track.absent),
                "failures": track.failures,
                "last_error": track.last_error,
                "page_updated_at": iso_utc(track.page_updated_at),
                "ended": [[key, iso_utc(when)] for key, when in track.ended.items()],
            }
            for provider_id, track in saved.tracks.items()
        },
        "notified": sorted(saved.notified),
        "detected": dict(saved.detected),
        "held": [list(pair) for pair in sorted(saved.held)],
    }


def _track_in(data: Mapping[str, Any]) -> Track:
    return Track(
        view=_view_in(data["view"]),
        pending={str(k): Pending(_state(v[0]), _count(v[1])) for k, v in data.get("pending", {}).items()},
        absent={_line(k): _count(v) for k, v in data.get("absent", {}).items()},
        failures=_count(data.get("failures", 0)),
        last_error=_optional_line(data.get("last_error")),
        page_updated_at=_time(data.get("page_updated_at")),
        ended={_line(key): _time(when) for key, when in data.get("ended", [])},
    )


def _held_in(value: Any) -> tuple[str, str]:
    """One held incident: [provider id, incident id]."""
    if not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, str) for v in value):
        raise StateFormatError("bad held incident")
    return _line(value[0]), _line(value[1])


def decode_state(data: Any) -> SavedState:
    """The saved state from JSON values; StateFormatError when it is not readable."""
    if not isinstance(data, dict):
        raise StateFormatError("not a JSON object")
    version = data.get("version")
    if version != STATE_VERSION:
        raise StateFormatError(f"unsupported state version {version!r}")
    try:
        tracks = {_line(pid): _track_in(track) for pid, track in data.get("providers", {}).items()}
        notified = frozenset(_line(key) for key in data.get("notified", []))
        detected = {_line(k): _line(v) for k, v in data.get("detected", {}).items()}
        held = frozenset(_held_in(pair) for pair in data.get("held", []))
    except (
        KeyError,
        TypeError,
        ValueError,
        AttributeError,
        IndexError,
        OverflowError,
        RecursionError,
    ) as error:
        raise StateFormatError(f"malformed state: {type(error).__name__}: {error}") from None
    return SavedState(tracks, notified, detected, held)
