"""The cost of an unchanged poll, in process: the reader, the engine, the history and the state file.

    PYTHONPATH=. python benchmarks/idle_profile.py --polls 10000 [--profile 15]

A Fetcher stand-in answers every request with the same 200 body and no validators (a page
that sends no ETag), so that what is measured is what trayapp does with an unchanged answer,
not the network: the PageReader, the Engine (with a StateStore and a HistoryRecorder in a
temporary folder) and a listener shaped like the tray's (what the icon, tooltip and menu
show). Prints the CPU per poll, the bytes and write calls the process made meanwhile
(`/proc/self/io`), and with `--profile N` the N costliest functions by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script: the tests' recording notifier is needed
    sys.path.insert(0, str(REPO_ROOT))
FIXTURE = REPO_ROOT / "tests" / "fixtures" / "statuspage" / "summary_all_operational.json"


def io_counters() -> dict[str, int]:
    """This process's write_bytes and syscw (Linux)."""
    values = {}
    for line in Path("/proc/self/io").read_text(encoding="ascii").splitlines():
        key, _, value = line.partition(":")
        values[key] = int(value)
    return {"write_bytes": values.get("write_bytes", 0), "syscw": values.get("syscw", 0)}


class SameAnswer:
    """A Fetcher stand-in: the same 200 body, no validators, every time."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.requests = 0

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Any:
        """The answer."""
        from trayapp.shell.fetch import Fetched

        self.requests += 1
        if url.endswith("incidents.json"):
            from trayapp.shell.fetch import FetchError

            raise FetchError("HTTP 404")
        return Fetched(self.body, None, None)

    def close(self) -> None:
        """Nothing to close."""


def run(polls: int, profile: int) -> dict[str, float]:
    """Poll one page `polls` times after a warm-up; the figures."""
    from tests.support.notifiers import RecordingNotifier
    from trayapp.catalog import ProviderSpec
    from trayapp.core.menu import UiState, build_menu, tooltip
    from trayapp.engine import Engine
    from trayapp.settings import NotificationSettings
    from trayapp.shell.history.recorder import HistoryRecorder
    from trayapp.shell.reader import PageReader
    from trayapp.shell.store import StateStore

    folder = Path(tempfile.mkdtemp(prefix="trayapp-idle-"))
    spec = ProviderSpec("p", "P", "http://127.0.0.1:9/p", "statuspage")
    history = HistoryRecorder(folder / "history.sqlite3")
    engine = Engine(
        [spec],
        NotificationSettings(),
        RecordingNotifier(),
        StateStore(folder / "state.json"),
        history=history,
    )
    shown: list[object] = [None]

    def tray_like(snapshot: Any, _events: Any) -> None:
        # What the tray does with a snapshot: what it would show, but the poll times; the
        # menu only when that changed (`TrayController._shown`).
        views = tuple(replace(view, checked_at=None, last_success_at=None) for view in snapshot.providers)
        key = (views, snapshot.offline, tooltip(snapshot))
        if key != shown[0]:
            shown[0] = key
            build_menu(snapshot, UiState())

    engine.add_listener(tray_like)
    reader = PageReader(SameAnswer(FIXTURE.read_bytes()))  # type: ignore[arg-type]

    def poll(count: int) -> None:
        for _ in range(count):
            engine.handle(spec, reader.read(spec))

    poll(20)  # the first read, its confirmation, the first writes
    history.sync()
    profiler = cProfile.Profile() if profile else None
    written = io_counters()
    cpu = time.process_time()
    if profiler is not None:
        profiler.enable()
    poll(polls)
    if profiler is not None:
        profiler.disable()
    cpu = time.process_time() - cpu
    time.sleep(0.5)  # the history thread, had it anything to write
    after = io_counters()
    history.close()
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(profile)
        print(out.getvalue(), file=sys.stderr)
    return {
        "polls": polls,
        "cpu_per_poll_us": cpu / polls * 1e6,
        "write_bytes": after["write_bytes"] - written["write_bytes"],
        "write_calls": after["syscw"] - written["syscw"],
    }


def main() -> None:
    """Run and print the figures as one line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--polls", type=int, default=10_000)
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    figures = run(parser.parse_args().polls, parser.parse_args().profile)
    print(
        f"{figures['polls']} unchanged polls: {figures['cpu_per_poll_us']:.0f} µs CPU each; "
        f"{figures['write_bytes']} bytes written in {figures['write_calls']} write calls"
    )


if __name__ == "__main__":
    main()
