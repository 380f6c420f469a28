"""The in-process figures, measured in a process of their own (so that the status server,
the X connection and the benchmark's own work do not count): trayapp's real Poller,
PageReader, Fetcher and Engine against pages served by `perf.py`.

Each mode prints one JSON object on stdout:

- ``rounds``: poll rounds over N pages (all due at once, as at start-up or after a wake):
  the first round (connections, 200s, parsing) and the next ones (conditional GETs);
  wall time, CPU time, parser calls and body bytes of each.
- ``soak``: the engine and the poller over two pages (shaped like OpenAI's and Anthropic's)
  polled back to back, for a given number of polls: resident memory after a warm-up and
  at the end, and the state file writes (how many, and their time).
- ``wire``: one 200 and one 304 of each page (and of its incident history) through
  trayapp's Fetcher, and two plain GETs of each page as the baseline does them, so that
  the server can weigh each on the wire.

    python benchmarks/poll_worker.py rounds --base http://127.0.0.1:PORT --counts 1,10,100

trayapp is imported from wherever Python finds it (`perf.py` sets PYTHONPATH to the tree
it measures).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from trayapp.adapters import ParseContext, Parser, parse_document
from trayapp.catalog import ProviderSpec
from trayapp.core.notices import Notice
from trayapp.engine import Engine
from trayapp.model import Failure, ParsedPage
from trayapp.settings import NotificationSettings
from trayapp.shell import reader as reader_module
from trayapp.shell import store as store_module
from trayapp.shell.fetch import Fetcher
from trayapp.shell.poller import Poller
from trayapp.shell.store import StateStore

#: The pages `perf.py` serves for each numbered provider and for the two default-shaped ones.
PAGE_PATH = "/p{index}/api/v2/summary.json"
OPENAI_PATH = "/openai/proxy/127.0.0.1"
ANTHROPIC_PATH = "/anthropic/api/v2/summary.json"
OPENAI_HISTORY = "/openai/feed.atom"
ANTHROPIC_HISTORY = "/anthropic/api/v2/incidents.json"


def rss_mb() -> float:
    """This process's resident memory, in MB."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    return float("nan")


class ParseCounter:
    """Counts the reader's calls into the parsers (a page answered by a 304 must add none)."""

    def __init__(self) -> None:
        self.calls = 0

        def counting(parser: Parser, body: bytes, context: ParseContext) -> ParsedPage | str:
            self.calls += 1
            return parse_document(parser, body, context)

        # The reader calls `parse_document` through its own module's global: wrap that one.
        vars(reader_module)["parse_document"] = counting


def numbered_specs(base: str, count: int) -> list[ProviderSpec]:
    """`count` Statuspage providers, one page each, as a config with `count` [[providers]] gives."""
    return [ProviderSpec(f"p{i}", f"Provider {i}", f"{base}/p{i}", "statuspage") for i in range(count)]


def default_specs(base: str) -> list[ProviderSpec]:
    """Two loopback providers shaped like the default config's OpenAI and Anthropic."""
    return [
        ProviderSpec("openai", "OpenAI", f"{base}/openai", "incidentio"),
        ProviderSpec("anthropic", "Anthropic", f"{base}/anthropic", "statuspage"),
    ]


class Collector:
    """Gathers poll results; `wait(n)` blocks until `n` have arrived since `reset()`."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.results: list[ParsedPage | Failure] = []

    def __call__(self, spec: ProviderSpec, result: ParsedPage | Failure) -> None:
        with self._cond:
            self.results.append(result)
            self._cond.notify_all()

    def reset(self) -> None:
        """Forget what arrived so far."""
        with self._cond:
            self.results = []

    def wait(self, count: int, timeout: float = 60.0) -> float:
        """Wait for `count` results; the monotonic time the last one arrived."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.results) >= count, timeout):
                raise TimeoutError(f"only {len(self.results)} of {count} poll results in {timeout} s")
        return time.monotonic()


def measure_rounds(base: str, counts: Sequence[int], rounds: int) -> dict[str, Any]:
    """Poll rounds over 1, 10, 100… pages with the real Poller: all providers due at once."""
    parses = ParseCounter()
    out: dict[str, Any] = {}
    for count in counts:
        collector = Collector()
        fetchers: list[Fetcher] = []

        def factory(fetchers: list[Fetcher] = fetchers) -> Fetcher:
            fetchers.append(Fetcher())
            return fetchers[-1]

        poller = Poller(numbered_specs(base, count), lambda _spec: 3600.0, collector, fetcher_factory=factory)
        measured = []
        for index in range(rounds):
            collector.reset()
            calls, cpu = parses.calls, time.process_time()
            received = fetchers[0].bytes_received if fetchers else 0
            started = time.monotonic()
            if index == 0:
                poller.start()
            else:
                poller.refresh_now()
            ended = collector.wait(count)
            failures = [r.reason for r in collector.results if isinstance(r, Failure)]
            measured.append(
                {
                    "wall": ended - started,
                    "cpu": time.process_time() - cpu,
                    "parses": parses.calls - calls,
                    "body_bytes": fetchers[0].bytes_received - received,
                    "failures": failures[:3],
                    "failed": len(failures),
                }
            )
        poller.stop()
        out[str(count)] = measured
    return {"rounds": out}


class CountingNotifier:
    """A notifier that only counts (a recording one would grow with every notice)."""

    def __init__(self) -> None:
        self.sent = 0

    def send(self, notice: Notice) -> None:
        """Count `notice`."""
        self.sent += 1


class WriteMeter:
    """Counts the state file writes (each is a temp file, fsync, rename, directory fsync)."""

    def __init__(self) -> None:
        self.writes = 0
        self.seconds = 0.0
        self.cpu = 0.0
        original: Callable[[Path, str], None] = store_module.write_atomically

        def metered(path: Path, text: str) -> None:
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                original(path, text)
            finally:
                self.writes += 1
                self.seconds += time.perf_counter() - started
                self.cpu += time.thread_time() - cpu

        store_module.write_atomically = metered


def measure_soak(base: str, polls: int, warmup: int, checkpoints: int) -> dict[str, Any]:
    """The engine and the poller, two pages polled back to back for `polls` polls in all."""
    meter = WriteMeter()
    parses = ParseCounter()
    notifier = CountingNotifier()
    specs = default_specs(base)
    done = threading.Event()
    count = [0]
    marks: list[tuple[int, float]] = []
    step = max(1, polls // checkpoints)
    with tempfile.TemporaryDirectory(prefix="trayapp-soak-") as state_dir:
        engine = Engine(specs, NotificationSettings(), notifier, StateStore(Path(state_dir) / "state.json"))

        def on_result(spec: ProviderSpec, result: ParsedPage | Failure) -> None:
            engine.handle(spec, result)
            count[0] += 1
            if count[0] == warmup or (count[0] > warmup and count[0] % step == 0):
                marks.append((count[0], rss_mb()))
            if count[0] >= polls:
                done.set()

        poller = Poller(specs, lambda _spec: 0.0, on_result, jitter=0.0)
        started, cpu = time.monotonic(), time.process_time()
        poller.start()
        if not done.wait(polls * 0.05 + 60):
            raise TimeoutError(f"only {count[0]} of {polls} polls")
        seconds, cpu = time.monotonic() - started, time.process_time() - cpu
        poller.stop()
    after_warmup = next(rss for n, rss in marks if n >= warmup)
    return {
        "soak": {
            "polls": count[0],
            "warmup": warmup,
            "seconds": seconds,
            "cpu": cpu,
            "rss_after_warmup": after_warmup,
            "rss_end": marks[-1][1],
            "marks": marks,
            "state_writes": meter.writes,
            "state_write_seconds": meter.seconds,
            "state_write_cpu": meter.cpu,
            "parses": parses.calls,
            "notices": notifier.sent,
        }
    }


def _wire(base: str) -> None:
    fetcher = Fetcher()
    try:
        for path in (OPENAI_PATH, ANTHROPIC_PATH, OPENAI_HISTORY, ANTHROPIC_HISTORY):
            first = fetcher.get(base + path)
            fetcher.get(base + path, etag=first.etag, last_modified=first.last_modified)
    finally:
        fetcher.close()


def measure_wire(base: str) -> dict[str, Any]:
    """A 200 and a 304 of each default-shaped page and history (trayapp), two plain GETs (baseline)."""
    import httpx

    _wire(base)
    with httpx.Client(headers={"User-Agent": "baseline/1.0"}) as client:
        for path in (OPENAI_PATH, ANTHROPIC_PATH):
            client.get(base + path)
            client.get(base + path)
    return {"wire": "done"}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one mode and print its JSON."""
    parser = argparse.ArgumentParser(description="in-process figures for benchmarks/perf.py")
    parser.add_argument("mode", choices=("rounds", "soak", "wire"))
    parser.add_argument("--base", required=True, help="the status server's base URL")
    parser.add_argument("--counts", default="1,10,100", help="rounds: numbers of pages")
    parser.add_argument("--rounds", type=int, default=3, help="rounds: rounds per count")
    parser.add_argument("--polls", type=int, default=10_000, help="soak: polls in all")
    parser.add_argument("--warmup", type=int, default=500, help="soak: polls before the first reading")
    parser.add_argument("--checkpoints", type=int, default=10, help="soak: memory readings")
    args = parser.parse_args(argv)
    if args.mode == "rounds":
        counts = [int(c) for c in args.counts.split(",") if c]
        result = measure_rounds(args.base, counts, args.rounds)
    elif args.mode == "soak":
        result = measure_soak(args.base, args.polls, min(args.warmup, args.polls), args.checkpoints)
    else:
        result = measure_wire(args.base)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
