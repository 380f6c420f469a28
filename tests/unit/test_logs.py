"""The log file: rotation by size, private files, printable lines."""

from __future__ import annotations

import logging
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from trayapp.logs import PrivateRotatingFileHandler


@pytest.fixture
def logger(tmp_path: Path) -> Iterator[tuple[logging.Logger, PrivateRotatingFileHandler]]:
    (tmp_path / "logs").mkdir()
    handler = PrivateRotatingFileHandler(tmp_path / "logs" / "trayapp.log", max_bytes=1000, backups=2)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger(f"test-logs-{tmp_path.name}")
    log.propagate = False
    log.setLevel(logging.INFO)
    log.addHandler(handler)
    yield log, handler
    log.removeHandler(handler)
    handler.close()


def test_the_log_moves_along_at_its_size_and_keeps_its_backups(
    tmp_path: Path, logger: tuple[logging.Logger, PrivateRotatingFileHandler]
) -> None:
    log, _handler = logger
    folder = tmp_path / "logs"
    lines = [f"line {index:04d} " + "x" * 40 for index in range(200)]  # 50 bytes each, 10 kB in all
    for line in lines:
        log.info(line)
    files = [folder / "trayapp.log.2", folder / "trayapp.log.1", folder / "trayapp.log"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in files), "two backups, no more"
    for path in files:
        assert 0 < path.stat().st_size <= 1000
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    kept = "".join(path.read_text(encoding="utf-8") for path in files).splitlines()
    assert kept == lines[-len(kept) :], "the newest lines, in order, none lost at a rotation"
    assert len(kept) >= 40


def test_a_line_longer_than_the_size_is_written_whole(
    tmp_path: Path, logger: tuple[logging.Logger, PrivateRotatingFileHandler]
) -> None:
    log, _handler = logger
    folder = tmp_path / "logs"
    log.info("short")
    log.info("y" * 3000)
    assert (folder / "trayapp.log.1").read_text(encoding="utf-8") == "short\n"
    assert (folder / "trayapp.log").read_text(encoding="utf-8") == "y" * 3000 + "\n"
    log.info("after")
    log.info("z")
    assert (folder / "trayapp.log.2").read_text(encoding="utf-8") == "short\n"
    assert (folder / "trayapp.log.1").read_text(encoding="utf-8") == "y" * 3000 + "\n"
    assert (folder / "trayapp.log").read_text(encoding="utf-8") == "after\nz\n"


def test_logging_setup_does_not_load_logging_handlers(tmp_path: Path) -> None:
    code = (
        "import sys, pathlib; from trayapp.logs import setup_logging; "
        f"setup_logging(pathlib.Path({str(tmp_path)!r}), 0); "
        "import logging; logging.getLogger('x').info('hello'); "
        "print('logging.handlers' in sys.modules, 'pickle' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
    assert "hello" in (tmp_path / "trayapp.log").read_text(encoding="utf-8")
