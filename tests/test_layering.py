"""The design's arrows, enforced: a pure core, and one home for each side-effect library.

- `core/`, `adapters/`, `model.py` and `settings.py` are pure: no I/O, GUI, concurrency or
  side-effect library, and nothing from the impure parts of the package (`config/`, `shell/`,
  the entry points).
- `engine.py` (the coordinator) reaches the shell only through what it is given: it imports no
  `trayapp.shell` and no `trayapp.config`.
- Each side-effect library has exactly one importing module or package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "trayapp"

IMPURE_LIBRARIES = {
    "httpx",
    "pystray",
    "PIL",
    "plyer",
    "gi",
    "jeepney",
    "sqlite3",
    "webbrowser",
    "threading",
    "asyncio",
    "socket",
    "subprocess",
    "urllib.request",
    "os",
    "pathlib",
    "shutil",
    "tempfile",
    "logging",
    "ctypes",
}
IMPURE_PARTS = (
    "trayapp.config",
    "trayapp.shell",
    "trayapp.engine",
    "trayapp.watch",
    "trayapp.tray_controller",
    "trayapp.cli",
    "trayapp.paths",
    "trayapp.logs",
)

# library -> the one module (a file) or package (a folder, ending in "/") that may import it;
# None: no module imports it yet, and the first one must be in the named place.
ONE_HOME = {
    "httpx": "shell/fetch.py",
    "pystray": "shell/tray.py",
    "PIL": "shell/icons.py",
    "plyer": "shell/notify.py",
    "webbrowser": "shell/details.py",
    "sqlite3": "shell/history/",
    "gi": "shell/tray.py",
    "jeepney": "shell/dbus/",
}


def relative(path: Path) -> str:
    """A module's path inside the package, with forward slashes."""
    return path.relative_to(PACKAGE).as_posix()


def imported_modules(path: Path) -> set[str]:
    """Every absolute module name `path` imports, at any depth (lazy imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def matches(name: str, prefix: str) -> bool:
    """Whether module `name` is `prefix` or inside it."""
    return name == prefix or name.startswith(prefix + ".")


ALL_FILES = sorted(PACKAGE.rglob("*.py"))
PURE_FILES = sorted(
    [
        *PACKAGE.joinpath("core").rglob("*.py"),
        *PACKAGE.joinpath("adapters").rglob("*.py"),
        PACKAGE / "model.py",
        PACKAGE / "settings.py",
    ]
)


def test_there_are_pure_files_to_check() -> None:
    assert len(PURE_FILES) >= 25
    assert PACKAGE / "core" / "history" / "figures.py" in PURE_FILES


@pytest.mark.parametrize("path", PURE_FILES, ids=relative)
def test_pure_module_imports_nothing_impure(path: Path) -> None:
    bad = {
        name
        for name in imported_modules(path)
        if any(matches(name, lib) for lib in IMPURE_LIBRARIES) or any(matches(name, p) for p in IMPURE_PARTS)
    }
    assert not bad, f"{relative(path)} imports {sorted(bad)}"


def test_engine_imports_no_shell_and_no_config_reading() -> None:
    bad = {
        name
        for name in imported_modules(PACKAGE / "engine.py")
        if matches(name, "trayapp.shell") or matches(name, "trayapp.config")
    }
    assert not bad, f"engine.py imports {sorted(bad)}"


@pytest.mark.parametrize("library", sorted(ONE_HOME))
def test_each_side_effect_library_has_one_home(library: str) -> None:
    home = ONE_HOME[library]
    importers = sorted(
        relative(path) for path in ALL_FILES if any(matches(name, library) for name in imported_modules(path))
    )
    if home.endswith("/"):
        outside = [name for name in importers if not name.startswith(home)]
        assert not outside, f"{library} is imported outside {home}: {outside}"
    else:
        assert importers == [home], f"{library} importers: {importers}"


def test_the_sqlite_home_really_imports_sqlite() -> None:
    importers = [p for p in ALL_FILES if "sqlite3" in imported_modules(p)]
    assert importers, "no module imports sqlite3: the history rule checks nothing"
