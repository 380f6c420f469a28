"""How incidents are told apart and followed through odd pages, odd clocks and long sleeps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tests.faults.pages import CALM, incident, summary
from tests.faults.rig import Rig, statuspage_spec
from tests.support.server import Reply, StatusServer
from trayapp.core.console import snapshot_json
from trayapp.core.details_page import render_details
from trayapp.core.notices import resolve_notice
from trayapp.model import State

SUMMARY = "/acme/api/v2/summary.json"


def test_an_incident_missing_for_one_poll_is_one_incident(server: StatusServer, rig: Rig) -> None:
    server.set(SUMMARY, CALM)
    rig.poll()
    server.set(SUMMARY, summary(incident("inc-1")))
    rig.poll()
    server.set(SUMMARY, CALM)
    rig.poll()
    assert [i.id for i in rig.view().incidents] == ["inc-1"], "gone for one poll is not gone"
    server.set(SUMMARY, summary(incident("inc-1")))
    rig.polls(2)
    server.set(SUMMARY, summary(incident("inc-1", status="resolved")))
    rig.polls(2)
    assert rig.sent() == [("start", "inc-1"), ("resolve", "inc-1")], "one start, no resolve/start pair"


def test_two_incidents_with_the_same_name_are_two_incidents(server: StatusServer, rig: Rig) -> None:
    server.set(SUMMARY, CALM)
    rig.poll()
    twins = [incident("inc-a", name="API errors"), incident("inc-b", name="API errors", impact="minor")]
    server.set(SUMMARY, summary(*twins))
    rig.polls(2)
    assert sorted(rig.sent()) == [("start", "inc-a"), ("start", "inc-b")]
    server.set(SUMMARY, summary(incident("inc-a", name="API errors", status="resolved"), twins[1]))
    rig.polls(2)
    assert rig.sent()[2:] == [("resolve", "inc-a")], "only the one the page resolved"
    assert [i.id for i in rig.view().incidents] == ["inc-b"]
    server.set(SUMMARY, summary(incident("inc-b", name="API errors", impact="minor", status="resolved")))
    rig.polls(2)
    assert rig.sent()[3:] == [("resolve", "inc-b")]


def test_timestamps_far_in_the_future_or_past_change_nothing(
    server: StatusServer, make_rig: Callable[..., Rig]
) -> None:
    now = datetime(2026, 2, 4, 18, 0, tzinfo=UTC)
    rig = make_rig(statuspage_spec(server.url + "/acme"), clock=lambda: now)
    future = "2999-01-01T00:00:00Z"
    past = "1970-01-01T00:00:00Z"
    odd = [
        incident("inc-future", started_at=future, created_at=future, updated_at=future),
        incident("inc-past", name="Slow API", started_at=past, created_at=past, updated_at=past),
    ]
    server.set(SUMMARY, CALM)
    rig.poll()
    server.set(SUMMARY, summary(*odd))
    rig.polls(2)
    assert sorted(rig.sent()) == [("start", "inc-future"), ("start", "inc-past")]
    page = render_details(rig.engine.snapshot(), now)
    assert "Slow API" in page
    listed = snapshot_json(rig.engine.snapshot())["providers"][0]["incidents"]
    assert sorted(i["started_at"] for i in listed) == ["1970-01-01T00:00:00Z", "2999-01-01T00:00:00Z"]

    rig.restart()
    rig.polls(2)
    assert len(rig.sent()) == 2, "the saved state was read back: nothing is repeated"
    assert not list(rig.state_path.parent.glob("*.corrupt-*"))

    [from_the_future] = [i for i in rig.view().incidents if i.id == "inc-future"]
    server.set(SUMMARY, summary(*(dict(i, status="resolved") for i in odd)))
    rig.poll()
    resolves = {n.incident_id: n for n in rig.notifier.sent if n.kind == "resolve"}
    assert set(resolves) == {"inc-future", "inc-past"}
    undated = resolve_notice("acme", "Acme", replace(from_the_future, started_at=None), now)
    assert resolves["inc-future"].body == undated.body, "a start in the future is no start at all"


def test_the_zero_time_of_go_services_survives_a_restart(server: StatusServer, rig: Rig) -> None:
    zero = "0001-01-01T00:00:00Z"
    server.set(SUMMARY, CALM)
    rig.poll()
    server.set(SUMMARY, summary(incident("inc-1", started_at=zero, created_at=zero, updated_at=zero)))
    rig.poll()
    assert rig.sent() == [("start", "inc-1")]
    rig.restart()
    rig.polls(2)
    assert not list(rig.state_path.parent.glob("*.corrupt-*"))
    assert rig.sent() == [("start", "inc-1")]


def test_a_long_sleep_resolves_nothing_and_a_failed_first_poll_after_it_neither(
    server: StatusServer, make_rig: Callable[..., Rig]
) -> None:
    now = [datetime(2026, 2, 4, 18, 0, tzinfo=UTC)]
    rig = make_rig(statuspage_spec(server.url + "/acme"), clock=lambda: now[0])
    server.set(SUMMARY, CALM)
    rig.poll()
    server.set(SUMMARY, summary(incident("inc-1", impact="critical")))
    rig.poll()
    now[0] += timedelta(hours=9)  # the lid was closed overnight
    server.set(SUMMARY, Reply(b"", 503))  # and the network is not back yet
    rig.poll()
    assert rig.view().state == State.MAJOR
    assert [i.id for i in rig.view().incidents] == ["inc-1"]
    now[0] += timedelta(seconds=5)
    server.set(SUMMARY, summary(incident("inc-1", impact="critical")))
    rig.poll()
    assert rig.sent() == [("start", "inc-1")]
    server.set(SUMMARY, summary(incident("inc-1", impact="critical", status="resolved")))
    rig.poll()
    assert rig.sent() == [("start", "inc-1"), ("resolve", "inc-1")]
