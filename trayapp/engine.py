"""The engine: poll results in, confirmed snapshot, events and notifications out.

It glues the pure core (tracker, diff, notices) to the edges (state store, notifier,
history, listeners such as `watch`'s printer or the tray). Thread-safe: the poller calls
`handle` from its thread; listeners are called with the lock released. The history only
gets a record queued: the disk is the history's own thread's business.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Protocol

from trayapp.catalog import ProviderSpec
from trayapp.config import NotificationSettings
from trayapp.core.codec import SavedState
from trayapp.core.diff import Event, IncidentResolved, IncidentStarted, diff
from trayapp.core.notices import plan_notices
from trayapp.core.recording import PastIncident, PollRecord, gone_while_away, poll_record
from trayapp.core.tracker import Track, new_track, observe_failure, observe_page
from trayapp.model import ParsedPage, Snapshot
from trayapp.shell.notify import Notifier
from trayapp.shell.reader import Failure
from trayapp.shell.store import StateStore

log = logging.getLogger(__name__)

Listener = Callable[[Snapshot, Sequence[Event]], None]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class HistorySink(Protocol):
    """Where the engine hands each poll's record for the history (it must not block)."""

    def record(self, record: PollRecord) -> None:
        """Take one record."""


def past_incidents(page: ParsedPage) -> tuple[PastIncident, ...]:
    """Incidents the page reports as over, with their time of resolution.

    They come as `closed_incidents` (each with a `resolved_at`) from adapters that read a page's
    list of past incidents; a page that carries no such list, or an incident without its time,
    gives none.
    """
    return tuple(
        PastIncident(incident, incident.resolved_at)
        for incident in page.closed_incidents
        if incident.resolved_at is not None
    )


class Engine:
    """Turns poll results into a confirmed snapshot, events, notifications and saved state."""

    def __init__(
        self,
        specs: Sequence[ProviderSpec],
        settings: NotificationSettings,
        notifier: Notifier,
        store: StateStore | None = None,
        clock: Clock = utc_now,
        history: HistorySink | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._history = history
        self._read_this_run: set[str] = set()
        self._gone_while_away: dict[str, frozenset[str]] = {}
        self._settings = settings
        self._notifier = notifier
        self._store = store
        self._clock = clock
        self._listeners: list[Listener] = []
        saved = store.load() if store is not None else None
        self._saved_detected = dict(saved.detected) if saved else {}
        self._tracks: dict[str, Track] = dict(saved.tracks) if saved else {}
        self._notified = saved.notified if saved else frozenset()
        self._specs: list[ProviderSpec] = []
        self._awaiting_first: set[str] = set()
        self._first_sight: list[Event] = []
        self.set_specs(specs)

    @property
    def detected(self) -> dict[str, str]:
        """Formats detected in earlier runs (for `kind = "auto"`)."""
        return dict(self._saved_detected)

    def add_listener(self, listener: Listener) -> None:
        """Call `listener(snapshot, events)` after every poll result (events may be empty)."""
        self._listeners.append(listener)

    def set_specs(self, specs: Sequence[ProviderSpec]) -> None:
        """Watch these providers (a config reload); tracks of the others are kept aside."""
        with self._lock:
            self._specs = list(specs)
            for spec in specs:
                track = self._tracks.get(spec.id)
                if track is None:
                    self._tracks[spec.id] = new_track(spec.id, spec.name, spec.page)
                else:
                    self._tracks[spec.id] = replace(
                        track, view=replace(track.view, name=spec.name, page=spec.page)
                    )
                if self._tracks[spec.id].view.last_success_at is None:
                    self._awaiting_first.add(spec.id)
            previous = getattr(self, "_snapshot", None)
            self._snapshot = self._build_snapshot(previous.checked_at if previous else None)

    def set_settings(self, settings: NotificationSettings) -> None:
        """Use new notification settings from now on."""
        with self._lock:
            self._settings = settings

    def snapshot(self) -> Snapshot:
        """The current confirmed snapshot."""
        with self._lock:
            return self._snapshot

    def _build_snapshot(self, checked_at: datetime | None) -> Snapshot:
        views = tuple(self._tracks[spec.id].view for spec in self._specs if spec.id in self._tracks)
        return Snapshot(views, checked_at)

    def handle(
        self, spec: ProviderSpec, result: ParsedPage | Failure, detected: dict[str, str] | None = None
    ) -> None:
        """Take one poll result: update, diff, notify, save, tell the listeners."""
        now = self._clock()
        with self._lock:
            if spec.id not in self._tracks:
                return
            track = before = self._tracks[spec.id]
            if isinstance(result, Failure):
                if track.last_error != result.reason:
                    log.warning("%s: %s", spec.name, result.reason)
                track = observe_failure(track, result.reason, now)
            else:
                if track.failures:
                    log.info("%s: reachable again", spec.name)
                track = observe_page(track, result, now)
            self._tracks[spec.id] = track
            previous = self._snapshot
            self._snapshot = self._build_snapshot(now)
            events = diff(previous, self._snapshot)
            notices, self._notified = plan_notices(
                self._hold_first_sight(spec.id, events), self._notified, self._settings, now
            )
            if detected is not None:
                self._saved_detected = dict(detected)
            self._save()
            snapshot = self._snapshot
            record = self._history_record(before, track, result, events, now)
            if record is not None and self._history is not None:
                self._history.record(record)  # only queued: keeps the per-provider order
        for notice in notices:
            self._notifier.send(notice)
        for listener in self._listeners:
            try:
                listener(snapshot, events)
            except Exception:
                log.exception("a listener failed")

    def _history_record(
        self, before: Track, after: Track, result: ParsedPage | Failure, events: list[Event], now: datetime
    ) -> PollRecord | None:
        """What this poll adds to the history (None without a history)."""
        if self._history is None:
            return None
        provider_id = after.view.id
        if isinstance(result, Failure):
            return poll_record(after.view, result.reason, events, now)
        first_read = provider_id not in self._read_this_run
        if first_read:
            self._read_this_run.add(provider_id)
            if before.view.last_success_at is not None:
                open_now = {incident.id for incident in result.incidents}
                self._gone_while_away[provider_id] = gone_while_away(before.view, open_now)
        away = self._gone_while_away.get(provider_id, frozenset())
        record = poll_record(after.view, None, events, now, past_incidents(result), away, first_read)
        resolved = {
            e.incident.id for e in events if isinstance(e, IncidentResolved) and e.provider_id == provider_id
        }
        if away & resolved:
            self._gone_while_away[provider_id] = away - resolved
        return record

    def _hold_first_sight(self, provider_id: str, events: list[Event]) -> list[Event]:
        """Keep incidents seen at first sight until every new provider has answered once.

        So that everything already open at start-up is summed up in one notification.
        """
        self._awaiting_first.discard(provider_id)
        held = [e for e in events if isinstance(e, IncidentStarted) and e.at_first_sight]
        self._first_sight.extend(held)
        others = [e for e in events if not (isinstance(e, IncidentStarted) and e.at_first_sight)]
        if not self._awaiting_first and self._first_sight:
            others = self._first_sight + others
            self._first_sight = []
        return others

    def _save(self) -> None:
        if self._store is None:
            return
        self._store.save(SavedState(dict(self._tracks), self._notified, self._saved_detected))

    def flush(self) -> None:
        """Save the state now (at shutdown)."""
        with self._lock:
            self._save()
