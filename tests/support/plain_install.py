"""trayapp installed as users install it: `pip install .` into a venv without system site packages.

No dbus-python, no PyGObject, and (through `app_env`) a PATH without `notify-send`: what runs
is what a user of a fresh desktop gets. pip may take its wheels from the local wheel cache or
index when offline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def build_plain_venv(where: Path) -> Path:
    """Make `where/venv` with `python -m venv` and `pip install <repo>`; its `trayapp` command."""
    venv = where / "venv"
    python = shutil.which("python3") or sys.executable
    subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=120)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", str(REPO_ROOT)],
        check=True,
        timeout=600,
        env={key: value for key, value in os.environ.items() if key != "PYTHONPATH"},
    )
    return venv / "bin" / "trayapp"


def plain_path(tmp: Path) -> str:
    """A PATH with the usual system directories minus any `notify-send` (a directory of links)."""
    bare = tmp / "bin"
    bare.mkdir(exist_ok=True)
    for folder in ("/usr/bin", "/bin"):
        for tool in ("sh", "cat", "dbus-daemon", "xdg-open"):
            source = Path(folder) / tool
            if source.exists() and not (bare / tool).exists():
                (bare / tool).symlink_to(source)
    return str(bare)


def app_env(tmp: Path, bus: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of the installed app: this test's XDG dirs, the bus, no DISPLAY, no PYTHONPATH."""
    keep = ("HOME", "LANG", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env.update(PATH=plain_path(tmp), DBUS_SESSION_BUS_ADDRESS=bus, PYTHONUNBUFFERED="1")
    env.update(extra or {})
    return env


def browser_recorder(tmp: Path) -> tuple[Path, Path]:
    """A `$BROWSER` that appends its argument to a file: (script, file)."""
    opened = tmp / "opened.txt"
    script = tmp / "browser.sh"
    script.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n', encoding="utf-8")
    script.chmod(0o755)
    return script, opened


def opened_urls(opened: Path) -> list[str]:
    """What the recording browser was asked to open so far."""
    return opened.read_text(encoding="utf-8").split() if opened.exists() else []


class App:
    """One trayapp process, its output in a log file; stopped (SIGTERM, then SIGKILL) by `stop`."""

    def __init__(self, command: list[str], env: Mapping[str, str], log: Path) -> None:
        self.log_path = log
        with log.open("wb") as out:  # the child keeps its own copy of the descriptor
            self.popen = subprocess.Popen(
                command, env=dict(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def log(self) -> str:
        """Everything the app printed (stdout and stderr) and logged with -v."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait(self, timeout: float) -> int:
        """Wait for the process to end by itself; its exit code."""
        return self.popen.wait(timeout)

    def stop(self, timeout: float = 5.0) -> tuple[int, float]:
        """SIGTERM, then SIGKILL after `timeout`: (exit code, seconds it took)."""
        started = time.monotonic()
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout)
        return self.popen.returncode, time.monotonic() - started
