"""The pure parts of the D-Bus desktop layer: icon pixmaps, the dbusmenu layout, Notify arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.support.desktop import classify, counted_colours, dominant_colour
from tests.support.sni_host import argb_to_image
from trayapp.core.notices import Notice
from trayapp.i18n import set_language
from trayapp.model import State
from trayapp.shell.dbus.menu import build_layout, escape_label, layout_struct
from trayapp.shell.dbus.notifications import (
    URGENCY_CRITICAL,
    URGENCY_LOW,
    URGENCY_NORMAL,
    notify_arguments,
    urgency,
)
from trayapp.shell.dbus.sni import PIXMAP_SIZES, argb_pixmaps, rgba_to_argb
from trayapp.shell.icons import IconSet


@pytest.fixture
def pystray(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("PYSTRAY_BACKEND", "dummy")
    import pystray

    return pystray


# ---------------------------------------------------------------- pixmaps


def test_rgba_bytes_become_argb_in_network_order() -> None:
    assert rgba_to_argb(bytes([1, 2, 3, 4, 5, 6, 7, 8])) == bytes([4, 1, 2, 3, 8, 5, 6, 7])


def test_pixmaps_come_in_every_size_with_argb_pixels() -> None:
    image = Image.new("RGBA", (64, 64), (0x22, 0xA0, 0x4B, 0xFF))
    pixmaps = argb_pixmaps(image)
    assert (
        [(w, h) for w, h, _ in pixmaps]
        == [(s, s) for s in PIXMAP_SIZES]
        == [(s, s) for s in (22, 24, 32, 48, 64)]
    )
    for width, height, data in pixmaps:
        assert len(data) == width * height * 4
        assert data[:4] == bytes([0xFF, 0x22, 0xA0, 0x4B])  # A, R, G, B


def test_transparent_corners_stay_transparent() -> None:
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    image.putpixel((32, 32), (255, 0, 0, 255))
    _w, _h, data = argb_pixmaps(image, (64,))[0]
    assert data[0] == 0  # alpha of the top-left pixel
    offset = (32 * 64 + 32) * 4
    assert data[offset : offset + 4] == bytes([255, 255, 0, 0])


@pytest.mark.parametrize(
    ("state", "expected"),
    [(State.OPERATIONAL, "operational"), (State.PARTIAL, "partial"), (State.MAJOR, "major")],
)
def test_the_app_icons_keep_their_colour_in_every_pixmap(state: State, expected: str) -> None:
    for width, height, data in argb_pixmaps(IconSet().get(state)):
        colour = dominant_colour(counted_colours(argb_to_image(width, height, data)))
        assert colour is not None
        assert classify(colour) == expected, (width, colour)


# ---------------------------------------------------------------- the menu layout


def test_label_underscores_are_doubled() -> None:
    assert escape_label("Edit my_settings") == "Edit my__settings"


def _menu(pystray: Any) -> Any:
    Menu, Item = pystray.Menu, pystray.MenuItem
    return Menu(
        Item("All systems_ok", None, enabled=False),
        Item("Open details", lambda: None, default=True),
        Menu.SEPARATOR,
        Item(
            "OpenAI — operational",
            Menu(Item("State: operational", None, enabled=False), Item("Open status page", lambda: None)),
        ),
        Menu.SEPARATOR,
        Menu.SEPARATOR,  # pystray folds repeated separators
        Item("Start at login", lambda: None, checked=lambda _item: True),
        Item("Hidden", lambda: None, visible=False),
        Item("Quit", lambda: None),
    )


def test_layout_mirrors_the_pystray_menu(pystray: Any) -> None:
    root = build_layout(_menu(pystray))
    assert root.id == 0
    assert root.props["children-display"] == ("s", "submenu")
    labels = [n.props.get("label", ("s", "<sep>"))[1] for n in root.children]
    assert labels == [
        "All systems__ok",
        "Open details",
        "<sep>",
        "OpenAI — operational",
        "<sep>",
        "Start at login",
        "Quit",
    ]
    info, details, separator, provider, _sep, login, _quit = root.children
    assert info.props["enabled"] == ("b", False)
    assert details.props["enabled"] == ("b", True)
    assert separator.props["type"] == ("s", "separator")
    assert provider.props["children-display"] == ("s", "submenu")
    assert [c.props["label"][1] for c in provider.children] == ["State: operational", "Open status page"]
    assert login.props["toggle-type"] == ("s", "checkmark")
    assert login.props["toggle-state"] == ("i", 1)
    assert "toggle-type" not in details.props
    ids = [node.id for node in root.walk()]
    assert ids == list(range(len(ids)))  # depth first, unique


def test_an_unchanged_menu_builds_an_equal_layout_and_a_changed_one_does_not(pystray: Any) -> None:
    assert build_layout(_menu(pystray)) == build_layout(_menu(pystray))
    other = pystray.Menu(pystray.MenuItem("Quit", lambda: None))
    assert build_layout(other) != build_layout(_menu(pystray))


def test_layout_struct_honours_depth_and_property_names(pystray: Any) -> None:
    root = build_layout(_menu(pystray))
    node_id, props, children = layout_struct(root, 1, ["label"])
    assert node_id == 0
    assert props == {}
    provider = children[3]
    assert provider[0] == "(ia{sv}av)"
    assert provider[1][1] == {"label": ("s", "OpenAI — operational")}
    assert provider[1][2] == []  # depth 1: the submenu's entries are not included
    full = layout_struct(root, -1, [])
    assert len(full[2][3][1][2]) == 2
    assert layout_struct(root, 0, [])[2] == []


# ---------------------------------------------------------------- Notify arguments


def test_notify_arguments_escape_only_where_markup_is_rendered() -> None:
    notice = Notice(
        "start", "OpenAI: <b>Errors</b>", "Partial <i>outage</i> & more", "https://status.example/i/1"
    )
    plain = notify_arguments(notice, frozenset({"body"}), Path("/icons/trayapp.png"))
    app_name, replaces, icon, summary, body, actions, hints, timeout = plain
    assert (app_name, replaces, icon, timeout) == ("trayapp", 0, "/icons/trayapp.png", -1)
    assert summary == "OpenAI: <b>Errors</b>"
    assert body == "Partial <i>outage</i> & more"
    assert actions == []
    assert hints["image-path"] == ("s", "/icons/trayapp.png")
    assert hints["urgency"][0] == "y"
    marked = notify_arguments(notice, frozenset({"body", "body-markup"}))
    assert marked[4] == "Partial &lt;i&gt;outage&lt;/i&gt; &amp; more"
    assert marked[2] == ""
    assert "image-path" not in marked[6]


def test_actions_only_with_the_actions_capability() -> None:
    notice = Notice("start", "t", "b")
    assert notify_arguments(notice, frozenset({"actions"}))[5] == ["default", "", "details", "Open details"]
    set_language("it")
    assert notify_arguments(notice, frozenset({"actions"}))[5][3] == "Apri i dettagli"


@pytest.mark.parametrize(
    ("notice", "expected"),
    [
        (Notice("resolve", "t", "b", impact=State.MAJOR), URGENCY_LOW),
        (Notice("summary", "t", "b"), URGENCY_NORMAL),
        (Notice("start", "t", "b", impact=State.MAJOR), URGENCY_CRITICAL),
        (Notice("start", "t", "b", impact=State.PARTIAL), URGENCY_NORMAL),
        (Notice("start", "t", "b", impact=State.MAINTENANCE), URGENCY_LOW),
        (Notice("update", "t", "b", impact=State.DEGRADED), URGENCY_NORMAL),
        (Notice("start", "t", "b"), URGENCY_NORMAL),
        (Notice("suspected", "t", "b"), URGENCY_NORMAL),
    ],
)
def test_urgency(notice: Notice, expected: int) -> None:
    assert urgency(notice) == expected
    assert notify_arguments(notice, frozenset())[6]["urgency"] == ("y", expected)


def test_notices_carry_the_incident_impact() -> None:
    from tests.support.builders import at, incident
    from trayapp.core.diff import IncidentStarted
    from trayapp.core.notices import resolve_notice, start_notice, summary_notice, update_notice

    major = incident("inc1", State.MAJOR)
    assert start_notice("openai", "OpenAI", major).impact == State.MAJOR
    assert update_notice("openai", "OpenAI", major).impact == State.MAJOR
    work = incident("m1", State.MAJOR, "in_progress", maintenance=True)
    assert start_notice("openai", "OpenAI", work).impact == State.MAINTENANCE
    assert urgency(start_notice("openai", "OpenAI", work)) == URGENCY_LOW
    assert summary_notice([IncidentStarted("openai", "OpenAI", major, True)]).impact == State.MAJOR
    assert resolve_notice("openai", "OpenAI", major, at(60)).impact is None
