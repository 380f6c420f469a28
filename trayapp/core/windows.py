"""Time-based states: a parsed page's maintenance windows decided again at any moment.

A page read at 14:59 says a maintenance from 15:00 to 16:00 is upcoming; at 15:00 it is under
way, at 16:00 over — whether or not the page has changed (it often answers 304 all along).
Adapters keep such reports as `Window`s on the parsed page; `at_time` re-decides their phase
from the clock alone, without parsing the document again.

Pure: plain values in, plain values out.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Literal

from trayapp.model import ParsedPage, Window

Phase = Literal["upcoming", "open", "closed"]


def phase_at(window: Window, now: datetime) -> Phase:
    """Where a window stands at `now`: not started yet, under way, or over."""
    now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    if window.starts is not None and now < window.starts:
        return "upcoming"
    if window.ends is not None and now >= window.ends:
        return "closed"
    return "open"


def at_time(page: ParsedPage, now: datetime) -> ParsedPage:
    """`page` as it reads at `now`: each window's report upcoming, open or over by the clock.

    Reports whose phase did not change keep their place, so that an unchanged page reads the same.
    """
    if not page.windows:
        return page
    phases = {window.incident.id: phase_at(window, now) for window in page.windows}
    incidents = [i for i in page.incidents if phases.get(i.id, "open") == "open"]
    upcoming = [i for i in page.upcoming if phases.get(i.id, "upcoming") == "upcoming"]
    present = {i.id for i in (*incidents, *upcoming)}
    for window in page.windows:
        phase = phases[window.incident.id]
        if window.incident.id in present or phase == "closed":
            continue
        if phase == "open":
            incidents.append(window.incident)
        else:
            upcoming.append(replace(window.incident, status=window.upcoming_status))
    closed = {i for i in page.closed_incident_ids if phases.get(i, "closed") == "closed"}
    closed |= {i for i, phase in phases.items() if phase == "closed"}
    return replace(
        page, incidents=tuple(incidents), upcoming=tuple(upcoming), closed_incident_ids=frozenset(closed)
    )
