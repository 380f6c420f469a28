"""Idle means idle: a poll that changes nothing writes nothing, parses nothing, logs nothing.

Against pages served on 127.0.0.1 that send no validators (every poll is a 200 with the same
body), polled every 0.2 s: the state file and the history database (and its WAL) are not
touched while nothing changes; a change is committed at once; the shutdown writes the
extension of the current stretch; a killed app loses no event.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.server import Reply, StatusServer, fixture_bytes
from tests.support.watching import wait_until, watching, write_config
from trayapp import paths
from trayapp.adapters import ParseContext, Parser
from trayapp.catalog import ProviderSpec
from trayapp.model import ParsedPage
from trayapp.shell import reader as reader_module
from trayapp.shell.fetch import Fetcher
from trayapp.shell.reader import PageReader

ROOT = Path(__file__).resolve().parents[2]
PAGE = "/p/api/v2/summary.json"
OPERATIONAL = fixture_bytes("statuspage/summary_all_operational.json")
MAJOR = fixture_bytes("statuspage/summary_major_outage.json")


def serve(server: StatusServer, body: bytes) -> None:
    """The page, with no ETag: an unchanged poll is a 200 with the same body."""
    server.set(PAGE, Reply(body, etag=False))


def stamp(path: Path) -> tuple[int, int] | None:
    """(mtime in ns, size) of a file, or None when it does not exist."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return (found.st_mtime_ns, found.st_size)


def files() -> list[Path]:
    history = paths.history_file()
    return [paths.state_file(), history, history.with_name(history.name + "-wal")]


def page_polls(server: StatusServer) -> int:
    return len(server.requests_to(PAGE))


def page_rows(history: Path) -> list[tuple[str, str, int, int]]:
    """(component, state, start, end) of every page_states row, read by another connection."""
    connection = sqlite3.connect(f"file:{history}?mode=ro", uri=True)
    try:
        found = connection.execute(
            "SELECT component, state, start_ms, end_ms FROM page_states ORDER BY id"
        ).fetchall()
    finally:
        connection.close()
    return [(str(a), str(b), int(c), int(d)) for a, b, c, d in found]


def whole_states(history: Path) -> list[str]:
    return [state for component, state, _start, _end in page_rows(history) if component == ""]


def test_unchanged_polls_write_nothing_a_change_is_written_at_once_and_the_shutdown_writes_the_rest(
    server: StatusServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    serve(server, OPERATIONAL)
    config = write_config(tmp_path / "config.toml", [("P", f"{server.url}/p", "statuspage")])
    history = paths.history_file()
    with watching(config) as watched:
        # Start-up settles: the first read, its confirmation, the first writes.
        wait_until(lambda: page_polls(server) >= 5 and history.exists(), what="the first polls")
        before = [stamp(path) for path in files()]
        polls = page_polls(server)
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="trayapp"):
            wait_until(lambda: page_polls(server) >= polls + 15, what="15 more unchanged polls")
            during = [record.getMessage() for record in caplog.records]
        assert [stamp(path) for path in files()] == before, "an unchanged poll wrote to the disk"
        assert during == [], "an unchanged poll logged"
        assert whole_states(history) == ["operational"]
        last_written = max(end for *_rest, end in page_rows(history))

        serve(server, MAJOR)
        wait_until(lambda: "major" in whole_states(history), what="the change in the history")
        assert watched.lines(), "the change was seen"
        changed_at = time.time()
        time.sleep(1.5)  # about 7 polls that see the same major outage
        # The ends of the new stretch wait in memory while nothing changes.
        ends = {end for component, state, _start, end in page_rows(history) if state == "major"}
        assert max(ends) < round(changed_at * 1000) + 1000
    # Stopped: the last poll's time is written.
    after = page_rows(history)
    assert max(end for *_rest, end in after) >= round((changed_at + 1.0) * 1000)
    assert max(end for *_rest, end in after) > last_written


def test_a_killed_app_loses_no_event(server: StatusServer, tmp_path: Path) -> None:
    serve(server, OPERATIONAL)
    config = write_config(tmp_path / "config.toml", [("P", f"{server.url}/p", "statuspage")])
    history = paths.history_file()
    process = subprocess.Popen(
        [sys.executable, "-m", "trayapp", "--config", str(config), "watch"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        wait_until(lambda: page_polls(server) >= 5 and history.exists(), 30, "the first polls")
        serve(server, MAJOR)
        assert process.stdout is not None
        line = process.stdout.readline()  # the change, printed when the engine took it
        assert line.strip(), "watch printed no change"
        polls = page_polls(server)
        wait_until(lambda: page_polls(server) >= polls + 5, what="unchanged polls after the change")
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        if process.stdout is not None:
            process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    assert whole_states(history) == ["operational", "major"]
    connection = sqlite3.connect(history)
    try:
        events = connection.execute("SELECT kind FROM incident_updates").fetchall()
    finally:
        connection.close()
    assert ("started",) in events, "the incident that came with the change is in the history"


class CountingParses:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = reader_module.parse_document

        def counting(parser: Parser, body: bytes, context: ParseContext) -> ParsedPage | str:
            self.calls += 1
            return original(parser, body, context)

        monkeypatch.setattr(reader_module, "parse_document", counting)


def test_an_identical_200_body_is_not_parsed_again(
    server: StatusServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve(server, OPERATIONAL)
    parses = CountingParses(monkeypatch)
    spec = ProviderSpec("p", "P", f"{server.url}/p/api/v2/summary.json", "statuspage")

    def scenario() -> tuple[list[object], int, list[object], int]:
        fetcher = Fetcher()
        try:
            page_reader = PageReader(fetcher)
            first = [page_reader.read(spec) for _ in range(5)]
            after_same = parses.calls
            serve(server, MAJOR)
            second = [page_reader.read(spec) for _ in range(3)]
            return first, after_same, second, parses.calls
        finally:
            fetcher.close()

    first, after_same, second, after_change = scenario()
    assert all(isinstance(page, ParsedPage) for page in (*first, *second))
    assert after_same == 1, "five polls of the same body: one parse"
    assert after_change == 2, "a new body is parsed once"
    assert all(page is first[0] for page in first), "the same page, not a copy"
    assert first[0] != second[0]
    assert all(response.status == 200 for response in server.requests_to(PAGE)), "no validators were used"
