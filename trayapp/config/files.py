"""The config file on disk: read and validate it, or write the commented default."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from trayapp.config.check import parse_config
from trayapp.config.default_text import DEFAULT_CONFIG_TEXT
from trayapp.config.messages import ConfigError, ConfigProblem
from trayapp.i18n import _
from trayapp.settings import Config


def _read_problem(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return _("cannot read the config: no such file")
    if isinstance(error, IsADirectoryError):
        return _("cannot read the config: it is a directory")
    # Translators: {reason} is the operating system's own words ("permission denied").
    return _("cannot read the config: {reason}").format(reason=(error.strerror or str(error)).lower())


MAX_CONFIG_BYTES = 1024 * 1024


class _Unusable(Exception):
    """The path names something that is not a config file; the message says what, translated."""


def _read_regular_file(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_CONFIG_BYTES.

    Opened without blocking, so that a FIFO cannot hang us; /dev/zero and other devices are
    refused before a byte is read, and a huge file before it fills the memory.
    """
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise _Unusable(_("cannot read the config: it is not a regular file"))
        if info.st_size > MAX_CONFIG_BYTES:
            raise _Unusable(_("cannot read the config: it is larger than 1 MB"))
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    finally:
        os.close(descriptor)
    if len(data) > MAX_CONFIG_BYTES:  # it grew while being read
        raise _Unusable(_("cannot read the config: it is larger than 1 MB"))
    return data


def load_config(path: Path) -> tuple[Config, list[str]]:
    """Read and validate the config file at `path` (UTF-8); ConfigError when it cannot be used."""
    try:
        data = _read_regular_file(path)
    except OSError as error:
        raise ConfigError(str(path), [ConfigProblem(None, _read_problem(error))]) from None
    except _Unusable as error:
        raise ConfigError(str(path), [ConfigProblem(None, str(error))]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        message = _("the file is not valid UTF-8 (byte 0x{byte}); save it as UTF-8").format(
            byte=f"{data[error.start]:02x}"
        )
        raise ConfigError(str(path), [ConfigProblem(line, message)]) from None
    return parse_config(text.removeprefix("\ufeff"), str(path))


def ensure_config(path: Path) -> bool:
    """Write the commented default config to `path` (mode 0o600) unless it exists; True when written."""
    if path.exists():
        return False
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(DEFAULT_CONFIG_TEXT.encode("utf-8"))
        os.chmod(path, 0o600)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return True
