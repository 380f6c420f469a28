"""Early warning, measured: lead time from an API edge failing to the warning, and requests per host.

Runs trayapp's real engine and poller (`watch`'s runtime, no tray) against a local status page and
a local API edge, with the probe and poll intervals shortened by `--scale` (60 s / 60 = 1 s by
default); the confirmations keep the same proportion (a tenth of the interval: 6 s at 60 s,
0.1 s at 1 s), so every time measured here, multiplied by the scale, is the time at the defaults.

Printed: the lead time over several trials (the edge starts failing at a random moment of the
probe cycle), and the requests each host gets a minute (scaled) in steady state and during a
failing spell. Usage:

    python benchmarks/early_warning.py [--trials 8] [--scale 60]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.server import Reply, StatusServer

EDGE = "/edge/v1/models"
SUMMARY = "/acme/api/v2/summary.json"
CALM = (
    b'{"status": {"indicator": "none"}, "components": [{"id": "c", "name": "API", "status": "operational"}]}'
)
DEFAULT_INTERVAL = 60.0


def _isolate(root: Path) -> None:
    """Keep the run's state and config away from the user's."""
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        (root / name).mkdir(parents=True, exist_ok=True)
        os.environ[name] = str(root / name)
    os.environ["NO_PROXY"] = "127.0.0.1,localhost"


def _wait(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.005)
    return False


def _per_minute(count: int, seconds: float, scale: float) -> float:
    return count / (seconds * scale) * 60.0


def trial(root: Path, interval: float, scale: float, seed: int) -> tuple[float, dict[str, float]]:
    """One run: steady traffic, then the edge fails at a random moment; lead time and rates."""
    from tests.support.notifiers import RecordingNotifier
    from trayapp import paths
    from trayapp.config import load_config
    from trayapp.watch import Watch

    server = StatusServer().start()
    server._httpd.handle_error = lambda *_: None  # connections the poller drops at the end: not news
    server.set(SUMMARY, CALM)
    server.set(EDGE, Reply(b'{"error": "no key"}', status=401))
    config_path = root / f"config-{seed}.toml"
    config_path.write_text(
        f"poll_interval = {interval}\nbuiltin = []\n[probes]\ninterval = {interval}\n"
        f'[[providers]]\nname = "Acme"\nurl = "{server.url}/acme"\nkind = "statuspage"\n'
        f'probe = "{server.url}{EDGE}"\n',
        "utf-8",
    )
    config, _ = load_config(config_path)
    state = paths.state_dir() / f"state-{seed}.json"
    watch = Watch(config, config_path, RecordingNotifier(), state, io.StringIO())
    watch.start()
    try:
        _wait(lambda: len(server.requests_to(EDGE)) >= 1, 10 * interval)
        steady_from = time.monotonic()
        edge0, page0 = len(server.requests_to(EDGE)), len(server.requests_to(SUMMARY))
        time.sleep(interval * (4 + random.Random(seed).random()))  # a random moment of the cycle
        steady = time.monotonic() - steady_from
        edge1, page1 = len(server.requests_to(EDGE)), len(server.requests_to(SUMMARY))
        server.set(EDGE, Reply(b"upstream connect error", status=503, content_type="text/plain"))
        failing_from = time.monotonic()
        view = lambda: watch.engine.snapshot().provider("acme")  # noqa: E731
        _wait(lambda: view() is not None and view().suspected is not None, 10 * interval)  # type: ignore[union-attr]
        lead = time.monotonic() - failing_from
        # The first minute of the failing spell (scaled): the burst and what follows.
        time.sleep(max(0.0, failing_from + interval - time.monotonic()))
        edge2, page2 = len(server.requests_to(EDGE)), len(server.requests_to(SUMMARY))
    finally:
        watch.stop()
        server.stop()
    rates = {
        "edge steady": _per_minute(edge1 - edge0, steady, scale),
        "page steady": _per_minute(page1 - page0, steady, scale),
        "edge, first interval of a failing spell": _per_minute(edge2 - edge1, interval, scale),
        "page, first interval of a failing spell": _per_minute(page2 - page1, interval, scale),
    }
    return lead, rates


def main() -> int:
    """Run the trials and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--scale", type=float, default=60.0, help="the defaults' interval / the one run here")
    args = parser.parse_args()
    interval = DEFAULT_INTERVAL / args.scale
    with tempfile.TemporaryDirectory(prefix="trayapp-early-") as temp:
        _isolate(Path(temp))
        results = [trial(Path(temp), interval, args.scale, seed) for seed in range(args.trials)]
    leads = [lead * args.scale for lead, _ in results]
    print(f"early warning at the defaults (simulated at {interval:g} s intervals, x{args.scale:g})")
    print()
    print("| figure | value |")
    print("|---|---|")
    print(f"| lead time, edge failing to suspected: median | {statistics.median(leads):.0f} s |")
    print(f"| lead time: worst of {len(leads)} | {max(leads):.0f} s |")
    print(f"| lead time: bound (1.5 x interval) | {1.5 * DEFAULT_INTERVAL:.0f} s |")
    for name in results[0][1]:
        values = [rates[name] for _, rates in results]
        print(
            f"| requests a minute, {name}: mean (max) | {statistics.mean(values):.1f} ({max(values):.1f}) |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
