"""Soak benchmark: the real poller and engine against a local status server that changes its
pages and injects faults at random, for thousands of polls at a short interval.

    .venv/bin/python benchmarks/soak.py [--polls 10000] [--interval 0.01] [--seed 1]

The server (on 127.0.0.1, in this process) plays one Statuspage summary per provider from a
seeded script: incidents open, change, drop off the page for a single poll, resolve;
components flap; and about one answer in five is a fault (HTTP errors, 429 with and without
Retry-After, redirects and redirect loops, HTML, truncated JSON, empty bodies, invalid UTF-8,
the wrong JSON, a reset mid-body, no answer, a dripping body, an oversized body, a gzip bomb).
The engine is restarted from its state file now and then. At the end every page settles with
every incident resolved.

What is expected comes from the script alone: each incident the server showed open on a
page gets one start notification and, once the server has resolved it, one resolve. Anything
else is wrong, anything short is missing. The figures are read at rest (poller stopped,
server idle) after a warm-up that has met every kind of fault once, and at the end.

Exit status 0 when no notification was wrong or missing, the resident memory grew by less
than 5 MB and no file descriptor leaked; 1 otherwise.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import hashlib
import json
import os
import random
import socket
import struct
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# Run as a script: the repository root (for the tests' recording notifier) goes on the path.
REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.support.notifiers import RecordingNotifier  # noqa: E402
from trayapp.catalog import ProviderSpec  # noqa: E402
from trayapp.engine import Engine  # noqa: E402
from trayapp.logs import setup_logging  # noqa: E402
from trayapp.model import Failure, ParsedPage  # noqa: E402
from trayapp.settings import NotificationSettings  # noqa: E402
from trayapp.shell.fetch import Fetcher  # noqa: E402
from trayapp.shell.poller import Poller  # noqa: E402
from trayapp.shell.store import StateStore  # noqa: E402

MAX_RSS_GROWTH_MB = 5.0
FETCH_TIMEOUT = 0.5
FETCH_DEADLINE = 1.0
PROVIDERS = 2
SETTLED_PAGES = 3

# The share of answers that are each fault (about one answer in five is a fault).
FAULT_SHARES: dict[str, float] = {
    "HTTP 500": 0.03,
    "HTTP 502": 0.02,
    "HTTP 503": 0.03,
    "HTTP 504": 0.02,
    "429, Retry-After seconds": 0.01,
    "429, Retry-After date": 0.01,
    "429, no Retry-After": 0.01,
    "404, endpoint moved": 0.01,
    "redirect (followed)": 0.02,
    "redirect loop": 0.005,
    "HTML captive portal": 0.01,
    "truncated JSON": 0.01,
    "empty 200": 0.01,
    "invalid UTF-8": 0.01,
    "JSON of the wrong shape": 0.01,
    "reset mid-body": 0.01,
    "no answer": 0.002,
    "dripping body": 0.001,
    "50 MB body": 0.003,
    "gzip bomb": 0.002,
}
NAMES = ("Elevated error rates", "Elevated error rates", "API outage", "<b>Login</b> & SSO failures")
IMPACTS = ("minor", "major", "critical")
OPEN_STATUSES = ("investigating", "identified", "monitoring")
COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage")
CAPTIVE_PORTAL = b"<!doctype html><html><title>Wi-Fi login</title><body>Sign in to continue</body></html>"
SAMPLE_PAGE = json.dumps(
    {
        "page": {"id": "sample", "name": "Sample"},
        "status": {"indicator": "none"},
        "components": [{"id": "c-API", "name": "API", "status": "operational"}],
        "incidents": [],
    }
).encode()
WRONG_SHAPE = json.dumps({"page": {"id": "x"}, "state": {"level": "ok"}, "parts": [], "events": []}).encode()
INVALID_UTF8 = b'{"status": {"indicator": "none", "description": "All \xff\xfe good"}, "components": []}'


def gzip_bomb(decoded_mb: int = 20) -> bytes:
    """Zeros that inflate to `decoded_mb` MB from a few tens of kB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    return b"".join(compressor.compress(zeros) for _ in range(decoded_mb)) + compressor.flush()


# --- the script of one provider's page -----------------------------------------------------------


@dataclass
class ScriptedIncident:
    """One incident as the script tells it."""

    name: str
    impact: str
    status: str = "investigating"
    resolved: bool = False
    times_shown: int = 0
    times_shown_resolved: int = 0
    shown_since_hidden: int = 0


@dataclass
class Script:
    """One provider's page over time, and what was served of it."""

    provider: str
    rng: random.Random
    forced_faults: list[str]
    components: dict[str, str] = field(default_factory=lambda: {"API": "operational", "Chat": "operational"})
    incidents: dict[str, ScriptedIncident] = field(default_factory=dict)
    pages_served: int = 0
    settling: bool = False
    pages_since_settling: int = 0
    served_open: set[str] = field(default_factory=set)
    served_resolved: set[str] = field(default_factory=set)
    requests: int = 0
    opened: int = 0

    def draw_fault(self) -> str | None:
        """The fault for the next request, or None for a page."""
        self.requests += 1
        if self.settling:
            return None
        if self.forced_faults and self.requests % 3 == 0:
            return self.forced_faults.pop()
        roll = self.rng.random()
        for kind, share in FAULT_SHARES.items():
            if roll < share:
                return kind
            roll -= share
        return None

    def next_page(self) -> bytes:
        """The page for this answer, after the script has moved on by one step."""
        self.pages_served += 1
        if self.settling:
            self.pages_since_settling += 1
        self._evolve()
        listed: list[dict[str, Any]] = []
        for incident_id, incident in sorted(self.incidents.items()):
            if incident.resolved:
                incident.times_shown_resolved += 1
                self.served_resolved.add(incident_id)
                listed.append(self._incident_json(incident_id, incident, "resolved"))
            elif self._hidden_this_time(incident):
                incident.shown_since_hidden = 0
            else:
                incident.times_shown += 1
                incident.shown_since_hidden += 1
                self.served_open.add(incident_id)
                listed.append(self._incident_json(incident_id, incident, incident.status))
        for incident_id in [i for i, inc in self.incidents.items() if inc.times_shown_resolved >= 3]:
            del self.incidents[incident_id]  # resolved incidents leave the summary after a while
        return json.dumps(
            {
                "page": {"id": self.provider, "name": self.provider, "url": "https://status.soak.example"},
                "status": {"indicator": "none", "description": "All Systems Operational"},
                "components": [
                    {"id": f"c-{name}", "name": name, "status": status, "group": False}
                    for name, status in self.components.items()
                ],
                "incidents": listed,
                "scheduled_maintenances": [],
            }
        ).encode()

    def _evolve(self) -> None:
        rng = self.rng
        open_ones = [i for i in self.incidents.values() if not i.resolved]
        if self.settling:
            for incident in open_ones:
                incident.resolved = True
            return
        if self.pages_served > 3 and len(open_ones) < 3 and rng.random() < 0.04:
            self.opened += 1
            self.incidents[f"{self.provider}-{self.opened}"] = ScriptedIncident(
                rng.choice(NAMES), rng.choice(IMPACTS)
            )
        for incident in open_ones:
            # an incident stays open for three pages at least, so one lost answer changes nothing
            if incident.times_shown >= 3 and rng.random() < 0.04:
                incident.resolved = True
            elif rng.random() < 0.05:
                incident.status = rng.choice(OPEN_STATUSES)
                incident.impact = rng.choice(IMPACTS)
        if rng.random() < 0.05:
            self.components[rng.choice(list(self.components))] = rng.choice(COMPONENT_STATUSES)

    def _hidden_this_time(self, incident: ScriptedIncident) -> bool:
        """Whether an open incident drops off this one page (never twice within three pages)."""
        if self.settling or incident.times_shown == 0 or incident.shown_since_hidden < 3:
            return False
        return self.rng.random() < 0.03

    @staticmethod
    def _incident_json(incident_id: str, incident: ScriptedIncident, status: str) -> dict[str, Any]:
        return {
            "id": incident_id,
            "name": incident.name,
            "status": status,
            "impact": incident.impact,
            "shortlink": f"https://stspg.io/{incident_id}",
            "started_at": "2026-02-04T15:00:00Z",
            "incident_updates": [
                {"body": f"Update on {incident.name}", "created_at": "2026-02-04T15:00:00Z"}
            ],
        }


# --- the server --------------------------------------------------------------------------------


class SoakServer:
    """Serves every provider's script under /<provider>/summary.json, faults included."""

    def __init__(self, scripts: dict[str, Script]) -> None:
        self.scripts = scripts
        self.faults: Counter[str] = Counter()
        self.not_modified = 0
        self._lock = threading.Lock()
        self._active = 0
        self._bomb = gzip_bomb()
        soak = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def handle(self) -> None:
                with soak._lock:
                    soak._active += 1
                try:
                    super().handle()
                except OSError:
                    pass  # the client gave up or reset: that is what faults are made of
                finally:
                    with soak._lock:
                        soak._active -= 1

            def do_GET(self) -> None:
                soak.answer(self)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                return

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self._httpd.shutdown()
        self._httpd.server_close()

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until no connection is being handled (the client has closed them all)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._active == 0:
                    return
            time.sleep(0.02)

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        """One request: a page of the script, or a fault."""
        provider, _, rest = handler.path.strip("/").partition("/")
        script = self.scripts.get(provider)
        if script is None:
            self._send(handler, 404, b"no such provider", "text/plain")
            return
        if rest.startswith("loop/"):
            hop = int(rest.removeprefix("loop/")) + 1
            self._send(handler, 302, b"", "text/plain", {"Location": f"/{provider}/loop/{hop}"})
            return
        if rest == "summary.json":
            with self._lock:
                fault = script.draw_fault()
                if fault is not None:
                    self.faults[fault] += 1
            if fault is not None:
                self._fault(handler, fault, script)
                return
        with self._lock:
            body = script.next_page()
        self._page(handler, body)

    def _page(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        tag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if handler.headers.get("If-None-Match") == tag:
            with self._lock:
                self.not_modified += 1
            self._send(handler, 304, b"", "application/json", {"ETag": tag})
            return
        headers = {"ETag": tag}
        if "gzip" in handler.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
        self._send(handler, 200, body, "application/json", headers)

    def _fault(self, handler: BaseHTTPRequestHandler, fault: str, script: Script) -> None:
        provider = script.provider
        if fault.startswith("HTTP "):
            self._send(handler, int(fault.removeprefix("HTTP ")), b"oops", "text/plain")
        elif fault == "429, Retry-After seconds":
            self._send(handler, 429, b"slow down", "text/plain", {"Retry-After": "0"})
        elif fault == "429, Retry-After date":
            self._send(handler, 429, b"slow down", "text/plain", {"Retry-After": formatdate(usegmt=True)})
        elif fault == "429, no Retry-After":
            self._send(handler, 429, b"slow down", "text/plain")
        elif fault == "404, endpoint moved":
            self._send(handler, 404, b"<html>Not found</html>", "text/html")
        elif fault == "redirect (followed)":
            self._send(handler, 302, b"", "text/plain", {"Location": f"/{provider}/moved.json"})
        elif fault == "redirect loop":
            self._send(handler, 302, b"", "text/plain", {"Location": f"/{provider}/loop/1"})
        elif fault == "HTML captive portal":
            self._send(handler, 200, CAPTIVE_PORTAL, "text/html")
        elif fault == "truncated JSON":
            self._send(handler, 200, SAMPLE_PAGE[: len(SAMPLE_PAGE) // 2], "application/json")
        elif fault == "empty 200":
            self._send(handler, 200, b"", "application/json")
        elif fault == "invalid UTF-8":
            self._send(handler, 200, INVALID_UTF8, "application/json")
        elif fault == "JSON of the wrong shape":
            self._send(handler, 200, WRONG_SHAPE, "application/json")
        elif fault == "reset mid-body":
            self._reset_mid_body(handler)
        elif fault == "no answer":
            time.sleep(FETCH_TIMEOUT + 0.3)
            handler.close_connection = True
        elif fault == "dripping body":
            self._drip(handler)
        elif fault == "50 MB body":
            self._head(handler, 200, "application/json", {"Content-Length": str(50 * 1024 * 1024)})
            handler.wfile.write(b" " * 65536)
            handler.close_connection = True
        elif fault == "gzip bomb":
            self._send(handler, 200, self._bomb, "application/json", {"Content-Encoding": "gzip"})
        else:
            raise AssertionError(f"no such fault: {fault}")

    @staticmethod
    def _head(
        handler: BaseHTTPRequestHandler, status: int, content_type: str, headers: dict[str, str]
    ) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.end_headers()

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._head(handler, status, content_type, {**(headers or {}), "Content-Length": str(len(body))})
        handler.wfile.write(body)

    def _reset_mid_body(self, handler: BaseHTTPRequestHandler) -> None:
        body = SAMPLE_PAGE * 20
        self._head(handler, 200, "application/json", {"Content-Length": str(len(body))})
        handler.wfile.write(body[: len(body) // 3])
        handler.wfile.flush()
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
        handler.close_connection = True

    def _drip(self, handler: BaseHTTPRequestHandler) -> None:
        body = SAMPLE_PAGE
        self._head(handler, 200, "application/json", {"Content-Length": str(len(body))})
        for index in range(len(body)):
            handler.wfile.write(body[index : index + 1])
            handler.wfile.flush()
            time.sleep(0.2)
        handler.close_connection = True


# --- the run -----------------------------------------------------------------------------------


def resident_mb() -> float:
    """This process's resident memory (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def open_descriptors() -> int:
    """How many file descriptors this process has open."""
    return len(os.listdir("/proc/self/fd"))


@dataclass
class Reading:
    """Memory and descriptors at one moment of rest."""

    rss_mb: float
    descriptors: int


class Soak:
    """The poller and engine of trayapp, restarted now and then, counting what they do."""

    def __init__(self, server: SoakServer, state_path: Path, interval: float) -> None:
        self.specs = [
            ProviderSpec(
                id=name,
                name=f"Provider {name}",
                page=f"{server.url}/{name}",
                kind="statuspage",
                source=f"{server.url}/{name}/summary.json",
            )
            for name in server.scripts
        ]
        self.server = server
        self.state_path = state_path
        self.interval = interval
        self.notifier = RecordingNotifier()
        self.polls = 0
        self.successes: Counter[str] = Counter()
        self.restarts = 0
        self._lock = threading.Lock()
        self._running: tuple[Engine, Poller] | None = None

    def start(self) -> None:
        """A new engine from the state file, and a new poller with its own HTTP client."""
        engine = Engine(self.specs, NotificationSettings(), self.notifier, StateStore(self.state_path))

        def on_result(spec: ProviderSpec, result: ParsedPage | Failure) -> None:
            engine.handle(spec, result)
            with self._lock:
                self.polls += 1
                if isinstance(result, ParsedPage):
                    self.successes[spec.id] += 1

        poller = Poller(
            self.specs,
            lambda _: self.interval,
            on_result,
            fetcher_factory=lambda: Fetcher(timeout=FETCH_TIMEOUT, deadline=FETCH_DEADLINE),
        )
        poller.start()
        self._running = (engine, poller)

    def stop(self) -> None:
        """Stop polling, save the state, let the server finish with every connection."""
        if self._running is None:
            return
        engine, poller = self._running
        poller.stop(5.0)
        engine.flush()
        self._running = None
        self.server.wait_idle()

    def restart(self) -> None:
        """Quit and start again from the state file."""
        self.stop()
        self.start()
        self.restarts += 1

    def engine_incidents(self) -> int:
        """Open incidents the running engine shows, over every provider."""
        assert self._running is not None
        return sum(len(view.incidents) for view in self._running[0].snapshot().providers)

    def polls_done(self) -> int:
        """Poll results handled so far."""
        with self._lock:
            return self.polls

    def wait_for_polls(self, count: int, *, restart_every: int = 0) -> None:
        """Poll until `count` results have been handled, restarting every `restart_every` polls."""
        next_restart = self.polls_done() + restart_every if restart_every else None
        while self.polls_done() < count:
            time.sleep(0.01)
            if next_restart is not None and self.polls_done() >= next_restart and self.polls_done() < count:
                self.restart()
                next_restart += restart_every

    def settle(self, timeout: float = 60.0) -> None:
        """Resolve everything, stop the faults, and poll until every page has been read calm."""
        with self.server._lock:
            for script in self.server.scripts.values():
                script.settling = True
        with self._lock:
            base = Counter(self.successes)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                read = all(self.successes[s] - base[s] >= SETTLED_PAGES + 1 for s in self.server.scripts)
            served = all(s.pages_since_settling >= SETTLED_PAGES for s in self.server.scripts.values())
            if read and served and self.engine_incidents() == 0:
                return
            time.sleep(0.02)
        raise RuntimeError("the pages did not settle")


def at_rest() -> Reading:
    """Memory and descriptors once the garbage is collected."""
    gc.collect()
    return Reading(resident_mb(), open_descriptors())


def judge(scripts: dict[str, Script], notifier: RecordingNotifier) -> dict[str, int]:
    """Notifications sent against what the script calls for."""
    expected_starts = set().union(*(s.served_open for s in scripts.values()))
    expected_resolves = expected_starts & set().union(*(s.served_resolved for s in scripts.values()))
    starts: Counter[str] = Counter(n.incident_id for n in notifier.sent if n.kind == "start")
    resolves: Counter[str] = Counter(n.incident_id for n in notifier.sent if n.kind == "resolve")
    others = sum(1 for n in notifier.sent if n.kind not in ("start", "resolve"))
    wrong = others
    wrong += sum(count - (1 if i in expected_starts else 0) for i, count in starts.items())
    wrong += sum(count - (1 if i in expected_resolves else 0) for i, count in resolves.items())
    missing = sum(1 for i in expected_starts if starts[i] == 0)
    missing += sum(1 for i in expected_resolves if resolves[i] == 0)
    return {
        "starts sent": sum(starts.values()),
        "starts expected": len(expected_starts),
        "resolves sent": sum(resolves.values()),
        "resolves expected": len(expected_resolves),
        "wrong": max(wrong, 0),
        "missing": missing,
    }


def private_dirs(root: Path) -> None:
    """Point every XDG directory (and HOME) into `root`: the soak never touches the user's files."""
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        path = root / name.lower()
        path.mkdir()
        os.environ[name] = str(path)
    os.environ["HOME"] = str(root)
    os.environ["NO_PROXY"] = "127.0.0.1,localhost,::1"
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(proxy, None)


def run(polls: int, interval: float, seed: int, out: Callable[[str], None]) -> int:
    """The whole soak; prints the figures through `out` and returns the exit status."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="trayapp-soak-") as temp:
        root = Path(temp)
        private_dirs(root)
        setup_logging(root / "log", 0)
        master = random.Random(seed)
        scripts = {
            f"p{n}": Script(
                f"p{n}",
                random.Random(master.random()),
                master.sample(list(FAULT_SHARES), k=len(FAULT_SHARES)),
            )
            for n in range(1, PROVIDERS + 1)
        }
        server = SoakServer(scripts)
        server.start()
        soak = Soak(server, root / "state.json", interval)
        warm_up = max(100, 3 * len(FAULT_SHARES) * PROVIDERS)
        try:
            soak.start()
            soak.wait_for_polls(warm_up)
            soak.restart()  # the first figures are read at rest, as the last ones
            soak.stop()
            first = at_rest()
            soak.start()
            soak.wait_for_polls(warm_up + polls, restart_every=max(polls // 5, 1))
            measured = soak.polls_done() - warm_up
            soak.settle()
            soak.stop()
            last = at_rest()
        finally:
            soak.stop()
            server.stop()
        settling = soak.polls_done() - warm_up - measured
        verdict = judge(scripts, soak.notifier)
        log_lines = sum(
            len(p.read_text(encoding="utf-8").splitlines()) for p in (root / "log").glob("trayapp.log*")
        )
    growth = last.rss_mb - first.rss_mb
    leaked = last.descriptors - first.descriptors
    passed = verdict["wrong"] == 0 and verdict["missing"] == 0 and growth < MAX_RSS_GROWTH_MB and leaked <= 0
    out(f"trayapp soak: seed {seed}, {PROVIDERS} providers, poll interval {interval} s")
    out(f"polls done:          {measured} (after {warm_up} warm-up polls; {settling} while settling)")
    out(f"engine restarts:     {soak.restarts}")
    out(
        f"pages served:        {sum(s.pages_served for s in scripts.values())} ({server.not_modified} as 304)"
    )
    out(f"faults injected:     {sum(server.faults.values())}")
    for kind in FAULT_SHARES:
        out(f"  {kind + ':':<26} {server.faults[kind]}")
    out("notifications:       sent / expected")
    out(f"  starts:            {verdict['starts sent']} / {verdict['starts expected']}")
    out(f"  resolves:          {verdict['resolves sent']} / {verdict['resolves expected']}")
    out(f"  wrong:             {verdict['wrong']}")
    out(f"  missing:           {verdict['missing']}")
    out(
        f"RSS:                 {first.rss_mb:.1f} MB at start, {last.rss_mb:.1f} MB at end ({growth:+.1f} MB)"
    )
    out(f"open descriptors:    {first.descriptors} at start, {last.descriptors} at end ({leaked:+d})")
    out(f"log lines:           {log_lines}")
    out(f"wall time:           {time.monotonic() - started:.1f} s")
    out(f"result:              {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the soak."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--polls", type=int, default=10_000, help="polls to measure (default 10000)")
    parser.add_argument("--interval", type=float, default=0.01, help="seconds between polls (default 0.01)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the script (default 1)")
    args = parser.parse_args(argv)
    return run(args.polls, args.interval, args.seed, lambda line: print(line, flush=True))


if __name__ == "__main__":
    sys.exit(main())
