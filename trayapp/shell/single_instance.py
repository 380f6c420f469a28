"""One trayapp per user: an exclusive lock on a file in the state dir."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import IO


class InstanceLock:
    """Holds the lock while the app runs; released on `release` or at exit."""

    def __init__(self, handle: IO[str], path: Path) -> None:
        self._handle = handle
        self.path = path

    def release(self) -> None:
        """Let another instance start."""
        with contextlib.suppress(OSError):
            self._handle.close()


def acquire(path: Path) -> InstanceLock | None:
    """The lock, or None when another instance holds it (the lock file is created mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Only the owner may open it: another user's process could otherwise take a lock on it.
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    handle = os.fdopen(descriptor, "a+", encoding="utf-8")
    try:
        if sys.platform == "win32":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return InstanceLock(handle, path)
