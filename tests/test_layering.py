"""The pure core stays pure: core/ and adapters/ import no I/O, GUI or concurrency module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "trayapp"
FORBIDDEN = {
    "httpx",
    "pystray",
    "PIL",
    "plyer",
    "threading",
    "asyncio",
    "socket",
    "subprocess",
    "urllib.request",
}
PURE_FILES = sorted([*PACKAGE.joinpath("core").glob("*.py"), *PACKAGE.joinpath("adapters").glob("*.py")])


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_there_are_pure_files_to_check() -> None:
    assert len(PURE_FILES) >= 10


@pytest.mark.parametrize("path", PURE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_pure_module_imports_nothing_impure(path: Path) -> None:
    bad = {
        name
        for name in imported_modules(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN) or name.startswith("trayapp.shell")
    }
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_only_fetch_imports_httpx() -> None:
    importers = [
        p.name for p in PACKAGE.rglob("*.py") if any(n.split(".")[0] == "httpx" for n in imported_modules(p))
    ]
    assert importers == ["fetch.py"]
