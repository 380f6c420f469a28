"""Writes the details page into the cache dir and opens pages in the user's browser."""

from __future__ import annotations

import logging
import webbrowser
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from trayapp import paths
from trayapp.core.details_page import render_details
from trayapp.core.healing import Moved
from trayapp.core.history.figures import ProviderHistory
from trayapp.core.markup import safe_url
from trayapp.model import Snapshot
from trayapp.shell.history.db import HistoryError
from trayapp.shell.history.reader import PageHistoryCache
from trayapp.shell.store import write_atomically

log = logging.getLogger(__name__)

PAGE_NAME = "details.html"

# The page is rewritten on every poll while it is open; the history is re-read at most this often.
_HISTORY = PageHistoryCache(ttl=30.0)
_HISTORY_WARNED: set[str] = set()


def details_path(directory: Path | None = None) -> Path:
    """Where the details page lives: `details.html` in the cache dir (or in `directory`)."""
    return (directory if directory is not None else paths.cache_dir()) / PAGE_NAME


def page_history(
    snapshot: Snapshot, now: datetime, path: Path | None = None
) -> Mapping[str, ProviderHistory] | None:
    """The recorded history of the snapshot's providers (cached briefly); None when unreadable."""
    path = path if path is not None else paths.history_file()
    try:
        return _HISTORY.get(path, [view.id for view in snapshot.providers], now)
    except (HistoryError, OSError) as error:
        said = f"{path}: {error}"
        if said not in _HISTORY_WARNED:  # the page is rewritten often: say it once
            _HISTORY_WARNED.add(said)
            log.warning("the details page shows no history: %s", said)
        return None


def write_details(
    snapshot: Snapshot,
    now: datetime,
    directory: Path | None = None,
    history: Mapping[str, ProviderHistory] | None = None,
    moves: Mapping[str, Moved] | None = None,
) -> Path:
    """Render the page for `snapshot` and replace `details.html` atomically (mode 0600).

    The history comes from the history database unless given; `moves` are built-in pages found
    elsewhere during this run.
    """
    path = details_path(directory)
    if history is None:
        history = page_history(snapshot, now)
    write_atomically(path, render_details(snapshot, now, history=history, moves=moves))
    return path


def _shown(url: str) -> str:
    # repr() keeps newlines and escapes out of the log line; long junk is cut.
    return repr(url if len(url) <= 200 else url[:200] + "…")


def _local_file_in_cache(url: str) -> bool:
    """Whether `url` is a file:// URL naming an existing file inside the cache dir."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost") or parts.query:
        return False
    try:
        target = Path(url2pathname(parts.path)).resolve()
        root = paths.cache_dir().resolve()
    except (OSError, ValueError):
        return False
    return target.is_relative_to(root) and target.is_file()


def open_url(url: str) -> bool:
    """Open an http(s) URL, or a file:// URL inside the cache dir, in the browser; else refuse."""
    if safe_url(url) is None and not _local_file_in_cache(url):
        log.warning("refused to open %s: only http(s) links and trayapp's own pages are opened", _shown(url))
        return False
    try:
        opened = webbrowser.open(url, new=2)
    except (webbrowser.Error, OSError) as error:
        log.warning("could not open %s: %s", _shown(url), error)
        return False
    if not opened:
        log.warning("no browser could open %s (set $BROWSER to choose one)", _shown(url))
    return bool(opened)


def open_details(path: Path) -> bool:
    """Open the details page at `path` (which must be inside the cache dir) in the browser."""
    return open_url(path.resolve().as_uri())
