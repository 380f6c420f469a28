"""Random timelines of page states, faults and restarts, judged by the real engine and state file.

A model that knows only what the page said on each successful poll decides which
notifications may go out, and checks every one that does: a start only for an incident the
page shows open, never twice (restarts included); a resolve only after a start, and only on a
successful poll of a page that calls the incident resolved or has left it out for two polls;
nothing at all on a failed poll; nothing missed. When the page finally settles, every
incident it ever showed has had exactly one start and one resolve.

A second provider may join whose first answer is slow: while it is awaited, what the first
page showed at its first answer is held for the start-up summary (restarts included), and
incidents open and end meanwhile. The summary, when it goes out, announces exactly what is
held and still open then: nothing that is over, and nothing held is started on its own.
An incident that ended while it was held is never told at all.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.support.builders import T0
from tests.support.notifiers import RecordingNotifier
from trayapp.catalog import ProviderSpec
from trayapp.core.codec import decode_state
from trayapp.core.notices import Notice
from trayapp.engine import Engine
from trayapp.model import Component, Failure, Incident, ParsedPage, State
from trayapp.settings import NotificationSettings
from trayapp.shell.store import StateStore

SPEC = ProviderSpec(id="acme", name="Acme", page="https://status.acme.example", kind="statuspage")
SLOW = ProviderSpec(id="slow", name="Slow", page="https://status.slow.example", kind="statuspage")
SLOW_INCIDENT = Incident("slow-1", "Slow outage", State.MAJOR, "investigating", started_at=T0)
NAMES = ("Elevated error rates", "Elevated error rates", "API outage", "<b>Login</b> & SSO")
IMPACTS = (State.DEGRADED, State.PARTIAL, State.MAJOR)
COMPONENT_STATES = (State.OPERATIONAL, State.MAINTENANCE, State.DEGRADED, State.PARTIAL, State.MAJOR)
FAULTS = (
    Failure("HTTP 500"),
    Failure("HTTP 503"),
    Failure("timeout", connection=True),
    Failure("not a status page: unreadable response"),
    Failure("connection refused", connection=True),
)
OPEN, RESOLVED, GONE = "open", "resolved", "gone"
CONFIRM_POLLS = 2  # the README: an incident that merely vanishes must stay gone for two polls


@dataclass
class PageIncident:
    """An incident as the page tells it."""

    name: str
    impact: State
    phase: str = OPEN
    polls_gone: int = 0

    @property
    def may_come_back(self) -> bool:
        """Gone, but not for long enough to be over."""
        return self.phase == GONE and self.polls_gone < CONFIRM_POLLS


class Timelines(RuleBasedStateMachine):
    """One provider's page over time, polled, broken and restarted at random."""

    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="trayapp-timeline-"))
        self.state_path = self.directory / "state.json"
        self.now = T0
        self.notifier = RecordingNotifier()
        self.specs = [SPEC]
        self.engine = self._new_engine()
        self.page: dict[str, PageIncident] = {}
        self.components = {"API": State.OPERATIONAL, "Chat": State.OPERATIONAL}
        self.answered = False
        self.seen_open: set[str] = set()
        self.notified: set[str] = set()
        self.starts: Counter[str] = Counter()
        self.resolves: Counter[str] = Counter()
        self.copies: list[ParsedPage] = []  # every page taken, as a cache may serve it again later
        self.awaiting = {SPEC.id}  # providers whose first answer is awaited for the summary
        self.held: set[tuple[str, str]] = set()  # (provider, incident) held for the summary
        self.shown: set[str] = set()  # what trayapp shows open on Acme after its last poll
        self.untold: set[str] = set()  # over while held: never announced, never resolved
        self.slow_answered = False
        self.slow_open = False
        self.slow_notified = False

    def _new_engine(self) -> Engine:
        return Engine(
            self.specs, NotificationSettings(), self.notifier, StateStore(self.state_path), self._clock
        )

    def _not_answered_yet(self) -> set[str]:
        """The watched providers never read (a new engine or a new config awaits them)."""
        slow = {SLOW.id} if SLOW in self.specs and not self.slow_answered else set()
        return slow | ({SPEC.id} if not self.answered else set())

    def _name(self, provider_id: str, incident_id: str) -> str:
        if provider_id == SLOW.id:
            return f"{SLOW.name}: {SLOW_INCIDENT.name}"
        return f"{SPEC.name}: {self.page[incident_id].name}"

    def _answered(self, provider_id: str, sent: list[Notice]) -> list[Notice]:
        """`provider_id` answered: check the summary this releases (if any); the other notices.

        The summary goes out when no provider is awaited any more, with exactly what was held
        and is still open now: nothing that is over when it is sent.
        """
        self.awaiting.discard(provider_id)
        summaries = [notice for notice in sent if notice.kind == "summary"]
        rest = [notice for notice in sent if notice.kind != "summary"]
        if self.awaiting or not self.held:
            assert summaries == [], "no summary while a first answer is awaited"
            return rest
        still = {(p, i) for p, i in self.held if (i in self.shown if p == SPEC.id else self.slow_open)}
        self.untold |= {i for p, i in self.held - still}
        self.held.clear()
        if not still:
            assert summaries == [], "nothing held is open any more: no summary"
            return rest
        (summary,) = summaries
        if len(still) == 1:
            ((provider_id, incident_id),) = still
            assert (summary.provider_id, summary.incident_id) == (provider_id, incident_id)
        else:
            announced = Counter(line.rsplit(" (", 1)[0] for line in summary.body.splitlines())
            assert announced == Counter(self._name(p, i) for p, i in still), (
                "the summary announces what is held and still open, nothing over"
            )
        for p, i in still:
            if p == SPEC.id:
                assert i not in self.notified, f"second start of {i}"
                self.notified.add(i)
            else:
                self.slow_notified = True
            self.starts[i] += 1
        return rest

    def _clock(self) -> datetime:
        return self.now

    def _ids(self, *phases: str) -> list[str]:
        return sorted(i for i, incident in self.page.items() if incident.phase in phases)

    def _returnable(self) -> list[str]:
        return sorted(i for i, incident in self.page.items() if incident.may_come_back)

    # --- what the page does ------------------------------------------------------------------

    @rule(name=st.sampled_from(NAMES), impact=st.sampled_from(IMPACTS))
    def an_incident_opens(self, name: str, impact: State) -> None:
        self.page[f"inc-{len(self.page) + 1}"] = PageIncident(name, impact)

    @precondition(lambda self: self._ids(OPEN) or self._returnable())
    @rule(pick=st.integers(0, 99))
    def the_page_resolves_one(self, pick: int) -> None:
        candidates = self._ids(OPEN) + self._returnable()
        self.page[candidates[pick % len(candidates)]].phase = RESOLVED

    @precondition(lambda self: self._ids(OPEN))
    @rule(pick=st.integers(0, 99))
    def one_drops_off_the_page(self, pick: int) -> None:
        candidates = self._ids(OPEN)
        incident = self.page[candidates[pick % len(candidates)]]
        # Missing polls count from the last poll that showed it: coming back unseen between two
        # polls does not reset them (the engine cannot see what no poll saw).
        incident.phase = GONE

    @precondition(lambda self: self._returnable())
    @rule(pick=st.integers(0, 99))
    def one_comes_back(self, pick: int) -> None:
        candidates = self._returnable()
        self.page[candidates[pick % len(candidates)]].phase = OPEN

    @precondition(lambda self: self._ids(OPEN))
    @rule(pick=st.integers(0, 99), impact=st.sampled_from(IMPACTS))
    def an_impact_changes(self, pick: int, impact: State) -> None:
        candidates = self._ids(OPEN)
        self.page[candidates[pick % len(candidates)]].impact = impact

    @rule(name=st.sampled_from(("API", "Chat")), state=st.sampled_from(COMPONENT_STATES))
    def a_component_changes(self, name: str, state: State) -> None:
        self.components[name] = state

    # --- what trayapp goes through -----------------------------------------------------------

    def _parsed_page(self) -> ParsedPage:
        return ParsedPage(
            components=tuple(
                Component(name, state, id=f"c-{name}") for name, state in self.components.items()
            ),
            incidents=tuple(
                Incident(i, p.name, p.impact, "investigating", url=f"https://stspg.io/{i}", started_at=T0)
                for i, p in sorted(self.page.items())
                if p.phase == OPEN
            ),
            closed_incident_ids=frozenset(self._ids(RESOLVED)),
            updated_at=self.now,
        )

    @rule()
    def a_successful_poll(self) -> None:
        self.now += timedelta(minutes=1)
        for incident in self.page.values():
            if incident.phase == GONE:
                incident.polls_gone += 1
            elif incident.phase == OPEN:
                incident.polls_gone = 0
        showing = set(self._ids(OPEN))
        over = set(self._ids(RESOLVED)) | {i for i in self._ids(GONE) if not self.page[i].may_come_back}
        first_answer = not self.answered
        already = len(self.notifier.sent)
        page = self._parsed_page()
        self.copies.append(page)
        self.engine.handle(SPEC, page)
        self.answered = True
        self.seen_open |= showing
        self.shown = showing | set(self._returnable())
        if first_answer:  # all open at the first answer: held for the summary
            self.held |= {(SPEC.id, incident_id) for incident_id in showing}
        for notice in self._answered(SPEC.id, self.notifier.sent[already:]):
            if notice.kind == "start":
                incident_id = notice.incident_id
                assert incident_id in showing, f"start of {incident_id}, which the page does not show"
                assert incident_id not in self.notified, f"second start of {incident_id}"
                assert (SPEC.id, incident_id) not in self.held, f"{incident_id} is held for the summary"
                self.notified.add(incident_id)
                self.starts[incident_id] += 1
            elif notice.kind == "resolve":
                assert notice.incident_id in self.notified, (
                    f"resolve of {notice.incident_id} before its start"
                )
                assert notice.incident_id in over, f"resolve of {notice.incident_id}, which is not over"
                self.notified.discard(notice.incident_id)
                self.resolves[notice.incident_id] += 1
            else:
                raise AssertionError(f"unexpected {notice.kind} notification: {notice.title}")
        held = {incident_id for provider_id, incident_id in self.held if provider_id == SPEC.id}
        assert showing <= self.notified | held, "every incident the page shows has been notified or held"
        assert self.notified <= showing | set(self._returnable()), "nothing stays notified once over"

    @precondition(lambda self: len(self.copies) > 1)
    @rule(pick=st.integers(0, 99))
    def a_cache_serves_an_older_copy(self, pick: int) -> None:
        self.now += timedelta(minutes=1)
        before = self.engine.snapshot().providers[0]
        already = len(self.notifier.sent)
        self.engine.handle(SPEC, self.copies[:-1][pick % (len(self.copies) - 1)])
        after = self.engine.snapshot().providers[0]
        assert self.notifier.sent[already:] == [], "an older copy notifies nothing"
        assert after.incidents == before.incidents, "an older copy opens and resolves nothing"

    @invariant()
    def at_most_one_start_and_one_resolve_per_incident(self) -> None:
        assert all(count <= 1 for count in self.starts.values()), self.starts
        assert all(count <= 1 for count in self.resolves.values()), self.resolves

    @rule(fault=st.sampled_from(FAULTS))
    def a_failed_poll(self, fault: Failure) -> None:
        self.now += timedelta(minutes=1)
        before = self.engine.snapshot().providers[0]
        already = len(self.notifier.sent)
        self.engine.handle(SPEC, fault)
        after = self.engine.snapshot().providers[0]
        sent = self.notifier.sent[already:]
        if not self.engine.snapshot().offline:  # a failure is an answer too: a summary may be due
            sent = self._answered(SPEC.id, sent)
        assert sent == [], "a failed poll notifies nothing (but a summary it releases)"
        assert [i.id for i in after.incidents] == [i.id for i in before.incidents], (
            "a failure resolves nothing"
        )
        if before.state >= State.DEGRADED:
            assert after.state >= State.UNKNOWN, "a failure never turns an outage green"

    @rule()
    def a_restart(self) -> None:
        self.engine.flush()
        already = len(self.notifier.sent)
        self.engine = self._new_engine()
        self.awaiting |= self._not_answered_yet()
        assert self.notifier.sent[already:] == []

    @precondition(lambda self: SLOW not in self.specs)
    @rule()
    def a_provider_with_a_slow_first_answer_joins(self) -> None:
        self.specs = [SPEC, SLOW]
        self.engine.set_specs(self.specs)
        self.awaiting |= self._not_answered_yet()

    @precondition(lambda self: SLOW in self.specs and not self.slow_answered)
    @rule(opened=st.booleans())
    def the_slow_provider_answers_at_last(self, opened: bool) -> None:
        self.now += timedelta(minutes=1)
        already = len(self.notifier.sent)
        self.engine.handle(
            SLOW, ParsedPage(incidents=(SLOW_INCIDENT,) if opened else (), updated_at=self.now)
        )
        self.slow_answered, self.slow_open = True, opened
        if opened:
            self.seen_open.add(SLOW_INCIDENT.id)
            self.held.add((SLOW.id, SLOW_INCIDENT.id))
        assert self._answered(SLOW.id, self.notifier.sent[already:]) == []

    @rule(hours=st.integers(1, 72))
    def the_machine_sleeps(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @invariant()
    def the_state_file_is_always_whole(self) -> None:
        if self.state_path.exists():
            decode_state(json.loads(self.state_path.read_bytes()))

    def teardown(self) -> None:
        try:
            if SLOW in self.specs and not self.slow_answered:
                self.the_slow_provider_answers_at_last(opened=False)
            for incident in self.page.values():
                if incident.phase == OPEN or incident.may_come_back:
                    incident.phase = RESOLVED
            self.a_successful_poll()
            self.a_successful_poll()
            if self.slow_open:
                already = len(self.notifier.sent)
                self.engine.handle(SLOW, ParsedPage(closed_incident_ids=frozenset({SLOW_INCIDENT.id})))
                resolved = [n.incident_id for n in self.notifier.sent[already:] if n.kind == "resolve"]
                assert resolved == ([SLOW_INCIDENT.id] if self.slow_notified else [])
                self.resolves.update(resolved)
            assert self.notified == set()
            assert self.held == set()
            told = self.seen_open - self.untold
            assert set(self.starts) == told == set(self.resolves)
            assert all(self.starts[i] == 1 == self.resolves[i] for i in told), (
                self.starts,
                self.resolves,
            )
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def test_every_incident_gets_one_start_and_one_resolve_whatever_happens() -> None:
    run_state_machine_as_test(
        Timelines, settings=settings(max_examples=150, stateful_step_count=50, deadline=None)
    )
