"""The history's retention and continuity limits, in one place."""

from __future__ import annotations

RETENTION_DAYS = 180
"""Days of history kept by default (config `[history] days`)."""

MAX_RETENTION_DAYS = 3660
"""The most days `[history] days` accepts."""

MIN_GAP_SECONDS = 15 * 60.0
"""A stretch of one state continues across a silence up to this long (or 3 polls, if longer)."""


def continuity_limit(interval: float) -> float:
    """Longest quiet time (s) after which the history takes a provider as no longer watched.

    Polls come every `interval`, or up to 10 minutes apart while a page fails; a longer
    silence means trayapp was not running or the machine slept.
    """
    return max(MIN_GAP_SECONDS, 3 * interval)
