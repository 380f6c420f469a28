"""docs/architecture.md's module map matches the tree: every module under trayapp/ is in it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "trayapp"
MAP = ROOT / "docs" / "architecture.md"


def mapped_paths() -> set[str]:
    """The module paths the map names, in backticks, relative to trayapp/."""
    return set(re.findall(r"`([A-Za-z0-9_/]+\.py)`", MAP.read_text(encoding="utf-8")))


def test_every_module_is_in_the_architecture_map() -> None:
    modules = {path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")}
    missing = sorted(modules - mapped_paths())
    assert not missing, f"docs/architecture.md's module map misses {missing}"


def test_the_map_names_no_module_that_is_gone() -> None:
    modules = {path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")}
    elsewhere = ("tests/", "benchmarks/", "tools/")
    stale = sorted(path for path in mapped_paths() - modules if not path.startswith(elsewhere))
    assert not stale, f"docs/architecture.md names modules that do not exist: {stale}"
