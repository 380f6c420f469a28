"""Maintenance windows decided again by the clock (core/windows.py), without parsing the page again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.server import fixture_bytes
from trayapp.adapters import ParseContext
from trayapp.adapters.betterstack import parse_index
from trayapp.core.windows import at_time, phase_at
from trayapp.model import Incident, ParsedPage, State, Window

START = datetime(2026, 2, 10, 6, 0, tzinfo=UTC)
END = datetime(2026, 2, 10, 8, 0, tzinfo=UTC)
WORK = Incident("m1", "Database upgrade", State.MAINTENANCE, "in_progress", is_maintenance=True)
OTHER = Incident("i1", "Errors", State.PARTIAL, "investigating")


@pytest.mark.parametrize(
    ("starts", "ends", "now", "phase"),
    [
        (START, END, START - timedelta(seconds=1), "upcoming"),
        (START, END, START, "open"),
        (START, END, END - timedelta(seconds=1), "open"),
        (START, END, END, "closed"),
        (None, END, START, "open"),
        (START, None, END + timedelta(days=9), "open"),
        (START, END, datetime(2026, 2, 10, 7, 0), "open"),  # a naive time is UTC
    ],
)
def test_a_window_is_upcoming_open_then_over(
    starts: datetime | None, ends: datetime | None, now: datetime, phase: str
) -> None:
    assert phase_at(Window(WORK, starts, ends), now) == phase


def test_a_page_read_before_the_window_reads_right_at_any_later_time() -> None:
    page = ParsedPage(
        incidents=(OTHER,),
        upcoming=(Incident("m1", "Database upgrade", State.MAINTENANCE, "scheduled", is_maintenance=True),),
        windows=(Window(WORK, START, END),),
    )
    assert at_time(page, START - timedelta(minutes=1)) == page, "unchanged while nothing moved"
    during = at_time(page, START)
    assert during.incidents == (OTHER, WORK)
    assert during.upcoming == ()
    after = at_time(page, END)
    assert after.incidents == (OTHER,)
    assert after.upcoming == ()
    assert after.closed_incident_ids == frozenset({"m1"})
    assert at_time(after, START) == during, "from any phase to any other"


def test_a_page_without_windows_is_left_alone() -> None:
    page = ParsedPage(incidents=(OTHER,), closed_incident_ids=frozenset({"x"}))
    assert at_time(page, END) is page


@pytest.mark.parametrize(
    "read_at", [START - timedelta(hours=1), START + timedelta(minutes=30), END - timedelta(minutes=1)]
)
@pytest.mark.parametrize(
    "now", [START - timedelta(minutes=5), START + timedelta(hours=1), END + timedelta(hours=1)]
)
def test_re_deciding_a_better_stack_page_equals_parsing_it_again(read_at: datetime, now: datetime) -> None:
    body = fixture_bytes("betterstack/index_maintenance.json")
    parsed_then = parse_index(body, ParseContext(page_url="https://status.example", now=read_at))
    parsed_now = parse_index(body, ParseContext(page_url="https://status.example", now=now))
    redone = at_time(parsed_then, now)
    assert {i.id: i for i in redone.incidents} == {i.id: i for i in parsed_now.incidents}
    assert {i.id: i for i in redone.upcoming} == {i.id: i for i in parsed_now.upcoming}
    assert redone.closed_incident_ids == parsed_now.closed_incident_ids
