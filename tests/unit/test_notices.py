"""Which events notify, and what the notification says."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tests.support.builders import T0, at, incident
from trayapp.core.diff import IncidentResolved, IncidentStarted, IncidentUpdated, StateChanged
from trayapp.core.notices import (
    MAX_TITLE,
    Notice,
    notice_key,
    plan_notices,
    resolve_notice,
    start_notice,
    summary_notice,
    suspected_notice,
    update_notice,
)
from trayapp.i18n import set_language
from trayapp.model import State, Suspicion
from trayapp.settings import NotificationSettings as NoticeSettings

INC = incident("inc1", State.PARTIAL)
KEY = notice_key("openai", "inc1")
DEFAULT = NoticeSettings()


def test_start_notifies_and_is_remembered() -> None:
    notices, notified = plan_notices([IncidentStarted("openai", "OpenAI", INC)], frozenset(), DEFAULT, T0)
    assert [n.kind for n in notices] == ["start"]
    assert notices[0].title == "OpenAI: Elevated error rates"
    assert notices[0].body.startswith("Partial outage · investigating.")
    assert notified == {KEY}


@pytest.mark.usefixtures("local_zone")
def test_resolve_only_for_a_start_that_was_sent() -> None:
    event = IncidentResolved("openai", "OpenAI", INC)
    assert plan_notices([event], frozenset(), DEFAULT, at(60)) == ([], frozenset())
    notices, notified = plan_notices([event], frozenset({KEY}), DEFAULT, at(424))
    assert [n.kind for n in notices] == ["resolve"]
    assert notices[0].title == "Resolved · OpenAI: Elevated error rates"
    assert notices[0].body == "Started at 16:00, resolved at 23:04 (7 hours and 4 minutes)."
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
    assert notices[0].title == "2 incidents in progress"
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


# --- in Italian ---------------------------------------------------------------------------------


def test_a_start_in_italian() -> None:
    set_language("it")
    notices, _ = plan_notices([IncidentStarted("openai", "OpenAI", INC)], frozenset(), DEFAULT, T0)
    assert notices[0].title == "OpenAI: Elevated error rates"
    assert notices[0].body == "Interruzione parziale · in analisi."


@pytest.mark.usefixtures("local_zone")
def test_a_resolve_in_italian_says_risolto_with_local_times_and_the_duration_in_words() -> None:
    set_language("it")
    notices, _ = plan_notices([IncidentResolved("openai", "OpenAI", INC)], frozenset({KEY}), DEFAULT, at(424))
    assert notices[0].title == "Risolto · OpenAI: Elevated error rates"
    assert notices[0].body == "Iniziato alle 16:00, risolto alle 23:04 (7 ore e 4 minuti)."


@pytest.mark.usefixtures("local_zone")
def test_a_resolve_across_midnight_names_the_day() -> None:
    overnight = replace(INC, started_at=datetime(2026, 2, 3, 22, 0, tzinfo=UTC))
    now = datetime(2026, 2, 4, 0, 30, tzinfo=UTC)
    english = resolve_notice("openai", "OpenAI", overnight, now)
    assert english.body == "Started yesterday at 23:00, resolved at 01:30 (2 hours and 30 minutes)."
    set_language("it")
    italian = resolve_notice("openai", "OpenAI", overnight, now)
    assert italian.body == "Iniziato ieri alle 23:00, risolto all'01:30 (2 ore e 30 minuti)."


@pytest.mark.usefixtures("local_zone")
def test_a_resolve_without_a_start_time() -> None:
    undated = replace(INC, started_at=None)
    assert resolve_notice("openai", "OpenAI", undated, at(424)).body == "Resolved at 23:04."
    set_language("it")
    assert resolve_notice("openai", "OpenAI", undated, at(424)).body == "Risolto alle 23:04."


@pytest.mark.usefixtures("local_zone")
def test_maintenance_reads_as_scheduled_maintenance() -> None:
    work = incident("m1", State.MAINTENANCE, "in_progress", name="Database upgrade", maintenance=True)
    settings = NoticeSettings(maintenance=True)
    started, _ = plan_notices([IncidentStarted("openai", "OpenAI", work)], frozenset(), settings, T0)
    assert started[0].body == "Scheduled maintenance · in progress."
    done = resolve_notice("openai", "OpenAI", work, at(120))
    assert done.title == "Completed · OpenAI: Database upgrade"
    assert done.body == "Maintenance started at 16:00, completed at 18:00 (2 hours)."
    set_language("it")
    started, _ = plan_notices([IncidentStarted("openai", "OpenAI", work)], frozenset(), settings, T0)
    assert started[0].body == "Manutenzione programmata · in corso."
    done = resolve_notice("openai", "OpenAI", work, at(120))
    assert done.title == "Completata · OpenAI: Database upgrade"
    assert done.body == "Manutenzione iniziata alle 16:00, completata alle 18:00 (2 ore)."


def test_update_and_summary_in_italian() -> None:
    set_language("it")
    monitoring = replace(INC, status="monitoring", latest_update="We are watching the fix.")
    notices, _ = plan_notices(
        [IncidentUpdated("openai", "OpenAI", monitoring, INC)],
        frozenset({KEY}),
        NoticeSettings(updates=True),
        T0,
    )
    assert notices[0].title == "Aggiornamento · OpenAI: Elevated error rates"
    assert notices[0].body == "Interruzione parziale · sotto osservazione. We are watching the fix."
    events = [
        IncidentStarted("openai", "OpenAI", INC, at_first_sight=True),
        IncidentStarted(
            "anthropic", "Anthropic", incident("a1", State.MAJOR, name="Claude API errors"), True
        ),
    ]
    summary, _ = plan_notices(events, frozenset(), DEFAULT, T0)
    assert summary[0].title == "2 incidenti in corso"
    assert summary[0].body.splitlines() == [
        "OpenAI: Elevated error rates (interruzione parziale)",
        "Anthropic: Claude API errors (interruzione grave)",
    ]


def test_notices_follow_a_language_switch_without_a_restart() -> None:
    event = [IncidentStarted("openai", "OpenAI", INC)]
    set_language("it")
    assert plan_notices(event, frozenset(), DEFAULT, T0)[0][0].body.startswith("Interruzione parziale")
    set_language("en")
    assert plan_notices(event, frozenset(), DEFAULT, T0)[0][0].body.startswith("Partial outage")


# --- titles that survive a desktop cutting them ---------------------------------------------------

LONG_INCIDENT = "Elevated error rates on Chat Completions and ChatGPT for some users in Europe"
STATE_WORDS = {
    "en": {
        "update": "Update",
        "resolve": "Resolved",
        "suspected": "Possible problem",
        "summary": "in progress",
    },
    "it": {
        "update": "Aggiornamento",
        "resolve": "Risolto",
        "suspected": "Possibile problema",
        "summary": "in corso",
    },
}


def _all_notices(provider: str) -> list[Notice]:
    long = replace(INC, name=LONG_INCIDENT)
    work = incident("m1", State.MAINTENANCE, "in_progress", name=LONG_INCIDENT, maintenance=True)
    suspicion = Suspicion(T0, 3, 3, "timeout")
    return [
        start_notice("p", provider, long),
        update_notice("p", provider, long),
        resolve_notice("p", provider, long, at(60)),
        resolve_notice("p", provider, work, at(60)),
        suspected_notice("p", provider, suspicion, "https://status.example"),
        summary_notice([IncidentStarted("p", provider, long, True), IncidentStarted("q", "Q", work, True)]),
    ]


@pytest.mark.parametrize("language", ["en", "it"])
@pytest.mark.parametrize("length", [1, 7, 20, 33, 40])
def test_every_title_says_its_event_first_and_stays_short(language: str, length: int) -> None:
    set_language(language)
    provider = ("Acme AI Platform Services " * 3)[:length].strip() or "A"
    words = STATE_WORDS[language]
    maintenance_done = {"en": "Completed", "it": "Completata"}[language]
    for notice in _all_notices(provider):
        assert len(notice.title) <= MAX_TITLE, notice.title
        if notice.kind == "start":
            # A start names the provider first, then the incident: nothing else could be mistaken for it.
            assert notice.title.startswith(provider + ": "), notice.title
        elif notice.kind == "summary":
            assert words["summary"] in notice.title
        else:
            word = maintenance_done if notice.title.startswith(maintenance_done) else words[notice.kind]
            assert word in notice.title, notice.title
            assert notice.title.find(word) + len(word) <= 20, notice.title


def test_a_shortened_incident_name_ends_in_an_ellipsis_and_is_whole_in_the_body() -> None:
    long = replace(INC, name=LONG_INCIDENT)
    notice = resolve_notice("openai", "OpenAI", long, at(60))
    assert notice.title == "Resolved · OpenAI: Elevated error rates on Chat Completions…"
    assert notice.body.splitlines()[0] == LONG_INCIDENT
    assert "\n" not in resolve_notice("openai", "OpenAI", INC, at(60)).body, "a short name is not repeated"


def test_a_suspected_problem_body_does_not_repeat_its_title() -> None:
    notice = suspected_notice("openai", "OpenAI", Suspicion(T0, 1, 1, "timeout"), "https://status.example")
    assert notice.title == "Possible problem · OpenAI"
    assert "possible" not in notice.body.lower()
    assert "1 of the last 1" not in notice.body
    assert "the API failed the last check (timeout)" in notice.body


def test_the_first_check_summary_does_not_count_a_maintenance_as_an_incident() -> None:
    work = incident("m1", State.MAINTENANCE, "in_progress", name="Database upgrade", maintenance=True)
    settings = NoticeSettings(maintenance=True)
    both = [IncidentStarted("openai", "OpenAI", INC, True), IncidentStarted("openai", "OpenAI", work, True)]
    assert (
        plan_notices(both, frozenset(), settings, T0)[0][0].title
        == "1 incident and 1 maintenance in progress"
    )
    works = [
        IncidentStarted("openai", "OpenAI", work, True),
        IncidentStarted("a", "A", replace(work, id="m2"), True),
    ]
    assert plan_notices(works, frozenset(), settings, T0)[0][0].title == "2 maintenances in progress"
    set_language("it")
    assert (
        plan_notices(both, frozenset(), settings, T0)[0][0].title == "1 incidente e 1 manutenzione in corso"
    )
