"""The engine: poll results in, confirmed snapshot, events and notifications out.

A coordinator around the pure step (`trayapp.core.step`), which does the bookkeeping: the
engine holds its state under a lock and carries out what each step says to the edges (state
store, notifier, history, listeners such as `watch`'s printer or the tray). Thread-safe: the
poller calls `handle` from its thread; listeners are called with the lock released. The
history only gets a record queued: the disk is the history's own thread's business.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import Protocol

from trayapp.catalog import ProviderSpec
from trayapp.core.codec import SavedState, StateKeeper
from trayapp.core.deep import DeepTrack, Judgement
from trayapp.core.diff import Event
from trayapp.core.history.record import HistoryItem, PollRecord, SuspicionRecord
from trayapp.core.notices import Notice, Notifier
from trayapp.core.probing import Attempt, ProbeTrack
from trayapp.core.step import (
    EngineState,
    ProbeStep,
    deep_step,
    is_steady,
    probe_step,
    saved_state,
    start_state,
    steady_step,
    step,
    suspicion_records,
    with_deep_enabled,
    with_probe_settings,
    with_settings,
    with_specs,
)
from trayapp.model import Failure, ParsedPage, Snapshot
from trayapp.settings import NotificationSettings

__all__ = ["Clock", "Engine", "HistorySink", "Listener", "utc_now"]

log = logging.getLogger(__name__)

Listener = Callable[[Snapshot, Sequence[Event]], None]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class HistorySink(Protocol):
    """Where the engine hands each poll's record, and each change of a suspected problem, for the
    history (it must not block)."""

    def record(self, record: HistoryItem) -> None:
        """Take one record."""

    def extend(self, record: HistoryItem) -> None:
        """Take a provider's last record again, at a later time: a poll that changed nothing.

        The same as `record` for what is kept; a sink may hold it without waking anyone.
        """


TIMES_SAVE_SECONDS = 600.0


def _without_poll_times(state: SavedState) -> SavedState:
    """The saved state with the times of the last polls left out (they change every poll)."""
    tracks = {
        provider_id: replace(track, view=replace(track.view, checked_at=None, last_success_at=None))
        for provider_id, track in state.tracks.items()
    }
    return replace(state, tracks=tracks)


class _StateWriter:
    """The state store, written when something other than the poll times changed.

    The poll times alone (`checked_at`, `last_success_at`) are written at most every
    `TIMES_SAVE_SECONDS`, and always at shutdown: a file written and synced on every poll
    would cost a disk write a minute per provider for nothing a restart needs.
    """

    def __init__(self, store: StateKeeper | None, saved: SavedState | None) -> None:
        self._store = store
        self._essence = _without_poll_times(saved) if saved is not None else None
        self._at = time.monotonic()
        self.detected: dict[str, str] = dict(saved.detected) if saved else {}
        self._crashed = False
        self.unsaved = False  # the last save failed: try again at the next poll

    def save(self, saved: SavedState, force: bool = False) -> None:
        """Write the state file if it is news, or stale, or `force`d (with the detected formats)."""
        if self._store is None:
            return
        state = replace(saved, tracks=dict(saved.tracks), detected=self.detected)
        essence = _without_poll_times(state)
        now = time.monotonic()
        stale = now - self._at >= TIMES_SAVE_SECONDS
        if force or essence != self._essence or stale:
            try:
                self.unsaved = not self._store.save(state)
            except Exception:  # a state that cannot be written must never stop notifying and showing
                if not self._crashed:
                    log.exception("cannot save the state (will keep trying)")
                self._crashed = True
                self.unsaved = True
                return
            self._crashed = False
            if not self.unsaved:
                self._essence, self._at = essence, now

    def save_if_stale(self, saved: SavedState) -> None:
        """After a poll that changed nothing but the poll times: write when they are due, or to retry."""
        if self.unsaved or (self._store is not None and time.monotonic() - self._at >= TIMES_SAVE_SECONDS):
            self.save(saved, force=True)


class Engine:
    """Turns poll results into a confirmed snapshot, events, notifications and saved state."""

    def __init__(
        self,
        specs: Sequence[ProviderSpec],
        settings: NotificationSettings,
        notifier: Notifier,
        store: StateKeeper | None = None,
        clock: Clock = utc_now,
        history: HistorySink | None = None,
    ) -> None:
        self._lock = threading.Lock()
        saved = store.load() if store is not None else None
        self._writer = _StateWriter(store, saved)
        self._notifier = notifier
        self._history = history
        self._clock = clock
        self._listeners: list[Listener] = []
        self._state: EngineState = start_state(specs, settings, saved)
        # Per provider, the page (and its history record) of a poll that changed nothing but
        # the poll times: the same page again is taken by `steady_step`, at a fraction of the cost.
        self._steady: dict[str, tuple[ParsedPage, PollRecord]] = {}
        # Per provider with a suspected problem, its last record for the history: a poll or a probe
        # that changes nothing continues the spell with it (the history writes nothing for that).
        self._suspecting: dict[str, SuspicionRecord] = {}

    @property
    def detected(self) -> dict[str, str]:
        """Formats detected in earlier runs (for `kind = "auto"`)."""
        return dict(self._writer.detected)

    def add_listener(self, listener: Listener) -> None:
        """Call `listener(snapshot, events)` after every poll result (events may be empty)."""
        self._listeners.append(listener)

    def set_specs(self, specs: Sequence[ProviderSpec]) -> None:
        """Watch these providers (a config reload); tracks of the others are kept aside."""
        with self._lock:
            before = self._state
            self._state = with_specs(self._state, specs)
            self._steady.clear()
            self._record_suspicions(before, None, self._clock())

    def set_settings(self, settings: NotificationSettings) -> None:
        """Use new notification settings from now on."""
        with self._lock:
            self._state = with_settings(self._state, settings)
            self._steady.clear()

    def set_probe_settings(self, enabled: bool, notify: bool) -> None:
        """Probe the catalog's API edges or not; notify a suspected problem or not."""
        with self._lock:
            before = self._state
            self._state = with_probe_settings(self._state, enabled, notify)
            self._steady.clear()
            self._record_suspicions(before, None, self._clock())

    def set_deep(self, enabled: bool) -> None:
        """Ask the catalog's models (`[probes] deep`) or not."""
        with self._lock:
            before = self._state
            self._state = with_deep_enabled(self._state, enabled)
            self._steady.clear()
            self._record_suspicions(before, None, self._clock())

    def _record_suspicions(self, before: EngineState, provider_id: str | None, now: datetime) -> None:
        """Hand the history what this change did to the spells of suspected trouble (lock held)."""
        if self._history is None:
            return
        for record in suspicion_records(before, self._state, provider_id, now, self._suspecting):
            if record.suspected:
                self._suspecting[record.provider_id] = record
            else:
                self._suspecting.pop(record.provider_id, None)
            self._history.record(record)

    def snapshot(self) -> Snapshot:
        """The current confirmed snapshot."""
        with self._lock:
            return self._state.snapshot

    def handle(
        self, spec: ProviderSpec, result: ParsedPage | Failure, detected: dict[str, str] | None = None
    ) -> None:
        """Take one poll result: update, diff, notify, save, tell the listeners."""
        now = self._clock()
        if self._steady_poll(spec, result, now, detected):
            return
        with self._lock:
            before = self._state
            outcome = step(before, spec, result, now)
            if outcome is None:
                return
            self._state, snapshot, events, notices, record = outcome
            steady = isinstance(result, ParsedPage) and is_steady(before, outcome, spec.id)
            if steady and isinstance(result, ParsedPage):
                self._steady[spec.id] = (result, record)
            else:
                self._steady.pop(spec.id, None)
            track = before.tracks[spec.id]
            if isinstance(result, Failure):
                if track.last_error != result.reason:
                    log.warning("%s: %s", spec.name, result.reason)
            elif track.failures:
                log.info("%s: reachable again", spec.name)
            if snapshot.offline and not before.snapshot.offline:
                log.warning("offline: no status page and no API can be reached")
            elif before.snapshot.offline and not snapshot.offline:
                log.info("online again")
            if detected is not None:
                self._writer.detected = dict(detected)
            self._writer.save(saved_state(self._state))
            if self._history is not None:
                self._history.record(record)  # only queued: keeps the per-provider order
            self._record_suspicions(before, spec.id, now)
        for notice in notices:
            self._send(notice)
        self._tell(snapshot, events)

    def _steady_poll(
        self, spec: ProviderSpec, result: ParsedPage | Failure, now: datetime, detected: dict[str, str] | None
    ) -> bool:
        """Take a poll that read the same page as the last, steady one; whether it was one.

        Nothing but the poll times moves: no comparison, no diff, no notices, no state file
        write (the times are saved when due), the same history record at the new time.
        """
        with self._lock:
            last = self._steady.get(spec.id)
            if (
                last is None
                or not isinstance(result, ParsedPage)
                or not (result is last[0] or result == last[0])
            ):
                return False
            if detected is not None and detected != self._writer.detected:
                return False
            self._state = steady_step(self._state, spec.id, now)
            snapshot = self._state.snapshot
            self._writer.save_if_stale(saved_state(self._state))
            if self._history is not None:
                self._history.extend(replace(last[1], at=now))
                suspecting = self._suspecting.get(spec.id)
                if suspecting is not None:
                    self._history.extend(replace(suspecting, at=now))
        self._tell(snapshot, [])
        return True

    def handle_probe(self, spec: ProviderSpec, attempt: Attempt) -> None:
        """Take one probe of a provider's API edge: update the verdict, notify once if asked."""
        self._take_verdict(
            spec, lambda state: probe_step(state, spec, attempt), partial(_log_edge, spec, attempt)
        )

    def handle_deep(self, spec: ProviderSpec, attempt: Attempt | None) -> None:
        """Take one deep probe answer (None: no key is set): update the verdict, say a stop once."""
        self._take_verdict(
            spec, lambda state: deep_step(state, spec, attempt), partial(_log_deep, spec, attempt)
        )

    def _take_verdict(
        self,
        spec: ProviderSpec,
        take: Callable[[EngineState], ProbeStep | None],
        log_change: Callable[[EngineState, EngineState], None],
    ) -> None:
        """Apply one probe's step (`take`): the history's spells, a log line for a change, the
        notices, and the listeners when the snapshot changed."""
        now = self._clock()
        with self._lock:
            before = self._state
            outcome = take(before)
            if outcome is None:
                return
            self._state, snapshot, notices = outcome
            self._record_suspicions(before, spec.id, now)
            log_change(before, self._state)
            changed = snapshot != before.snapshot
        for notice in notices:
            self._send(notice)
        if changed:
            self._tell(snapshot, [])

    def _send(self, notice: Notice) -> None:
        """Hand one notice to the notifier; one that fails is logged and does not stop the rest."""
        try:
            self._notifier.send(notice)
        except Exception:
            log.exception("a notification failed")

    def _tell(self, snapshot: Snapshot, events: Sequence[Event]) -> None:
        """Call every listener; one that fails is logged and does not stop the others."""
        for listener in self._listeners:
            try:
                listener(snapshot, events)
            except Exception:
                log.exception("a listener failed")

    def flush(self) -> None:
        """Save the state now (at shutdown)."""
        with self._lock:
            self._writer.save(saved_state(self._state), force=True)


def _log_edge(spec: ProviderSpec, attempt: Attempt, before: EngineState, after: EngineState) -> None:
    """Say when a provider's API edge starts or stops failing."""
    failing = after.probes[spec.id].failing
    if failing != before.probes.get(spec.id, ProbeTrack()).failing:
        log.info("%s: API edge %s (%s)", spec.name, "failing" if failing else "fine", attempt.detail)


def _log_deep(spec: ProviderSpec, attempt: Attempt | None, before: EngineState, after: EngineState) -> None:
    """Say once when the model API stops deep probing, and when it starts or stops failing.

    The detail is the status only, never a header or a body: they may carry the key.
    """
    was, now = before.deep.get(spec.id, DeepTrack()), after.deep[spec.id]
    if now.stopped is not None and was.stopped is None and attempt is not None:
        if now.stopped is Judgement.BAD_KEY:
            log.warning(
                "%s: the model API refused the key (%s): deep probes stop until the key or the config"
                " changes",
                spec.name,
                attempt.detail,
            )
        else:
            log.warning(
                "%s: the model API refused the request (%s; a retired model?): deep probes"
                " stop until the config changes",
                spec.name,
                attempt.detail,
            )
    elif now.failing != was.failing:
        detail = attempt.detail if attempt is not None else "no key"
        log.info("%s: model API %s (%s)", spec.name, "failing" if now.failing else "fine", detail)
