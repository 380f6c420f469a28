"""What the benchmark reads: /proc figures of a process, its threads' wake-ups, the machine,
and a status server that logs when each request came, who sent it and its bytes on the wire."""

from __future__ import annotations

import os
import platform
import socket
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.support.server import StatusServer

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- /proc


def _status_fields(pid: int | str, tid: int | str | None = None) -> dict[str, str]:
    base = Path("/proc", str(pid)) if tid is None else Path("/proc", str(pid), "task", str(tid))
    fields = {}
    for line in (base / "status").read_text(encoding="ascii", errors="replace").splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def rss_mb(pid: int) -> float:
    """Resident memory (VmRSS) of `pid`, in MB (10^6 bytes)."""
    return int(_status_fields(pid)["VmRSS"].split()[0]) * 1024 / 1e6


def pss_mb(pid: int) -> float:
    """Proportional set size of `pid` (shared pages split between their users), in MB."""
    for line in Path("/proc", str(pid), "smaps_rollup").read_text(encoding="ascii").splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024 / 1e6
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` (all its threads, live and ended), in seconds."""
    stat = Path("/proc", str(pid), "stat").read_text(encoding="ascii", errors="replace")
    fields = stat[stat.rindex(")") + 2 :].split()
    # fields[0] is field 3 of proc(5); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclass(frozen=True)
class ThreadStat:
    """One thread's name, context switches (voluntary + involuntary) and CPU time so far."""

    name: str
    switches: int
    runtime_ns: int


def thread_stats(pid: int) -> dict[int, ThreadStat]:
    """Per thread of `pid`, by thread id: its `ThreadStat` (from status and schedstat)."""
    found: dict[int, ThreadStat] = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return found
    for tid in tids:
        try:
            fields = _status_fields(pid, tid)
            schedstat = Path("/proc", str(pid), "task", tid, "schedstat").read_text(encoding="ascii")
        except (FileNotFoundError, ProcessLookupError):
            continue
        switches = int(fields["voluntary_ctxt_switches"]) + int(fields["nonvoluntary_ctxt_switches"])
        found[int(tid)] = ThreadStat(fields["Name"], switches, int(schedstat.split()[0]))
    return found


@dataclass
class Wake:
    """A thread that ran at least once between two samples."""

    at: float
    tid: int
    name: str
    switches: int


@dataclass
class WakeRecord:
    """What a `WakeSampler` saw for one process over its window."""

    pid: int
    started: float = 0.0
    ended: float = 0.0
    cpu_start: float = 0.0
    cpu_end: float = 0.0
    wakes: list[Wake] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    runtime_ns: dict[int, int] = field(default_factory=dict)

    @property
    def cpu(self) -> float:
        """CPU seconds used over the window, to the nanosecond (threads' schedstat).

        A thread that ended between two samples loses its last sample period; the clock-tick
        figure (`cpu_ticks`) counts ended threads but only to 1/CLK_TCK s.
        """
        return sum(self.runtime_ns.values()) / 1e9

    @property
    def cpu_ticks(self) -> float:
        """CPU seconds over the window from /proc/<pid>/stat (utime + stime, in clock ticks)."""
        return self.cpu_end - self.cpu_start

    @property
    def seconds(self) -> float:
        """The window's length."""
        return self.ended - self.started

    def per_thread(self) -> dict[int, int]:
        """Context switches per thread over the window (threads that never ran: 0)."""
        totals = dict.fromkeys(self.names, 0)
        for wake in self.wakes:
            totals[wake.tid] = totals.get(wake.tid, 0) + wake.switches
        return totals


class WakeSampler:
    """Samples the threads of some processes every `period` seconds and notes which ran.

    A thread that is woken (by a timer, a socket, another thread) and goes back to sleep
    counts at least one context switch; reading the counters from outside does not wake it.
    """

    def __init__(self, pids: list[int], period: float = 0.1) -> None:
        self.period = period
        self.records = {pid: WakeRecord(pid) for pid in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wake-sampler", daemon=True)

    def start(self) -> WakeSampler:
        """Take the first sample and keep sampling in a thread."""
        self._last = {pid: thread_stats(pid) for pid in self.records}
        now = time.monotonic()
        for pid, record in self.records.items():
            record.started = now
            record.cpu_start = cpu_seconds(pid)
            record.names = {tid: stat.name for tid, stat in self._last[pid].items()}
            record.runtime_ns = dict.fromkeys(record.names, 0)
        self._thread.start()
        return self

    def stop(self) -> dict[int, WakeRecord]:
        """Stop sampling; the records, by pid."""
        self._stop.set()
        self._thread.join()
        now = time.monotonic()
        self._sample(now)
        for pid, record in self.records.items():
            record.ended = now
            record.cpu_end = cpu_seconds(pid)
        return self.records

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            self._sample(time.monotonic())

    def _sample(self, now: float) -> None:
        for pid, record in self.records.items():
            current = thread_stats(pid)
            previous = self._last[pid]
            for tid, stat in current.items():
                record.names.setdefault(tid, stat.name)
                before = previous.get(tid, ThreadStat(stat.name, 0, 0))
                if stat.switches > before.switches:
                    record.wakes.append(Wake(now, tid, stat.name, stat.switches - before.switches))
                record.runtime_ns[tid] = record.runtime_ns.get(tid, 0) + stat.runtime_ns - before.runtime_ns
            # Threads gone since the last sample keep what they had; new ones start from zero.
            self._last[pid] = {**previous, **current}


# --------------------------------------------------------------------------- the machine


def machine() -> dict[str, str]:
    """The machine the figures come from: CPU, cores, memory, kernel, OS, Python, load."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    system = platform.system()
    try:
        for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines():
            if line.startswith("PRETTY_NAME="):
                system = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return {
        "cpu": model,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "os": system,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load": load,
    }


# --------------------------------------------------------------------------- the status server


@dataclass(frozen=True)
class Hit:
    """One request: when it came (monotonic), from whom, what it got, bytes each way."""

    at: float
    path: str
    agent: str
    status: int
    body_bytes: int
    sent_bytes: int
    received_bytes: int


class _CountingWriter:
    """Wraps a handler's `wfile` and counts what is written through it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.reset()

    def reset(self) -> None:
        """Start counting a new response."""
        self.count = 0
        self.head = b""

    def write(self, data: bytes) -> int:
        # http.server writes the status line and headers in one piece, then the body.
        if not self.head:
            self.head = bytes(data)
        self.count += len(data)
        return int(self.inner.write(data))

    @property
    def status(self) -> int:
        """The status code of the response written so far (0 before any)."""
        parts = self.head.split(b" ", 2)
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class MeteredServer(StatusServer):
    """A `StatusServer` that also logs each request as a `Hit` (and keeps no unbounded log
    when `keep` is False: only the counters, for long soaks)."""

    def __init__(self, backlog: int = 512) -> None:
        super().__init__()
        # http.server listens with a backlog of 5: a burst of 100 connections would see SYNs
        # dropped and retried a second later. Real status page hosts take bursts in stride.
        self._httpd.socket.listen(backlog)
        self._httpd.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._httpd.handle_error = self._handle_error  # type: ignore[method-assign]
        self.hits: list[Hit] = []
        self.keep = True
        self.count = 0
        self._hits_lock = threading.Lock()

    @staticmethod
    def _handle_error(request: object, client_address: object) -> None:
        """A client closing an idle keep-alive connection is not worth a traceback."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            traceback.print_exc()

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        at = time.monotonic()
        current: Any = handler.wfile
        writer = current if isinstance(current, _CountingWriter) else _CountingWriter(current)
        handler.wfile = writer  # type: ignore[assignment]
        writer.reset()
        received = len(getattr(handler, "raw_requestline", b""))
        received += sum(len(key) + len(value) + 4 for key, value in handler.headers.items()) + 2
        super()._answer(handler)
        if not self.keep:
            with self._lock:
                self.requests.clear()
        hit = Hit(
            at,
            handler.path,
            handler.headers.get("User-Agent", ""),
            writer.status,
            writer.count - len(writer.head),
            writer.count,
            received,
        )
        with self._hits_lock:
            self.count += 1
            if self.keep:
                self.hits.append(hit)

    def hits_since(self, since: float, agent_prefix: str = "") -> list[Hit]:
        """The requests logged at or after `since` from a User-Agent starting with `agent_prefix`."""
        with self._hits_lock:
            return [h for h in self.hits if h.at >= since and h.agent.startswith(agent_prefix)]
