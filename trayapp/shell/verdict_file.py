"""The shared probe verdict's file: written by a running tray or `watch`, read by `status`.

Written atomically (readers see the old or the new file, never half), and only when
`core.verdict.due_to_write` says so: nothing while every edge stays healthy.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from trayapp.core.diff import Event
from trayapp.core.verdict import SharedVerdict, decode_verdict, due_to_write, encode_verdict, verdict_of
from trayapp.model import Snapshot
from trayapp.shell.store import write_atomically

log = logging.getLogger(__name__)

VERDICT_NAME = "verdict.json"


def verdict_path(state_file: Path) -> Path:
    """Where the verdict file lives: next to the state file."""
    return state_file.with_name(VERDICT_NAME)


def read_verdict(path: Path) -> SharedVerdict | None:
    """The verdict a running instance wrote, or None (no file, unreadable, another version)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    try:
        return decode_verdict(json.loads(raw.decode("utf-8")))
    except ValueError:
        return None


class VerdictWriter:
    """An engine listener that keeps the verdict file up to date."""

    def __init__(
        self,
        path: Path,
        refresh_after: Callable[[], float],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.path = path
        self._refresh_after = refresh_after
        self._clock = clock
        self._written: SharedVerdict | None = None
        self._failed = False

    def __call__(self, snapshot: Snapshot, events: Sequence[Event]) -> None:
        """Take the engine's latest snapshot; write the verdict when it is due."""
        new = verdict_of(snapshot, self._clock())
        if self._written is None and not new.failing and not self.path.exists():
            self._written = new  # nothing failing and nothing to replace: no need for a file
            return
        if not due_to_write(new, self._written, self._refresh_after()):
            return
        try:
            write_atomically(self.path, json.dumps(encode_verdict(new), sort_keys=True))
        except OSError as error:
            if not self._failed:
                log.warning("cannot write the probe verdict to %s: %s", self.path, error)
            self._failed = True
            return
        self._failed = False
        self._written = new
