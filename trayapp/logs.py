"""Logging: a rotating file under the state dir, stderr only when asked (-v)."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
from pathlib import Path

from trayapp.core.safe_text import printable
from trayapp.i18n import _

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FILE_MODE = 0o600


class PrivateRotatingFileHandler(logging.FileHandler):
    """A log of at most `max_bytes` a file, with `backups` older files (`trayapp.log.1`…), that
    only their owner can read: logs name the pages watched.

    Written here, not taken from `logging.handlers`: that module brings pickle and the socket
    handlers with it, half a megabyte resident all day, for a rotation of a dozen lines.
    """

    def __init__(self, filename: Path, max_bytes: int, backups: int, encoding: str = "utf-8") -> None:
        super().__init__(filename, mode="a", encoding=encoding)
        self.max_bytes = max_bytes
        self.backups = backups

    def _open(self) -> io.TextIOWrapper:
        descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        return os.fdopen(descriptor, "a", encoding=self.encoding, errors=self.errors)

    def emit(self, record: logging.LogRecord) -> None:
        """Write `record`, first moving the files along when it would take this one past its size."""
        try:
            message = self.format(record) + self.terminator
            if self.stream is None:
                if getattr(self, "_closed", False):
                    return  # closed: as logging's own file handler, nothing is reopened
                self.stream = self._open()
            size = len(message.encode(self.encoding or "utf-8", "replace"))
            if self.max_bytes > 0 and self.stream.tell() and self.stream.tell() + size > self.max_bytes:
                self._rotate()
            self.stream.write(message)
            self.flush()
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 - logging never raises into the app (as logging itself)
            self.handleError(record)

    def _rotate(self) -> None:
        """trayapp.log → .1 → .2 …, the oldest dropped; a new, empty trayapp.log."""
        if self.stream is not None:
            self.stream.close()
            self.stream = None
        base = self.baseFilename
        for index in range(self.backups - 1, 0, -1):
            if os.path.exists(f"{base}.{index}"):
                os.replace(f"{base}.{index}", f"{base}.{index + 1}")
        if self.backups > 0 and os.path.exists(base):
            os.replace(base, f"{base}.1")
        elif os.path.exists(base):
            os.remove(base)
        self.stream = self._open()


class PrintableFormatter(logging.Formatter):
    """The usual format, with every control character of a record shown as an escape.

    Log lines quote page text and server answers: a newline in them must not forge a log
    entry, nor an escape sequence reach a terminal that shows the log. Tracebacks keep their
    own line breaks (they are written by Python, not by a page).
    """

    def formatMessage(self, record: logging.LogRecord) -> str:
        """The formatted message part, made printable."""
        return printable(super().formatMessage(record))


def _make_private(log_dir: Path) -> None:
    """Files left readable by others (by an older version) become the owner's only."""
    for path in log_dir.glob("trayapp.log*"):
        with contextlib.suppress(OSError):
            os.chmod(path, FILE_MODE)


def setup_logging(log_dir: Path | None, verbosity: int) -> None:
    """Log INFO and up to `log_dir/trayapp.log` (1 MB × 3, mode 0600); with -v also to stderr."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.DEBUG if verbosity > 1 else logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    if log_dir is not None:
        try:
            log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            handler = PrivateRotatingFileHandler(log_dir / "trayapp.log", max_bytes=1_000_000, backups=3)
            handler.setFormatter(PrintableFormatter(FORMAT))
            root.addHandler(handler)
            _make_private(log_dir)
        except OSError as error:
            # Translators: said on stderr when the log folder cannot be written.
            message = _("cannot write logs to {folder}: {error}").format(folder=log_dir, error=error)
            print("trayapp: " + message, file=sys.stderr)
    if verbosity > 0:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(PrintableFormatter(FORMAT))
        root.addHandler(stream)
    if not root.handlers:
        root.addHandler(logging.NullHandler())
