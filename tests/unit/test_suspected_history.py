"""Suspected periods in the history, the pure parts: what the engine records, and how it is shown."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.builders import at, page
from tests.support.notifiers import RecordingNotifier
from trayapp.catalog import ProviderSpec
from trayapp.core.history.figures import (
    HistoryReport,
    IncidentRecord,
    Period,
    ProviderUptime,
    SuspectedPeriod,
    Uptime,
    latest_first,
    provider_history,
)
from trayapp.core.history.record import HistoryItem, PollRecord, SuspicionRecord
from trayapp.core.history.report import history_csv, history_json, history_table
from trayapp.core.history.section import history_html
from trayapp.core.history.suspected import observed_words, source_words
from trayapp.core.probing import Attempt, classify
from trayapp.core.step import (
    EngineState,
    deep_step,
    probe_step,
    start_state,
    step,
    suspicion_records,
    with_probe_settings,
    with_specs,
)
from trayapp.engine import Engine
from trayapp.i18n import set_language
from trayapp.model import Failure, State
from trayapp.settings import NotificationSettings

EDGE = "https://api.acme.example/v1/models"
ACME = ProviderSpec(
    "acme",
    "Acme",
    "https://status.acme.example",
    "statuspage",
    probe=EDGE,
    deep_probe="https://api.acme.example/v1/chat/completions",
    probe_api="openai",
    probe_model="acme-mini",
)
CALM_SPEC = ProviderSpec("calm", "Calm", "https://status.calm.example", "statuspage")
CALM = page(("API", State.OPERATIONAL))
REFUSED = Failure("connection refused", connection=True)


def edge(minute: float, status: int | None = 401, error: str | None = None) -> Attempt:
    latency = 0.1 if status is not None else None
    return Attempt(
        at(minute), classify(status, latency, error), latency, status, error, connection=error is not None
    )


def model(minute: float, status: int | None) -> Attempt:
    return edge(minute, status, None if status is not None else "connection refused")


class Recorder:
    """Follows the engine's bookkeeping of which providers have a spell recorded."""

    def __init__(self) -> None:
        self.recorded: set[str] = set()
        self.records: list[SuspicionRecord] = []

    def take(self, before: EngineState, after: EngineState, provider_id: str | None, minute: float) -> None:
        records = suspicion_records(before, after, provider_id, at(minute), self.recorded)
        for record in records:
            (self.recorded.add if record.suspected else self.recorded.discard)(record.provider_id)
        self.records = list(records)

    def seen(self) -> list[tuple[str, tuple[str, ...]]]:
        return [(r.provider_id, tuple(s.reason for s in r.suspected)) for r in self.records]


def started() -> EngineState:
    state = with_probe_settings(start_state([ACME, CALM_SPEC], NotificationSettings(), None), True, False)
    for spec in (ACME, CALM_SPEC):
        stepped = step(state, spec, CALM, at(0))
        assert stepped is not None
        state = stepped.state
    return state


def probe(state: EngineState, attempt: Attempt, recorder: Recorder, deep: bool = False) -> EngineState:
    outcome = deep_step(state, ACME, attempt) if deep else probe_step(state, ACME, attempt)
    assert outcome is not None
    recorder.take(state, outcome.state, ACME.id, attempt.at.minute)
    return outcome.state


EDGE_REASON = "API edge: 3 of the last 4 checks failed (HTTP 503)"
DEEP_REASON = "the model API failed 3 of the last 3 requests (HTTP 529)"


def test_each_probe_has_its_own_spell_from_start_to_end_and_quiet_steps_record_nothing() -> None:
    recorder = Recorder()
    state = started()
    state = probe(state, edge(1), recorder)
    assert recorder.records == [], "nothing suspected before or after: nothing to record"
    for minute in (2, 3):
        state = probe(state, edge(minute, 503), recorder)
        assert recorder.records == [], "not confirmed yet"
    state = probe(state, edge(4, 503), recorder)
    assert recorder.seen() == [("acme", (EDGE_REASON,))]
    (record,) = recorder.records
    assert record.at == at(4)
    found = record.of("edge")
    assert found is not None
    assert found.since == at(2), "since the first failed check"
    assert record.of("deep") is None
    for minute in (5, 6, 7):
        state = probe(state, model(minute, 529), recorder, deep=True)
    assert recorder.seen() == [("acme", (EDGE_REASON, DEEP_REASON))]
    assert [s.source for s in recorder.records[0].suspected] == ["edge", "model"]
    # A page poll while both are suspected continues both spells.
    stepped = step(state, ACME, CALM, at(8))
    assert stepped is not None
    recorder.take(state, stepped.state, ACME.id, 8)
    state = stepped.state
    assert [s.source for s in recorder.records[0].suspected] == ["edge", "model"]
    # The edge recovers (two good answers): its spell ends, the model API's goes on.
    state = probe(state, edge(9), recorder)
    assert len(recorder.records[0].suspected) == 2, "one good answer is not a recovery"
    state = probe(state, edge(10), recorder)
    assert [s.source for s in recorder.records[0].suspected] == ["model"]
    # A quiet provider never gets a record.
    stepped = step(state, CALM_SPEC, CALM, at(11))
    assert stepped is not None
    recorder.take(state, stepped.state, CALM_SPEC.id, 11)
    assert recorder.records == []


def test_nothing_is_suspected_while_offline_and_every_spell_ends_when_offline_begins() -> None:
    recorder = Recorder()
    state = started()
    for minute in (1, 2, 3):
        state = probe(state, model(minute, 529), recorder, deep=True)
    assert recorder.seen() == [("acme", (DEEP_REASON,))]
    # Every page and probe fails without reaching a server: offline.
    for minute, spec in ((4, ACME), (5, CALM_SPEC)):
        stepped = step(state, spec, REFUSED, at(minute))
        assert stepped is not None
        recorder.take(state, stepped.state, spec.id, minute)
        state = stepped.state
    state = probe(state, edge(6, None, "connection refused"), recorder)
    for minute in (7, 8):
        state = probe(state, model(minute, None), recorder, deep=True)
    assert state.snapshot.offline
    assert "acme" not in recorder.recorded, "offline: the spell ended"
    assert all(not record.suspected for record in recorder.records)


def test_offline_beginning_ends_the_spell_of_another_provider() -> None:
    recorder = Recorder()
    state = started()
    for minute in (1, 2, 3):
        state = probe(state, model(minute, 529), recorder, deep=True)
    state = probe(state, edge(4, None, "connection refused"), recorder)
    assert recorder.recorded == {"acme"}
    before = state
    for minute, spec in ((5, ACME), (6, CALM_SPEC)):
        stepped = step(state, spec, REFUSED, at(minute))
        assert stepped is not None
        state = stepped.state
    assert state.snapshot.offline
    assert not before.snapshot.offline
    # The poll that made trayapp offline was the other provider's: acme's spell ends all the same.
    recorder.take(before, state, CALM_SPEC.id, 6)
    assert recorder.seen() == [("acme", ())]
    assert recorder.records[-1].unobserved, "over because trayapp stopped seeing, not a recovery"


def test_a_new_config_without_the_provider_ends_its_spell() -> None:
    recorder = Recorder()
    state = started()
    for minute in (1, 2, 3):
        state = probe(state, model(minute, 529), recorder, deep=True)
    changed = with_specs(state, [CALM_SPEC])
    recorder.take(state, changed, None, 4)
    assert recorder.seen() == [("acme", ())]
    assert recorder.records[-1].unobserved
    assert recorder.recorded == set()


class Sink:
    def __init__(self) -> None:
        self.items: list[HistoryItem] = []

    def record(self, record: HistoryItem) -> None:
        self.items.append(record)

    extend = record  # a continued record is kept like any other

    def spells(self) -> list[tuple[datetime, tuple[str, ...]]]:
        return [
            (item.at, tuple(s.source for s in item.suspected))
            for item in self.items
            if isinstance(item, SuspicionRecord)
        ]


class Clock:
    def __init__(self) -> None:
        self.now = at(0)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=30)
        return self.now


def test_the_engine_hands_the_history_each_spell_and_a_steady_poll_continues_it() -> None:
    sink, clock = Sink(), Clock()
    engine = Engine([ACME], NotificationSettings(), RecordingNotifier(), clock=clock, history=sink)
    engine.set_probe_settings(enabled=True, notify=False)
    for _ in range(3):
        engine.handle(ACME, CALM)  # confirmed and steady
    assert sink.spells() == []
    for minute in (1, 2, 3):
        engine.handle_deep(ACME, model(minute, 529))
    assert sink.spells() == [(clock.now, ("model",))]
    sink.items.clear()
    engine.handle(ACME, CALM)  # a steady poll: the same records at the new time
    assert [type(item) for item in sink.items] == [PollRecord, SuspicionRecord]
    assert sink.spells() == [(clock.now, ("model",))]
    engine.handle_deep(ACME, model(4, 200))
    engine.handle_deep(ACME, model(5, 200))
    assert sink.spells()[-1] == (clock.now, ()), "recovered: the spell ends"
    count = len(sink.items)
    engine.handle(ACME, CALM)
    engine.handle_deep(ACME, model(6, 200))
    assert all(isinstance(item, PollRecord) for item in sink.items[count:]), "nothing suspected: no record"


# --- shown -------------------------------------------------------------------------------------------

SINCE, UNTIL = datetime(2026, 1, 28, tzinfo=UTC), datetime(2026, 2, 4, 23, 0, tzinfo=UTC)
ONGOING = SuspectedPeriod(
    "anthropic",
    "deep",
    DEEP_REASON,
    datetime(2026, 2, 4, 20, 0, tzinfo=UTC),
    None,
    failed=3,
    checks=3,
    seen="HTTP 529",
)
ENDED = SuspectedPeriod(
    "openai",
    "edge",
    "API edge: 3 of the last 4 checks failed (timeout, HTTP 503)",
    datetime(2026, 2, 3, 10, 0, tzinfo=UTC),
    datetime(2026, 2, 3, 10, 25, tzinfo=UTC),
    failed=3,
    checks=4,
    seen="timeout, HTTP 503",
)
INCIDENT = IncidentRecord(
    "openai",
    "01KGMZ",
    "Elevated error rates",
    State.PARTIAL,
    datetime(2026, 2, 4, 15, 10, tzinfo=UTC),
    datetime(2026, 2, 4, 22, 14, tzinfo=UTC),
)


def report(*suspected: SuspectedPeriod) -> HistoryReport:
    figures = (ProviderUptime("openai", Uptime({State.OPERATIONAL: 990.0, State.PARTIAL: 10.0})),)
    return HistoryReport(SINCE, UNTIL, (INCIDENT,), figures, suspected)


def test_newest_first() -> None:
    assert latest_first([ENDED, ONGOING]) == (ONGOING, ENDED)


def test_json_lists_suspected_periods_with_the_verdicts_own_words() -> None:
    data = history_json(report(ONGOING, ENDED))
    assert list(data) == ["since", "until", "incidents", "suspected", "uptime"]
    assert data["suspected"] == [
        {
            "provider": "anthropic",
            "source": "deep",
            "reason": DEEP_REASON,
            "started_at": "2026-02-04T20:00:00Z",
            "ended_at": None,
            "duration_s": 3 * 3600,
        },
        {
            "provider": "openai",
            "source": "edge",
            "reason": "API edge: 3 of the last 4 checks failed (timeout, HTTP 503)",
            "started_at": "2026-02-03T10:00:00Z",
            "ended_at": "2026-02-03T10:25:00Z",
            "duration_s": 1500,
        },
    ]
    assert history_json(report())["suspected"] == []
    assert list(history_json(report(ONGOING), summary=True)) == ["since", "until", "uptime"]
    english = json.dumps(history_json(report(ONGOING, ENDED)))
    set_language("it")
    assert json.dumps(history_json(report(ONGOING, ENDED))) == english, "JSON never changes with the language"


def test_csv_stays_incidents_only() -> None:
    rows = list(csv.reader(io.StringIO(history_csv(report(ONGOING, ENDED)))))
    assert [row[1] for row in rows] == ["id", "01KGMZ"]
    assert history_csv(report(ONGOING, ENDED)) == history_csv(report())


@pytest.mark.usefixtures("local_zone")
def test_table_lists_suspected_problems_between_incidents_and_uptime() -> None:
    lines = history_table(report(ONGOING, ENDED)).splitlines()
    title = lines.index(
        "Possible unreported problems, seen by trayapp's probes while the status page said all was well:"
    )
    assert lines[title - 2].startswith("2026-02-04 16:10"), "after the incidents"
    assert lines[title + 1].split() == ["STARTED", "ENDED", "DURATION", "PROVIDER", "PROBE", "SEEN"]
    first, second = lines[title + 2], lines[title + 3]
    assert first.split()[:4] == ["2026-02-04", "21:00", "ongoing", "3"]
    assert first.endswith("anthropic  model API    the model API failed the last 3 requests (HTTP 529)")
    assert second.startswith("2026-02-03 11:00  2026-02-03 11:25  25 min")
    assert second.endswith(
        "openai     API servers  the API failed 3 of the last 4 checks (timeout, HTTP 503)"
    )
    assert lines[title + 4] == ""
    assert lines[title + 5].split()[0] == "PROVIDER", "then uptime"
    assert "possible unreported" not in history_table(report()).lower(), "no section when there were none"
    assert "unreported" not in history_table(report(ONGOING), summary=True)


@pytest.mark.usefixtures("local_zone")
def test_table_in_italian() -> None:
    set_language("it")
    text = history_table(report(ONGOING, ENDED))
    assert (
        "Possibili problemi non segnalati, rilevati dalle sonde di trayapp mentre la pagina di stato"
        " diceva che andava tutto bene:"
    ) in text
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("INIZIO") and "SONDA" in line)
    assert header.split() == ["INIZIO", "FINE", "DURATA", "SERVIZIO", "SONDA", "RILEVATO"]
    rows = lines[lines.index(header) + 1 : lines.index(header) + 3]
    assert rows[0].startswith("04/02/2026 21:00  in corso")
    assert rows[0].endswith("API del modello  fallite le ultime 3 richieste all'API del modello (HTTP 529)")
    assert rows[1].startswith("03/02/2026 11:00  03/02/2026 11:25  25 min")
    assert rows[1].endswith(
        "server API       falliti 3 degli ultimi 4 controlli dell'API (timeout, HTTP 503)"
    )


def test_words_fall_back_to_the_stored_reason() -> None:
    bare = replace(ENDED, failed=0, checks=0, seen="")
    assert observed_words(bare) == ENDED.reason
    assert source_words("deep") == "model API"
    assert source_words("other") == "other"


@pytest.mark.usefixtures("local_zone")
def test_the_details_page_lists_recent_suspected_problems() -> None:
    now = UNTIL
    page_periods = [Period(State.OPERATIONAL, now - timedelta(days=10), now)]
    old = replace(ENDED, started_at=now - timedelta(days=200), ended_at=now - timedelta(days=199))
    history = provider_history("openai", page_periods, [], {}, [], now, UTC, [old, ENDED, ONGOING])
    assert history.suspected == (ONGOING, ENDED), "newest first, only the last 90 days"
    assert history.long.operational_pct == 100.0, "uptime is what the page said"
    html = history_html("OpenAI", history, now, "h0")
    block = html.split("<h4>Possible unreported problems</h4>", 1)[1]
    assert block.startswith(
        '<ol class="past suspected-past"><li>model API — 2026-02-04 21:00 → ongoing (3 h)'
    )
    assert (
        "API servers — 2026-02-03 11:00 → 2026-02-03 11:25 (25 min) — the API failed 3 of the last 4" in block
    )
    assert "(timeout, HTTP 503)" in block
    quiet = provider_history("openai", page_periods, [], {}, [], now, UTC)
    assert "unreported" not in history_html("OpenAI", quiet, now, "h0")
    only_suspected = provider_history("acme", [], [], {}, [], now, UTC, [ONGOING])
    assert only_suspected.observed_anything, "a provider with no status feed may have only these"
    set_language("it")
    italian = history_html("OpenAI", history, now, "h0")
    assert "<h4>Possibili problemi non segnalati</h4>" in italian
    assert "API del modello — 04/02/2026 21:00 → in corso (3 h) — fallite le ultime 3 richieste" in italian


def test_the_details_page_folds_a_long_list() -> None:
    now = UNTIL
    many = [replace(ENDED, started_at=now - timedelta(hours=hour), ended_at=now) for hour in range(1, 13)]
    html = history_html("OpenAI", provider_history("openai", [], [], {}, [], now, UTC, many), now, "h0")
    assert html.count("<li>API servers") == 10
    assert "2 more: see `trayapp history --provider openai --since 90d`." in html


def test_outage_words_are_never_used() -> None:
    """What trayapp's probes saw is never called an outage (the page did not say one)."""
    for language in ("en", "it"):
        set_language(language)
        text = history_table(report(ONGOING, ENDED)).split("\n\n")[2]
        assert text.startswith(("Possible unreported problems", "Possibili problemi non segnalati"))
        assert "outage" not in text
        assert "interruzione" not in text
