"""What every end-to-end test starts from: a private X session with a tray host and a notification
server, and trayapp as a user installs it (a plain `pip install .` into a fresh venv)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.desktop import Desktop
from tests.support.plain_install import build_plain_venv


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[Desktop]:
    """A started Desktop; after the test, nothing it started may still run."""
    with Desktop(tmp_path / "desktop") as started:
        yield started
    assert started.leftover_processes() == []


@pytest.fixture(scope="session")
def plain_trayapp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `trayapp` command of a plain `pip install .` into a fresh venv (built once per run)."""
    return build_plain_venv(tmp_path_factory.mktemp("plain-install"))
