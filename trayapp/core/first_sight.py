"""The summary of what was already open at start-up: only what is still open when it is sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from trayapp.core.diff import IncidentStarted
from trayapp.model import Snapshot


def still_open(held: Sequence[IncidentStarted], snapshot: Snapshot) -> list[IncidentStarted]:
    """The held first-sight starts whose incident the snapshot still shows open, as it is now.

    While a slow provider's first answer is awaited, an incident seen open on another one can
    end: announcing it then would mark it notified, and no resolve would ever follow.
    """
    kept = []
    for event in held:
        view = snapshot.provider(event.provider_id)
        current = next((i for i in view.incidents if i.id == event.incident.id), None) if view else None
        if current is not None:
            kept.append(replace(event, incident=current))
    return kept
