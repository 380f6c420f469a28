"""The files: a full disk, a crash in the middle of a write, private modes, a config broken
while running, and two instances started at the same instant."""

from __future__ import annotations

import errno
import json
import logging
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

import trayapp.shell.store
from tests.support.builders import at, incident, page
from tests.support.notifiers import RecordingNotifier
from tests.support.server import StatusServer
from tests.support.watching import wait_until, watching, write_config
from trayapp import paths
from trayapp.catalog import ProviderSpec
from trayapp.config import ensure_config
from trayapp.core.codec import decode_state
from trayapp.engine import Engine
from trayapp.logs import setup_logging
from trayapp.model import Snapshot, State
from trayapp.settings import NotificationSettings
from trayapp.shell import single_instance
from trayapp.shell.details import write_details
from trayapp.shell.store import StateStore

REPOSITORY = Path(__file__).resolve().parents[2]
ACME = ProviderSpec(id="acme", name="Acme", page="https://status.acme.example", kind="statuspage")


class _HalfWritten:
    """A file on a disk that fills up halfway through the write."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def __enter__(self) -> _HalfWritten:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._handle.close()

    def write(self, text: str) -> int:
        self._handle.write(text[: len(text) // 2])
        self._handle.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


class _FullDiskOs:
    """The `os` module as the state store sees it while the disk is full."""

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    @staticmethod
    def fdopen(descriptor: int, *args: Any, **kwargs: Any) -> _HalfWritten:
        return _HalfWritten(os.fdopen(descriptor, *args, **kwargs))


def test_a_full_disk_keeps_the_old_state_whole_and_the_app_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state" / "state.json"
    notifier = RecordingNotifier()
    clock = iter(at(minute) for minute in range(100))
    engine = Engine([ACME], NotificationSettings(), notifier, StateStore(path), lambda: next(clock))
    engine.handle(ACME, page(("API", State.OPERATIONAL)))
    engine.handle(ACME, page(("API", State.MAJOR), incidents=(incident("inc-1", State.MAJOR),)))
    before = path.read_bytes()

    monkeypatch.setattr(trayapp.shell.store, "os", _FullDiskOs())
    with caplog.at_level(logging.INFO):
        engine.handle(ACME, page(("API", State.OPERATIONAL), closed=frozenset({"inc-1"})))
        for _ in range(5):
            engine.handle(ACME, page(("API", State.OPERATIONAL)))
    assert [n.kind for n in notifier.sent] == ["start", "resolve"], "notifications go on"
    assert engine.snapshot().providers[0].state == State.OPERATIONAL
    assert path.read_bytes() == before, "the old state file is untouched"
    assert decode_state(json.loads(before)).notified == frozenset({"acme/inc-1"})
    assert [p.name for p in path.parent.iterdir()] == ["state.json"], "no half-written temp file"
    errors = [r for r in caplog.records if "cannot save state" in r.getMessage()]
    assert len(errors) == 1, "logged once, not once per poll"
    assert "No space left on device" in errors[0].getMessage()

    monkeypatch.undo()
    with caplog.at_level(logging.INFO):
        engine.handle(ACME, page(("API", State.OPERATIONAL)))
    assert any("state saved again" in r.getMessage() for r in caplog.records)
    assert decode_state(json.loads(path.read_bytes())).notified == frozenset()
    again = RecordingNotifier()
    Engine([ACME], NotificationSettings(), again, StateStore(path)).handle(
        ACME, page(("API", State.OPERATIONAL))
    )
    assert again.sent == []


WRITER = """
import sys
from pathlib import Path
from trayapp.core.codec import SavedState
from trayapp.shell.store import StateStore

store = StateStore(Path(sys.argv[1]))
print("writing", flush=True)
count = 0
while True:
    count += 1
    notified = frozenset(f"acme/inc-{n}" for n in range(count % 50))
    store.save(SavedState(notified=notified, detected={"n": str(count)}))
"""


def test_a_crash_in_the_middle_of_writes_leaves_a_whole_state_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    chooser = random.Random(5)
    for _ in range(4):
        with subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True, cwd=REPOSITORY
        ) as writer:
            assert writer.stdout is not None
            assert writer.stdout.readline() == "writing\n"
            time.sleep(chooser.uniform(0.05, 0.25))
            writer.send_signal(signal.SIGKILL)
            writer.wait()
        saved = StateStore(path).load()
        assert saved is not None, "killed at any moment, the file is an old or a new version, never half"
        assert int(saved.detected["n"]) > 0
        assert not list(tmp_path.glob("*.corrupt-*"))


def test_temp_files_of_writes_that_never_finished_are_cleared_at_start(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    StateStore(path).save(decode_state({"version": 1}))
    stale, fresh = tmp_path / ".state.json.dead1.tmp", tmp_path / ".state.json.busy2.tmp"
    stale.write_text("{half")
    fresh.write_text("{half")
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    assert StateStore(path).load() is not None
    assert not stale.exists()
    assert fresh.exists(), "a temp file being written right now is left alone"


@pytest.mark.usefixtures("logging_to_files")
def test_every_file_trayapp_writes_is_readable_by_its_owner_only() -> None:
    previous = os.umask(0o022)
    try:
        ensure_config(paths.config_file())
        setup_logging(paths.log_dir(), 0)
        noisy = logging.getLogger("trayapp.test")
        for line in range(6000):  # past 1 MB: the log rotates
            noisy.info("line %05d %s", line, "x" * 200)
        lock = single_instance.acquire(paths.state_dir() / "trayapp.lock")
        assert lock is not None
        StateStore(paths.state_file()).save(decode_state({"version": 1}))
        write_details(Snapshot(), at(0))
        lock.release()
    finally:
        os.umask(previous)
    written = [
        p
        for root in (paths.config_file().parent, paths.state_dir(), paths.cache_dir())
        for p in root.rglob("*")
        if p.is_file()
    ]
    names = {p.name for p in written}
    assert {
        "config.toml",
        "trayapp.log",
        "trayapp.log.1",
        "trayapp.lock",
        "state.json",
        "details.html",
    } <= names
    loose = {
        str(p): oct(stat.S_IMODE(p.stat().st_mode))
        for p in written
        if stat.S_IMODE(p.stat().st_mode) != 0o600
    }
    assert loose == {}, "files readable by others"


def test_a_config_broken_while_running_keeps_the_last_good_one(
    server: StatusServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.set_fixture("/a/api/v2/summary.json", "statuspage/summary_all_operational.json")
    config = write_config(tmp_path / "config.toml", [("Alpha", server.url + "/a", "statuspage")])
    good = config.read_text()
    with watching(config) as w:
        wait_until(lambda: "Alpha: operational" in w.lines(), what="Alpha polled")
        config.write_text(good.replace("poll_interval = 0.2", "poll_interval = = 0.2 [[["), "utf-8")
        err = ""

        def complained() -> bool:
            nonlocal err
            err += capsys.readouterr().err
            return "keeping the last good one" in err

        wait_until(complained, timeout=5, what="the config error on stderr")
        assert f"{config}:1: invalid TOML" in err, err
        polls = len(server.requests_to("/a/api/v2/summary.json"))
        wait_until(
            lambda: len(server.requests_to("/a/api/v2/summary.json")) >= polls + 3, what="Alpha still polled"
        )
        assert err.count("keeping the last good one") == 1, "said once, not on every check"
    assert w.notifier.sent == []


def test_two_instances_started_at_the_same_instant_run_once(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.toml", [])
    quit_file = tmp_path / "quit"
    command = [sys.executable, "-m", "tests.faults.instance_race", str(config), str(quit_file)]
    for round_ in range(3):
        quit_file.unlink(missing_ok=True)
        racers = [
            subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPOSITORY
            )
            for _ in range(2)
        ]
        try:
            for racer in racers:
                assert racer.stdout is not None
                assert racer.stdout.readline() == "ready\n"
            for racer in racers:
                assert racer.stdin is not None
                racer.stdin.write("go\n")
                racer.stdin.flush()
            firsts = [racer.stdout.readline() for racer in racers if racer.stdout is not None]
            running = [r for r, line in zip(racers, firsts, strict=True) if line.startswith("running")]
            refused = [r for r, line in zip(racers, firsts, strict=True) if "already running" in line]
            assert (len(running), len(refused)) == (1, 1), f"round {round_}: {firsts}"
            assert refused[0].wait(10) == 0
            assert running[0].poll() is None, "the one that runs keeps running"
            quit_file.touch()
            assert running[0].wait(10) == 0
        finally:
            for racer in racers:
                if racer.poll() is None:
                    racer.kill()
                racer.communicate()
