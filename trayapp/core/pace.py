"""How often a page is read: faster for a while once something looks wrong, then as usual.

When a page starts reporting a problem, or its provider's API edge is confirmed failing, the
page is read at half its interval (never below the floor for its kind of host) for
`HURRY_FOR` seconds, so that an incident is seen soon after it is published and its updates
follow closely; then the pace falls back, even if the trouble goes on. A new spell of
trouble (after a calm one) hurries again.

Pure: plain values in, plain values out; times are the caller's monotonic seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from trayapp.core.rollup import page_state
from trayapp.model import ParsedPage, State

HURRY_FOR = 600.0
"""Seconds a page is read faster after trouble begins."""
HURRY_FACTOR = 0.5
"""The hurried interval as a part of the usual one."""


@dataclass(frozen=True)
class Pace:
    """A page's pace: whether it is in trouble (its page or its probe), and until when it hurries."""

    page_trouble: bool = False
    probe_trouble: bool = False
    hurry_until: float | None = None

    @property
    def troubled(self) -> bool:
        """Whether anything says trouble now."""
        return self.page_trouble or self.probe_trouble


def page_in_trouble(page: ParsedPage) -> bool:
    """Whether a page reports a problem: degraded, partial or major (maintenance and unknown are not)."""
    return page_state(page) > State.UNKNOWN


def with_trouble(
    pace: Pace,
    now: float,
    *,
    page: bool | None = None,
    probe: bool | None = None,
    hurry_for: float = HURRY_FOR,
) -> Pace:
    """The pace after a new signal from the page or the probe (None leaves that signal as it was).

    Trouble that begins after a calm spell starts a hurry of `hurry_for` seconds.
    """
    changed = Pace(
        pace.page_trouble if page is None else page,
        pace.probe_trouble if probe is None else probe,
        pace.hurry_until,
    )
    if changed.troubled and not pace.troubled:
        return Pace(changed.page_trouble, changed.probe_trouble, now + hurry_for)
    return changed


def hurrying(pace: Pace, now: float) -> bool:
    """Whether the page is read faster at `now`."""
    return pace.hurry_until is not None and now < pace.hurry_until


def page_interval(pace: Pace, interval: float, floor: float, now: float) -> float:
    """Seconds to the next regular read: `interval`, or half of it (not below `floor`) in a hurry."""
    if hurrying(pace, now):
        return min(interval, max(floor, interval * HURRY_FACTOR))
    return interval
