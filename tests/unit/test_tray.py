"""The pystray wrapper with pystray's dummy backend: what is set, and when."""

from __future__ import annotations

from typing import ClassVar

import pytest

from trayapp.core.menu import SEPARATOR, MenuItem
from trayapp.shell import tray as tray_module
from trayapp.shell.tray import Tray, _lazy_menu_gtk_icon_class, choose_backend


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


class _PystrayGtkIcon:
    """pystray's GTK Icon as far as the lazy menu uses it: a menu, a native menu made from it."""

    def __init__(self) -> None:
        self.menu: object = "first"
        self._menu_handle: object = None
        self.built: list[object] = []
        self.shown: list[object] = []

    def _create_menu(self, menu: object) -> object:
        self.built.append(menu)
        return f"native {menu}"

    def _on_status_icon_popup_menu(self, status_icon: object, button: object, activate_time: object) -> None:
        self.shown.append(self._menu_handle)


def test_the_gtk_menu_is_built_when_opened_and_only_if_it_changed() -> None:
    icon = _lazy_menu_gtk_icon_class(_PystrayGtkIcon)()
    for minute in ("14:01", "14:02", "14:03"):  # three polls, each a new "Last checked" minute
        icon.menu = minute
        icon._update_menu()
    assert icon.built == [], "no native menu is built while nobody opens it"
    icon._on_status_icon_popup_menu(None, 3, 0)
    icon._on_status_icon_popup_menu(None, 3, 0)
    assert icon.built == ["14:03"], "built once, from the newest menu, when first opened"
    assert icon.shown == ["native 14:03", "native 14:03"]
    icon.menu = "14:04"
    icon._update_menu()
    icon._on_status_icon_popup_menu(None, 3, 0)
    assert icon.shown[-1] == "native 14:04"
