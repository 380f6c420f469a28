"""Where trayapp keeps its files (platformdirs; XDG variables honoured on Linux)."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP = "trayapp"
HISTORY_NAME = "history.sqlite3"


def config_file() -> Path:
    """The default config file."""
    return platformdirs.user_config_path(APP, appauthor=False) / "config.toml"


def state_dir() -> Path:
    """Where the state file (and history) live."""
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
    return platformdirs.user_cache_path(APP, appauthor=False)
