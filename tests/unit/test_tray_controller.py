"""What the tray controller compares before touching the icon, tooltip and menu."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

from tests.support.builders import T0, snapshot, view
from trayapp.core.menu import UiState
from trayapp.model import State
from trayapp.tray_controller import TrayController


def shown(current: object) -> tuple[object, ...]:
    """`TrayController._shown` for a controller with a fresh UI state and no details page open."""
    controller = SimpleNamespace(ui=UiState(), _details_opened=False)
    return TrayController._shown(controller, current)  # type: ignore[arg-type]


def test_a_poll_that_changes_nothing_within_the_minute_touches_nothing() -> None:
    first = replace(snapshot(view("a", State.OPERATIONAL)), checked_at=T0)
    later = replace(first, checked_at=T0 + timedelta(seconds=20))
    assert shown(first) == shown(later)


def test_the_last_check_line_moves_on_even_when_nothing_else_changes() -> None:
    """The menu says when the last check was: a new minute is something shown."""
    first = replace(snapshot(view("a", State.OPERATIONAL)), checked_at=T0.replace(second=5))
    later = replace(first, checked_at=first.checked_at + timedelta(minutes=30))  # type: ignore[operator]
    assert shown(first) != shown(later)


def test_a_state_change_is_shown() -> None:
    calm = replace(snapshot(view("a", State.OPERATIONAL)), checked_at=T0)
    trouble = replace(snapshot(view("a", State.MAJOR)), checked_at=T0)
    assert shown(calm) != shown(trouble)
