"""Runs `watch` in-process against a config, with a recording notifier."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.notifiers import RecordingNotifier
from trayapp import paths
from trayapp.config import load_config
from trayapp.watch import run_watch


class LockedBuffer(io.StringIO):
    """A StringIO safe to write from one thread and read from another."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            return super().write(text)

    def text(self) -> str:
        with self._lock:
            return self.getvalue()


@dataclass
class Watching:
    notifier: RecordingNotifier
    out: LockedBuffer

    def lines(self) -> list[str]:
        return [line.split("  ", 1)[1] for line in self.out.text().splitlines() if "  " in line]

    def titles(self) -> list[str]:
        return [notice.title for notice in self.notifier.sent]


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll `predicate` until it holds; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def write_config(path: Path, providers: list[tuple[str, str, str]], extra: str = "") -> Path:
    """A config polling loopback pages every 0.2 s; providers are (name, url, kind)."""
    blocks = "".join(
        f'\n[[providers]]\nname = "{name}"\nurl = "{url}"\nkind = "{kind}"\n' for name, url, kind in providers
    )
    path.write_text(f"poll_interval = 0.2\nbuiltin = []\n{extra}\n{blocks}", encoding="utf-8")
    return path


def two_pages_config(path: Path, server_url: str, extra: str = "") -> Path:
    """A config watching OpenAI (incident.io) and Anthropic (Statuspage) on the local server."""
    return write_config(
        path,
        [
            ("OpenAI", server_url + "/openai", "incidentio"),
            ("Anthropic", server_url + "/anthropic", "statuspage"),
        ],
        extra,
    )


@contextmanager
def watching(config_path: Path, notifier: RecordingNotifier | None = None) -> Iterator[Watching]:
    """`trayapp watch` running in a thread until the block ends."""
    config, _ = load_config(config_path)
    recorder = notifier or RecordingNotifier()
    out = LockedBuffer()
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(run_watch(config, config_path, recorder, paths.state_file(), out, stop))
    )
    thread.start()
    try:
        yield Watching(recorder, out)
    finally:
        stop.set()
        thread.join(5)
        assert not thread.is_alive(), "watch did not stop within 5 s"
        assert result == [0]
