"""When the next probe and the next page read are due: confirmation bursts, hurried pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trayapp.core.pace import HURRY_FOR, Pace, hurrying, page_in_trouble, page_interval, with_trouble
from trayapp.core.probing import (
    CONFIRM_BURST,
    Attempt,
    Cadence,
    Outcome,
    confirm_spacing,
    next_probe,
)
from trayapp.model import Component, ParsedPage, State

T0 = datetime(2026, 2, 4, 15, 0, tzinfo=UTC)
UP, SLOW, DOWN = Outcome.UP, Outcome.SLOW, Outcome.DOWN


def attempt(second: float, outcome: Outcome) -> Attempt:
    status = 503 if outcome is DOWN else 401
    return Attempt(T0 + timedelta(seconds=second), outcome, 0.1, status)


def pace_of(outcomes: list[Outcome], interval: float = 60.0, loopback: bool = False) -> list[float]:
    """The delay after each attempt, for attempts sent when they were due."""
    cadence = Cadence()
    at = 0.0
    delays = []
    for outcome in outcomes:
        cadence, delay, _ = next_probe(cadence, attempt(at, outcome), interval, loopback)
        delays.append(delay)
        at += delay
    return delays


@pytest.mark.parametrize(
    ("outcomes", "delays", "failing"),
    [
        # healthy: once per interval
        ([UP, UP, UP], [60, 60, 60], False),
        # a failing edge: two quick confirmations make it failing; then once per interval
        ([UP, DOWN, DOWN, DOWN, DOWN], [60, 6, 6, 60, 60], True),
        # a blip: one confirmation clears it, no further burst
        ([UP, DOWN, UP, UP], [60, 6, 60, 60], False),
        # a slow answer counts half: the third confirmation is what the budget is for
        ([UP, SLOW, DOWN, DOWN, DOWN], [60, 6, 6, 6, 60], True),
        # a flaky edge spends the budget once per spell, not once per failure
        ([UP, DOWN, UP, DOWN, UP, DOWN, DOWN], [60, 6, 60, 6, 60, 6, 60], True),
        # recovery still needs two good answers in a row, at the usual pace
        ([DOWN, DOWN, DOWN, UP, DOWN, UP, UP], [6, 6, 60, 60, 60, 60, 60], False),
        # a new spell after recovery has a whole budget again
        ([DOWN, DOWN, DOWN, UP, UP, DOWN, DOWN, DOWN], [6, 6, 60, 60, 60, 6, 6, 60], True),
    ],
)
def test_the_next_probe_is_due_by_the_track(
    outcomes: list[Outcome], delays: list[float], failing: bool
) -> None:
    assert pace_of(outcomes) == delays
    cadence = Cadence()
    for index, outcome in enumerate(outcomes):
        cadence, _, _ = next_probe(cadence, attempt(index, outcome), 60, False)
    assert cadence.track.failing is failing


@pytest.mark.parametrize(
    ("interval", "loopback", "spacing"),
    [
        (60, False, 6.0),
        (30, False, 5.0),
        (300, False, 30.0),
        (3, True, 0.3),
        (0.2, True, 0.02),
        (3, False, 5.0),
    ],
)
def test_confirmations_are_spaced_a_tenth_of_the_interval_and_5_s_for_remote_hosts(
    interval: float, loopback: bool, spacing: float
) -> None:
    assert confirm_spacing(interval, loopback) == pytest.approx(spacing)


def test_a_confirmation_is_marked_so_the_poller_sends_it_without_jitter() -> None:
    cadence, delay, confirming = next_probe(Cadence(), attempt(0, DOWN), 60, False)
    assert (delay, confirming, cadence.confirmations) == (6.0, True, 1)
    _, delay, confirming = next_probe(Cadence(), attempt(0, UP), 60, False)
    assert (delay, confirming) == (60, False)


@pytest.mark.parametrize("interval", [30.0, 60.0, 300.0])
def test_an_edge_that_starts_failing_is_failing_within_one_and_a_half_intervals(interval: float) -> None:
    """Worst case: the failure begins just after a good probe, the next one comes 10 % late."""
    cadence = Cadence()
    for second in (0.0, interval):
        cadence, _, _ = next_probe(cadence, attempt(second, UP), interval, False)
    failing_from = interval + 0.001
    at = failing_from + interval * 1.1  # the next regular probe, at the end of its jitter
    while not cadence.track.failing:
        cadence, delay, _ = next_probe(cadence, attempt(at, DOWN), interval, False)
        if not cadence.track.failing:
            at += delay
    assert at - failing_from <= 1.5 * interval


@given(st.lists(st.sampled_from([UP, SLOW, DOWN]), max_size=60))
def test_confirmations_never_exceed_three_per_spell_and_a_healthy_edge_waits_an_interval(
    outcomes: list[Outcome],
) -> None:
    cadence = Cadence()
    burst = 0
    for index, outcome in enumerate(outcomes):
        cadence, delay, confirming = next_probe(cadence, attempt(index, outcome), 60, False)
        if outcome is UP:
            assert not confirming
            assert delay == 60
        burst = burst + 1 if confirming else burst
        assert cadence.confirmations <= CONFIRM_BURST
        if cadence.confirmations == 0:
            burst = 0
        assert burst <= CONFIRM_BURST


def page(state: State) -> ParsedPage:
    return ParsedPage(components=(Component("API", state),))


@pytest.mark.parametrize(
    ("state", "trouble"),
    [
        (State.OPERATIONAL, False),
        (State.MAINTENANCE, False),
        (State.UNKNOWN, False),
        (State.DEGRADED, True),
        (State.PARTIAL, True),
        (State.MAJOR, True),
    ],
)
def test_a_page_is_in_trouble_when_it_reports_a_problem(state: State, trouble: bool) -> None:
    assert page_in_trouble(page(state)) is trouble


def test_trouble_hurries_the_page_for_ten_minutes_then_it_falls_back() -> None:
    calm = with_trouble(Pace(), 0.0, page=False)
    assert page_interval(calm, 60, 30, 0.0) == 60
    hurried = with_trouble(calm, 100.0, probe=True)
    assert hurried.hurry_until == 100.0 + HURRY_FOR
    assert page_interval(hurried, 60, 30, 100.0) == 30
    assert page_interval(hurried, 60, 30, 100.0 + HURRY_FOR - 1) == 30
    # more trouble while it lasts does not extend the hurry
    still = with_trouble(hurried, 300.0, page=True)
    assert still.hurry_until == hurried.hurry_until
    assert page_interval(still, 60, 30, 100.0 + HURRY_FOR) == 60, "falls back though trouble goes on"
    # a calm spell, then new trouble: a new hurry
    calm_again = with_trouble(with_trouble(still, 900.0, probe=False), 900.0, page=False)
    assert not calm_again.troubled
    assert not hurrying(calm_again, 900.0)
    again = with_trouble(calm_again, 1000.0, page=True)
    assert hurrying(again, 1000.0)
    assert again.hurry_until == 1000.0 + HURRY_FOR


@pytest.mark.parametrize(
    ("interval", "floor", "hurried"),
    [(60, 30, 30), (30, 30, 30), (300, 30, 150), (45, 30, 30), (0.2, 0.2, 0.2), (3, 0.2, 1.5)],
)
def test_a_hurried_page_keeps_the_floor_of_its_host(interval: float, floor: float, hurried: float) -> None:
    pace = with_trouble(Pace(), 0.0, page=True)
    assert page_interval(pace, interval, floor, 1.0) == pytest.approx(hurried)
