"""Regenerate the icon files in assets/ and trayapp/resources/ from trayapp.shell.icons.

Run from the repository root: `python assets/make_icons.py`.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trayapp.shell.icons import write_app_icons  # noqa: E402 - needs the path above

ASSETS = ROOT / "assets"
# The files the app opens at run time are also package data (see trayapp/shell/resources.py).
RUNTIME = ROOT / "trayapp" / "resources"


def runtime_files(names: list[str]) -> list[str]:
    """Which generated files the app needs at run time."""
    return [n for n in names if n.startswith("tray-") or n in {"trayapp.png", "trayapp.ico"}]


def main() -> int:
    """Write every icon file and copy the runtime ones into the package."""
    written = write_app_icons(ASSETS)
    RUNTIME.mkdir(parents=True, exist_ok=True)
    for name in runtime_files([path.name for path in written]):
        shutil.copyfile(ASSETS / name, RUNTIME / name)
    for path in written:
        print(path.relative_to(ROOT))
    print(f"copied the runtime icons to {RUNTIME.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
