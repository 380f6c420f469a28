"""Writes a burst of state changes through the real history recorder, saying what is committed.

`python -m tests.support.history_burst PATH` records poll after poll, each one a change (so a
new row), with an incident every fifth poll, and after every batch prints `N`: the polls 0..N-1
are committed. It runs until it is killed.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from trayapp.core.history.record import IncidentNote, PollRecord
from trayapp.model import Incident, State
from trayapp.shell.history.recorder import HistoryRecorder

T0 = datetime(2026, 2, 4, 12, 0, tzinfo=UTC)
BATCH = 50


def poll(index: int) -> PollRecord:
    """Poll `index`: a change of state at T0 + index seconds, and every fifth one an incident."""
    state = State.OPERATIONAL if index % 2 == 0 else State.MAJOR
    notes: tuple[IncidentNote, ...] = ()
    if index % 5 == 0:
        incident = Incident(f"i{index}", f"Incident {index}", State.MAJOR, "investigating", started_at=T0)
        notes = (IncidentNote("started", incident),)
    return PollRecord("p", T0 + timedelta(seconds=index), state, (("API", state),), incidents=notes)


def main(path: Path) -> None:
    recorder = HistoryRecorder(path)
    index = 0
    while True:
        for _ in range(BATCH):
            recorder.record(poll(index))
            index += 1
        if recorder.sync(timeout=30):
            print(index, flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
