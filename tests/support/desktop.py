"""A private headless desktop for end-to-end tests: X server, tray host, session bus, notifications.

``Desktop`` is a context manager. On entry it starts, in this order, and waits for each:

1. a private ``dbus-daemon --nofork --print-address`` from a generated config without service
   directories (nothing can be bus-activated, so nothing outside the test is started); it comes
   first so that every later process, trayer included, gets the private bus and none autolaunches
   one of its own;
2. ``Xvfb -displayfd`` (the display number is read from a pipe; the first X connection is retried);
3. ``trayer`` as the XEmbed tray host, until the ``_NET_SYSTEM_TRAY_S0`` selection has an owner and
   its panel is mapped (an xorg-backend pystray icon never docks on a tray that appears later);
   with ``tray_host=False`` none, until ``start_tray_host()``;
4. ``python -m tests.support.notify_recorder`` on that bus, until ``org.freedesktop.Notifications``
   is owned.

On exit (also when the block raised) it stops everything in reverse order, processes the test
started with ``spawn`` first, each by process group (SIGTERM, then SIGKILL), and removes its
private runtime directory. ``leftover_processes`` tells whether anything it started (or anything
running with its DISPLAY or bus address) is still alive.

Typical use (`spawn` gives the process `full_env()`: the caller's environment plus `env`)::

    with Desktop(tmp_path / "desktop") as desktop:
        app = desktop.spawn([sys.executable, "-m", "trayapp", ...])
        desktop.wait_for_icon(15)
        desktop.wait_for_colour("operational", 10)
        desktop.click_tray_icon(1)
        assert desktop.wait_for_notifications(1)[0]["summary"] == "..."

Reading the tray: the trayer panel is found by its WM_CLASS ``("panel", "trayer")``; every docked
icon is an embedding socket (a child of the panel) with a mapped client window inside it. Pixels
are read with X ``GetImage`` on the root window, so what is measured is what a person would see.

pystray's xorg backend and trayer race each other (duplicate dock requests; see
`Desktop.redock_stray_icons`): waits for an xorg-backend icon should pass ``redock_after``.
The GTK backend has no such problem and needs nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self, TypeVar

import Xlib.display
import Xlib.error
import Xlib.protocol.event
from jeepney import DBusAddress, HeaderFields, MessageType, new_method_call
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import DBusConnection, open_dbus_connection
from PIL import Image
from Xlib import X

from tests.support.notify_recorder import BUS_NAME as NOTIFICATIONS_NAME
from tests.support.notify_recorder import closed_path

REPO_ROOT = Path(__file__).resolve().parents[2]

RGB = tuple[int, int, int]

#: The contract's tray colours, by state name.
CONTRACT_COLOURS: dict[str, RGB] = {
    "operational": (0x22, 0xA0, 0x4B),
    "maintenance": (0x3B, 0x82, 0xF6),
    "unknown": (0x9C, 0xA3, 0xAF),
    "degraded": (0xEA, 0xB3, 0x08),
    "partial": (0xF9, 0x73, 0x16),
    "major": (0xDC, 0x26, 0x26),
}

TRAY_SELECTION = "_NET_SYSTEM_TRAY_S0"
TRAYER_ARGS = (
    "trayer",
    "--edge",
    "top",
    "--align",
    "right",
    "--widthtype",
    "request",
    "--height",
    "32",
    "--heighttype",
    "pixel",
    "--SetDockType",
    "true",
    "--SetPartialStrut",
    "false",
    "--transparent",
    "false",
    "--expand",
    "true",
    "--monitor",
    "0",
)
# The X errors a window that vanished between two requests can cause.
_GONE = (Xlib.error.BadWindow, Xlib.error.BadDrawable, Xlib.error.BadMatch, Xlib.error.BadValue)

_T = TypeVar("_T")

_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _die_with_parent() -> None:
    """In the child before exec: get SIGKILL if the test process dies without cleaning up."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class DesktopError(RuntimeError):
    """A desktop component failed to start, answer or stop in time."""


@dataclass(frozen=True)
class Rect:
    """A rectangle in root-window (screen) coordinates."""

    x: int
    y: int
    width: int
    height: int

    @property
    def centre(self) -> tuple[int, int]:
        """The middle pixel."""
        return self.x + self.width // 2, self.y + self.height // 2

    def contains(self, x: int, y: int) -> bool:
        """Whether the screen pixel (x, y) lies inside."""
        return self.x <= x < self.x + self.width and self.y <= y < self.y + self.height


def classify(rgb: RGB) -> str:
    """The name of the contract colour nearest to `rgb` (e.g. ``"operational"``)."""
    return min(CONTRACT_COLOURS, key=lambda name: _distance(rgb, CONTRACT_COLOURS[name]))


def _distance(a: RGB, b: RGB) -> float:
    return float(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5)


def _ignored(rgb: RGB, background: RGB | None) -> bool:
    """Near-black (xorg transparency, outlines), near-white (glyphs) or the tray's own background."""
    if max(rgb) < 60 or min(rgb) > 215:
        return True
    return background is not None and _distance(rgb, background) < 30


def dominant_colour(
    counted: Iterable[tuple[int, RGB]], background: RGB | None = None, min_pixels: int = 12
) -> RGB | None:
    """The icon's fill colour from (count, rgb) pairs, or None when too few pixels have a colour.

    Pixels close to `background`, near-black or near-white are ignored; the rest are grouped in
    coarse buckets (so antialiasing and scaling blends join their fill colour's bucket or stay in
    small buckets of their own), and the most frequent exact colour of the largest bucket wins.
    """
    buckets: dict[RGB, dict[RGB, int]] = {}
    for count, rgb in counted:
        if _ignored(rgb, background):
            continue
        key = (rgb[0] // 24, rgb[1] // 24, rgb[2] // 24)
        bucket = buckets.setdefault(key, {})
        bucket[rgb] = bucket.get(rgb, 0) + count
    if not buckets:
        return None
    best = max(buckets.values(), key=lambda bucket: sum(bucket.values()))
    if sum(best.values()) < min_pixels:
        return None
    return max(best, key=lambda rgb: best[rgb])


def counted_colours(image: Image.Image) -> list[tuple[int, RGB]]:
    """(count, rgb) pairs of an image's pixels, for `dominant_colour`."""
    rgb = image.convert("RGB")
    found = rgb.getcolors(maxcolors=max(1, rgb.width * rgb.height))
    return [(count, colour) for count, colour in found or []]  # type: ignore[misc]


def wait_for(predicate: Callable[[], _T | None], timeout: float, what: str, interval: float = 0.05) -> _T:
    """Poll `predicate` until it returns something other than None/False; DesktopError after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value is not None and value is not False:
            return value
        if time.monotonic() >= deadline:
            raise DesktopError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def _clock_ticks_now() -> int:
    with open("/proc/uptime", encoding="ascii") as handle:
        uptime = float(handle.read().split()[0])
    return int(uptime * os.sysconf("SC_CLK_TCK"))


@dataclass(frozen=True)
class _ProcInfo:
    pid: int
    state: str
    pgrp: int
    session: int
    start_ticks: int
    cmdline: str
    environ: frozenset[bytes]


def _read_proc(pid: int) -> _ProcInfo | None:
    base = Path("/proc") / str(pid)
    try:
        stat = (base / "stat").read_text(encoding="ascii", errors="replace")
        cmdline = (base / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        try:
            environ = frozenset((base / "environ").read_bytes().split(b"\0"))
        except PermissionError:
            environ = frozenset()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    # fields[0] is field 3 of proc(5): state, ppid, pgrp, session, ..., starttime is field 22.
    return _ProcInfo(pid, fields[0], int(fields[2]), int(fields[3]), int(fields[19]), cmdline, environ)


@dataclass
class _Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    log: IO[bytes]


class Desktop:
    """Xvfb + trayer + a private session bus + a recording notification server.

    `workdir` receives the logs of every process and the notification records (kept after exit);
    it defaults to the private runtime directory, which is always removed on exit. The bus socket
    and XDG_RUNTIME_DIR live in that short private directory (Unix socket paths are limited to
    108 bytes). `startup_timeout` bounds each start-up wait; `stop_timeout` is how long a process
    gets between SIGTERM and SIGKILL.

    Every process is started in its own session (so its whole process group is stopped) and with
    a parent-death signal, so even a hard-killed test run leaves nothing behind; start processes
    from the thread that lives as long as the desktop (the main thread).
    """

    def __init__(
        self,
        workdir: Path | None = None,
        *,
        size: tuple[int, int] = (1280, 800),
        startup_timeout: float = 15.0,
        stop_timeout: float = 5.0,
        tray_host: bool = True,
    ) -> None:
        self.size = size
        self.tray_host = tray_host
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self._requested_workdir = workdir
        self._runtime: Path | None = None
        self._workdir: Path | None = None
        self._display_name: str | None = None
        self._bus_address: str | None = None
        self._x: Any = None
        self._bus: DBusConnection | None = None
        self._xvfb: _Proc | None = None
        self._trayer: _Proc | None = None
        self._dbus: _Proc | None = None
        self._recorder: _Proc | None = None
        self._spawned: list[_Proc] = []
        self._ever_started: list[tuple[int, int]] = []  # (pid, start ticks) of every process started
        self._started_ticks = 0
        self._closed_ticks: int | None = None
        self._log_count = 0
        self._running = False
        #: How many dock requests `redock_stray_icons` sent on behalf of undocked icons.
        self.redocks = 0

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close(raise_errors=exc is None)

    def start(self) -> None:
        """Start all components and wait until each is usable; on failure stop what started."""
        if self._runtime is not None:
            raise DesktopError("this Desktop was already started")
        self._started_ticks = _clock_ticks_now()
        self._runtime = Path(tempfile.mkdtemp(prefix="trayapp-desk-"))
        os.chmod(self._runtime, 0o700)
        self._workdir = self._requested_workdir or self._runtime
        self._workdir.mkdir(parents=True, exist_ok=True)
        self._running = True
        try:
            self._start_bus()
            self._start_x()
            if self.tray_host:
                self._start_trayer()
            self._start_recorder()
        except BaseException:
            self.close(raise_errors=False)
            raise

    def close(self, raise_errors: bool = True) -> None:
        """Stop everything in reverse start order (spawned processes first); idempotent."""
        self._running = False
        errors: list[str] = []
        for proc in reversed(self._spawned):
            errors += self._stop(proc)
        self._spawned.clear()
        if self._recorder is not None:
            errors += self._stop(self._recorder)
            self._recorder = None
        if self._trayer is not None:
            errors += self._stop(self._trayer)
            self._trayer = None
        if self._x is not None:
            with contextlib.suppress(OSError, Xlib.error.ConnectionClosedError):
                self._x.close()
            self._x = None
        if self._xvfb is not None:
            errors += self._stop(self._xvfb)
            self._xvfb = None
        if self._bus is not None:
            self._bus.close()
            self._bus = None
        if self._dbus is not None:
            errors += self._stop(self._dbus)
            self._dbus = None
        if self._runtime is not None and self._closed_ticks is None:
            self._closed_ticks = _clock_ticks_now()
            shutil.rmtree(self._runtime, ignore_errors=True)
        if errors and raise_errors:
            raise DesktopError("; ".join(errors))

    # ------------------------------------------------------------------ properties

    @property
    def display(self) -> str:
        """The X display name, e.g. ``":3"``."""
        if not self._running or self._display_name is None:
            raise DesktopError("the desktop is not running")
        return self._display_name

    @property
    def bus_address(self) -> str:
        """The private session bus address."""
        if not self._running or self._bus_address is None:
            raise DesktopError("the session bus is not running")
        return self._bus_address

    @property
    def workdir(self) -> Path:
        """Where the logs and the notification records are."""
        if self._workdir is None:
            raise DesktopError("the desktop is not running")
        return self._workdir

    @property
    def notifications_path(self) -> Path:
        """The recorder's JSON-lines file (one object per Notify call)."""
        return self.workdir / "notifications.jsonl"

    @property
    def env(self) -> dict[str, str]:
        """Variables to add to a subprocess environment so it uses this desktop.

        DISPLAY, DBUS_SESSION_BUS_ADDRESS and NO_AT_BRIDGE=1 (no accessibility bus), plus
        GDK_BACKEND=x11 (never a real Wayland session) and a private XDG_RUNTIME_DIR.
        """
        if not self._running or self._runtime is None:
            raise DesktopError("the desktop is not running")
        return {
            "DISPLAY": self.display,
            "DBUS_SESSION_BUS_ADDRESS": self.bus_address,
            "NO_AT_BRIDGE": "1",
            "GDK_BACKEND": "x11",
            "XDG_RUNTIME_DIR": str(self._runtime / "xdg-runtime"),
        }

    def full_env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """``os.environ`` + `env` + `extra`: a complete environment for a subprocess."""
        return {**os.environ, **self.env, **(extra or {})}

    @property
    def pids(self) -> list[int]:
        """The process ids of everything started so far (components and spawned processes)."""
        return [pid for pid, _ in self._ever_started]

    # ------------------------------------------------------------------ processes

    def spawn(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        name: str | None = None,
        cwd: Path | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start a process on this desktop, logged to ``<workdir>/<name>.log``; stopped on exit.

        `env` defaults to `full_env()`; pass a complete environment to replace it.
        """
        proc = self._launch(name or Path(args[-1]).stem or "process", args, env or self.full_env(), cwd)
        self._spawned.append(proc)
        return proc.popen

    def stop(self, popen: subprocess.Popen[bytes], timeout: float | None = None) -> int:
        """Stop one spawned process (SIGTERM, then SIGKILL after `timeout`); its return code."""
        for proc in self._spawned:
            if proc.popen is popen:
                errors = self._stop(proc, timeout)
                self._spawned.remove(proc)
                if errors:
                    raise DesktopError("; ".join(errors))
                break
        else:
            raise DesktopError(f"process {popen.pid} was not started by this desktop")
        return popen.returncode

    def log(self, name: str) -> str:
        """The log text of the process called `name` (e.g. ``"trayer"``, ``"notify_recorder"``)."""
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def logs(self, tail: int = 2000) -> str:
        """The last `tail` characters of every log, for assertion messages."""
        if self._workdir is None or not self._workdir.exists():
            return ""
        parts = []
        for path in sorted(self._workdir.glob("*.log")):
            text = path.read_text(errors="replace")[-tail:]
            parts.append(f"--- {path.name}\n{text}")
        return "\n".join(parts)

    def leftover_processes(self) -> list[str]:
        """Live processes this desktop is responsible for: started by it, in the process group or
        session of one it started, or running with its DISPLAY or bus address (and started while it
        ran). Zombies are ignored. Empty after a clean exit."""
        display = f"DISPLAY={self._display_name}".encode() if self._display_name else None
        bus = f"DBUS_SESSION_BUS_ADDRESS={self._bus_address}".encode() if self._bus_address else None
        leaders = {pid for pid, _ in self._ever_started}
        started = set(self._ever_started)
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            info = _read_proc(int(entry))
            if info is None or info.state == "Z":
                continue
            in_window = info.start_ticks >= self._started_ticks and (
                self._closed_ticks is None or info.start_ticks <= self._closed_ticks
            )
            mine = (
                (info.pid, info.start_ticks) in started
                or (in_window and (info.pgrp in leaders or info.session in leaders))
                or (in_window and any(m is not None and m in info.environ for m in (display, bus)))
            )
            if mine:
                found.append(f"{info.pid} {info.cmdline}")
        return found

    def _launch(
        self,
        name: str,
        args: Sequence[str],
        env: Mapping[str, str],
        cwd: Path | None = None,
        stdout: int | None = None,
        pass_fds: Sequence[int] = (),
    ) -> _Proc:
        workdir = self.workdir
        log_name = name
        while (workdir / f"{log_name}.log").exists():
            self._log_count += 1
            log_name = f"{name}-{self._log_count}"
        log_path = workdir / f"{log_name}.log"
        log = open(log_path, "ab")  # noqa: SIM115 - closed in _stop
        try:
            popen = subprocess.Popen(
                list(args),
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log if stdout is None else stdout,
                stderr=log,
                pass_fds=tuple(pass_fds),
                start_new_session=True,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - only a prctl call
            )
        except BaseException:
            log.close()
            raise
        info = _read_proc(popen.pid)
        self._ever_started.append((popen.pid, info.start_ticks if info else 0))
        return _Proc(log_name, popen, log_path, log)

    def _stop(self, proc: _Proc, timeout: float | None = None) -> list[str]:
        """SIGTERM the process group, SIGKILL it after `timeout`; then kill any group remnants."""
        timeout = self.stop_timeout if timeout is None else timeout
        errors: list[str] = []
        popen = proc.popen
        try:
            if popen.poll() is None:
                self._signal_group(popen.pid, signal.SIGTERM)
                try:
                    popen.wait(timeout)
                except subprocess.TimeoutExpired:
                    errors.append(f"{proc.name} ignored SIGTERM for {timeout:g} s")
                    self._signal_group(popen.pid, signal.SIGKILL)
                    try:
                        popen.wait(timeout)
                    except subprocess.TimeoutExpired:
                        errors.append(f"{proc.name} survived SIGKILL")
            self._signal_group(popen.pid, signal.SIGKILL)  # whatever it left in its group
        finally:
            if popen.stdout is not None:
                popen.stdout.close()
            proc.log.close()
        return errors

    @staticmethod
    def _signal_group(pgid: int, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signum)

    def _check_alive(self, proc: _Proc) -> None:
        if proc.popen.poll() is not None:
            log = proc.log_path.read_text(errors="replace")
            raise DesktopError(f"{proc.name} exited with {proc.popen.returncode}:\n{log}")

    # ------------------------------------------------------------------ X server and tray host

    def _start_x(self) -> None:
        read_fd, write_fd = os.pipe()
        try:
            width, height = self.size
            self._xvfb = self._launch(
                "Xvfb",
                [
                    "Xvfb",
                    "-displayfd",
                    str(write_fd),
                    "-screen",
                    "0",
                    f"{width}x{height}x24",
                    "-nolisten",
                    "tcp",
                    "-noreset",
                ],
                {**os.environ},
                pass_fds=(write_fd,),
            )
            os.close(write_fd)
            write_fd = -1
            number = self._read_display_number(read_fd)
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        self._display_name = f":{number}"
        self._x = wait_for(self._connect_x, self.startup_timeout, f"X display {self._display_name}")

    def _read_display_number(self, read_fd: int) -> int:
        assert self._xvfb is not None
        return int(self._read_line(read_fd, self._xvfb, "Xvfb", "display number", "its display fd"))

    def _read_line(self, fd: int, process: Any, name: str, what: str, channel: str) -> str:
        """The first line `process` writes to `fd`, within the start-up timeout; it must stay alive."""
        deadline = time.monotonic() + self.startup_timeout
        data = b""
        while not data.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DesktopError(f"{name} printed no {what}:\n{self.logs()}")
            ready, _, _ = select.select([fd], [], [], min(remaining, 0.2))
            if ready:
                chunk = os.read(fd, 1024)
                if not chunk:
                    self._check_alive(process)
                    raise DesktopError(f"{name} closed {channel}:\n{self.logs()}")
                data += chunk
            else:
                self._check_alive(process)
        return data.decode().strip()

    def _connect_x(self) -> Any:
        assert self._xvfb is not None
        self._check_alive(self._xvfb)
        try:
            return Xlib.display.Display(self._display_name)
        except (Xlib.error.DisplayError, Xlib.error.ConnectionClosedError, OSError):
            return None

    def _helper_env(self) -> dict[str, str]:
        return {**os.environ, **self.env}

    def _start_trayer(self) -> None:
        self._trayer = self._launch("trayer", TRAYER_ARGS, self._helper_env())
        trayer = self._trayer

        def docked_host() -> bool:
            self._check_alive(trayer)
            return self._selection_owner() != 0 and self._panel() is not None

        wait_for(docked_host, self.startup_timeout, f"trayer to own {TRAY_SELECTION}")

    def start_tray_host(self) -> None:
        """Start trayer on a desktop made with `tray_host=False` (a tray that appears later)."""
        if self._trayer is not None:
            raise DesktopError("the tray host is running already")
        self._start_trayer()

    def _selection_owner(self) -> int:
        owner = self._x.get_selection_owner(self._x.intern_atom(TRAY_SELECTION))
        return int(getattr(owner, "id", owner))

    def restart_tray_host(self) -> None:
        """Kill trayer, start a new one and wait until it owns the tray selection again."""
        if self._trayer is None:
            raise DesktopError("the tray host is not running")
        errors = self._stop(self._trayer)
        self._trayer = None
        if errors:
            raise DesktopError("; ".join(errors))
        # The X server frees a dead client's windows and selection once it notices the closed
        # connection; the new trayer may then get the same window ids, so wait for them to go.
        wait_for(
            lambda: self._selection_owner() == 0 and self._panel() is None,
            self.startup_timeout,
            "the old tray host to go",
        )
        self._start_trayer()

    def _panel(self) -> Any | None:
        """trayer's mapped panel window, or None."""
        root = self._x.screen().root
        for window in root.query_tree().children:
            try:
                if (
                    window.get_wm_class() == ("panel", "trayer")
                    and window.get_attributes().map_state == X.IsViewable
                ):
                    return window
            except _GONE:
                continue
        return None

    def _absolute(self, window: Any) -> Rect:
        root = self._x.screen().root
        geometry = window.get_geometry()
        origin = root.translate_coords(window, 0, 0)
        return Rect(int(origin.x), int(origin.y), int(geometry.width), int(geometry.height))

    def tray_rect(self) -> Rect | None:
        """The tray host's panel on screen, or None when it is not mapped."""
        try:
            panel = self._panel()
            return None if panel is None else self._absolute(panel)
        except _GONE:
            return None

    def icon_rects(self) -> list[Rect]:
        """The docked icons' sockets on screen, left to right (each holds a mapped client window)."""
        try:
            panel = self._panel()
            if panel is None:
                return []
            rects = []
            for socket in panel.query_tree().children:
                try:
                    if socket.get_attributes().map_state != X.IsViewable:
                        continue
                    clients = [
                        child
                        for child in socket.query_tree().children
                        if child.get_attributes().map_state == X.IsViewable
                    ]
                    rect = self._absolute(socket)
                except _GONE:
                    continue
                if clients and rect.width > 1 and rect.height > 1:
                    rects.append(rect)
        except _GONE:
            return []
        return sorted(rects, key=lambda rect: rect.x)

    def wait_for_icon(self, timeout: float = 15.0, redock_after: float | None = None) -> Rect:
        """Wait until an icon is docked in the tray; its rectangle (the first one from the left).

        With `redock_after`, undocked XEmbed icon windows are re-offered to the tray
        (`redock_stray_icons`) whenever no icon has been docked for that many seconds: use it for
        pystray's xorg backend only (see `redock_stray_icons`).
        """
        nudge = self._nudger(redock_after)

        def docked() -> list[Rect] | None:
            rects = self.icon_rects()
            if not rects:
                nudge()
            return rects or None

        try:
            rects = wait_for(docked, timeout, "a docked tray icon")
        except DesktopError as error:
            raise DesktopError(f"{error}\n{self.logs()}") from None
        return rects[0]

    def _nudger(self, redock_after: float | None) -> Callable[[], None]:
        """A callable to run while no icon is docked: redocks every `redock_after` seconds."""
        last = [time.monotonic()]

        def nudge() -> None:
            if redock_after is not None and time.monotonic() - last[0] >= redock_after:
                last[0] = time.monotonic()
                self.redock_stray_icons()

        return nudge

    def undocked_icon_windows(self) -> list[int]:
        """Ids of top-level windows that carry ``_XEMBED_INFO`` (tray icons) but are not docked."""
        atom = self._x.intern_atom("_XEMBED_INFO")
        found = []
        for window in self._x.screen().root.query_tree().children:
            try:
                if window.get_full_property(atom, X.AnyPropertyType) is not None:
                    found.append(int(window.id))
            except _GONE:
                continue
        return found

    def redock_stray_icons(self) -> int:
        """Ask the tray to dock every undocked XEmbed icon window again; how many were offered.

        Why: pystray's xorg backend sends SYSTEM_TRAY_REQUEST_DOCK twice when it shows an icon
        (from ``_update_icon`` and from ``_show``) and again on every image change. trayer's tray
        manager does not ignore a request for a window it already embeds: it makes a second socket
        that takes the window from the first, and now and then (a few percent of start-ups, and
        regularly after several image changes) both sockets let go and the icon falls back,
        unmapped, to the root window. A tray that ignores duplicates keeps it; this sends the one
        request such a tray would have acted on. Counted in `redocks`. Never use it to hide an
        app that did not ask to be docked (e.g. one started before the tray).
        """
        owner = self._selection_owner()
        windows = self.undocked_icon_windows()
        if not owner or not windows:
            return 0
        opcode = self._x.intern_atom("_NET_SYSTEM_TRAY_OPCODE")
        manager = self._x.create_resource_object("window", owner)
        for window_id in windows:
            message = Xlib.protocol.event.ClientMessage(
                window=manager,
                client_type=opcode,
                data=(32, [X.CurrentTime, 0, window_id, 0, 0]),  # 0 = SYSTEM_TRAY_REQUEST_DOCK
            )
            manager.send_event(message, event_mask=X.NoEventMask)
        self._x.sync()
        self.redocks += len(windows)
        return len(windows)

    def wait_for_no_icon(self, timeout: float = 10.0) -> None:
        """Wait until no icon is docked."""
        wait_for(lambda: not self.icon_rects(), timeout, "the tray to have no icon")

    # ------------------------------------------------------------------ pixels

    def grab(self, rect: Rect) -> Image.Image:
        """The screen pixels of `rect` (clipped to the screen) as an RGB image."""
        width, height = self.size
        x0, y0 = max(0, rect.x), max(0, rect.y)
        x1, y1 = min(width, rect.x + rect.width), min(height, rect.y + rect.height)
        if x1 <= x0 or y1 <= y0:
            return Image.new("RGB", (0, 0))
        root = self._x.screen().root
        reply = root.get_image(x0, y0, x1 - x0, y1 - y0, X.ZPixmap, 0xFFFFFFFF)
        return Image.frombytes("RGB", (x1 - x0, y1 - y0), reply.data, "raw", "BGRX")

    def screenshot(self, path: Path) -> Path:
        """Save the whole screen as a PNG; returns `path`."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.grab(Rect(0, 0, *self.size)).save(path, "PNG")
        return path

    def tray_icon_colour(self) -> RGB | None:
        """The dominant colour of the docked icon(s), or None with no icon or a blank one.

        The panel pixels outside the icons give trayer's background, which is ignored along with
        near-black (xorg transparency), near-white (glyphs) and small antialiasing buckets.
        """
        try:
            panel = self._panel()
            if panel is None:
                return None
            panel_rect = self._absolute(panel)
            icons = self.icon_rects()
            if not icons:
                return None
            image = self.grab(panel_rect)
        except _GONE:
            return None
        background_pixels: dict[RGB, int] = {}
        icon_pixels: dict[RGB, int] = {}
        pixels = image.load()
        assert pixels is not None
        for y in range(image.height):
            for x in range(image.width):
                rgb: RGB = pixels[x, y]  # type: ignore[assignment]
                inside = any(icon.contains(panel_rect.x + x, panel_rect.y + y) for icon in icons)
                target = icon_pixels if inside else background_pixels
                target[rgb] = target.get(rgb, 0) + 1
        background = max(background_pixels, key=background_pixels.__getitem__) if background_pixels else None
        return dominant_colour(((n, rgb) for rgb, n in icon_pixels.items()), background)

    def wait_for_colour(self, state: str, timeout: float = 10.0, redock_after: float | None = None) -> RGB:
        """Wait until the tray icon's colour classifies as `state`; the colour seen.

        `redock_after` as for `wait_for_icon` (only for pystray's xorg backend).
        """
        if state not in CONTRACT_COLOURS:
            raise ValueError(f"unknown state {state!r}; expected one of {sorted(CONTRACT_COLOURS)}")
        seen: list[RGB | None] = []
        nudge = self._nudger(redock_after)

        def matches() -> RGB | None:
            rgb = self.tray_icon_colour()
            seen.append(rgb)
            if rgb is None and not self.icon_rects():
                nudge()
            return rgb if rgb is not None and classify(rgb) == state else None

        try:
            return wait_for(matches, timeout, f"a {state} tray icon")
        except DesktopError as error:
            last = seen[-1] if seen else None
            described = f"{last} ({classify(last)})" if last is not None else "no coloured icon"
            raise DesktopError(f"{error}; last seen {described}\n{self.logs()}") from None

    def click_tray_icon(self, button: int = 1, index: int = 0) -> None:
        """Click the docked icon (`index` from the left) with xdotool."""
        rects = self.icon_rects()
        if len(rects) <= index:
            raise DesktopError(f"no docked icon #{index} to click (found {len(rects)})")
        x, y = rects[index].centre
        subprocess.run(
            ["xdotool", "mousemove", str(x), str(y), "click", str(button)],
            env=self._helper_env(),
            check=True,
            capture_output=True,
            timeout=10,
        )

    # ------------------------------------------------------------------ session bus and notifications

    def _start_bus(self) -> None:
        assert self._runtime is not None
        xdg_runtime = self._runtime / "xdg-runtime"
        xdg_runtime.mkdir(mode=0o700)
        config = self._runtime / "session.conf"
        config.write_text(
            f"""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={self._runtime}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
""",
            encoding="utf-8",
        )
        self._dbus = self._launch(
            "dbus-daemon",
            ["dbus-daemon", f"--config-file={config}", "--print-address", "--nofork", "--nopidfile"],
            {**os.environ},
            stdout=subprocess.PIPE,
        )
        stdout = self._dbus.popen.stdout
        assert stdout is not None
        self._bus_address = self._read_line(
            stdout.fileno(), self._dbus, "dbus-daemon", "address", "its stdout"
        )
        self._bus = open_dbus_connection(bus=self._bus_address, auth_timeout=5.0)

    def _start_recorder(self) -> None:
        env = self._helper_env()
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
        self._recorder = self._launch(
            "notify_recorder",
            [
                sys.executable,
                "-m",
                "tests.support.notify_recorder",
                str(self.notifications_path),
                "--bus",
                self.bus_address,
            ],
            env,
            cwd=REPO_ROOT,
        )
        recorder = self._recorder

        def owned() -> bool:
            self._check_alive(recorder)
            return self.name_has_owner(NOTIFICATIONS_NAME)

        wait_for(owned, self.startup_timeout, f"{NOTIFICATIONS_NAME} on the session bus")

    def name_has_owner(self, name: str) -> bool:
        """Whether `name` is owned on the private session bus."""
        return bool(self.bus_call(message_bus.NameHasOwner(name))[0])

    def bus_call(self, message: Any, timeout: float = 5.0) -> tuple[Any, ...]:
        """Send a jeepney method call on the private bus; the reply body (errors raise)."""
        if self._bus is None:
            raise DesktopError("the session bus is not running")
        reply = self._bus.send_and_get_reply(message, timeout=timeout)
        if reply.header.message_type == MessageType.error:
            name = reply.header.fields.get(HeaderFields.error_name, "?")
            raise DesktopError(f"D-Bus error {name}: {reply.body}")
        return tuple(reply.body)

    def notification_call(self, method: str, signature: str | None = None, body: tuple[Any, ...] = ()) -> Any:
        """Call a method of the notification server (e.g. ``"GetCapabilities"``); the reply body."""
        address = DBusAddress(
            "/org/freedesktop/Notifications", bus_name=NOTIFICATIONS_NAME, interface=NOTIFICATIONS_NAME
        )
        return self.bus_call(new_method_call(address, method, signature, body))

    def notifications(self) -> list[dict[str, Any]]:
        """Every Notify call recorded so far, oldest first."""
        return _read_jsonl(self.notifications_path)

    def closed_notifications(self) -> list[dict[str, Any]]:
        """Every CloseNotification call recorded so far (``id``, ``time``)."""
        return _read_jsonl(closed_path(self.notifications_path))

    def wait_for_notifications(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until at least `count` notifications were recorded; all of them."""

        def enough() -> list[dict[str, Any]] | None:
            found = self.notifications()
            return found if len(found) >= count else None

        try:
            return wait_for(enough, timeout, f"{count} notification(s)")
        except DesktopError as error:
            raise DesktopError(f"{error}; have {self.notifications()}\n{self.logs()}") from None


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    # A record is one write() ending in a newline; ignore a trailing partial line just in case.
    return [json.loads(line) for line in text.split("\n")[:-1] if line.strip()]
