"""One instance per user."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from trayapp.shell.single_instance import acquire


def test_second_lock_is_refused_until_released(tmp_path: Path) -> None:
    path = tmp_path / "state" / "trayapp.lock"
    first = acquire(path)
    assert first is not None
    code = (
        "import sys, pathlib; from trayapp.shell.single_instance import acquire; "
        "sys.exit(0 if acquire(pathlib.Path(sys.argv[1])) is None else 1)"
    )
    assert subprocess.run([sys.executable, "-c", code, str(path)], check=False).returncode == 0
    first.release()
    assert subprocess.run([sys.executable, "-c", code, str(path)], check=False).returncode == 1
