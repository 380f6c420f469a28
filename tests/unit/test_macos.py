"""macOS specifics with macOS faked: osascript commands, the accessory app, main thread, signals."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trayapp import paths
from trayapp.core.notices import Notice
from trayapp.shell import macos
from trayapp.shell.macos import applescript_string, notification_command

# --- AppleScript strings -------------------------------------------------------------------------

_UNESCAPE = {"\\": "\\", '"': '"', "n": "\n", "r": "\r", "t": "\t"}


def read_applescript_string(literal: str) -> str:
    """What AppleScript reads from a string literal (the escapes its Language Guide lists)."""
    assert literal[0] == '"'
    assert literal[-1] == '"'
    out: list[str] = []
    index = 1
    while index < len(literal) - 1:
        character = literal[index]
        assert character != '"', f"an unescaped quote ends the string early at {index}"
        if character == "\\":
            index += 1
            out.append(_UNESCAPE[literal[index]])
        else:
            out.append(character)
        index += 1
    assert index == len(literal) - 1, "the closing quote was escaped"
    return "".join(out)


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("plain", '"plain"'),
        ('He said "down"', '"He said \\"down\\""'),
        ("C:\\path\\", '"C:\\\\path\\\\"'),
        ('\\"', '"\\\\\\""'),
        ("line one\nline two\r\tend", '"line one\\nline two\\r\\tend"'),
        ("bell\x07 and nul\x00", '"bell  and nul "'),
        ("Anthropic — è già giù 🔥 &amp; <b>", '"Anthropic — è già giù 🔥 &amp; <b>"'),
    ],
)
def test_applescript_string(text: str, literal: str) -> None:
    assert applescript_string(text) == literal


@given(st.text())
def test_applescript_string_reads_back(text: str) -> None:
    expected = "".join(c if c in "\n\r\t" or (ord(c) >= 0x20 and ord(c) != 0x7F) else " " for c in text)
    assert read_applescript_string(applescript_string(text)) == expected


def test_notification_command_is_one_statement_with_both_strings() -> None:
    command = notification_command('OpenAI: "Elevated errors"', "Investigating\nA & B <i>")
    assert command[:2] == ["/usr/bin/osascript", "-e"]
    assert len(command) == 3
    assert command[2] == (
        'display notification "Investigating\\nA & B <i>" with title "OpenAI: \\"Elevated errors\\""'
    )


# --- notify ----------------------------------------------------------------------------------------


class FakeRun:
    def __init__(self, returncode: int = 0, stderr: str = "", error: BaseException | None = None) -> None:
        self.returncode = returncode
        self.stderr = stderr
        self.error = error
        self.commands: list[list[str]] = []

    def __call__(self, command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        assert kwargs["capture_output"] is True
        assert kwargs["timeout"] > 0
        self.commands.append(command)
        if self.error is not None:
            raise self.error
        return subprocess.CompletedProcess(command, self.returncode, "", self.stderr)


def test_notify_runs_osascript() -> None:
    run = FakeRun()
    assert macos.notify("t", "b", run) is True
    assert run.commands == [notification_command("t", "b")]


def test_notify_reports_osascript_failures(caplog: pytest.LogCaptureFixture) -> None:
    run = FakeRun(1, "execution error: Not authorized to send Apple events. (-1743)\n")
    assert macos.notify("t", "b", run) is False
    assert "osascript could not notify (exit 1): execution error: Not authorized" in caplog.text
    assert macos.notify("t", "b", FakeRun(error=FileNotFoundError("osascript"))) is False
    assert macos.notify("t", "b", FakeRun(error=subprocess.TimeoutExpired("osascript", 10))) is False


def test_osascript_notifier_says_once_where_notifications_come_from(caplog: pytest.LogCaptureFixture) -> None:
    run = FakeRun()
    notifier = macos.OsascriptNotifier(run)
    with caplog.at_level(logging.INFO, logger="trayapp.shell.macos"):
        notifier.send(Notice("start", "OpenAI: outage", "Investigating & fixing"))
        notifier.send(Notice("resolve", "OpenAI: resolved", "ok"))
    assert caplog.text.count("as Script Editor") == 1
    assert run.commands[0] == notification_command("OpenAI: outage", "Investigating & fixing")  # not escaped
    run.returncode = 1
    notifier.send(Notice("start", "x", "y"))
    run.returncode = 0
    with caplog.at_level(logging.INFO, logger="trayapp.shell.macos"):
        notifier.send(Notice("start", "x", "y"))
    assert "notifications work again" in caplog.text


# --- the app -------------------------------------------------------------------------------------


class FakeApplication:
    def __init__(self, accept: bool) -> None:
        self.accept = accept
        self.policies: list[int] = []

    def setActivationPolicy_(self, policy: int) -> bool:
        self.policies.append(policy)
        return self.accept


class FakeAppKit:
    def __init__(self, accept: bool = True) -> None:
        self.application = FakeApplication(accept)
        outer = self

        class NSApplication:
            @staticmethod
            def sharedApplication() -> FakeApplication:
                return outer.application

        self.NSApplication = NSApplication


def test_become_accessory_sets_the_accessory_policy(caplog: pytest.LogCaptureFixture) -> None:
    appkit = FakeAppKit()
    assert macos.become_accessory(appkit) is True
    assert appkit.application.policies == [1]
    refused = FakeAppKit(accept=False)
    assert macos.become_accessory(refused) is False
    assert "refused the accessory activation policy" in caplog.text


class FakeAppHelper:
    def __init__(self) -> None:
        self.queued: list[Callable[[], None]] = []

    def callAfter(self, function: Callable[[], None]) -> None:
        self.queued.append(function)


def test_show_icon_runs_on_the_main_thread_only() -> None:
    class Icon:
        visible = False

    icon = Icon()
    helper = FakeAppHelper()
    macos.show_icon(icon, helper)
    assert icon.visible is False  # nothing from the calling (setup) thread
    helper.queued[0]()  # the run loop runs it
    assert icon.visible is True


class FakeMachSignals:
    def __init__(self) -> None:
        self.handlers: dict[int, Callable[[int], None]] = {}

    def signal(self, signum: int, handler: Callable[[int], None]) -> Callable[[int], None] | None:
        previous = self.handlers.get(signum)
        self.handlers[signum] = handler
        return previous


def test_stop_signals_replace_pystrays_terminate() -> None:
    mach = FakeMachSignals()
    mach.handlers[signal.SIGINT] = lambda _s: pytest.fail("pystray's handler (NSApp.terminate_) ran")
    stops: list[int] = []
    macos.install_stop_signals(lambda: stops.append(1), mach)
    mach.handlers[signal.SIGINT](signal.SIGINT)
    mach.handlers[signal.SIGTERM](signal.SIGTERM)
    assert stops == [1, 1]


# --- opening the config file ---------------------------------------------------------------------


def test_open_in_editor_prefers_the_claiming_app(tmp_path: Path) -> None:
    run = FakeRun()
    assert macos.open_in_editor(tmp_path / "config.toml", run) is True
    assert run.commands == [["/usr/bin/open", str(tmp_path / "config.toml")]]


def test_open_in_editor_falls_back_to_the_text_editor(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    results = iter([1, 0])
    commands: list[list[str]] = []

    def run(command: list[str], **_kwargs: Any) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        return subprocess.CompletedProcess(command, next(results), "", "No application knows how to open")

    assert macos.open_in_editor(path, run) is True
    assert commands == [["/usr/bin/open", str(path)], ["/usr/bin/open", "-t", str(path)]]


def test_open_in_editor_reports_when_nothing_works(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert macos.open_in_editor(tmp_path / "c.toml", FakeRun(1, "LSOpenURLsWithRole() failed")) is False
    assert "cannot open" in caplog.text


# --- paths ---------------------------------------------------------------------------------------


def test_macos_paths_ignore_xdg(monkeypatch: pytest.MonkeyPatch, isolated_dirs: Path) -> None:
    # isolated_dirs sets every XDG_* variable, as a shell configured for XDG would.
    monkeypatch.setattr(sys, "platform", "darwin")
    support = isolated_dirs / "Library" / "Application Support" / "trayapp"
    assert paths.config_file() == support / "config.toml"
    assert paths.state_dir() == support
    assert paths.state_file() == support / "state.json"
    assert paths.log_dir() == support / "log"
    assert paths.cache_dir() == isolated_dirs / "Library" / "Caches" / "trayapp"


def test_linux_paths_still_follow_xdg(monkeypatch: pytest.MonkeyPatch, isolated_dirs: Path) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    assert paths.state_dir() == isolated_dirs / "state" / "trayapp"
    assert paths.config_file() == isolated_dirs / "config" / "trayapp" / "config.toml"
