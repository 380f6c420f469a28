"""Where trayapp keeps its files (platformdirs; XDG variables honoured on Linux only)."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs

APP = "trayapp"
HISTORY_NAME = "history.sqlite3"


def _macos() -> bool:
    return sys.platform == "darwin"


def _macos_app_support() -> Path:
    """~/Library/Application Support/trayapp, platformdirs' macOS default for config and state.

    platformdirs (4.x's `MacOS` class) lets XDG variables override the macOS places, so a shell
    with XDG_* set and the LaunchAgent (which has none) would use different state and locks:
    on macOS the macOS places are used whatever the environment says.
    """
    return Path.home() / "Library" / "Application Support" / APP


def config_file() -> Path:
    """The default config file."""
    if _macos():
        return _macos_app_support() / "config.toml"
    return platformdirs.user_config_path(APP, appauthor=False) / "config.toml"


def state_dir() -> Path:
    """Where the state file (and history) live."""
    if _macos():
        return _macos_app_support()
    return platformdirs.user_state_path(APP, appauthor=False)


def state_file() -> Path:
    """The saved snapshot and notified incidents."""
    return state_dir() / "state.json"


def history_file() -> Path:
    """The history database (what was observed, for `trayapp history` and the details page)."""
    return state_dir() / HISTORY_NAME


def log_dir() -> Path:
    """Where the rotating log files go."""
    return state_dir() / "log"


def cache_dir() -> Path:
    """Where the details page and other regenerable files go."""
    if _macos():
        return Path.home() / "Library" / "Caches" / APP
    return platformdirs.user_cache_path(APP, appauthor=False)
