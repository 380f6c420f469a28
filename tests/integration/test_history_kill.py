"""The history survives the app being killed mid-write: SIGKILL during a burst of changes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.history_burst import T0, poll
from trayapp.shell.history.reader import read_report
from trayapp.shell.history.recorder import HistoryRecorder
from trayapp.shell.history.writer import to_ms

ROOT = Path(__file__).resolve().parents[2]


def burst_until_killed(path: Path, batches: int, linger: float) -> int:
    """Run the burst writer, kill it with SIGKILL after `batches` reports; the last count it reported."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.history_burst", str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reported: list[int] = []
    try:
        assert process.stdout is not None
        while len(reported) < batches:
            line = process.stdout.readline()
            assert line, f"the writer ended early: {process.stderr.read() if process.stderr else ''}"
            reported.append(int(line))
        time.sleep(linger)  # let it get well into the next transactions
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        assert process.stdout is not None
        reported += [int(line) for line in process.stdout.read().split()]  # reported before the kill
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    assert process.returncode == -signal.SIGKILL
    return reported[-1]


@pytest.mark.parametrize(("batches", "linger"), [(5, 0.0), (20, 0.013), (40, 0.05)])
def test_sigkill_mid_burst_loses_no_committed_row(tmp_path: Path, batches: int, linger: float) -> None:
    path = tmp_path / "history.sqlite3"
    committed = burst_until_killed(path, batches, linger)
    assert committed >= batches * 50
    assert path.with_name(path.name + "-wal").stat().st_size > 0, "killed, not closed: the WAL is left over"

    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        starts = {
            row[0]
            for row in connection.execute(
                "SELECT start_ms FROM page_states WHERE provider = 'p' AND component = ''"
            )
        }
        incidents = {row[0] for row in connection.execute("SELECT incident_id FROM incidents")}
    finally:
        connection.close()
    missing = [i for i in range(committed) if to_ms(poll(i).at) not in starts]
    assert missing == [], "every poll reported committed has its row"
    assert {f"i{i}" for i in range(0, committed, 5)} <= incidents
    assert len(starts) >= committed

    # Reopened cleanly: the app records on, and reads back what is there.
    recorder = HistoryRecorder(path)
    later = poll(10**6)
    recorder.record(later)
    assert recorder.sync()
    recorder.close()
    report = read_report(path, T0, later.at)
    assert report.uptime[0].uptime.observed > 0
    assert {f"i{i}" for i in range(0, committed, 5)} <= {i.id for i in report.incidents}
