"""Which events notify, and what the notification says."""

from __future__ import annotations

from dataclasses import replace

from tests.support.builders import T0, at, incident
from trayapp.config import NotificationSettings as NoticeSettings
from trayapp.core.diff import IncidentResolved, IncidentStarted, IncidentUpdated, StateChanged
from trayapp.core.notices import notice_key, plan_notices
from trayapp.model import State

INC = incident("inc1", State.PARTIAL)
KEY = notice_key("openai", "inc1")
DEFAULT = NoticeSettings()


def test_start_notifies_and_is_remembered() -> None:
    notices, notified = plan_notices([IncidentStarted("openai", "OpenAI", INC)], frozenset(), DEFAULT, T0)
    assert [n.kind for n in notices] == ["start"]
    assert notices[0].title == "OpenAI: Elevated error rates"
    assert notices[0].body.startswith("Partial outage · investigating.")
    assert notified == {KEY}


def test_resolve_only_for_a_start_that_was_sent() -> None:
    event = IncidentResolved("openai", "OpenAI", INC)
    assert plan_notices([event], frozenset(), DEFAULT, at(60)) == ([], frozenset())
    notices, notified = plan_notices([event], frozenset({KEY}), DEFAULT, at(424))
    assert [n.kind for n in notices] == ["resolve"]
    assert "resolved" in notices[0].title
    assert notices[0].body == "Resolved after 7 h 4 min."
    assert notified == frozenset()


def test_below_min_severity_does_not_notify_then_escalation_does() -> None:
    minor = incident("inc1", State.DEGRADED)
    settings = NoticeSettings(min_severity=State.PARTIAL)
    notices, notified = plan_notices([IncidentStarted("openai", "OpenAI", minor)], frozenset(), settings, T0)
    assert notices == []
    worse = replace(minor, impact=State.MAJOR)
    notices, notified = plan_notices(
        [IncidentUpdated("openai", "OpenAI", worse, minor)], notified, settings, T0
    )
    assert [n.kind for n in notices] == ["start"]
    assert notified == {KEY}


def test_informational_incident_does_not_notify_by_default() -> None:
    info = incident("inc1", State.OPERATIONAL)
    assert plan_notices([IncidentStarted("openai", "OpenAI", info)], frozenset(), DEFAULT, T0)[0] == []


def test_unknown_impact_counts_as_degraded() -> None:
    odd = incident("inc1", State.UNKNOWN)
    notices, _ = plan_notices([IncidentStarted("openai", "OpenAI", odd)], frozenset(), DEFAULT, T0)
    assert [n.kind for n in notices] == ["start"]


def test_maintenance_only_when_asked() -> None:
    work = incident("m1", State.MAINTENANCE, "in_progress", maintenance=True)
    event = IncidentStarted("openai", "OpenAI", work)
    assert plan_notices([event], frozenset(), DEFAULT, T0)[0] == []
    notices, _ = plan_notices([event], frozenset(), NoticeSettings(maintenance=True), T0)
    assert [n.kind for n in notices] == ["start"]


def test_updates_only_when_asked() -> None:
    monitoring = replace(INC, status="monitoring")
    event = IncidentUpdated("openai", "OpenAI", monitoring, INC)
    assert plan_notices([event], frozenset({KEY}), DEFAULT, T0)[0] == []
    notices, _ = plan_notices([event], frozenset({KEY}), NoticeSettings(updates=True), T0)
    assert [n.kind for n in notices] == ["update"]


def test_first_sight_incidents_are_summed_up_in_one_notification() -> None:
    events = [
        IncidentStarted("openai", "OpenAI", INC, at_first_sight=True),
        IncidentStarted(
            "anthropic", "Anthropic", incident("a1", State.MAJOR, name="Claude API errors"), True
        ),
    ]
    notices, notified = plan_notices(events, frozenset(), DEFAULT, T0)
    assert [n.kind for n in notices] == ["summary"]
    assert notices[0].title == "2 incidents open"
    assert "Anthropic: Claude API errors (major outage)" in notices[0].body
    assert notified == {KEY, notice_key("anthropic", "a1")}


def test_disabled_sends_nothing_and_state_changes_never_notify() -> None:
    events = [IncidentStarted("openai", "OpenAI", INC), StateChanged("openai", "OpenAI", None, State.MAJOR)]
    assert plan_notices(events, frozenset(), NoticeSettings(enabled=False), T0)[0] == []
    assert plan_notices(events[1:], frozenset(), DEFAULT, T0)[0] == []


def test_same_start_twice_notifies_once() -> None:
    event = IncidentStarted("openai", "OpenAI", INC)
    _, notified = plan_notices([event], frozenset(), DEFAULT, T0)
    assert plan_notices([event], notified, DEFAULT, T0)[0] == []
