"""What every end-to-end test starts from: a private X session with a tray host and a notification server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.desktop import Desktop


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[Desktop]:
    """A started Desktop; after the test, nothing it started may still run."""
    with Desktop(tmp_path / "desktop") as started:
        yield started
    assert started.leftover_processes() == []
