"""Words for states, durations and times, as a person reads them."""

from __future__ import annotations

from datetime import UTC, datetime

from trayapp.model import State

_STATE_PHRASES: dict[State, str] = {
    State.OPERATIONAL: "operational",
    State.MAINTENANCE: "under maintenance",
    State.UNKNOWN: "unknown",
    State.DEGRADED: "degraded performance",
    State.PARTIAL: "partial outage",
    State.MAJOR: "major outage",
}


def state_phrase(state: State, capital: bool = False) -> str:
    """A state in words: 'partial outage', 'degraded performance', ..."""
    phrase = _STATE_PHRASES[state]
    return phrase[:1].upper() + phrase[1:] if capital else phrase


def duration_words(seconds: float) -> str:
    """A duration in words: '45 s', '12 min', '7 h 4 min', '2 d 3 h'."""
    total = max(0, round(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def iso_utc(moment: datetime | None) -> str | None:
    """`2026-02-04T18:02:11Z`, or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
