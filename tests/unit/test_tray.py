"""The pystray wrapper with pystray's dummy backend: what is set, and when."""

from __future__ import annotations

from typing import ClassVar

import pytest

from trayapp.core.menu import SEPARATOR, MenuItem
from trayapp.shell import tray as tray_module
from trayapp.shell.tray import Tray, choose_backend


class RecordingIcon:
    """Stands for a pystray backend: records what the wrapper asks the platform to do."""

    def __init__(self) -> None:
        from pystray._base import Icon

        class Backend(Icon):  # type: ignore[misc]
            calls: ClassVar[list[str]] = []

            def _update_icon(self) -> None:
                self.calls.append("icon")

            def _update_title(self) -> None:
                self.calls.append("title")

            def _update_menu(self) -> None:
                self.calls.append("menu")

            def _show(self) -> None:
                self.calls.append("show")

            def _hide(self) -> None:
                self.calls.append("hide")

        self.cls = Backend


@pytest.fixture
def dummy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """pystray with a recording backend; returns the list of platform calls."""
    monkeypatch.setenv("PYSTRAY_BACKEND", "dummy")
    import pystray

    backend = RecordingIcon().cls
    backend.calls = []
    monkeypatch.setattr(pystray, "Icon", backend)
    return backend.calls


def make(actions: list[str]) -> Tray:
    return Tray(object(), "trayapp — checking…", actions.append)


MENU = (
    MenuItem("All systems operational", enabled=False),
    MenuItem("Open details", action="details", default=True),
    SEPARATOR,
    MenuItem("OpenAI — operational", children=(MenuItem("Open status page", action="open:https://x"),)),
    MenuItem("Start at login", action="autostart", checked=True),
    MenuItem("Quit", action="quit"),
)


def test_show_sets_only_what_changed(dummy: list[str]) -> None:
    tray = make([])
    tray.icon._visible = True
    image = object()
    tray.show(image, "title", MENU)
    tray.show(image, "title", MENU)
    assert dummy == ["icon", "title", "menu"], "an unchanged state changes nothing"
    tray.show(image, "title 2", MENU)
    tray.show(object(), "title 2", (*MENU, MenuItem("extra", action="x")))
    assert dummy == ["icon", "title", "menu", "title", "icon", "menu"]
    assert tray.icon.title == "title 2"


def test_menu_items_call_back_with_their_action(dummy: list[str]) -> None:
    actions: list[str] = []
    tray = make(actions)
    tray.show(object(), "t", MENU)
    items = list(tray.icon.menu.items)
    assert [str(i) for i in items if i.text != "- - - -"][:2] == [
        "All systems operational",
        "Open details",
    ]
    details = items[1]
    assert details.default
    details(tray.icon)
    submenu = items[3].submenu
    submenu.items[0](tray.icon)
    assert actions == ["details", "open:https://x"]
    assert items[4].checked is True
    assert items[0].enabled is False


def test_choose_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYSTRAY_BACKEND", raising=False)
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    watcher = {"present": False}
    xembed = {"present": True}
    monkeypatch.setattr(tray_module, "status_notifier_watcher_present", lambda: watcher["present"])
    monkeypatch.setattr(tray_module, "xembed_tray_present", lambda: xembed["present"])
    monkeypatch.setattr(tray_module, "_gi_available", lambda: False)
    assert choose_backend("linux")[::2] == ("xorg", True), "an XEmbed tray without PyGObject"
    monkeypatch.setattr(tray_module, "_gi_available", lambda: True)
    assert choose_backend("linux")[::2] == ("gtk", True)
    watcher["present"] = True
    assert choose_backend("linux")[::2] == ("gtk", True), "no session bus: no watcher is asked"
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
    backend, why, found = choose_backend("linux")
    assert (backend, found) == ("sni", True), "a watcher wins over an XEmbed tray"
    assert "StatusNotifierWatcher" in why
    watcher["present"] = False
    xembed["present"] = False
    assert choose_backend("linux")[::2] == ("sni", False), "no host: the item waits on the bus"
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS")
    assert choose_backend("linux")[::2] == ("xorg", False)
    assert choose_backend("win32")[0] is None
    assert choose_backend("darwin")[0] is None
    monkeypatch.setenv("PYSTRAY_BACKEND", "xorg")
    assert choose_backend("linux")[::2] == ("xorg", True)


def test_the_watcher_check_needs_no_pygobject(monkeypatch: pytest.MonkeyPatch) -> None:
    from trayapp.shell import dbus

    asked: list[str] = []
    monkeypatch.setattr(dbus, "watcher_present", lambda: asked.append("jeepney") is None)
    monkeypatch.setitem(__import__("sys").modules, "gi", None)  # importing gi fails
    assert tray_module.status_notifier_watcher_present() is True
    assert asked == ["jeepney"]
