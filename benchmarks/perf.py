"""trayapp's running costs, measured side by side with a minimal pystray script.

    .venv/bin/python benchmarks/perf.py            # the full run, about 10 minutes
    .venv/bin/python benchmarks/perf.py --quick    # shortened windows, about 2 minutes (not publishable)
    .venv/bin/python benchmarks/perf.py --quick --only idle --backend sni   # trayapp on its D-Bus tray

Both apps run on a private headless desktop (Xvfb, trayer as the tray host, a private
D-Bus session with a notification server: `tests/support/desktop.py`) against status pages
served on 127.0.0.1, on the same pystray backend: the one trayapp chooses there by itself
(GTK: an XEmbed tray and no StatusNotifierWatcher), forced with PYSTRAY_BACKEND for the
baseline (pystray alone would pick AppIndicator). `--backend` forces one for both.
Nothing touches the network or the home directory: HOME and the XDG directories point to
a temporary folder. `--only` runs some sections; the in-process ones (rounds, wire, soak)
need no display.

`--backend sni` measures trayapp on its own D-Bus tray instead, a StatusNotifierItem
(`trayapp/shell/dbus/sni.py`): a fake StatusNotifierWatcher + host (`tests/support/sni_host.py`)
owns its name on the desktop's private bus, trayapp chooses that tray by itself (the harness
checks that it did: its log says so, and the item registered from its process), and the
baseline stays on pystray's xorg backend in trayer (the bare script has no D-Bus tray:
pystray's own one, appindicator, goes through PyGObject, GTK and libayatana-appindicator, which
a pystray + httpx script does not need and which costs it about three times the memory; the
lean X11 script stays the reference). The memory target is then 1.25 × the baseline's instead
of 1.2 ×. Only the idle section and the in-process ones run in that mode (start-up, latency
and scaling read the icon's pixels in the X tray); `--only` naming one of those with
`--backend sni` is an error.

The baseline (`benchmarks/baseline_app.py`) is a pystray icon that polls one page with
httpx every interval and calls plyer when its colour changes. trayapp runs with the
default config's shape: two providers, an incident.io page like OpenAI's and a
Statuspage page like Anthropic's, every 60 s.

Figures: resident memory after 5 minutes idle; CPU and thread wake-ups over a 60 s idle
window (every wake-up is matched against the poll requests the server saw); start-up to
the icon docked in the tray; a poll round over 1, 10 and 100 pages; whether an unchanged
page costs a 304 and no parsing; detection latency at a 0.5 s interval; memory growth
over 10,000 polls; how the cost grows with the number of providers; what a user costs a
status page host. It prints one table (figure | trayapp | baseline | ratio | target |
result) with the machine, then the details. Exit status: 0 every target met, 1 a target
missed, 2 the benchmark itself failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from jeepney.bus_messages import message_bus

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.measure import (  # noqa: E402
    Hit,
    MeteredServer,
    WakeRecord,
    WakeSampler,
    machine,
    pss_mb,
    rss_mb,
)
from tests.support.desktop import Desktop, DesktopError, classify, wait_for  # noqa: E402
from tests.support.sni_host import FakeWatcherHost, Registration  # noqa: E402

OPENAI_PATH = "/openai/proxy/127.0.0.1"
ANTHROPIC_PATH = "/anthropic/api/v2/summary.json"
PAGE_PATH = "/p{index}/api/v2/summary.json"
# The pages' incident histories, which trayapp reads at start and then once an hour.
OPENAI_HISTORY = "/openai/feed.atom"
ANTHROPIC_HISTORY = "/anthropic/api/v2/incidents.json"
PAGE_HISTORY = "/p{index}/api/v2/incidents.json"
HISTORY_PER_HOUR = 1
OPERATIONAL = "statuspage/summary_all_operational.json"
MAJOR = "statuspage/summary_major_outage.json"
TRAYAPP_AGENT = "trayapp/"
BASELINE_AGENT = "baseline/"
SECTIONS = ("startup", "idle", "latency", "scaling", "rounds", "soak", "wire")
DESKTOP_SECTIONS = frozenset({"startup", "idle", "latency", "scaling"})
# The sections that see the icon as pixels in the X tray: not measurable on a D-Bus tray.
X_TRAY_SECTIONS = frozenset({"startup", "latency", "scaling"})
# trayapp's StatusNotifierItem backend (`--backend sni`), and the baseline's tray meanwhile.
SNI = "sni"
SNI_BASELINE_BACKEND = "xorg"
SCALING_COUNTS = (1, 10, 100)
DEFAULT_INTERVAL = 60.0
LATENCY_INTERVAL = 0.5
SCALING_INTERVAL = 5.0
# Resident memory allowed over the baseline's, by pystray backend: the X11 ones (xorg, gtk)
# 1.2 ×; a StatusNotifierItem tray over D-Bus ("appindicator", or trayapp's own D-Bus backend
# when `--backend` names it) 1.25 ×.
RSS_TARGETS = {"appindicator": 1.25, "dbus": 1.25, "sni": 1.25}
RSS_TARGET_X11 = 1.2
# A thread wake-up belongs to a poll when it falls this close to one of the app's requests.
POLL_BEFORE, POLL_AFTER = 0.3, 1.0


@dataclass(frozen=True)
class Settings:
    """How long each figure is measured; `quick` shortens everything."""

    quick: bool
    startup_runs: int
    idle_rss_at: float
    cpu_window: float
    latency_reps: int
    soak_polls: int
    scaling_window: float

    @classmethod
    def make(cls, args: argparse.Namespace) -> Settings:
        """The full run's settings, or the quick ones; explicit options override either."""
        if args.quick:
            made = cls(True, 3, 20.0, 10.0, 4, 2_000, 10.0)
        else:
            made = cls(False, 7, 300.0, 60.0, 10, 10_000, 30.0)
        return replace(
            made,
            soak_polls=args.soak_polls or made.soak_polls,
            idle_rss_at=args.idle_seconds or made.idle_rss_at,
            cpu_window=args.window_seconds or made.cpu_window,
        )


@dataclass
class Row:
    """One line of the results table; `ok` None is information only."""

    figure: str
    trayapp: str
    baseline: str = "—"
    ratio: str = "—"
    target: str = "—"
    ok: bool | None = None
    order: int = 0  # the table lists the figures in the order, whatever ran first

    @property
    def result(self) -> str:
        """pass / FAIL / info."""
        return "info" if self.ok is None else "pass" if self.ok else "FAIL"


@dataclass
class Report:
    """Rows of the table, detail sections, raw figures."""

    rows: list[Row] = field(default_factory=list)
    details: list[tuple[str, list[str]]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    def detail(self, title: str, lines: list[str]) -> None:
        """Add a section printed under the table."""
        self.details.append((title, lines))


def ms(seconds: float) -> str:
    """Seconds as milliseconds, e.g. '212 ms'."""
    return f"{seconds * 1000:.0f} ms"


def mb(value: float) -> str:
    """Megabytes with one decimal."""
    return f"{value:.1f} MB"


def kb(value: float) -> str:
    """Bytes as kB (10^3) with one decimal."""
    return f"{value / 1000:.1f} kB"


def ratio(a: float, b: float) -> str:
    """a / b with two decimals."""
    return f"{a / b:.2f}" if b else "—"


# --------------------------------------------------------------------------- the bench


class Bench:
    """The shared pieces: settings, the status server, temporary homes, the report."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.settings = Settings.make(args)
        self.sections: list[str] = args.only
        self.src = Path(args.trayapp_src).resolve() if args.trayapp_src else REPO_ROOT
        self.forced_backend: str | None = args.backend
        self.idle_interval: float = args.idle_interval
        self.backend = "?"
        self.workdir = workdir
        self.report = Report()
        self.server = MeteredServer()
        self.server.start()
        self.server.set_fixture(OPENAI_PATH, "incidentio/proxy_all_operational.json")
        self.server.set_fixture(ANTHROPIC_PATH, OPERATIONAL)
        self.server.set_fixture(OPENAI_HISTORY, "incidentio/feed.atom")
        self.server.set_fixture(ANTHROPIC_HISTORY, "statuspage/incidents_history.json")
        for index in range(max(SCALING_COUNTS)):
            self.server.set_fixture(PAGE_PATH.format(index=index), OPERATIONAL)
            self.server.set_fixture(PAGE_HISTORY.format(index=index), "statuspage/incidents_history.json")
        self._homes = 0
        self.rng = random.Random(6)

    def close(self) -> None:
        """Stop the server."""
        self.server.stop()

    def home(self, name: str) -> dict[str, str]:
        """HOME and XDG variables for a fresh, private home called `name`."""
        self._homes += 1
        root = self.workdir / f"home-{self._homes}-{name}"
        env = {"HOME": str(root)}
        for variable, sub in (
            ("XDG_CONFIG_HOME", "config"),
            ("XDG_STATE_HOME", "state"),
            ("XDG_CACHE_HOME", "cache"),
            ("XDG_DATA_HOME", "data"),
        ):
            (root / sub).mkdir(parents=True)
            env[variable] = str(root / sub)
        return env

    @property
    def baseline_backend(self) -> str:
        """The baseline's pystray backend: trayapp's, or xorg beside trayapp's D-Bus tray."""
        return SNI_BASELINE_BACKEND if self.backend == SNI else self.backend

    def python_env(self) -> dict[str, str]:
        """PYTHONPATH for the trayapp tree being measured."""
        return {"PYTHONPATH": str(self.src)}

    def config(
        self, home: dict[str, str], interval: float, providers: Sequence[tuple[str, str, str]]
    ) -> Path:
        """A config file in `home` with `providers` (name, url, kind) and no built-in ones."""
        blocks = "".join(
            f'\n[[providers]]\nname = "{name}"\nurl = "{url}"\nkind = "{kind}"\n'
            for name, url, kind in providers
        )
        path = Path(home["XDG_CONFIG_HOME"], "trayapp", "config.toml")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"poll_interval = {interval}\nbuiltin = []\n{blocks}", encoding="utf-8")
        return path

    def default_config(self, home: dict[str, str], interval: float = DEFAULT_INTERVAL) -> Path:
        """The default config's shape on loopback: OpenAI-like and Anthropic-like pages."""
        base = self.server.url
        return self.config(
            home,
            interval,
            [("OpenAI", f"{base}/openai", "incidentio"), ("Anthropic", f"{base}/anthropic", "statuspage")],
        )

    def numbered_config(self, home: dict[str, str], count: int, interval: float) -> Path:
        """A config with `count` Statuspage providers."""
        base = self.server.url
        return self.config(
            home, interval, [(f"Provider {i}", f"{base}/p{i}", "statuspage") for i in range(count)]
        )

    # ---------------------------------------------------------------- apps on the desktop

    def spawn_trayapp(self, desktop: Desktop, home: dict[str, str], config: Path, name: str) -> Any:
        """Start `python -m trayapp --config CONFIG` on the desktop.

        trayapp chooses its backend itself, as for a user (the choice costs a D-Bus query),
        unless `--backend` forces one; `detect_backend` has checked it is the baseline's.
        With `--backend sni` it chooses too (a watcher is on the bus): `wait_for_sni_item` checks.
        """
        forced = (
            {"PYSTRAY_BACKEND": self.forced_backend}
            if self.forced_backend and self.forced_backend != SNI
            else {}
        )
        env = desktop.full_env({**home, **self.python_env(), **forced})
        return desktop.spawn(
            [sys.executable, "-m", "trayapp", "--config", str(config)], env=env, name=name, cwd=self.src
        )

    def spawn_baseline(self, desktop: Desktop, home: dict[str, str], interval: float, name: str) -> Any:
        """Start the baseline app polling the Anthropic-like page."""
        env = desktop.full_env({**home, "PYSTRAY_BACKEND": self.baseline_backend})
        # The same pages as trayapp's, at the same rate: the CPU ratio is per request.
        args = [
            sys.executable,
            str(REPO_ROOT / "benchmarks" / "baseline_app.py"),
            "--url",
            self.server.url + ANTHROPIC_PATH,
            "--url",
            self.server.url + OPENAI_PATH,
            "--interval",
            str(interval),
        ]
        return desktop.spawn(args, env=env, name=name, cwd=REPO_ROOT)

    def spawn(self, desktop: Desktop, app: str, interval: float, name: str) -> tuple[Any, dict[str, str]]:
        """Start `app` ('trayapp' or 'baseline') with the default config's shape at `interval`."""
        home = self.home(name)
        if app == "trayapp":
            return self.spawn_trayapp(desktop, home, self.default_config(home, interval), name), home
        return self.spawn_baseline(desktop, home, interval, name), home

    def detect_backend(self, desktop: Desktop) -> str:
        """The pystray backend trayapp picks on this desktop (PYSTRAY_BACKEND unset)."""
        env = desktop.full_env({**self.home("backend"), **self.python_env()})
        env.pop("PYSTRAY_BACKEND", None)
        found = subprocess.run(
            [
                sys.executable,
                "-c",
                "from trayapp.shell.tray import choose_backend; print(choose_backend()[0])",
            ],
            env=env,
            cwd=self.src,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return found.stdout.strip().splitlines()[-1]


def stop(desktop: Desktop, *popens: Any) -> None:
    """Stop spawned apps and wait until the tray is empty."""
    for popen in popens:
        desktop.stop(popen, timeout=5)
    desktop.wait_for_no_icon(10)


def wait_for_icons(
    desktop: Desktop,
    count: int,
    popens: Sequence[Any],
    timeout: float = 30.0,
    redock_after: float | None = None,
) -> float:
    """Poll the tray every 2 ms until `count` icons are docked; the monotonic time it happened.

    `redock_after` as for `wait_for_state` (only for the baseline on pystray's xorg backend).
    """
    deadline = time.monotonic() + timeout
    seen = time.monotonic()
    while True:
        now = time.monotonic()
        if len(desktop.icon_rects()) >= count:
            return now
        if redock_after is not None and now - seen > redock_after:
            desktop.redock_stray_icons()
            seen = now
        for popen in popens:
            if popen.poll() is not None:
                raise DesktopError(f"an app exited with {popen.returncode}:\n{desktop.logs()}")
        if time.monotonic() > deadline:
            raise DesktopError(f"{count} icon(s) not docked after {timeout:g} s:\n{desktop.logs()}")
        time.sleep(0.002)


def wait_for_sni_item(
    desktop: Desktop, watcher: FakeWatcherHost, app: Any, home: dict[str, str], timeout: float = 30.0
) -> Registration:
    """Wait until trayapp's StatusNotifierItem is registered with `watcher`; the registration.

    It must come from trayapp's own process, and trayapp's log must say it chose the D-Bus
    tray by itself (a watcher on the session bus), or the figures are not that backend's.
    """

    def registered() -> Registration | None:
        if app.poll() is not None:
            raise DesktopError(f"trayapp exited with {app.returncode}")
        return watcher.item() if watcher.registrations else None

    try:
        item = wait_for(registered, timeout, "trayapp's StatusNotifierItem to register", interval=0.002)
    except DesktopError as error:
        raise DesktopError(f"{error}\n{desktop.logs()}") from None
    pid = desktop.bus_call(message_bus.GetConnectionUnixProcessID(item.sender))[0]
    if pid != app.pid:
        raise DesktopError(
            f"the StatusNotifierItem {item.service} belongs to pid {pid}, not trayapp's {app.pid}"
        )
    log = Path(home["XDG_STATE_HOME"], "trayapp", "log", "trayapp.log")

    def logged() -> str | None:
        text = log.read_text(encoding="utf-8") if log.exists() else ""
        return text if "tray backend: " in text else None

    chose = wait_for(logged, 5, f"trayapp's tray backend in {log}")
    if f"tray backend: {SNI} (a StatusNotifierWatcher is on the session bus)" not in chose:
        raise DesktopError(f"trayapp did not choose its D-Bus tray by itself:\n{chose[-2000:]}")
    return item


def wait_for_state(
    desktop: Desktop, state: str, timeout: float = 20.0, redock_after: float | None = None
) -> float:
    """Poll the icon's colour every 2 ms until it reads as `state`; the monotonic time it did.

    `redock_after`: when no icon has been docked for that long, offer undocked XEmbed icons
    to the tray again (pystray's xorg backend under trayer loses icons; only for an app that
    does not re-dock itself, i.e. the baseline; counted in `desktop.redocks`).
    """
    deadline = time.monotonic() + timeout
    seen = time.monotonic()
    while True:
        colour = desktop.tray_icon_colour()
        now = time.monotonic()
        if colour is not None and classify(colour) == state:
            return now
        if colour is not None or desktop.icon_rects():
            seen = now
        elif redock_after is not None and now - seen > redock_after:
            desktop.redock_stray_icons()
            seen = now
        if now > deadline:
            raise DesktopError(
                f"the icon did not turn {state} in {timeout:g} s (last {colour}):\n{desktop.logs()}"
            )
        time.sleep(0.002)


# --------------------------------------------------------------------------- desktop figures


def measure_startup(bench: Bench, desktop: Desktop) -> None:
    """Spawn → icon docked (and → first status colour), alternating apps, one warm-up each."""
    runs = bench.settings.startup_runs
    docked: dict[str, list[float]] = {"trayapp": [], "baseline": []}
    coloured: dict[str, list[float]] = {"trayapp": [], "baseline": []}
    homes = {app: bench.home(f"startup-{app}") for app in docked}
    configs = {"trayapp": bench.default_config(homes["trayapp"])}
    for run in range(runs + 1):
        for app in ("trayapp", "baseline"):
            name = f"startup-{app}-{run}"
            started = time.monotonic()
            if app == "trayapp":
                popen = bench.spawn_trayapp(desktop, homes[app], configs[app], name)
            else:
                popen = bench.spawn_baseline(desktop, homes[app], DEFAULT_INTERVAL, name)
            at_dock = wait_for_icons(desktop, 1, [popen])
            at_colour = wait_for_state(desktop, "operational")
            stop(desktop, popen)
            if run > 0:  # the first run of each warms the page cache and writes the state file
                docked[app].append(at_dock - started)
                coloured[app].append(at_colour - started)
    tray, base = statistics.median(docked["trayapp"]), statistics.median(docked["baseline"])
    bench.report.rows.append(
        Row(
            f"cold start to icon docked (median of {runs})",
            ms(tray),
            ms(base),
            ratio(tray, base),
            "≤ 1 s and ≤ 1.3 × baseline",
            tray <= 1.0 and tray <= 1.3 * base,
            order=30,
        )
    )
    tray_c, base_c = statistics.median(coloured["trayapp"]), statistics.median(coloured["baseline"])
    bench.report.rows.append(
        Row("start to first status colour (median)", ms(tray_c), ms(base_c), ratio(tray_c, base_c), order=31)
    )
    lines = [
        f"{app}: docked {', '.join(map(ms, docked[app]))}; colour {', '.join(map(ms, coloured[app]))}"
        for app in docked
    ]
    lines.append(
        "Each run: spawn the process, poll the tray every 2 ms; page cache warm (one run discarded)."
    )
    bench.report.detail("Start-up runs", lines)
    bench.report.raw["startup"] = {"docked": docked, "coloured": coloured}


def attribute_wakes(record: WakeRecord, polls: Sequence[float], period: float) -> tuple[int, list[str]]:
    """(wake-ups near a poll, descriptions of the others); a sample at t covers (t - period, t]."""
    near = 0
    stray: list[str] = []
    for wake in record.wakes:
        if any(p - POLL_BEFORE <= wake.at and wake.at - period <= p + POLL_AFTER for p in polls):
            near += 1
        else:
            stray.append(f"+{wake.at - record.started:.1f} s {wake.tid} ({wake.name}) ×{wake.switches}")
    return near, stray


def measure_idle(bench: Bench, desktop: Desktop) -> None:
    """Both apps side by side at the default 60 s: CPU and wake-ups over a window, RSS at the end.

    With `--backend sni` a fake StatusNotifierWatcher + host is on the desktop's bus meanwhile.
    """
    if bench.backend != SNI:
        idle_side_by_side(bench, desktop, None)
        return
    with FakeWatcherHost(desktop.bus_address) as watcher:
        idle_side_by_side(bench, desktop, watcher)


def idle_side_by_side(bench: Bench, desktop: Desktop, watcher: FakeWatcherHost | None) -> None:
    """The idle section; trayapp's icon on `watcher` when there is one, else in the X tray."""
    s = bench.settings
    tray, tray_home = bench.spawn(desktop, "trayapp", bench.idle_interval, "idle-trayapp")
    base, _ = bench.spawn(desktop, "baseline", bench.idle_interval, "idle-baseline")
    started = time.monotonic()
    where = wait_for_idle_icons(bench, desktop, watcher, (tray, tray_home), base)
    window_start = started + s.idle_rss_at - s.cpu_window
    time.sleep(max(0.0, window_start - time.monotonic()))
    sampler = WakeSampler([tray.pid, base.pid]).start()
    disk_before = {pid: disk_writes(pid) for pid in (tray.pid, base.pid)}
    state_file = Path(tray_home["XDG_STATE_HOME"], "trayapp", "state.json")
    writes = count_replacements(state_file, started + s.idle_rss_at)
    records = sampler.stop()
    disk = {
        pid: tuple(b - a for a, b in zip(disk_before[pid], disk_writes(pid), strict=True))
        for pid in disk_before
    }
    memory = {pid: (rss_mb(pid), pss_mb(pid)) for pid in (tray.pid, base.pid)}
    hits = {
        "trayapp": bench.server.hits_since(records[tray.pid].started, TRAYAPP_AGENT),
        "baseline": bench.server.hits_since(records[base.pid].started, BASELINE_AGENT),
    }
    all_tray_hits = bench.server.hits_since(started, TRAYAPP_AGENT)
    stop(desktop, tray, base)

    (tray_rss, tray_pss), (base_rss, base_pss) = memory[tray.pid], memory[base.pid]
    label = f"{s.idle_rss_at / 60:.3g} min" if s.idle_rss_at >= 60 else f"{s.idle_rss_at:g} s (quick)"
    bench.report.rows.append(
        Row(
            f"idle resident memory after {label}",
            mb(tray_rss),
            mb(base_rss),
            ratio(tray_rss, base_rss),
            f"≤ {rss_target(bench.backend):g} × baseline",
            tray_rss <= rss_target(bench.backend) * base_rss,
            order=10,
        )
    )
    bench.report.rows.append(
        Row("idle proportional memory (PSS)", mb(tray_pss), mb(base_pss), ratio(tray_pss, base_pss), order=11)
    )
    cpu = {app: records[popen.pid] for app, popen in (("trayapp", tray), ("baseline", base))}
    pct = {app: 100 * rec.cpu / rec.seconds for app, rec in cpu.items()}
    window = f"{s.cpu_window:g} s" + ("" if s.cpu_window >= 60 else " (quick)")
    bench.report.rows.append(
        Row(
            f"idle CPU, {window} window",
            f"{pct['trayapp']:.3f} %",
            f"{pct['baseline']:.3f} %",
            ratio(pct["trayapp"], pct["baseline"]) if pct["baseline"] > 0 else "—",
            "≤ 0.2 % of one core",
            pct["trayapp"] <= 0.2,
            order=20,
        )
    )
    per_minute = 60.0 / s.cpu_window
    (tray_bytes, tray_calls), (base_bytes, base_calls) = disk[tray.pid], disk[base.pid]
    bench.report.rows.append(
        Row(
            f"bytes written to disk, {window} window of unchanged pages",
            f"{tray_bytes} B in {tray_calls} write calls "
            f"({tray_bytes * per_minute:.0f} B and {tray_calls * per_minute:.0f} write calls per minute)",
            f"{base_bytes} B in {base_calls} write calls",
            "—",
            "0 B",
            tray_bytes == 0,
            order=22,
        )
    )
    per_request = {
        app: cpu[app].cpu / len(hits[app]) if hits[app] else float("nan") for app in ("trayapp", "baseline")
    }
    bench.report.rows.append(
        Row(
            f"CPU per unchanged poll (per request), {window} window",
            f"{per_request['trayapp'] * 1000:.2f} ms ({len(hits['trayapp'])} requests)",
            f"{per_request['baseline'] * 1000:.2f} ms ({len(hits['baseline'])} requests)",
            ratio(per_request["trayapp"], per_request["baseline"]),
            "≤ 1.5 × baseline",
            per_request["trayapp"] <= 1.5 * per_request["baseline"],
            order=23,
        )
    )
    stray: dict[str, list[str]] = {}
    near: dict[str, int] = {}
    lines = [where] if where else []
    for app, record in cpu.items():
        polls = [hit.at for hit in hits[app]]
        near[app], stray[app] = attribute_wakes(record, polls, sampler.period)
        threads = ", ".join(
            f"{tid} {record.names.get(tid, '?')}: {count} ({record.runtime_ns.get(tid, 0) / 1e6:.1f} ms)"
            for tid, count in sorted(record.per_thread().items())
        )
        lines.append(
            f"{app}: {len(polls)} poll request(s) in the window; CPU {record.cpu * 1000:.1f} ms over "
            f"{record.seconds:.0f} s ({record.cpu_ticks * 1000:.0f} ms in clock ticks); "
            f"context switches (CPU) per thread: {threads}"
        )
        if stray[app]:
            lines.append(f"  wake-ups away from any poll: {'; '.join(stray[app][:12])}")
    bench.report.rows.append(
        Row(
            f"wake-ups away from a poll, {window}",
            f"{len(stray['trayapp'])} (near polls: {near['trayapp']})",
            f"{len(stray['baseline'])} (near polls: {near['baseline']})",
            "—",
            "0: only the poll timer",
            not stray["trayapp"],
            order=21,
        )
    )
    lines.append(
        f"Threads sampled every {sampler.period * 1000:.0f} ms (/proc/<pid>/task/*/status); a wake-up is "
        f"'near a poll' within {POLL_BEFORE:g} s before to {POLL_AFTER:g} s after one of the app's requests."
    )
    polls_in_window = len(hits["trayapp"])
    lines.append(
        f"trayapp state file writes in the window: {writes} for {polls_in_window} poll(s) "
        f"(each write: a temp file, fsync, rename, directory fsync)."
    )
    later = [h for h in all_tray_hits if h.path in (OPENAI_PATH, ANTHROPIC_PATH)][2:]
    statuses = sorted({(h.status, h.body_bytes) for h in later})
    lines.append(
        f"trayapp's {len(later)} polls after the first of each page got (status, body bytes): {statuses}; "
        f"its requests in all: {len(all_tray_hits)} (with the pages' incident histories, read once at start)."
    )
    bench.report.detail("Idle", lines)
    bench.report.raw["idle"] = {
        "trays": {"trayapp": bench.backend, "baseline": bench.baseline_backend},
        "rss": {"trayapp": tray_rss, "baseline": base_rss},
        "pss": {"trayapp": tray_pss, "baseline": base_pss},
        "cpu_percent": pct,
        "stray": stray,
        "near": near,
        "state_writes": writes,
        "disk_writes": {"trayapp": disk[tray.pid], "baseline": disk[base.pid]},
        "per_thread": {app: {str(k): v for k, v in rec.per_thread().items()} for app, rec in cpu.items()},
    }


def wait_for_idle_icons(
    bench: Bench,
    desktop: Desktop,
    watcher: FakeWatcherHost | None,
    trayapp: tuple[Any, dict[str, str]],
    base: Any,
) -> str | None:
    """Wait until both apps show their icons: two in the X tray, or trayapp's item on `watcher`.

    With a watcher, a line for the details saying where each icon is.
    """
    tray, tray_home = trayapp
    if watcher is None:
        wait_for_icons(desktop, 2, [tray, base])
        return None
    item = wait_for_sni_item(desktop, watcher, tray, tray_home)
    before = desktop.redocks
    # Only the baseline docks in trayer; it gets the harness's help there (xorg backend).
    wait_for_icons(desktop, 1, [tray, base], redock_after=3.0)
    redocks = desktop.redocks - before
    helped = f", re-offered to trayer {redocks}× by the harness" if redocks else ""
    return (
        f"trayapp's icon: a StatusNotifierItem ({item.service}{item.path}) registered with the fake "
        f"StatusNotifierWatcher + host, trayapp's own choice of tray; baseline on {bench.baseline_backend}: "
        f"the bare script has no D-Bus tray (its icon docked in trayer{helped})."
    )


def rss_target(backend: str) -> float:
    """The most resident memory allowed, as a multiple of the baseline's, on `backend`."""
    return RSS_TARGETS.get(backend, RSS_TARGET_X11)


def disk_writes(pid: int) -> tuple[int, int]:
    """(bytes the process caused to be written to storage, its write calls): /proc/<pid>/io."""
    values = {}
    for line in Path(f"/proc/{pid}/io").read_text(encoding="ascii").splitlines():
        key, _, value = line.partition(":")
        values[key] = int(value)
    return values.get("write_bytes", 0), values.get("syscw", 0)


def count_replacements(path: Path, until: float) -> int:
    """How many times `path` was replaced (atomic writes: a new inode each) until `until`."""
    count = 0
    last: int | None = None
    while time.monotonic() < until:
        try:
            inode = path.stat().st_ino
        except FileNotFoundError:
            inode = None
        if inode is not None and last is not None and inode != last:
            count += 1
        last = inode if inode is not None else last
        time.sleep(0.02)
    return count


def measure_latency(bench: Bench, desktop: Desktop) -> None:
    """Page changes → icon colour changes, at a 0.5 s interval, repeated at random phases.

    A change not seen within 10 s counts as a lost icon (pystray's xorg backend under trayer
    loses icons; the GTK backend does not), and the measurement goes on with the next one.
    """
    reps = bench.settings.latency_reps
    found: dict[str, list[float]] = {}
    lost: dict[str, int] = {}
    redocks: dict[str, int] = {}
    for app in ("trayapp", "baseline"):
        # trayapp re-docks its own xorg icon; the bare script needs the harness's help under trayer.
        redock = 1.0 if app == "baseline" and bench.backend == "xorg" else None
        before = desktop.redocks
        bench.server.set_fixture(ANTHROPIC_PATH, OPERATIONAL)
        popen, _ = bench.spawn(desktop, app, LATENCY_INTERVAL, f"latency-{app}")
        wait_for_icons(desktop, 1, [popen])
        wait_for_state(desktop, "operational", redock_after=redock)
        found[app], lost[app] = [], 0
        for _ in range(reps):
            time.sleep(bench.rng.uniform(0.3, 0.3 + LATENCY_INTERVAL))
            changed = time.monotonic()
            bench.server.set_fixture(ANTHROPIC_PATH, MAJOR)
            try:
                found[app].append(wait_for_state(desktop, "major", 10, redock) - changed)
            except DesktopError:
                lost[app] += 1
            bench.server.set_fixture(ANTHROPIC_PATH, OPERATIONAL)
            try:
                wait_for_state(desktop, "operational", 30, redock)
            except DesktopError:
                lost[app] += 1
                break
        stop(desktop, popen)
        redocks[app] = desktop.redocks - before
    target = LATENCY_INTERVAL + 0.2
    tray, base = found["trayapp"] or [float("nan")], found["baseline"] or [float("nan")]

    def shown(values: list[float], losses: int) -> str:
        text = f"{ms(statistics.median(values))} / {ms(max(values))}"
        return text + (f", icon lost {losses}×" if losses else "")

    bench.report.rows.append(
        Row(
            f"detection latency at {LATENCY_INTERVAL:g} s, median / max of {reps}",
            shown(tray, lost["trayapp"]),
            shown(base, lost["baseline"]),
            ratio(statistics.median(tray), statistics.median(base)),
            f"≤ {ms(target)} (interval + 0.2 s)",
            max(tray) <= target and not lost["trayapp"],
            order=60,
        )
    )
    bench.report.detail(
        "Detection latency",
        [f"{app}: {', '.join(ms(v) for v in values)}" for app, values in found.items()]
        + [
            "From the page switching to a major outage to the icon on screen reading red (tray pixels "
            "sampled every 2 ms); trayapp polls with ±10 % jitter, the baseline without.",
        ]
        + [
            f"{app}: the harness re-offered its lost icon to trayer {count} time(s) (xorg backend)"
            for app, count in redocks.items()
            if count
        ],
    )
    bench.report.raw["latency"] = found


def measure_scaling(bench: Bench, desktop: Desktop) -> None:
    """The real tray app with 1, 10 and 100 providers: first round, memory, CPU per poll."""
    window = bench.settings.scaling_window
    lines = []
    raw = {}
    for count in SCALING_COUNTS:
        home = bench.home(f"scaling-{count}")
        config = bench.numbered_config(home, count, SCALING_INTERVAL)
        started = time.monotonic()
        popen = bench.spawn_trayapp(desktop, home, config, f"scaling-{count}")
        wait_for_icons(desktop, 1, [popen])
        wait_for_state(desktop, "operational", 30)
        first = [
            h for h in bench.server.hits_since(started, TRAYAPP_AGENT) if h.path.endswith("summary.json")
        ]
        first = first[:count]
        span = first[-1].at - first[0].at if first else float("nan")
        settle = started + 2 * SCALING_INTERVAL
        time.sleep(max(0.0, settle - time.monotonic()))
        sampler = WakeSampler([popen.pid]).start()
        time.sleep(window)
        record = sampler.stop()[popen.pid]
        cpu = record.cpu
        polls = sum(1 for h in bench.server.hits_since(record.started, TRAYAPP_AGENT) if h.at <= record.ended)
        rss = rss_mb(popen.pid)
        stop(desktop, popen)
        per_poll = cpu / polls if polls else float("nan")
        at_60 = 100 * per_poll * count / DEFAULT_INTERVAL
        raw[count] = {"first_round_span": span, "rss": rss, "cpu_per_poll": per_poll, "polls": polls}
        lines.append(
            f"| {count} | {mb(rss)} | {ms(span)} | {per_poll * 1000:.2f} ms | {polls} | {at_60:.3f} % |"
        )
    header = [
        f"The tray app with N Statuspage providers, polled every {SCALING_INTERVAL:g} s for the measurement "
        f"({window:g} s window after two intervals); CPU per poll is for an unchanged page (a 304).",
        "",
        "| providers | resident memory | first round (server side: first to last page request) "
        "| CPU per poll | polls in window | CPU at 60 s interval |",
        "|---|---|---|---|---|---|",
    ]
    bench.report.detail("Cost by number of providers (tray app)", header + lines)
    bench.report.raw["scaling"] = raw


# --------------------------------------------------------------------------- in-process figures


def run_worker(bench: Bench, *args: str, timeout: float = 900.0) -> dict[str, Any]:
    """Run `poll_worker.py` with `args` against the server; its JSON."""
    env = {**os.environ, **bench.home("worker"), **bench.python_env()}
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "benchmarks" / "poll_worker.py"), *args, "--base", bench.server.url],
        env=env,
        cwd=bench.src,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"poll_worker {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure_rounds(bench: Bench) -> None:
    """Poll rounds over 1/10/100 pages in one process; then the 304 check on the same rounds."""
    since = time.monotonic()
    counts = ",".join(map(str, SCALING_COUNTS))
    rounds = run_worker(bench, "rounds", "--counts", counts, "--rounds", "3")["rounds"]
    hits = bench.server.hits_since(since, TRAYAPP_AGENT)
    lines = [
        "| pages | first round: wall / CPU | next rounds: wall / CPU | parser calls (first, next) "
        "| body bytes (first, next) |",
        "|---|---|---|---|---|",
    ]
    for count, measured in rounds.items():
        first, later = measured[0], measured[1:]
        failed = sum(r["failed"] for r in measured)
        lines.append(
            f"| {count} | {ms(first['wall'])} / {ms(first['cpu'])} | "
            f"{' , '.join(ms(r['wall']) for r in later)} / {' , '.join(ms(r['cpu']) for r in later)} | "
            f"{first['parses']}, {sum(r['parses'] for r in later)} | "
            f"{first['body_bytes']}, {sum(r['body_bytes'] for r in later)} |"
            + (f" failures: {failed} {first['failures']}" if failed else "")
        )
    hundred = rounds[str(max(SCALING_COUNTS))]
    worst = max(r["wall"] for r in hundred)
    failed = sum(r["failed"] for r in hundred)
    bench.report.rows.append(
        Row(
            f"one poll round over {max(SCALING_COUNTS)} local pages (worst of 3)",
            f"{ms(worst)}" + (f", {failed} failed" if failed else ""),
            "—",
            "—",
            "≤ 1 s, concurrent",
            worst <= 1.0 and failed == 0,
            order=40,
        )
    )
    later_hits = [h for h in hits if h.status != 200]
    expected = sum(int(count) * (len(measured) - 1) for count, measured in rounds.items())
    not_modified = [h for h in later_hits if h.status == 304]
    parses_later = sum(r["parses"] for measured in rounds.values() for r in measured[1:])
    body_later = sum(h.body_bytes for h in not_modified)
    ok = len(not_modified) == expected and body_later == 0 and parses_later == 0
    page_200 = next((h for h in hits if h.status == 200), None)
    bench.report.rows.append(
        Row(
            "an unchanged page",
            f"{len(not_modified)}/{expected} answered 304, {body_later} body bytes, {parses_later} parses",
            f"200 every poll, {page_200.body_bytes if page_200 else '?'} B body (gzip), parsed",
            "—",
            "304: no body, no re-parse",
            ok,
            order=50,
        )
    )
    lines.append(
        "Measured in a separate process with trayapp's Poller, PageReader and Fetcher (worker threads, "
        "one shared connection pool); all providers due at once. Parser calls are counted by wrapping "
        "the reader's parse_document; statuses and bytes come from the server's log."
    )
    bench.report.detail("Poll rounds (in process)", lines)
    bench.report.raw["rounds"] = rounds


def measure_soak(bench: Bench) -> None:
    """Memory over N polls of the engine + poller; the page flips every second meanwhile."""
    polls = bench.settings.soak_polls
    stop_flipping = threading.Event()

    def flip() -> None:
        major = False
        while not stop_flipping.wait(1.0):
            major = not major
            bench.server.set_fixture(ANTHROPIC_PATH, MAJOR if major else OPERATIONAL)

    bench.server.keep = False
    flipper = threading.Thread(target=flip, daemon=True)
    flipper.start()
    try:
        soak = run_worker(bench, "soak", "--polls", str(polls), "--warmup", str(min(500, polls // 4)))["soak"]
    finally:
        stop_flipping.set()
        flipper.join()
        bench.server.keep = True
        bench.server.set_fixture(ANTHROPIC_PATH, OPERATIONAL)
    growth = soak["rss_end"] - soak["rss_after_warmup"]
    label = f"{polls:,} polls" + ("" if polls >= 10_000 else " (quick)")
    bench.report.rows.append(
        Row(f"memory growth over {label}", mb(growth), "—", "—", "< 5 MB", growth < 5.0, order=70)
    )
    writes = soak["state_writes"]
    per_write = soak["state_write_seconds"] / writes if writes else 0.0
    cpu_write = soak["state_write_cpu"] / writes if writes else 0.0
    marks = ", ".join(f"{n}: {mb(r)}" for n, r in soak["marks"])
    bench.report.detail(
        "Memory over many polls (in process: engine, tracker, diff, state store, poller)",
        [
            f"{soak['polls']} polls of two pages back to back in {soak['seconds']:.1f} s "
            f"({soak['cpu']:.1f} s CPU); "
            f"the Anthropic-like page flipped between operational and a major outage every second "
            f"({soak['parses']} parses, {soak['notices']} notices).",
            f"resident memory after N polls: {marks}; "
            f"growth after the {soak['warmup']}-poll warm-up: {mb(growth)}.",
            f"state file writes: {writes} for {soak['polls']} polls in {soak['seconds']:.1f} s while the "
            f"page changed about {soak['seconds']:.0f} times, {per_write * 1000:.2f} ms each "
            f"({cpu_write * 1000:.2f} ms CPU; temp file, fsync, rename, directory fsync).",
        ],
    )
    bench.report.raw["soak"] = soak


def measure_wire(bench: Bench) -> None:
    """Bytes of a 200 and of a 304 on the wire; what a user costs a status page host."""
    since = time.monotonic()
    run_worker(bench, "wire")
    hits = bench.server.hits_since(since)

    def first(path: str, agent: str, status: int) -> Hit:
        return next(h for h in hits if h.path == path and h.agent.startswith(agent) and h.status == status)

    polls = 3600 / DEFAULT_INTERVAL
    lines = [
        "| page | 200: request + response (gzip body) | 304: request + response | history 304 "
        f"| per hour, trayapp ({polls:.0f} polls + {HISTORY_PER_HOUR} history, 304s) "
        f"| per hour, baseline ({polls:.0f} polls, 200s) |",
        "|---|---|---|---|---|---|",
    ]
    totals = {"trayapp": 0.0, "baseline": 0.0}
    pages = (
        ("OpenAI-like (incident.io proxy; history feed.atom)", OPENAI_PATH, OPENAI_HISTORY),
        ("Anthropic-like (Statuspage; history incidents.json)", ANTHROPIC_PATH, ANTHROPIC_HISTORY),
    )
    for name, path, history in pages:
        ok_200, ok_304 = first(path, TRAYAPP_AGENT, 200), first(path, TRAYAPP_AGENT, 304)
        history_304 = first(history, TRAYAPP_AGENT, 304)
        hour_tray = polls * wire_bytes(ok_304) + HISTORY_PER_HOUR * wire_bytes(history_304)
        hour_base = polls * wire_bytes(first(path, BASELINE_AGENT, 200))
        totals["trayapp"] += hour_tray
        totals["baseline"] += hour_base
        lines.append(
            f"| {name} | {wire_bytes(ok_200)} B ({ok_200.body_bytes} B) | {wire_bytes(ok_304)} B | "
            f"{wire_bytes(history_304)} B | {polls + HISTORY_PER_HOUR:.0f} requests, {kb(hour_tray)} | "
            f"{polls:.0f} requests, {kb(hour_base)} |"
        )
    lines.append(
        "Bytes are HTTP/1.1 request and response (status line, headers, body) as the server saw them; TCP/IP "
        "and TLS come on top (a TLS resumption or a new handshake when the host closed the idle connection). "
        "A page that changes adds one 200 per change. ±10 % jitter keeps the average at one poll a minute."
    )
    bench.report.rows.append(
        Row(
            "cost to a status page host, per user, per page, per hour at 60 s",
            f"{polls + HISTORY_PER_HOUR:.0f} requests, {kb(totals['trayapp'] / len(pages))}",
            f"{polls:.0f} requests, {kb(totals['baseline'] / len(pages))}",
            ratio(totals["trayapp"], totals["baseline"]),
            order=80,
        )
    )
    bench.report.detail("Cost to a status page host (one user)", lines)
    bench.report.raw["wire"] = [asdict(h) for h in hits]


def wire_bytes(hit: Hit) -> int:
    """Request plus response bytes of one hit."""
    return hit.received_bytes + hit.sent_bytes


# --------------------------------------------------------------------------- output


def render(bench: Bench, info: dict[str, str], seconds: float) -> str:
    """The table, the machine and the details as text (the table is Markdown)."""
    s = bench.settings
    out = []
    kind = "QUICK run: shortened windows, figures NOT comparable with the full run" if s.quick else "full run"
    out.append(f"trayapp performance benchmark ({kind}; {seconds / 60:.1f} min)")
    out.append(
        f"machine: {info['cpu']}, {info['cores']} cores, {info['memory']}; {info['os']}, "
        f"Linux {info['kernel']}; Python {info['python']}; load average at start {info['load']}"
    )
    if bench.backend == SNI:
        skipped = [section for section in SECTIONS if section in X_TRAY_SECTIONS - set(bench.sections)]
        out.append(
            "desktop: Xvfb + trayer + private D-Bus session with a fake StatusNotifierWatcher + host; "
            f"trayapp on its D-Bus tray '{SNI}' (StatusNotifierItem, its own choice), baseline on "
            f"{bench.baseline_backend}: the bare script has no D-Bus tray; trayapp from {bench.src}"
            + (f" (not measured on the D-Bus tray: {', '.join(skipped)})" if skipped else "")
        )
    else:
        out.append(
            f"desktop: Xvfb + trayer + private D-Bus session (no StatusNotifierWatcher); pystray backend "
            f"'{bench.backend}' for both apps ("
            + (
                "forced for both"
                if bench.forced_backend
                else "trayapp's own choice here; forced for the baseline"
            )
            + f"); trayapp from {bench.src}"
        )
    out.append("")
    out.append("| figure | trayapp | baseline | ratio | target | result |")
    out.append("|---|---|---|---|---|---|")
    for row in sorted(bench.report.rows, key=lambda row: row.order):
        cells = (row.figure, row.trayapp, row.baseline, row.ratio, row.target, row.result)
        out.append("| " + " | ".join(cells) + " |")
    for title, lines in bench.report.details:
        out.append("")
        out.append(f"## {title}")
        out.extend(lines)
    return "\n".join(out)


@contextmanager
def private_environment(workdir: Path) -> Iterator[None]:
    """HOME and XDG in `workdir`, no proxies, no session bus of the caller's, for every child."""
    saved = dict(os.environ)
    home = workdir / "home"
    for variable, sub in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_DATA_HOME", "data"),
    ):
        (home / sub).mkdir(parents=True, exist_ok=True)
        os.environ[variable] = str(home / sub)
    os.environ["HOME"] = str(home)
    os.environ["NO_PROXY"] = "127.0.0.1,localhost,::1"
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(variable, None)
    for variable in ("DBUS_SESSION_BUS_ADDRESS", "PYSTRAY_BACKEND", "DISPLAY", "WAYLAND_DISPLAY"):
        os.environ.pop(variable, None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description="trayapp's running costs, side by side with a minimal pystray app.",
        epilog="Exit status: 0 every target met, 1 a target missed, 2 the benchmark failed.",
    )
    parser.add_argument("--quick", action="store_true", help="shortened windows (for development and CI)")
    parser.add_argument(
        "--only",
        type=lambda text: [part for part in text.split(",") if part],
        help=f"comma-separated sections to run (default all; with --backend {SNI} all but "
        f"{','.join(sorted(X_TRAY_SECTIONS))}): {','.join(SECTIONS)}",
    )
    parser.add_argument(
        "--backend",
        help="force this pystray backend for both apps (default: the one trayapp picks); "
        f"'{SNI}': trayapp on its own D-Bus tray (a StatusNotifierItem, with a fake watcher + host on "
        f"the bus), the baseline on {SNI_BASELINE_BACKEND}; idle and in-process sections only",
    )
    parser.add_argument(
        "--idle-interval",
        type=float,
        default=DEFAULT_INTERVAL,
        help="poll interval of both apps in the idle section (default 60; 0.5 gives many polls per window)",
    )
    parser.add_argument("--soak-polls", type=int, help="polls for the memory growth figure (default 10000)")
    parser.add_argument(
        "--idle-seconds", type=float, help="idle time before the memory reading (default 300)"
    )
    parser.add_argument(
        "--window-seconds", type=float, help="the idle CPU and wake-up window, ending then (default 60)"
    )
    parser.add_argument("--trayapp-src", help="measure the trayapp package in this source tree instead")
    parser.add_argument("--json", type=Path, help="also write the raw figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs of every process)")
    args = parser.parse_args(argv)
    unknown = set(args.only or ()) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    if args.backend == SNI:
        on_x = X_TRAY_SECTIONS & set(args.only or ())
        if on_x:
            parser.error(
                f"--backend {SNI} cannot run {', '.join(sorted(on_x))}: it reads the X tray's pixels"
            )
        if args.only is None:
            args.only = [section for section in SECTIONS if section not in X_TRAY_SECTIONS]
    if args.only is None:
        args.only = list(SECTIONS)
    return args


def run(bench: Bench) -> None:
    """Measure the selected sections."""
    steps: list[tuple[str, Callable[[], None]]] = [
        ("rounds", lambda: measure_rounds(bench)),
        ("wire", lambda: measure_wire(bench)),
        ("soak", lambda: measure_soak(bench)),
    ]
    for section, step in steps:
        if section in bench.sections:
            print(f"… {section}", file=sys.stderr, flush=True)
            step()
    if not DESKTOP_SECTIONS & set(bench.sections):
        return
    # Start-up must not pay for byte-compiling a tree someone just edited.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(bench.src / "trayapp")], check=False)
    with Desktop(bench.workdir / "desktop") as desktop:
        bench.backend = bench.forced_backend or bench.detect_backend(desktop)
        for section, desktop_step in (
            ("startup", measure_startup),
            ("latency", measure_latency),
            ("scaling", measure_scaling),
            ("idle", measure_idle),
        ):
            if section in bench.sections:
                print(f"… {section}", file=sys.stderr, flush=True)
                desktop_step(bench, desktop)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the table; the exit status says whether every target was met."""
    args = parse_args(argv)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="trayapp-perf-"))
    info = machine()
    with private_environment(workdir):
        bench = Bench(args, workdir)
        try:
            run(bench)
        except Exception:  # noqa: BLE001 - any failure of the benchmark itself: exit 2
            traceback.print_exc()
            print(f"benchmark failed; logs in {workdir}", file=sys.stderr)
            return 2
        finally:
            bench.close()
    print(render(bench, info, time.monotonic() - started))
    if args.json:
        args.json.write_text(json.dumps({"machine": info, **bench.report.raw}, indent=1, default=str))
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"\nwork directory kept: {workdir}")
    return 1 if any(row.ok is False for row in bench.report.rows) else 0


if __name__ == "__main__":
    sys.exit(main())
