"""Where the files shipped with trayapp (icons) are at run time.

The runtime files live in the package, in `trayapp/resources/`, so the same relative path
works from a source checkout, from an installed wheel (as package data) and from a
PyInstaller bundle (build.spec copies them to `trayapp/resources` inside `sys._MEIPASS`).
A source checkout also has the complete set of generated icons in `assets/`.
"""

from __future__ import annotations

import sys
from pathlib import Path

RESOURCES = Path("trayapp", "resources")

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def resource_dirs() -> list[Path]:
    """The folders searched for a shipped file, in order."""
    dirs: list[Path] = []
    if getattr(sys, "frozen", False):
        bundle = getattr(sys, "_MEIPASS", None)
        # PyInstaller unpacks to sys._MEIPASS; other freezers put data next to the executable.
        root = Path(bundle) if bundle else Path(sys.executable).resolve().parent
        dirs.append(root / RESOURCES)
    dirs.append(_PACKAGE_DIR / "resources")
    dirs.append(_PACKAGE_DIR.parent / "assets")
    return dirs


def asset_path(name: str) -> Path:
    """The path of the shipped file `name` (e.g. `tray-major.png`); FileNotFoundError when absent."""
    if not name or name in {".", ".."} or Path(name).name != name or "\\" in name:
        raise ValueError(f"not a plain file name: {name!r}")
    searched = resource_dirs()
    for directory in searched:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{name} not found in {', '.join(str(d) for d in searched)}")


def notification_icon() -> Path | None:
    """The app icon for desktop notifications (.ico on Windows, PNG elsewhere), None if missing."""
    name = "trayapp.ico" if sys.platform == "win32" else "trayapp.png"
    try:
        return asset_path(name)
    except FileNotFoundError:
        return None
