"""Notifier plumbing: the queue worker, pausing, escaping, failing once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.support.notifiers import RecordingNotifier
from trayapp.core.notices import Notice
from trayapp.shell.notify import PlyerNotifier, QueuedNotifier, escape_markup

NOTICE = Notice("start", "OpenAI: <b>Errors</b>", "Partial outage · investigating. <i>x</i> & y")


def test_escape_markup() -> None:
    assert escape_markup("<b>x</b> & y") == "&lt;b&gt;x&lt;/b&gt; &amp; y"


def test_queue_delivers_in_order_off_the_caller_thread() -> None:
    seen: list[tuple[str, str]] = []

    class Slow:
        def send(self, notice: Notice) -> None:
            time.sleep(0.05)
            seen.append((notice.title, threading.current_thread().name))

    queued = QueuedNotifier(Slow())
    started = time.monotonic()
    for n in range(3):
        queued.send(Notice("start", f"t{n}", "b"))
    assert time.monotonic() - started < 0.05, "send does not block"
    queued.close(2)
    assert [title for title, _ in seen] == ["t0", "t1", "t2"]
    assert {thread for _, thread in seen} == {"trayapp-notify"}


def test_paused_notices_are_dropped() -> None:
    recorder = RecordingNotifier()
    paused = True
    queued = QueuedNotifier(recorder, is_paused=lambda: paused)
    queued.send(NOTICE)
    paused = False
    queued.send(NOTICE)
    queued.close(2)
    assert len(recorder.sent) == 1


def test_bounded_queue_drops_when_full() -> None:
    gate = threading.Event()

    class Blocked:
        def __init__(self) -> None:
            self.count = 0

        def send(self, notice: Notice) -> None:
            gate.wait(5)
            self.count += 1

    inner = Blocked()
    queued = QueuedNotifier(inner, maxsize=2)
    for _ in range(10):
        queued.send(NOTICE)
    gate.set()
    queued.close(2)
    assert inner.count <= 3


def test_worker_survives_a_failing_notifier() -> None:
    class Broken:
        calls = 0

        def send(self, notice: Notice) -> None:
            Broken.calls += 1
            raise RuntimeError("backend exploded")

    queued = QueuedNotifier(Broken())
    queued.send(NOTICE)
    queued.send(NOTICE)
    queued.close(2)
    assert Broken.calls == 2


def test_plyer_without_a_bus_says_so_once(capsys: pytest.CaptureFixture[str]) -> None:
    notifier = PlyerNotifier()
    notifier.send(NOTICE)
    notifier.send(NOTICE)
    err = capsys.readouterr().err
    assert err.count("cannot show desktop notifications (no D-Bus session bus)") == 1


def test_recording_notifier_writes_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "n.jsonl"
    RecordingNotifier(path).send(NOTICE)
    assert '"title": "OpenAI: <b>Errors</b>"' in path.read_text()
