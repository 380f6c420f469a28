"""diff(previous, current): one row per kind of change."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.support.builders import incident, snapshot, view
from trayapp.core.diff import IncidentResolved, IncidentStarted, IncidentUpdated, StateChanged, diff
from trayapp.model import Snapshot, State

INC = incident("inc1", State.PARTIAL, "investigating")

ROWS = [
    pytest.param(snapshot(view()), snapshot(view()), [], id="nothing changed"),
    pytest.param(
        snapshot(view()),
        snapshot(view(state=State.PARTIAL, incidents=(INC,))),
        [
            StateChanged("openai", "Openai", State.OPERATIONAL, State.PARTIAL),
            IncidentStarted("openai", "Openai", INC),
        ],
        id="incident started",
    ),
    pytest.param(
        snapshot(view(state=State.PARTIAL, incidents=(INC,))),
        snapshot(view(state=State.MAJOR, incidents=(replace(INC, impact=State.MAJOR),))),
        [
            StateChanged("openai", "Openai", State.PARTIAL, State.MAJOR),
            IncidentUpdated("openai", "Openai", replace(INC, impact=State.MAJOR), INC),
        ],
        id="incident escalated",
    ),
    pytest.param(
        snapshot(view(state=State.PARTIAL, incidents=(INC,))),
        snapshot(view(state=State.PARTIAL, incidents=(replace(INC, status="monitoring"),))),
        [IncidentUpdated("openai", "Openai", replace(INC, status="monitoring"), INC)],
        id="incident status changed",
    ),
    pytest.param(
        snapshot(view(state=State.PARTIAL, incidents=(INC,))),
        snapshot(view(state=State.PARTIAL, incidents=(replace(INC, latest_update="still looking"),))),
        [],
        id="new update text alone is no event",
    ),
    pytest.param(
        snapshot(view(state=State.PARTIAL, incidents=(INC,))),
        snapshot(view()),
        [
            StateChanged("openai", "Openai", State.PARTIAL, State.OPERATIONAL),
            IncidentResolved("openai", "Openai", INC),
        ],
        id="incident resolved",
    ),
    pytest.param(
        snapshot(view()),
        snapshot(view(state=State.DEGRADED)),
        [StateChanged("openai", "Openai", State.OPERATIONAL, State.DEGRADED)],
        id="state changed without incident",
    ),
    pytest.param(
        snapshot(view()),
        snapshot(view(state=State.UNKNOWN, error="timeout")),
        [StateChanged("openai", "Openai", State.OPERATIONAL, State.UNKNOWN, "timeout")],
        id="provider became unreachable",
    ),
    pytest.param(
        None,
        snapshot(view(state=State.PARTIAL, incidents=(INC,))),
        [
            StateChanged("openai", "Openai", None, State.PARTIAL),
            IncidentStarted("openai", "Openai", INC, at_first_sight=True),
        ],
        id="no previous snapshot: incidents seen at first sight",
    ),
    pytest.param(
        snapshot(view(seen=False, state=State.UNKNOWN)),
        snapshot(view(state=State.PARTIAL, incidents=(INC,))),
        [
            StateChanged("openai", "Openai", None, State.PARTIAL),
            IncidentStarted("openai", "Openai", INC, at_first_sight=True),
        ],
        id="first successful read: at first sight",
    ),
    pytest.param(
        snapshot(view(), view("anthropic")),
        snapshot(view()),
        [],
        id="provider removed from the config: no event",
    ),
    pytest.param(
        snapshot(view()),
        snapshot(view(), view("anthropic")),
        [StateChanged("anthropic", "Anthropic", None, State.OPERATIONAL)],
        id="provider added",
    ),
]


@pytest.mark.parametrize(("previous", "current", "expected"), ROWS)
def test_diff(previous: Snapshot | None, current: Snapshot, expected: list[object]) -> None:
    assert diff(previous, current) == expected


def test_a_provider_read_before_is_not_at_first_sight() -> None:
    before = snapshot(view())
    events = diff(before, snapshot(view(incidents=(INC,))))
    assert [e for e in events if isinstance(e, IncidentStarted)] == [IncidentStarted("openai", "Openai", INC)]
