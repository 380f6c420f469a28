"""Start at login on each platform, with the platform faked and every file in tmp."""

from __future__ import annotations

import configparser
import os
import plistlib
import stat
import sys
from pathlib import Path

import pytest

from trayapp.shell import autostart

COMMAND = ["/opt/my apps/python3", "-m", "trayapp"]


def read_desktop(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def unescape_string(value: str) -> str:
    """The Desktop Entry string-value escapes: \\s \\n \\t \\r \\\\."""
    table = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    out, chars = [], iter(value)
    for ch in chars:
        out.append(table[next(chars)] if ch == "\\" else ch)
    return "".join(out)


def unquote_exec(value: str) -> list[str]:
    """A small reference reader of an Exec value: string escapes first, then the quoting rule."""
    line = unescape_string(value)
    args: list[str] = []
    current: list[str] | None = None
    index = 0
    while index < len(line):
        ch = line[index]
        if ch == " ":
            if current is not None:
                args.append("".join(current))
            current = None
        elif ch == '"':
            current = current if current is not None else []
            index += 1
            while line[index] != '"':
                if line[index] == "\\":
                    index += 1
                    assert line[index] in '"`$\\', f"bad escape in {line!r}"
                current.append(line[index])
                index += 1
        else:
            assert ch not in "\\\"'`$", f"reserved character outside quotes in {line!r}"
            current = [*(current or []), ch]
        index += 1
    if current is not None:
        args.append("".join(current))
    return [arg.replace("%%", "%") for arg in args]


# --- XDG -----------------------------------------------------------------------------------------


def test_linux_entry_is_written_detected_and_removed(tmp_path: Path) -> None:
    assert not autostart.autostart_enabled("linux", tmp_path)
    autostart.set_autostart(True, COMMAND, "linux", tmp_path)
    path = tmp_path / "autostart" / "trayapp.desktop"
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert autostart.autostart_enabled("linux", tmp_path)

    entry = read_desktop(path)
    assert entry["Type"] == "Application"
    assert entry["Name"] == "trayapp"
    assert entry["Icon"] == "trayapp"
    assert entry["Comment"]
    assert entry["X-GNOME-Autostart-enabled"] == "true"
    assert entry["Exec"] == '"/opt/my apps/python3" -m trayapp'
    assert unquote_exec(entry["Exec"]) == COMMAND

    autostart.set_autostart(False, COMMAND, "linux", tmp_path)
    assert not path.exists()
    assert not autostart.autostart_enabled("linux", tmp_path)
    autostart.set_autostart(False, COMMAND, "linux", tmp_path)  # idempotent


def test_linux_default_location_follows_xdg_config_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    autostart.set_autostart(True, COMMAND, "linux")
    assert (tmp_path / "cfg" / "autostart" / "trayapp.desktop").is_file()
    assert autostart.autostart_enabled("freebsd14")  # other XDG desktops share the branch
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/ignored")
    assert autostart.desktop_file_path() == Path.home() / ".config" / "autostart" / "trayapp.desktop"


@pytest.mark.parametrize(
    "argument",
    [
        "plain",
        "with space",
        'quote"d',
        "dollar$HOME",
        "back\\slash",
        "tick`cmd`",
        "100%",
        "%f",
        "semi;colon&amp|pipe",
        "it's",
        "",
        "tab\there",
    ],
)
def test_exec_quoting_round_trips(argument: str) -> None:
    value = autostart.exec_value(["/usr/bin/python3", argument])
    assert unquote_exec(value) == ["/usr/bin/python3", argument]
    assert "%f" not in value.replace("%%", "")


def test_exec_quoting_follows_the_spec_examples() -> None:
    # A literal backslash inside quotes is four backslashes in the file.
    assert autostart.exec_value(["C:\\x"]) == '"C:\\\\\\\\x"'
    assert autostart.exec_value(["a b", "$x"]) == '"a b" "\\\\$x"'
    with pytest.raises(ValueError, match="line break"):
        autostart.exec_value(["a\nb"])
    with pytest.raises(ValueError, match="empty"):
        autostart.exec_value([])


@pytest.mark.parametrize(
    "extra",
    ["Hidden=true\n", "X-GNOME-Autostart-enabled=false\n"],
)
def test_linux_entry_switched_off_by_the_desktop_is_not_enabled(tmp_path: Path, extra: str) -> None:
    autostart.set_autostart(True, COMMAND, "linux", tmp_path)
    path = autostart.desktop_file_path(tmp_path)
    text = path.read_text(encoding="utf-8").replace("X-GNOME-Autostart-enabled=true\n", "")
    path.write_text(text + extra, encoding="utf-8")
    assert not autostart.autostart_enabled("linux", tmp_path)


def test_linux_garbled_entry_is_not_enabled_and_does_not_raise(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = autostart.desktop_file_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xfe not a desktop file")
    assert not autostart.autostart_enabled("linux", tmp_path)
    path.write_text("no section header\n", encoding="utf-8")
    assert not autostart.autostart_enabled("linux", tmp_path)
    assert "cannot read autostart entry" in caplog.text


# --- macOS ---------------------------------------------------------------------------------------


def test_macos_launch_agent_is_written_parsed_and_removed(tmp_path: Path) -> None:
    assert not autostart.autostart_enabled("darwin", tmp_path)
    autostart.set_autostart(True, COMMAND, "darwin", tmp_path)
    path = tmp_path / "Library" / "LaunchAgents" / "io.trayapp.agent.plist"
    with path.open("rb") as handle:
        agent = plistlib.load(handle)
    assert agent["Label"] == "io.trayapp.agent"
    assert agent["ProgramArguments"] == COMMAND
    assert agent["RunAtLoad"] is True
    assert autostart.autostart_enabled("darwin", tmp_path)
    assert not (tmp_path / "autostart").exists()  # nothing written for other platforms

    autostart.set_autostart(False, COMMAND, "darwin", tmp_path)
    assert not path.exists()
    assert not autostart.autostart_enabled("darwin", tmp_path)


def test_macos_disabled_or_broken_agent_is_not_enabled(tmp_path: Path) -> None:
    path = autostart.launch_agent_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(plistlib.dumps({**autostart.launch_agent(COMMAND), "Disabled": True}))
    assert not autostart.autostart_enabled("darwin", tmp_path)
    path.write_bytes(b"<plist>garbage")
    assert not autostart.autostart_enabled("darwin", tmp_path)


def test_macos_default_location_is_the_home(tmp_path: Path) -> None:
    assert autostart.launch_agent_path() == Path.home() / "Library/LaunchAgents/io.trayapp.agent.plist"


# --- Windows -------------------------------------------------------------------------------------


class FakeRegistry:
    """HKEY_CURRENT_USER as a dict of (key, name) -> value."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], object] = {}

    def read(self, key: str, name: str) -> object | None:
        return self.values.get((key, name))

    def write_string(self, key: str, name: str, value: str) -> None:
        self.values[(key, name)] = value

    def delete(self, key: str, name: str) -> None:
        self.values.pop((key, name), None)


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> FakeRegistry:
    fake = FakeRegistry()
    monkeypatch.setattr(autostart, "windows_registry", lambda: fake)
    return fake


RUN = (r"Software\Microsoft\Windows\CurrentVersion\Run", "trayapp")
APPROVED = (r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run", "trayapp")


def test_windows_run_value_is_set_detected_and_removed(registry: FakeRegistry, tmp_path: Path) -> None:
    command = [r"C:\Program Files\trayapp\pythonw.exe", "-m", "trayapp"]
    assert not autostart.autostart_enabled("win32")
    (tmp_path / "base").mkdir()
    autostart.set_autostart(True, command, "win32", tmp_path / "base")
    assert registry.values[RUN] == r'"C:\Program Files\trayapp\pythonw.exe" -m trayapp'
    assert autostart.autostart_enabled("win32")
    assert list((tmp_path / "base").iterdir()) == []  # no files on Windows

    autostart.set_autostart(False, command, "win32")
    assert RUN not in registry.values
    assert not autostart.autostart_enabled("win32")


def test_windows_entry_disabled_in_task_manager_is_not_enabled_until_set_again(
    registry: FakeRegistry,
) -> None:
    autostart.set_autostart(True, ["C:\\trayapp.exe"], "win32")
    registry.values[APPROVED] = bytes([3]) + bytes(11)
    assert not autostart.autostart_enabled("win32")
    registry.values[APPROVED] = bytes([2]) + bytes(11)
    assert autostart.autostart_enabled("win32")
    registry.values[APPROVED] = bytes([3]) + bytes(11)
    autostart.set_autostart(True, ["C:\\trayapp.exe"], "win32")
    assert APPROVED not in registry.values
    assert autostart.autostart_enabled("win32")


@pytest.mark.skipif(os.name == "nt", reason="Windows has a real registry")
def test_the_real_registry_is_never_touched_off_windows() -> None:
    with pytest.raises(OSError, match="only on Windows"):
        autostart.WinregRegistry().read(*RUN)


# --- the command ---------------------------------------------------------------------------------


def test_command_runs_the_module_with_this_interpreter() -> None:
    assert autostart.autostart_command(executable="/usr/bin/python3", frozen=False, platform="linux") == [
        "/usr/bin/python3",
        "-m",
        "trayapp",
    ]


def test_command_is_the_bundle_itself_when_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/Applications/trayapp.watch/Contents/MacOS/trayapp")
    assert autostart.autostart_command() == ["/Applications/trayapp.watch/Contents/MacOS/trayapp"]


def test_command_prefers_the_windowless_interpreter_on_windows(tmp_path: Path) -> None:
    (tmp_path / "python.exe").write_bytes(b"")
    (tmp_path / "pythonw.exe").write_bytes(b"")
    command = autostart.autostart_command(str(tmp_path / "python.exe"), frozen=False, platform="win32")
    assert command == [str(tmp_path / "pythonw.exe"), "-m", "trayapp"]


def test_default_command_uses_the_running_interpreter() -> None:
    command = autostart.autostart_command()
    assert command[1:] == ["-m", "trayapp"]
    assert Path(command[0]).name.startswith("python")
