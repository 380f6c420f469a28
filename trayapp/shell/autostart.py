"""'Start at login': an XDG autostart entry, a macOS LaunchAgent or the Windows Run key.

Each platform sits behind two small functions (read, write) so tests can run all three
on any OS: `platform` picks the branch, `base` moves the files into a temporary folder,
and the Windows registry is reached only through `windows_registry()`, which a test
replaces with a fake.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from trayapp.shell.store import write_atomically

if TYPE_CHECKING:
    import configparser

log = logging.getLogger(__name__)

APP_NAME = "trayapp"
DESKTOP_FILE = "trayapp.desktop"
LAUNCH_AGENT_LABEL = "io.trayapp.agent"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
# Task Manager's "Disable" on the Startup tab is recorded here, not in the Run key.
STARTUP_APPROVED_KEY = r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
RUN_VALUE = APP_NAME
COMMENT = "Shows whether the AI services you use are up"

# Characters that force an Exec argument into double quotes (Desktop Entry spec, "Exec key").
_EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
# Inside double quotes these take a backslash.
_EXEC_ESCAPED_IN_QUOTES = set('"`$\\')


def _kind(platform: str | None) -> str:
    name = platform if platform is not None else sys.platform
    if name.startswith("win"):
        return "windows"
    if name == "darwin":
        return "macos"
    return "xdg"


def autostart_command(
    executable: str | None = None, frozen: bool | None = None, platform: str | None = None
) -> list[str]:
    """The command that starts the app: `python -m trayapp`, or the bundle itself when frozen."""
    exe = executable if executable is not None else sys.executable
    is_frozen = frozen if frozen is not None else bool(getattr(sys, "frozen", False))
    if is_frozen:
        if _kind(platform) == "windows":
            from trayapp.shell import windows

            # The build's windowless sibling: a console exe would open a window at every login.
            return [str(windows.windowless_executable(Path(exe)))]
        return [exe]
    if _kind(platform) == "windows":
        # python.exe would open a console window at every login; pythonw.exe does not.
        path = Path(exe)
        windowless = path.with_name("pythonw.exe")
        if path.name.lower() == "python.exe" and windowless.exists():
            exe = str(windowless)
    return [exe, "-m", APP_NAME]


# --- XDG (Linux and other free desktops) ---------------------------------------------------------


def _xdg_config_home() -> Path:
    configured = os.environ.get("XDG_CONFIG_HOME", "")
    # The spec says a relative value is invalid and must be ignored.
    if configured and os.path.isabs(configured):
        return Path(configured)
    return Path.home() / ".config"


def desktop_file_path(base: Path | None = None) -> Path:
    """`$XDG_CONFIG_HOME/autostart/trayapp.desktop` (or under `base`)."""
    return (base if base is not None else _xdg_config_home()) / "autostart" / DESKTOP_FILE


def exec_quote(argument: str) -> str:
    """One argument of an Exec key, quoted as the Desktop Entry spec asks (before string escaping)."""
    if any(ch in "\n\r" for ch in argument):
        raise ValueError(f"an Exec argument cannot hold a line break: {argument!r}")
    argument = argument.replace("%", "%%")  # a lone % would be read as a field code
    if argument and not any(ch in _EXEC_RESERVED for ch in argument):
        return argument
    quoted = "".join("\\" + ch if ch in _EXEC_ESCAPED_IN_QUOTES else ch for ch in argument)
    return f'"{quoted}"'


def exec_value(command: Sequence[str]) -> str:
    """The Exec value for `command`: each argument quoted, then escaped as a string value."""
    if not command:
        raise ValueError("the autostart command is empty")
    line = " ".join(exec_quote(argument) for argument in command)
    # The string-type escape rule applies on top of the quoting rule: every \ is doubled,
    # so a literal backslash inside quotes ends up as four.
    return line.replace("\\", "\\\\").replace("\t", "\\t")


def desktop_entry(command: Sequence[str]) -> str:
    """A complete autostart Desktop Entry that runs `command`."""
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        f"Name={APP_NAME}\n"
        f"Comment={COMMENT}\n"
        f"Exec={exec_value(command)}\n"
        f"Icon={APP_NAME}\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def _read_desktop_entry(path: Path) -> configparser.ConfigParser | None:
    if not path.exists():
        return None
    import configparser  # here: most starts find no autostart file and need no parser

    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, configparser.Error) as error:
        log.warning("cannot read autostart entry %s: %s", path, error)
        return None
    return parser


def _xdg_enabled(base: Path | None) -> bool:
    parser = _read_desktop_entry(desktop_file_path(base))
    if parser is None or not parser.has_section("Desktop Entry"):
        return False
    entry = parser["Desktop Entry"]
    if entry.get("Hidden", "false").strip().lower() == "true":
        return False
    if entry.get("X-GNOME-Autostart-enabled", "true").strip().lower() == "false":
        return False
    return bool(entry.get("Exec", "").strip())


def _xdg_set(enabled: bool, command: Sequence[str], base: Path | None) -> None:
    path = desktop_file_path(base)
    if enabled:
        write_atomically(path, desktop_entry(command))
        log.info("start at login: wrote %s", path)
    elif path.exists():
        path.unlink()
        log.info("start at login: removed %s", path)


# --- macOS ---------------------------------------------------------------------------------------


def launch_agent_path(base: Path | None = None) -> Path:
    """`~/Library/LaunchAgents/io.trayapp.agent.plist` (or under `base` instead of home)."""
    home = base if base is not None else Path.home()
    return home / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"


def launch_agent(command: Sequence[str]) -> dict[str, Any]:
    """The LaunchAgent property list that runs `command` at login, in the GUI session only."""
    if not command:
        raise ValueError("the autostart command is empty")
    return {
        "Label": LAUNCH_AGENT_LABEL,
        "ProgramArguments": list(command),
        "RunAtLoad": True,
        "KeepAlive": False,
        "ProcessType": "Interactive",
        "LimitLoadToSessionType": "Aqua",
    }


def _macos_enabled(base: Path | None) -> bool:
    import plistlib  # macOS only: not loaded (with its XML parser) into the tray elsewhere
    from xml.parsers.expat import ExpatError

    path = launch_agent_path(base)
    try:
        with path.open("rb") as handle:
            agent = plistlib.load(handle)
    except FileNotFoundError:
        return False
    except (OSError, plistlib.InvalidFileException, ExpatError, ValueError) as error:
        log.warning("cannot read launch agent %s: %s", path, error)
        return False
    return (
        isinstance(agent, dict)
        and agent.get("RunAtLoad") is True
        and agent.get("Disabled") is not True
        and bool(agent.get("ProgramArguments"))
    )


def _macos_set(enabled: bool, command: Sequence[str], base: Path | None) -> None:
    import plistlib

    path = launch_agent_path(base)
    if enabled:
        data = plistlib.dumps(launch_agent(command), fmt=plistlib.FMT_XML)
        write_atomically(path, data.decode("utf-8"))
        log.info("start at login: wrote %s", path)
    elif path.exists():
        path.unlink()
        log.info("start at login: removed %s", path)


# --- Windows -------------------------------------------------------------------------------------


class Registry(Protocol):
    """The few HKEY_CURRENT_USER operations autostart needs (a fake in tests)."""

    def read(self, key: str, name: str) -> object | None:
        """The value `name` under HKCU\\`key`, or None when it (or the key) is missing."""

    def write_string(self, key: str, name: str, value: str) -> None:
        """Set `name` under HKCU\\`key` to a REG_SZ `value`, creating the key if needed."""

    def delete(self, key: str, name: str) -> None:
        """Remove `name` under HKCU\\`key`; nothing happens when it is missing."""


class WinregRegistry:
    """The real HKEY_CURRENT_USER, through winreg (importable on Windows only)."""

    def read(self, key: str, name: str) -> object | None:
        """The value `name` under HKCU\\`key`, or None when it (or the key) is missing."""
        if sys.platform != "win32":
            raise OSError("the Windows registry exists only on Windows")
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key) as handle:
                found: tuple[object, int] = winreg.QueryValueEx(handle, name)
        except FileNotFoundError:
            return None
        return found[0]

    def write_string(self, key: str, name: str, value: str) -> None:
        """Set `name` under HKCU\\`key` to a REG_SZ `value`, creating the key if needed."""
        if sys.platform != "win32":
            raise OSError("the Windows registry exists only on Windows")
        import winreg

        with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, key, 0, winreg.KEY_SET_VALUE) as handle:
            winreg.SetValueEx(handle, name, 0, winreg.REG_SZ, value)

    def delete(self, key: str, name: str) -> None:
        """Remove `name` under HKCU\\`key`; nothing happens when it is missing."""
        if sys.platform != "win32":
            raise OSError("the Windows registry exists only on Windows")
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key, 0, winreg.KEY_SET_VALUE) as handle:
                winreg.DeleteValue(handle, name)
        except FileNotFoundError:
            pass


def windows_registry() -> Registry:
    """The registry autostart writes to (tests monkeypatch this to return a fake)."""
    return WinregRegistry()


def windows_command_line(command: Sequence[str]) -> str:
    """`command` as one Windows command line (the C runtime's quoting rules)."""
    if not command:
        raise ValueError("the autostart command is empty")
    import subprocess

    return subprocess.list2cmdline(list(command))


def _windows_enabled() -> bool:
    registry = windows_registry()
    value = registry.read(RUN_KEY, RUN_VALUE)
    if not isinstance(value, str) or not value.strip():
        return False
    approved = registry.read(STARTUP_APPROVED_KEY, RUN_VALUE)
    # First byte 2 (or absent) = enabled; odd values (3) = disabled by the user in Task Manager.
    return not (isinstance(approved, bytes | bytearray) and approved[:1] and approved[0] & 1)


def _windows_set(enabled: bool, command: Sequence[str]) -> None:
    registry = windows_registry()
    if enabled:
        registry.write_string(RUN_KEY, RUN_VALUE, windows_command_line(command))
        # Clear a stale "disabled in Task Manager" mark, or the entry would stay inert.
        registry.delete(STARTUP_APPROVED_KEY, RUN_VALUE)
        log.info("start at login: set HKCU\\%s\\%s", RUN_KEY, RUN_VALUE)
    else:
        registry.delete(RUN_KEY, RUN_VALUE)
        registry.delete(STARTUP_APPROVED_KEY, RUN_VALUE)
        log.info("start at login: removed HKCU\\%s\\%s", RUN_KEY, RUN_VALUE)


# --- the public pair -----------------------------------------------------------------------------


def autostart_enabled(platform: str | None = None, base: Path | None = None) -> bool:
    """Whether trayapp is set to start at login on this (or the given) platform."""
    kind = _kind(platform)
    if kind == "windows":
        return _windows_enabled()
    if kind == "macos":
        return _macos_enabled(base)
    return _xdg_enabled(base)


def set_autostart(
    enabled: bool, command: Sequence[str], platform: str | None = None, base: Path | None = None
) -> None:
    """Make trayapp start at login with `command` (or stop doing so); OSError when refused."""
    kind = _kind(platform)
    if kind == "windows":
        _windows_set(enabled, command)
    elif kind == "macos":
        _macos_set(enabled, command, base)
    else:
        _xdg_set(enabled, command, base)
