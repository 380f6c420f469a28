"""The config file on disk: read and validate it, or write the commented default."""

from __future__ import annotations

import os
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


def load_config(path: Path) -> tuple[Config, list[str]]:
    """Read and validate the config file at `path` (UTF-8); ConfigError when it cannot be used."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(str(path), [ConfigProblem(None, _read_problem(error))]) from None
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
