"""Windows specifics with Windows faked: balloon limits, the console, stopping, opening files."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trayapp.core.notices import Notice
from trayapp.shell import windows
from trayapp.shell.windows import (
    BODY_UNITS,
    TIP_UNITS,
    TITLE_UNITS,
    balloon,
    fit_utf16,
    utf16_units,
)

# --- text limits ---------------------------------------------------------------------------------


def test_utf16_units_count_astral_characters_twice() -> None:
    assert utf16_units("abc") == 3
    assert utf16_units("è…") == 2
    assert utf16_units("🔥") == 2


def test_short_text_is_kept() -> None:
    assert fit_utf16("OpenAI: partial outage", TITLE_UNITS) == "OpenAI: partial outage"
    assert fit_utf16("x" * TITLE_UNITS, TITLE_UNITS) == "x" * TITLE_UNITS


def test_long_text_is_cut_with_an_ellipsis() -> None:
    fitted = fit_utf16("y" * 300, BODY_UNITS)
    assert fitted == "y" * (BODY_UNITS - 1) + "…"
    assert utf16_units(fitted) == BODY_UNITS


def test_a_surrogate_pair_is_never_split() -> None:
    text = "a" * 61 + "🔥" + "b" * 10  # the emoji would straddle the 62nd/63rd unit
    fitted = fit_utf16(text, TITLE_UNITS)
    assert fitted == "a" * 61 + "…"
    fitted.encode("utf-16-le")  # no lone surrogate


def test_a_character_reference_is_never_split() -> None:
    text = "x" * 58 + "&amp; more text here"
    fitted = fit_utf16(text, TITLE_UNITS)
    assert fitted == "x" * 58 + "…"
    numeric = "x" * 57 + "&#x26;" + "z" * 10
    assert fit_utf16(numeric, TITLE_UNITS) == "x" * 57 + "…"


def test_an_ampersand_that_is_no_reference_is_cut_like_any_character() -> None:
    text = "R" * 60 + "&D and more"
    assert fit_utf16(text, TITLE_UNITS) == "R" * 60 + "&D…"


def test_white_space_before_the_cut_is_dropped() -> None:
    assert fit_utf16("x" * 61 + " " + "y" * 10, TITLE_UNITS) == "x" * 61 + "…"


@given(st.text(min_size=0, max_size=400), st.integers(min_value=2, max_value=300))
def test_fitted_text_fits_and_is_a_prefix(text: str, units: int) -> None:
    fitted = fit_utf16(text, units)
    assert utf16_units(fitted) <= units
    if fitted != text:
        assert fitted.endswith("…")
        assert text.startswith(fitted[:-1])
    fitted.encode("utf-16-le")  # no lone surrogate left by the cut


def test_balloon_cuts_and_says_what() -> None:
    long_body = "Elevated error rates on the API. " * 20
    shown = balloon("OpenAI — " + "Increased latency for some requests " * 3, long_body)
    assert utf16_units(shown.title) <= TITLE_UNITS
    assert utf16_units(shown.body) <= BODY_UNITS
    assert len(shown.cuts) == 2
    assert (
        shown.cuts[1]
        == f"body cut from {utf16_units(long_body)} to {utf16_units(shown.body)} UTF-16 units (limit 255)"
    )


def test_balloon_never_has_an_empty_title() -> None:
    # pystray uses the icon's tooltip (up to 127 units, too long for the title) for an empty one.
    assert balloon("  ", "body").title == "trayapp"
    assert balloon("t", "b").cuts == ()


def test_tooltip_and_menu_label() -> None:
    assert utf16_units(windows.tooltip("trayapp — " + "OpenAI: operational · " * 10)) <= TIP_UNITS
    assert windows.menu_label("AT&T status") == "AT&&T status"
    assert windows.menu_label("a && b") == "a &&&& b"


class FakeIcon:
    """pystray's win32 Icon as far as notify goes: it copies into fixed WCHAR fields."""

    def __init__(self, fail: BaseException | None = None) -> None:
        self.shown: list[tuple[str, str]] = []
        self.fail = fail
        self._message_handlers: dict[int, Any] = {}

    def notify(self, message: str, title: str | None = None) -> None:
        if self.fail is not None:
            raise self.fail
        assert title is not None
        if utf16_units(message) > 255 or utf16_units(title) > 63:
            raise ValueError("string too long")
        self.shown.append((title, message))


def test_balloon_notifier_shows_long_notices_through_the_icon(caplog: pytest.LogCaptureFixture) -> None:
    icon = FakeIcon()
    body = "Investigating — " + "we are seeing errors & timeouts <again>. " * 12
    notice = Notice("start", "Anthropic: Elevated errors on Claude Opus for some users today", body)
    with caplog.at_level(logging.INFO, logger="trayapp.shell.windows"):
        windows.BalloonNotifier(icon).send(notice)
    assert len(icon.shown) == 1
    title, message = icon.shown[0]
    assert message.startswith(
        "Investigating — we are seeing errors & timeouts <again>."
    )  # no markup escaping
    assert message.endswith("…")
    assert title == notice.title
    assert "body cut from" in caplog.text


def test_balloon_notifier_logs_a_failure(caplog: pytest.LogCaptureFixture) -> None:
    windows.BalloonNotifier(FakeIcon(fail=OSError("Shell_NotifyIcon failed"))).send(Notice("start", "t", "b"))
    assert "could not notify: OSError: Shell_NotifyIcon failed" in caplog.text


# --- the console window --------------------------------------------------------------------------


class FakeConsole:
    def __init__(self, attached: int, window: int = 0x1234) -> None:
        self.attached = attached
        self.window = window
        self.calls: list[str] = []

    def attached_processes(self) -> int:
        return self.attached

    def console_window(self) -> int:
        return self.window

    def hide_window(self, hwnd: int) -> None:
        self.calls.append(f"hide {hwnd:#x}")

    def free_console(self) -> None:
        self.calls.append("free")


@pytest.mark.parametrize(
    ("attached", "launchers", "owned"),
    [
        (0, 0, False),  # no console at all (pythonw, trayapp-tray.exe)
        (1, 0, True),  # the one-folder exe double-clicked or run at login
        (2, 0, False),  # the one-folder exe in cmd.exe
        (2, 1, True),  # pip's script launcher (or a one-file bootloader) and python, double-clicked
        (3, 1, False),  # the same in a terminal
    ],
)
def test_owns_console(attached: int, launchers: int, owned: bool) -> None:
    assert windows.owns_console(attached, launchers) is owned


def test_launcher_processes() -> None:
    assert windows.launcher_processes(frozen=True, onefile=False, argv0="trayapp.exe") == 0
    assert windows.launcher_processes(frozen=True, onefile=True, argv0="trayapp.exe") == 1
    assert windows.launcher_processes(frozen=False, onefile=False, argv0=r"C:\v\Scripts\trayapp.exe") == 1
    assert windows.launcher_processes(frozen=False, onefile=False, argv0=r"C:\v\trayapp\__main__.py") == 0


def test_hide_own_console_hides_frees_and_silences_the_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [r"C:\Program Files\trayapp\__main__.py"])
    monkeypatch.setattr(sys, "stdout", sys.stdout)
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    console = FakeConsole(attached=1)
    assert windows.hide_own_console(console) is True
    assert console.calls == ["hide 0x1234", "free"]
    assert sys.stdout.name == windows.os.devnull
    print("still fine after the console is gone")
    sys.stdout.close()


def test_a_terminal_keeps_its_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [r"C:\v\Scripts\trayapp.exe"])
    console = FakeConsole(attached=3)
    stdout = sys.stdout
    assert windows.hide_own_console(console) is False
    assert console.calls == []
    assert sys.stdout is stdout


def test_windowless_executable(tmp_path: Path) -> None:
    cli = tmp_path / "trayapp.exe"
    assert windows.windowless_executable(cli) == cli  # no sibling: a pip install
    (tmp_path / "trayapp-tray.exe").write_bytes(b"MZ")
    assert windows.windowless_executable(cli) == tmp_path / "trayapp-tray.exe"
    assert windows.windowless_executable(tmp_path / "trayapp-tray.exe") == tmp_path / "trayapp-tray.exe"


# --- stopping ------------------------------------------------------------------------------------


def test_ctrl_c_stops_at_once_and_close_waits_for_the_shutdown() -> None:
    stops: list[int] = []
    stopped = threading.Event()
    handler = windows.console_ctrl_handler(lambda: stops.append(1), stopped, wait=0.05)
    assert handler(windows.CTRL_C_EVENT) is True
    assert handler(windows.CTRL_BREAK_EVENT) is True
    assert stops == [1, 1]
    threading.Timer(0.01, stopped.set).start()
    assert handler(windows.CTRL_CLOSE_EVENT) is True
    assert stopped.is_set()
    assert handler(5) is False  # CTRL_LOGOFF_EVENT: the window's WM_ENDSESSION handles it
    assert len(stops) == 3


class FakeKernel32:
    def __init__(self, accept: bool = True) -> None:
        self.accept = accept
        self.routines: list[Any] = []

    def SetConsoleCtrlHandler(self, routine: Any, add: int) -> int:
        assert add == 1
        self.routines.append(routine)
        return 1 if self.accept else 0


def test_install_console_ctrl_handler_registers_a_callable_routine() -> None:
    events: list[int] = []
    kernel32 = FakeKernel32()
    assert windows.install_console_ctrl_handler(lambda e: events.append(e) is None and e == 0, kernel32)
    routine = kernel32.routines[0]
    assert routine(0) == 1  # what Windows would call, through the C prototype
    assert routine(7) == 0
    assert events == [0, 7]
    assert routine in windows._installed_handlers  # kept alive
    assert not windows.install_console_ctrl_handler(lambda e: True, FakeKernel32(accept=False))


def test_window_messages_stop_and_save() -> None:
    icon = FakeIcon()
    calls: list[str] = []
    windows.route_window_messages(icon, lambda: calls.append("stop"), lambda: calls.append("save"))
    handlers = icon._message_handlers
    assert handlers[windows.WM_CLOSE](0, 0) == 0
    assert handlers[windows.WM_QUERYENDSESSION](0, 0) == 1  # never holds up the log-off
    assert handlers[windows.WM_ENDSESSION](0, 0) == 0  # the log-off was cancelled
    assert calls == ["stop"]
    handlers[windows.WM_ENDSESSION](1, 0)
    assert calls == ["stop", "save"]


# --- opening the config file ---------------------------------------------------------------------


def test_open_in_editor_uses_the_associated_application(tmp_path: Path) -> None:
    started: list[str] = []
    launched: list[Sequence[str]] = []
    assert windows.open_in_editor(tmp_path / "config.toml", started.append, launched.append)
    assert started == [str(tmp_path / "config.toml")]
    assert launched == []


def test_open_in_editor_falls_back_to_notepad(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    def startfile(_path: str) -> None:
        error = OSError(22, "No application is associated with the specified file")
        error.winerror = 1155  # type: ignore[attr-defined]
        raise error

    launched: list[Sequence[str]] = []
    with caplog.at_level(logging.INFO, logger="trayapp.shell.windows"):
        assert windows.open_in_editor(tmp_path / "config.toml", startfile, launched.append)
    assert launched == [["notepad.exe", str(tmp_path / "config.toml")]]
    assert "no application is associated with .toml" in caplog.text


def test_open_in_editor_reports_when_nothing_works(tmp_path: Path) -> None:
    def fail(_argument: object) -> None:
        raise OSError("nope")

    assert windows.open_in_editor(tmp_path / "c.toml", fail, fail) is False
