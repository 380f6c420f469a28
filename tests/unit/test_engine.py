"""The engine glue: first-sight summaries across providers, config reloads, saved state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.builders import incident, page
from tests.support.notifiers import RecordingNotifier
from trayapp import engine as engine_module
from trayapp.catalog import ProviderSpec
from trayapp.core.codec import SavedState
from trayapp.core.history.record import PollRecord
from trayapp.engine import Engine
from trayapp.model import Failure, ParsedPage, Snapshot, State
from trayapp.settings import NotificationSettings
from trayapp.shell.store import StateStore

A = ProviderSpec(id="a", name="Alpha", page="https://a.example", kind="statuspage")
B = ProviderSpec(id="b", name="Beta", page="https://b.example", kind="statuspage")


def test_incidents_open_at_start_are_summed_up_once_every_provider_answered(tmp_path: Path) -> None:
    notifier = RecordingNotifier()
    engine = Engine([A, B], NotificationSettings(), notifier, StateStore(tmp_path / "s.json"))
    engine.handle(A, page(incidents=(incident("x", State.MAJOR),)))
    assert notifier.sent == [], "held until Beta has answered"
    engine.handle(B, Failure("timeout"))
    assert [n.title for n in notifier.sent] == ["Alpha: Elevated error rates"]
    assert notifier.sent[0].kind == "summary"
    engine.handle(B, page(incidents=(incident("y", State.PARTIAL),)))
    assert [n.kind for n in notifier.sent] == ["summary", "summary"]


def test_reload_drops_removed_providers_from_the_snapshot_at_once() -> None:
    engine = Engine([A, B], NotificationSettings(), RecordingNotifier())
    engine.handle(A, page(("API", State.OPERATIONAL)))
    assert [v.id for v in engine.snapshot().providers] == ["a", "b"]
    engine.set_specs([A])
    assert [v.id for v in engine.snapshot().providers] == ["a"]


def test_state_survives_a_new_engine(tmp_path: Path) -> None:
    store_path = tmp_path / "s.json"
    first = RecordingNotifier()
    engine = Engine([A], NotificationSettings(), first, StateStore(store_path))
    engine.handle(A, page(("API", State.OPERATIONAL)))
    engine.handle(A, page(incidents=(incident("x", State.MAJOR),)))
    assert [n.kind for n in first.sent] == ["start"]
    second = RecordingNotifier()
    again = Engine([A], NotificationSettings(), second, StateStore(store_path))
    assert again.snapshot().providers[0].state == State.MAJOR
    again.handle(A, page(incidents=(incident("x", State.MAJOR),)))
    assert second.sent == []


class CountingStore(StateStore):
    """A real state store that counts its writes."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.writes = 0

    def save(self, state: SavedState) -> bool:
        self.writes += 1
        return super().save(state)


def test_the_state_file_is_written_on_changes_not_on_every_poll(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "s.json")
    engine = Engine([A], NotificationSettings(), RecordingNotifier(), store)
    calm = page(("API", State.OPERATIONAL))
    engine.handle(A, calm)
    assert store.writes == 1, "the first answer is news"
    for _ in range(20):
        engine.handle(A, calm)
    assert store.writes == 1, "the same page again changes only the poll times"
    engine.handle(A, page(incidents=(incident("x", State.MAJOR),)))
    assert store.writes == 2, "an incident is saved at once"
    engine.flush()
    assert store.writes == 3, "and the poll times at shutdown"
    saved = StateStore(tmp_path / "s.json").load()
    assert saved is not None
    last = engine.snapshot().providers[0].last_success_at
    assert last is not None
    assert saved.tracks["a"].view.last_success_at == last.replace(microsecond=0)


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=30)
        return self.now


class _Records:
    def __init__(self) -> None:
        self.records: list[PollRecord] = []

    def record(self, record: PollRecord) -> None:
        self.records.append(record)

    extend = record  # a continued record is kept like any other


def test_a_steady_page_taken_without_the_step_ends_where_the_full_step_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ok = page(("API", State.OPERATIONAL), indicator=State.OPERATIONAL)
    down = page(("API", State.MAJOR), incidents=(incident(impact=State.MAJOR),), indicator=State.MAJOR)
    timeline: list[ParsedPage | Failure] = [ok] * 5 + [down] * 5 + [Failure("HTTP 503")] + [ok] * 6
    timeline += [replace(ok)] * 3  # equal pages, not the same object
    full_steps = {"fast": 0, "full": 0}
    engines = {}
    for name in ("fast", "full"):
        records = _Records()
        notifier = RecordingNotifier()
        engine = Engine([A, B], NotificationSettings(), notifier, clock=_Clock(), history=records)
        seen: list[Snapshot] = []
        engine.add_listener(lambda snapshot, _events, seen=seen: seen.append(snapshot))
        engines[name] = (engine, records, notifier, seen)
    original_step = engine_module.step

    def counting(name: str) -> Callable[..., object]:
        def wrapped(*args: Any) -> object:
            full_steps[name] += 1
            return original_step(*args)

        return wrapped

    for result in [ok, *timeline]:
        for name, (engine, *_rest) in engines.items():
            monkeypatch.setattr(engine_module, "step", counting(name))
            if name == "full":
                monkeypatch.setattr(engine, "_steady_poll", lambda *args: False)
            engine.handle(A, result)
            engine.handle(B, ok)
    fast, full = engines["fast"], engines["full"]
    assert fast[0].snapshot() == full[0].snapshot()
    assert fast[0]._state.tracks == full[0]._state.tracks
    assert fast[1].records == full[1].records, "the same history"
    assert fast[2].sent == full[2].sent, "the same notifications"
    assert fast[3] == full[3], "the listeners saw the same snapshots"
    assert [notice.title for notice in fast[2].sent], "the outage was notified"
    assert full_steps["fast"] < full_steps["full"] / 2, full_steps
