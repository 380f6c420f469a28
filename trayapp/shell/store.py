"""The state file: read once at start, written atomically on every change."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import time
from pathlib import Path

from trayapp.core.codec import SavedState, StateFormatError, decode_state, encode_state

log = logging.getLogger(__name__)

# A temp file older than this was left by a write that was killed halfway (a crash, a
# power cut): the state file itself is whole, the temp file is only litter.
STALE_TEMP_SECONDS = 60.0


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so that readers see the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, 0o600)
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class StateStore:
    """Loads and saves the SavedState at `path`; never raises on a bad file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._last_written: str | None = None
        self._save_failed = False

    def load(self) -> SavedState | None:
        """The saved state, or None when there is none (a corrupt file is moved aside)."""
        self._remove_stale_temp_files()
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            log.warning("cannot read state file %s: %s; starting fresh", self.path, error)
            return None
        try:
            saved = decode_state(json.loads(raw.decode("utf-8")))
        except (ValueError, StateFormatError, RecursionError) as error:  # RecursionError: nested too deeply
            self._move_aside(str(error) or type(error).__name__)
            return None
        self._last_written = None
        return saved

    def _remove_stale_temp_files(self) -> None:
        """Delete temp files of writes that never finished (never one still being written)."""
        cutoff = time.time() - STALE_TEMP_SECONDS
        removed = 0
        for leftover in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            try:
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
                    removed += 1
            except OSError:
                continue
        if removed:
            log.info("removed %d unfinished temp file(s) next to %s", removed, self.path)

    def _move_aside(self, reason: str) -> None:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            os.replace(self.path, target)
            log.warning("state file %s was unreadable (%s); moved it to %s", self.path, reason, target)
        except OSError as error:
            log.warning(
                "state file %s was unreadable (%s) and could not be moved: %s", self.path, reason, error
            )

    def save(self, saved: SavedState) -> bool:
        """Write the state if it changed; False (logged once) when the disk refuses."""
        try:
            text = json.dumps(encode_state(saved), ensure_ascii=False, sort_keys=True)
            if text == self._last_written:
                return True
            write_atomically(self.path, text)
        except (OSError, ValueError) as error:  # ValueError: text no encoder takes, a bad number
            if not self._save_failed:
                log.error("cannot save state to %s: %s (will keep trying)", self.path, error)
            self._save_failed = True
            return False
        if self._save_failed:
            log.info("state saved again to %s", self.path)
        self._save_failed = False
        self._last_written = text
        return True
