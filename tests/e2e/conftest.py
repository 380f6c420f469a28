"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.plain_install import build_plain_venv


@pytest.fixture(scope="session")
def plain_trayapp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `trayapp` command of a plain `pip install .` into a fresh venv (built once per run)."""
    return build_plain_venv(tmp_path_factory.mktemp("plain-install"))
