"""The engine: poll results in, confirmed snapshot, events and notifications out.

It glues the pure core (tracker, diff, notices) to the edges (state store, notifier,
history, listeners such as `watch`'s printer or the tray). Thread-safe: the poller calls
`handle` from its thread; listeners are called with the lock released. The history only
gets a record queued: the disk is the history's own thread's business.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Protocol

from trayapp.catalog import ProviderSpec
from trayapp.core.codec import SavedState, StateKeeper
from trayapp.core.diff import Event, IncidentResolved, IncidentStarted, diff
from trayapp.core.first_sight import still_open
from trayapp.core.history.record import PastIncident, PollRecord, gone_while_away, poll_record
from trayapp.core.notices import Notice, Notifier, plan_notices, suspected_notice
from trayapp.core.probing import (
    Attempt,
    ProbeTrack,
    all_offline,
    connection_failure_run,
    observe_attempt,
    probe_target,
    probe_view,
    suspicion,
)
from trayapp.core.tracker import Track, new_track, observe_failure, observe_page
from trayapp.model import Failure, ParsedPage, Snapshot, State
from trayapp.settings import NotificationSettings

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


TIMES_SAVE_SECONDS = 600.0


def _without_poll_times(state: SavedState) -> SavedState:
    """The saved state with the times of the last polls left out (they change every poll)."""
    tracks = {
        provider_id: replace(track, view=replace(track.view, checked_at=None, last_success_at=None))
        for provider_id, track in state.tracks.items()
    }
    return replace(state, tracks=tracks)


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
        self._history = history
        self._read_this_run: set[str] = set()
        self._gone_while_away: dict[str, frozenset[str]] = {}
        self._settings = settings
        self._notifier = notifier
        self._store = store
        self._save_crashed = False
        self._clock = clock
        self._listeners: list[Listener] = []
        saved = store.load() if store is not None else None
        self._saved_essence = _without_poll_times(saved) if saved is not None else None
        self._saved_at = time.monotonic()
        self._saved_detected = dict(saved.detected) if saved else {}
        self._tracks: dict[str, Track] = dict(saved.tracks) if saved else {}
        self._notified = saved.notified if saved else frozenset()
        self._specs: list[ProviderSpec] = []
        self._awaiting_first: set[str] = set()
        self._first_sight: list[IncidentStarted] = []
        self._probes: dict[str, ProbeTrack] = {}
        self._probes_enabled = True
        self._notify_suspected = False
        self._suspected_notified: set[str] = set()
        self._page_unreachable: dict[str, int] = {}  # connection failures in a row
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

    def set_probe_settings(self, enabled: bool, notify: bool) -> None:
        """Probe the catalog's API edges or not; notify a suspected problem or not."""
        with self._lock:
            self._probes_enabled = enabled
            self._notify_suspected = notify
            self._snapshot = self._build_snapshot(self._snapshot.checked_at)

    def probed(self, spec: ProviderSpec) -> str | None:
        """The API edge URL probed for a provider, or None."""
        return probe_target(spec, self._probes_enabled)

    def snapshot(self) -> Snapshot:
        """The current confirmed snapshot."""
        with self._lock:
            return self._snapshot

    def _build_snapshot(self, checked_at: datetime | None) -> Snapshot:
        specs = [spec for spec in self._specs if spec.id in self._tracks]
        offline = self._is_offline(specs)
        views = []
        for spec in specs:
            view = self._tracks[spec.id].view
            track = self._probes.get(spec.id, ProbeTrack()) if self.probed(spec) else None
            if offline:
                view = replace(view, error="offline", probe=probe_view(track))
            else:
                says_operational = view.state is State.OPERATIONAL
                found = suspicion(track, says_operational) if track is not None else None
                view = replace(view, probe=probe_view(track), suspected=found)
            views.append(view)
        return Snapshot(tuple(views), checked_at, offline)

    def _is_offline(self, specs: Sequence[ProviderSpec]) -> bool:
        """Every page's latest poll and every probe's latest try failed without reaching a server."""
        if not specs or any(spec.id not in self._page_unreachable for spec in specs):
            return False
        runs = [self._page_unreachable[spec.id] for spec in specs]
        for spec in specs:
            track = self._probes.get(spec.id, ProbeTrack()) if self.probed(spec) else None
            if track is not None and track.attempts:
                runs.append(connection_failure_run(track))
        return all_offline(runs)

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
            unreachable = isinstance(result, Failure) and result.connection
            self._page_unreachable[spec.id] = self._page_unreachable.get(spec.id, 0) + 1 if unreachable else 0
            previous = self._snapshot
            self._snapshot = self._build_snapshot(now)
            events = diff(previous, self._snapshot)
            notices: list[Notice] = []
            if not self._snapshot.offline:  # offline: nothing from the pages is news
                notices, self._notified = plan_notices(
                    self._hold_first_sight(spec.id, events), self._notified, self._settings, now
                )
                notices += self._suspected_notices()
            if self._snapshot.offline and not previous.offline:
                log.warning("offline: no status page and no API can be reached")
            elif previous.offline and not self._snapshot.offline:
                log.info("online again")
            if detected is not None:
                self._saved_detected = dict(detected)
            self._save()
            snapshot = self._snapshot
            record = self._history_record(before, track, result, events, now)
            if record is not None and self._history is not None:
                self._history.record(record)  # only queued: keeps the per-provider order
        for notice in notices:
            try:
                self._notifier.send(notice)
            except Exception:
                log.exception("a notification failed")
        for listener in self._listeners:
            try:
                listener(snapshot, events)
            except Exception:
                log.exception("a listener failed")

    def handle_probe(self, spec: ProviderSpec, attempt: Attempt) -> None:
        """Take one probe of a provider's API edge: update the verdict, notify once if asked."""
        with self._lock:
            if spec.id not in self._tracks or not self.probed(spec):
                return
            track = self._probes.get(spec.id, ProbeTrack())
            was_failing = track.failing
            track = observe_attempt(track, attempt)
            self._probes[spec.id] = track
            if track.failing != was_failing:
                log.info(
                    "%s: API edge %s (%s)", spec.name, "failing" if track.failing else "fine", attempt.detail
                )
            if not track.failing:
                self._suspected_notified.discard(spec.id)
            previous = self._snapshot
            self._snapshot = self._build_snapshot(previous.checked_at)
            notices = [] if self._snapshot.offline else self._suspected_notices()
            snapshot = self._snapshot
            changed = snapshot != previous
        for notice in notices:
            self._notifier.send(notice)
        if changed:
            for listener in self._listeners:
                try:
                    listener(snapshot, [])
                except Exception:
                    log.exception("a listener failed")

    def _suspected_notices(self) -> list[Notice]:
        """One notification per spell of suspected trouble, when the user asked for them."""
        if not (self._notify_suspected and self._settings.enabled):
            return []
        notices = []
        for view in self._snapshot.providers:
            if view.suspected is not None and view.id not in self._suspected_notified:
                self._suspected_notified.add(view.id)
                notices.append(suspected_notice(view.id, view.name, view.suspected, view.page))
        return notices

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
            others = [*still_open(self._first_sight, self._snapshot), *others]
            self._first_sight = []
        return others

    def _save(self, force: bool = False) -> None:
        """Write the state file when something other than the poll times changed.

        The poll times alone (`checked_at`, `last_success_at`) are written at most every
        `TIMES_SAVE_SECONDS`, and always at shutdown: a file written and synced on every poll
        would cost a disk write a minute per provider for nothing a restart needs.
        """
        if self._store is None:
            return
        state = SavedState(dict(self._tracks), self._notified, self._saved_detected)
        essence = _without_poll_times(state)
        now = time.monotonic()
        stale = now - self._saved_at >= TIMES_SAVE_SECONDS
        try:
            saved = (force or essence != self._saved_essence or stale) and self._store.save(state)
        except Exception:  # a state that cannot be written must never stop notifying and showing
            if not self._save_crashed:
                log.exception("cannot save the state (will keep trying)")
            self._save_crashed = True
            return
        self._save_crashed = False
        if saved:
            self._saved_essence, self._saved_at = essence, now

    def flush(self) -> None:
        """Save the state now (at shutdown)."""
        with self._lock:
            self._save(force=True)
