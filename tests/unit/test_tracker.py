"""Confirmation, damping and staleness: what the user is shown from raw observations."""

from __future__ import annotations

from dataclasses import replace

from tests.support.builders import at, incident, page
from trayapp.core.tracker import (
    CONFIRM_POLLS,
    STALE_AFTER_FAILURES,
    Track,
    new_track,
    observe_failure,
    observe_page,
)
from trayapp.model import State

OK = State.OPERATIONAL


def fresh() -> Track:
    return new_track("openai", "OpenAI", "https://status.openai.com")


def seen(*pages: object) -> Track:
    track = fresh()
    for minute, parsed in enumerate(pages):
        track = observe_page(track, parsed, at(minute))  # type: ignore[arg-type]
    return track


def test_first_read_is_taken_as_it_is() -> None:
    track = seen(page(("API", State.MAJOR)))
    assert track.view.state == State.MAJOR
    assert track.view.last_success_at == at(0)


def test_component_change_without_incident_needs_consecutive_polls() -> None:
    track = seen(page(("API", OK)), page(("API", State.DEGRADED)))
    assert track.view.state == OK, "one poll is not enough"
    track = observe_page(track, page(("API", State.DEGRADED)), at(5))
    assert CONFIRM_POLLS == 2
    assert track.view.state == State.DEGRADED


def test_flapping_component_never_alarms() -> None:
    pages = [page(("API", OK if i % 2 else State.PARTIAL)) for i in range(1, 12)]
    track = seen(*pages)
    states = []
    for i in range(12, 30):
        track = observe_page(track, page(("API", OK if i % 2 else State.PARTIAL)), at(i))
        states.append(track.view.state)
    assert set(states) == {OK}


def test_incident_is_taken_at_its_word_with_its_components() -> None:
    inc = incident(impact=State.PARTIAL)
    track = seen(page(("API", OK)), page(("API", State.PARTIAL), incidents=(inc,)))
    assert track.view.state == State.PARTIAL
    assert track.view.components[0].state == State.PARTIAL
    assert track.view.incidents == (inc,)


def test_unknown_is_confirmed_even_during_an_incident() -> None:
    inc = incident(impact=State.DEGRADED)
    track = seen(
        page(("API", OK), ("Chat", OK)), page(("API", State.UNKNOWN), ("Chat", OK), incidents=(inc,))
    )
    assert track.view.components[0].state == OK
    track = observe_page(track, page(("API", State.UNKNOWN), ("Chat", OK), incidents=(inc,)), at(9))
    assert track.view.components[0].state == State.UNKNOWN


def test_indicator_change_is_confirmed_like_a_component() -> None:
    track = seen(page(indicator=OK), page(indicator=State.MAJOR))
    assert track.view.state == OK
    track = observe_page(track, page(indicator=State.MAJOR), at(9))
    assert track.view.state == State.MAJOR


def test_vanished_incident_stays_open_until_confirmed() -> None:
    inc = incident()
    track = seen(page(incidents=(inc,)), page())
    assert track.view.incidents == (inc,), "gone for one poll: still open"
    track = observe_page(track, page(incidents=(inc,)), at(5))
    assert track.view.incidents == (inc,)
    track = observe_page(track, page(), at(6))
    track = observe_page(track, page(), at(7))
    assert track.view.incidents == ()


def test_incident_the_page_calls_resolved_closes_at_once() -> None:
    inc = incident()
    track = seen(page(incidents=(inc,)), page(closed=frozenset({inc.id})))
    assert track.view.incidents == ()
    assert track.view.state == OK


def test_monitoring_incident_is_still_open() -> None:
    inc = incident(status="monitoring", impact=State.DEGRADED)
    track = seen(page(incidents=(inc,)))
    assert track.view.state == State.DEGRADED


def test_failures_keep_last_good_state_then_unknown() -> None:
    track = seen(page(("API", State.DEGRADED)))
    for n in range(1, STALE_AFTER_FAILURES):
        track = observe_failure(track, "HTTP 503", at(n))
        assert track.view.state == State.DEGRADED
        assert track.view.error is None
    track = observe_failure(track, "HTTP 503", at(9))
    assert track.view.state == State.UNKNOWN
    assert track.view.error == "HTTP 503"


def test_failure_never_resolves_an_incident_and_keeps_its_impact() -> None:
    inc = incident(impact=State.MAJOR)
    track = seen(page(incidents=(inc,)))
    for n in range(10):
        track = observe_failure(track, "timeout", at(n + 1))
    assert track.view.incidents == (inc,)
    assert track.view.state == State.MAJOR
    assert track.view.error == "timeout"


def test_failure_with_nothing_known_is_unknown_at_once() -> None:
    track = observe_failure(fresh(), "connection refused", at(0))
    assert track.view.state == State.UNKNOWN
    assert track.view.error == "connection refused"


def test_recovery_after_failures_clears_the_error() -> None:
    track = seen(page(("API", OK)))
    for n in range(5):
        track = observe_failure(track, "timeout", at(n + 1))
    track = observe_page(track, page(("API", OK)), at(10))
    assert track.view.state == OK
    assert track.view.error is None
    assert track.failures == 0


def test_new_component_that_is_down_needs_confirmation() -> None:
    track = seen(page(("API", OK)), page(("API", OK), ("New", State.MAJOR)))
    assert track.view.state == OK
    track = observe_page(track, page(("API", OK), ("New", State.MAJOR)), at(9))
    assert track.view.state == State.MAJOR


def test_components_with_the_same_name_are_kept_apart() -> None:
    first = page(("Login", OK))
    both = replace(first, components=(*first.components, replace(first.components[0], id="other")))
    track = seen(both)
    assert len(track.view.components) == 2
