"""Small platform hooks the tray needs: DPI awareness, opening a file, hopping to the UI thread."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


def make_dpi_aware() -> None:
    """On Windows, draw crisp icons on HiDPI screens instead of letting the system blur them."""
    if sys.platform != "win32":
        return
    try:
        import ctypes

        ctypes.windll.shcore.SetProcessDpiAwareness(2)
    except (AttributeError, OSError):
        log.debug("could not make the process DPI-aware")


def open_file_in_editor(path: Path) -> None:
    """Open a file with the desktop's default application for it (a text editor where none claims it)."""
    if sys.platform == "win32":
        from trayapp.shell import windows

        windows.open_in_editor(path)  # Notepad where nothing claims .toml
        return
    if sys.platform == "darwin":
        from trayapp.shell import macos

        macos.open_in_editor(path)  # TextEdit where nothing claims .toml
        return
    import subprocess

    command = ["xdg-open", str(path)]
    try:
        subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
    except OSError as error:
        log.warning("cannot open %s: %s", path, error)


def on_ui_thread(function: Callable[[], None]) -> None:
    """Run `function` where icon changes are allowed (the main thread on macOS)."""
    if sys.platform == "darwin":
        from PyObjCTools import AppHelper

        AppHelper.callAfter(function)
    else:
        function()
