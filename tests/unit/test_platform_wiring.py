"""The Windows and macOS seams are used where they belong: the platform faked, the calls recorded."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from trayapp import tray_controller
from trayapp.core.menu import MenuItem
from trayapp.shell import autostart, desktop, macos, windows
from trayapp.shell import tray as tray_module
from trayapp.shell.notify import PlyerNotifier, make_notifier


def test_the_notifier_is_chosen_by_platform(tmp_path: Path) -> None:
    from trayapp.shell.dbus import DBusNotifier

    icon = object()
    linux, why = make_notifier(tmp_path / "i.png", platform="linux")
    assert isinstance(linux, DBusNotifier)
    assert "D-Bus" in why
    balloon, _ = make_notifier(None, tray_icon=icon, platform="win32")
    assert isinstance(balloon, windows.BalloonNotifier)
    assert isinstance(make_notifier(None, platform="win32")[0], PlyerNotifier), "no icon: plyer"
    assert isinstance(make_notifier(None, platform="darwin")[0], macos.OsascriptNotifier)


def test_plyer_escapes_the_body_only_on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    from plyer import notification

    from trayapp.core.notices import Notice

    seen: list[str] = []
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
    monkeypatch.setattr(notification, "notify", lambda **kwargs: seen.append(kwargs["message"]))
    notice = Notice("start", "t", "a < b & c")
    for platform in ("linux", "darwin"):
        monkeypatch.setattr(sys, "platform", platform)
        PlyerNotifier().send(notice)
    assert seen == ["a &lt; b &amp; c", "a < b & c"]


@pytest.mark.parametrize(("platform", "module"), [("win32", windows), ("darwin", macos)])
def test_edit_settings_uses_the_platform_fallback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, platform: str, module: Any
) -> None:
    opened: list[Path] = []
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setattr(module, "open_in_editor", lambda path: opened.append(path) is None)
    desktop.open_file_in_editor(tmp_path / "config.toml")
    assert opened == [tmp_path / "config.toml"]


def test_autostart_of_the_windows_build_starts_the_windowless_exe(tmp_path: Path) -> None:
    exe = tmp_path / "trayapp.exe"
    exe.touch()
    (tmp_path / windows.TRAY_EXECUTABLE).touch()
    command = autostart.autostart_command(str(exe), frozen=True, platform="win32")
    assert command == [str(tmp_path / windows.TRAY_EXECUTABLE)]
    assert autostart.autostart_command(str(exe), frozen=True, platform="linux") == [str(exe)]


def test_windows_tooltip_and_menu_labels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYSTRAY_BACKEND", "dummy")
    monkeypatch.setattr(sys, "platform", "win32")
    tray = tray_module.Tray(object(), "x" * 300, lambda _action: None)
    assert tray.icon.title == windows.tooltip("x" * 300)
    assert len(tray.icon.title) < 300
    entry = tray._entry(MenuItem("Q&A status", action="x"))
    assert entry.text == "Q&&A status"


def test_macos_shows_the_icon_from_the_main_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYSTRAY_BACKEND", "dummy")
    tray = tray_module.Tray(object(), "t", lambda _action: None)
    shown: list[Any] = []
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(macos, "show_icon", shown.append)
    ran: list[str] = []

    def run(setup: Any) -> None:
        setup(tray.icon)

    monkeypatch.setattr(tray.icon, "run", run)
    tray.run(lambda: ran.append("setup"))
    assert shown == [tray.icon]
    assert tray.icon.visible is False, "not from pystray's setup thread"
    assert ran == ["setup"]


class _FakeLock:
    def release(self) -> None:
        """Nothing to release."""


class _FakeController:
    made: list[str]

    def __init__(self, _config: Any, _path: Path) -> None:
        self.made.append("controller")

    def run(self) -> int:
        return 0


@pytest.mark.parametrize(
    ("platform", "module", "name"),
    [("win32", windows, "hide_own_console"), ("darwin", macos, "become_accessory")],
)
def test_the_tray_command_prepares_the_platform_first(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, platform: str, module: Any, name: str
) -> None:
    calls: list[str] = []
    _FakeController.made = calls
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setattr(tray_controller, "make_dpi_aware", lambda: None)
    monkeypatch.setattr(tray_controller.single_instance, "acquire", lambda _path: _FakeLock())
    monkeypatch.setattr(module, name, lambda: calls.append(name) is None)
    monkeypatch.setattr(tray_controller, "TrayController", _FakeController)
    assert tray_controller.run_tray(Any, tmp_path / "c.toml") == 0  # type: ignore[arg-type]
    assert calls == [name, "controller"]


def test_windows_stops_are_routed_and_shutdown_runs_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYSTRAY_BACKEND", "dummy")
    from trayapp.settings import Config

    controller = tray_controller.TrayController(Config(), Path("c.toml"))
    routed: list[Any] = []
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(windows, "route_window_messages", lambda *args: routed.append(args))
    controller._install_platform_stops()
    [(icon, on_stop, on_session_end)] = routed
    assert icon is controller.tray.icon
    assert on_stop == controller.stop
    on_session_end()
    controller._shutdown()  # the loop's end after a log-off: nothing twice
    assert controller._finished.is_set()


def test_macos_stop_signals_are_installed_on_the_main_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYSTRAY_BACKEND", "dummy")
    from trayapp.settings import Config

    controller = tray_controller.TrayController(Config(), Path("c.toml"))
    on_main: list[Any] = []
    installed: list[Any] = []
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(macos, "call_on_main", on_main.append)
    monkeypatch.setattr(macos, "install_stop_signals", installed.append)
    controller._install_platform_stops()
    assert installed == [], "not from pystray's setup thread"
    on_main[0]()
    assert installed == [controller.stop]
