"""The probe verdict: confirmation over several attempts, damping, hysteresis, offline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trayapp.core.probing import (
    Attempt,
    Outcome,
    ProbeTrack,
    all_offline,
    classify,
    connection_failure_run,
    observe_attempt,
    suspicion,
)

T0 = datetime(2026, 2, 4, 15, 0, tzinfo=UTC)


def attempt(minute: int, outcome: Outcome, status: int | None = 401, error: str | None = None) -> Attempt:
    latency = 0.12 if outcome is Outcome.UP else (7.0 if outcome is Outcome.SLOW else None)
    if outcome is Outcome.DOWN and error is None and status is None:
        error = "timeout"
    return Attempt(T0 + timedelta(minutes=minute), outcome, latency, status, error)


def run(*outcomes: Outcome) -> ProbeTrack:
    track = ProbeTrack()
    for minute, outcome in enumerate(outcomes):
        status = 503 if outcome is Outcome.DOWN else 401
        track = observe_attempt(track, attempt(minute, outcome, status=status))
    return track


UP, SLOW, DOWN = Outcome.UP, Outcome.SLOW, Outcome.DOWN


@pytest.mark.parametrize(
    ("status", "latency", "error", "expected"),
    [
        (401, 0.1, None, UP),
        (403, 0.1, None, UP),
        (200, 0.1, None, UP),
        (404, 0.1, None, UP),
        (429, 0.1, None, UP),
        (401, 6.0, None, SLOW),
        (500, 0.1, None, DOWN),
        (503, 0.1, None, DOWN),
        (504, 9.0, None, DOWN),
        (None, None, "timeout", DOWN),
        (None, None, "connection refused", DOWN),
    ],
)
def test_classify(status: int | None, latency: float | None, error: str | None, expected: Outcome) -> None:
    assert classify(status, latency, error) is expected


@pytest.mark.parametrize(
    ("outcomes", "failing"),
    [
        ((DOWN,), False),
        ((DOWN, DOWN), False),
        ((DOWN, DOWN, DOWN), True),
        ((UP, DOWN, DOWN, DOWN), True),
        ((DOWN, UP, DOWN, DOWN), True),
        ((UP, DOWN, UP, DOWN), False),
        ((SLOW, SLOW, SLOW, SLOW), False),
        ((SLOW, DOWN, DOWN, SLOW), True),
        ((DOWN, DOWN, DOWN, UP), True),
        ((DOWN, DOWN, DOWN, UP, UP), False),
        ((DOWN, DOWN, DOWN, UP, DOWN), True),
        ((UP, UP, SLOW, UP), False),
    ],
)
def test_failing_needs_confirmation_and_two_good_answers_to_clear(
    outcomes: tuple[Outcome, ...], failing: bool
) -> None:
    assert run(*outcomes).failing is failing


def test_a_single_slow_answer_never_confirms() -> None:
    assert not run(UP, UP, UP, SLOW).failing
    assert not run(DOWN, DOWN, SLOW).failing


def test_failing_since_is_the_first_bad_attempt_of_the_run() -> None:
    track = run(UP, UP, DOWN, DOWN, DOWN)
    assert track.failing_since == T0 + timedelta(minutes=2)
    assert len(track.attempts) == 4


def test_failing_since_stays_while_the_spell_lasts() -> None:
    track = run(DOWN, DOWN, DOWN, DOWN, DOWN, DOWN, DOWN)
    assert track.failing_since == T0


def test_suspicion_only_while_the_page_says_operational() -> None:
    track = run(UP, DOWN, DOWN, DOWN)
    found = suspicion(track, page_says_operational=True)
    assert found is not None
    assert found.since == T0 + timedelta(minutes=1)
    assert "3 of the last 4 checks failed" in found.reason
    assert "HTTP 503" in found.reason
    assert suspicion(track, page_says_operational=False) is None
    assert suspicion(run(UP, UP, UP), page_says_operational=True) is None


def test_suspicion_reason_names_transport_errors_once() -> None:
    track = ProbeTrack()
    for minute in range(3):
        track = observe_attempt(track, attempt(minute, DOWN, status=None, error="timeout"))
    found = suspicion(track, page_says_operational=True)
    assert found is not None
    assert found.reason.count("timeout") == 1


def test_attempt_detail_says_what_was_observed() -> None:
    assert attempt(0, UP).detail == "HTTP 401 in 120 ms"
    assert attempt(0, DOWN, status=None, error="connection refused").detail == "connection refused"


@pytest.mark.parametrize(
    ("runs", "offline"),
    [
        ((), False),
        ((1,), False),
        ((2,), True),
        ((1, 1), True),
        ((3, 1, 1), True),
        ((1, 0), False),
        ((5, 0), False),
        ((0,), False),
    ],
)
def test_offline_needs_every_signal_down_and_more_than_one_blip(runs: tuple[int, ...], offline: bool) -> None:
    assert all_offline(iter(runs)) is offline


def test_the_connection_failure_run_of_a_probe() -> None:
    track = ProbeTrack()
    assert connection_failure_run(track) == 0
    refused = Attempt(T0, DOWN, None, None, "connection refused", connection=True)
    track = observe_attempt(track, refused)
    track = observe_attempt(track, refused)
    assert connection_failure_run(track) == 2
    track = observe_attempt(track, attempt(3, DOWN, status=503))
    assert connection_failure_run(track) == 0


@given(st.lists(st.sampled_from([UP, SLOW, DOWN]), max_size=40))
def test_the_verdict_over_any_sequence(outcomes: list[Outcome]) -> None:
    """Failing needs most of the window bad and the latest not good; it holds until two good answers."""
    track = ProbeTrack()
    failing = False
    for minute, outcome in enumerate(outcomes):
        status = 503 if outcome is DOWN else 401
        track = observe_attempt(track, attempt(minute, outcome, status=status))
        window = outcomes[max(0, minute + 1 - 4) : minute + 1]
        score = sum(o.trouble for o in window)
        if not failing:
            failing = len(window) >= 3 and window[-1] is not UP and score >= 3
        elif window[-2:] == [UP, UP]:
            failing = False
        assert track.failing is failing, f"after {outcomes[: minute + 1]}"
        assert len(track.attempts) == min(minute + 1, 4)
        if track.failing:
            assert track.failing_since is not None
            assert track.failing_since <= track.attempts[-1].at
            assert suspicion(track, page_says_operational=True) is not None
        else:
            assert suspicion(track, page_says_operational=True) is None
        assert suspicion(track, page_says_operational=False) is None
