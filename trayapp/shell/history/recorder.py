"""The history recorder: records go on a queue; one writer thread puts them in SQLite.

`record` never waits for the disk: the poller and the UI only enqueue. `extend` (a poll that
changed nothing: a provider's last record again, later) does not even wake the thread: it is
kept aside, the newest per provider, and taken with the next batch or the next timed look
(every `LOOK_EVERY`, five minutes), in time order with what was queued. The writer thread
takes everything queued, writes it in one transaction and commits, then waits again, so a
burst of changes costs one commit. Old rows are pruned at the first write and then once a
day: what ended more than `days` days before the newest record goes.

A poll that changes nothing writes nothing: the current stretches' new ends stay in memory
and are committed with the next real change (a state change, an incident event, a failure
or a suspected problem that starts or ends), at the latest `FLUSH_EVERY` after the last
commit, on `sync` and at `close` (which also marks the suspected spells under way as
stopped). A crash (kill, power cut) can lose that "still the same" extension of the current
stretches, never an event: every change is committed (and synced) when it is written.

A history file that is not a database is moved aside and a new one started; one written by
a newer trayapp is left alone and nothing is recorded. A failing disk loses records (logged
once), never the app.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from trayapp.core.history.limits import MIN_GAP_SECONDS, RETENTION_DAYS
from trayapp.core.history.record import HistoryItem, PollRecord, SuspicionRecord
from trayapp.shell.history.db import HistoryError, NewerHistoryError, move_aside, open_history
from trayapp.shell.history.writer import HistoryWriter

log = logging.getLogger(__name__)

QUEUE_SIZE = 10_000
BATCH = 500
PRUNE_EVERY = timedelta(days=1)
FLUSH_EVERY = 600.0  # seconds: the longest a continued stretch's end waits in memory
# Seconds between the thread's looks at the continuations kept aside: a third of the shortest
# gap the history bridges (MIN_GAP_SECONDS), so that between two continuations it applies there
# is never a silence the writer would take for trayapp not running.
LOOK_EVERY = MIN_GAP_SECONDS / 3


@dataclass(frozen=True)
class _Sync:
    done: threading.Event


_Item = PollRecord | SuspicionRecord | _Sync | None


class HistoryRecorder:
    """Records PollRecords and SuspicionRecords into the history at `path` from its own thread."""

    def __init__(
        self,
        path: Path,
        days: int = RETENTION_DAYS,
        gap_for: Callable[[str], float] | None = None,
        queue_size: int = QUEUE_SIZE,
        flush_every: float = FLUSH_EVERY,
        look_every: float = LOOK_EVERY,
    ) -> None:
        self.path = path
        self._days = days
        self._gap_for = gap_for
        self._queue: queue.Queue[_Item] = queue.Queue(maxsize=queue_size)
        self._dropped = 0
        self._closed = False
        self._failing = False
        self._last_prune: datetime | None = None
        self._flush_every = flush_every
        self._look_every = look_every
        self._flushed_at = time.monotonic()
        self._extended: dict[tuple[type, str], HistoryItem] = {}  # the newest continuation per provider
        self._extended_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="trayapp-history", daemon=True)
        self._thread.start()

    def set_retention(self, days: int) -> None:
        """Keep `days` days of history from now on (pruned at the next write)."""
        self._days = days
        self._last_prune = None

    def record(self, record: HistoryItem) -> None:
        """Queue one record for writing; never blocks (a full queue drops it, logged once)."""
        if self._closed:
            return
        try:
            self._queue.put_nowait(record)
        except queue.Full:
            if self._dropped == 0:
                log.warning("history: the disk is not keeping up; dropping records")
            self._dropped += 1

    def extend(self, record: HistoryItem) -> None:
        """Keep a continuation of a provider's last record (written later, without a wake-up)."""
        if self._closed:
            return
        with self._extended_lock:
            self._extended[(type(record), record.provider_id)] = record

    def sync(self, timeout: float = 5.0) -> bool:
        """Wait until everything recorded so far is committed; False on timeout."""
        done = threading.Event()
        try:
            self._queue.put(_Sync(done), timeout=timeout)
        except queue.Full:
            return False
        return done.wait(timeout)

    def close(self, timeout: float = 2.0) -> None:
        """Write what is queued, close the database and end the thread (within `timeout`)."""
        if not self._closed:
            self._closed = True
            try:
                self._queue.put(None, timeout=timeout)
            except queue.Full:
                log.warning("history: could not flush the queue in time")
        self._thread.join(timeout)

    # --- the writer thread ---------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection | None:
        for attempt in (1, 2):
            try:
                return open_history(self.path)
            except NewerHistoryError as error:
                log.error("history %s not recorded: %s", self.path, error)
                return None
            except (HistoryError, OSError) as error:
                if attempt == 2 or isinstance(error, OSError) or move_aside(self.path, str(error)) is None:
                    log.error("history %s cannot be opened: %s; nothing is recorded", self.path, error)
                    return None
        return None

    def _run(self) -> None:
        connection = self._open()
        writer = HistoryWriter(connection, self._gap_for) if connection is not None else None
        try:
            while True:
                batch = self._take()
                records = [item for item in batch if isinstance(item, PollRecord | SuspicionRecord)]
                if connection is not None and writer is not None:
                    # A sync or the end of the run writes what is held in memory too.
                    force = len(records) < len(batch)
                    closing = any(item is None for item in batch)
                    writer = self._write(connection, writer, records, force, closing)
                for item in batch:
                    if isinstance(item, _Sync):
                        item.done.set()
                if any(item is None for item in batch):
                    return
        finally:
            if connection is not None:
                connection.close()

    def _take(self) -> list[_Item]:
        """What was queued (waiting at most until a flush may be due) and the continuations kept aside.

        The continuations go in time order with the queued records: a provider's records must
        reach the writer in the order they were taken.
        """
        # Until the next look, or sooner when a flush falls due before it (an overdue one, with
        # nothing pending at the last look, waits for the next look).
        due_in = self._flushed_at + self._flush_every - time.monotonic()
        wait = min(due_in, self._look_every) if due_in > 0 else self._look_every
        batch: list[_Item] = []
        with contextlib.suppress(queue.Empty):  # empty: a timed look at the continuations
            batch.append(self._queue.get(timeout=wait))
        while batch and len(batch) < BATCH and batch[-1] is not None:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        if len(batch) >= BATCH:
            return batch  # more is queued: the continuations (newer) wait until it has been taken
        with self._extended_lock:
            extended, self._extended = list(self._extended.values()), {}
        if not extended:
            return batch
        records = sorted(
            [*(item for item in batch if isinstance(item, PollRecord | SuspicionRecord)), *extended],
            key=lambda record: record.at,
        )
        return [*records, *(item for item in batch if not isinstance(item, PollRecord | SuspicionRecord))]

    def _write(
        self,
        connection: sqlite3.Connection,
        writer: HistoryWriter,
        records: list[HistoryItem],
        force: bool,
        closing: bool = False,
    ) -> HistoryWriter:
        """One transaction for the batch, if it changed anything; a fresh writer (new rows) when it fails.

        Records that only continue stretches open no transaction: their ends wait in memory
        until a change, `FLUSH_EVERY`, or `force` (a sync, the shutdown). `closing`: the run ends.
        """
        try:
            for record in records:
                writer.apply(record)  # opens the transaction at the first real change
            if closing:
                writer.stop_spells()
            due = time.monotonic() - self._flushed_at >= self._flush_every
            if writer.pending and (connection.in_transaction or due or force):
                writer.flush_ends()
            if not connection.in_transaction:
                return writer
            if records:
                self._prune_if_due(writer, max(record.at for record in records))
            connection.execute("COMMIT")
            self._flushed_at = time.monotonic()
        except Exception as error:  # noqa: BLE001 - one bad batch must never end the history's thread
            if connection.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("ROLLBACK")
            if not self._failing:
                kind = type(error).__name__
                log.error("history: cannot write to %s: %s: %s (will keep trying)", self.path, kind, error)
            self._failing = True
            return HistoryWriter(connection, self._gap_for)
        if self._failing:
            log.info("history: writing to %s again", self.path)
            self._failing = False
        return writer

    def _prune_if_due(self, writer: HistoryWriter, now: datetime) -> None:
        if self._last_prune is not None and now - self._last_prune < PRUNE_EVERY:
            return
        self._last_prune = now
        deleted = writer.prune(now - timedelta(days=self._days))
        if deleted:
            log.info("history: pruned %d rows older than %d days", deleted, self._days)
