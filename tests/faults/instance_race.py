"""Runs the real `trayapp` command with a stand-in tray, released on a signal from its parent.

Usage: ``python -m tests.faults.instance_race CONFIG QUIT_FILE``. It prints ``ready`` once
everything is imported, waits for a line on stdin (the parent releases every racer at the
same instant), then runs ``trayapp --config CONFIG``: arguments, logging, the config and the
single-instance lock are the real ones; only the tray itself is a stand-in that prints
``running <pid>`` and stays until QUIT_FILE exists.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import trayapp.tray_controller
from trayapp.cli import main


class StandInTray:
    """Takes the place of TrayController: no display needed."""

    quit_file = Path()

    def __init__(self, *args: object) -> None:
        return

    def run(self) -> int:
        """Say so, and stay until told to quit."""
        print(f"running {os.getpid()}", flush=True)
        while not self.quit_file.exists():
            time.sleep(0.02)
        return 0


def race() -> int:
    """Wait for the start signal, then be `trayapp`."""
    config, quit_file = sys.argv[1], Path(sys.argv[2])
    StandInTray.quit_file = quit_file
    trayapp.tray_controller.TrayController = StandInTray  # type: ignore[assignment,misc]
    print("ready", flush=True)
    sys.stdin.readline()
    return main(["--config", config])


if __name__ == "__main__":
    sys.exit(race())
