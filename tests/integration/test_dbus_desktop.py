"""The D-Bus desktop layer on a private session bus: the tray item with a fake watcher + host,
its dbusmenu, and notifications with a recording server (with and without actions)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jeepney import DBusAddress, MessageType, new_method_call, new_method_return
from jeepney.io.blocking import open_dbus_connection as blocking_connection
from jeepney.io.threading import ReceiveStopped, open_dbus_connection

from tests.support.desktop import classify, counted_colours, dominant_colour, wait_for
from tests.support.private_bus import RecorderThread, name_owner, private_bus
from tests.support.sni_host import FakeWatcherHost, status_notifier_icon_class
from trayapp.core.notices import Notice
from trayapp.model import State
from trayapp.shell.dbus.connection import BusConnection
from trayapp.shell.dbus.notifications import DBusNotifier
from trayapp.shell.dbus.sni import watcher_present
from trayapp.shell.icons import IconSet

pytestmark = pytest.mark.timeout(60)

ICONS = IconSet()


Item = tuple[Any, FakeWatcherHost, "Actions"]


@pytest.fixture
def bus() -> Iterator[str]:
    with private_bus() as address:
        yield address


@pytest.fixture
def pystray(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("PYSTRAY_BACKEND", "dummy")
    import pystray

    return pystray


def colour_of(image: Any) -> str:
    colour = dominant_colour(counted_colours(image))
    assert colour is not None
    return classify(colour)


# ---------------------------------------------------------------- the connection


def test_a_connection_serves_calls_while_it_waits_for_a_reply(bus: str) -> None:
    """The peer (like GNOME's watcher) calls us back before it replies to our call."""
    peer = open_dbus_connection(bus=bus)
    peer_client = blocking_connection(bus=bus)
    caller = BusConnection.open(bus)
    assert caller is not None
    served_on: list[str] = []

    def serve_peer() -> None:
        try:
            while True:
                msg = peer.receive()
                if msg.header.message_type != MessageType.method_call:
                    continue
                back = DBusAddress("/back", bus_name=caller.unique_name, interface="t.Back")
                answer = peer_client.send_and_get_reply(new_method_call(back, "Hello"), timeout=5)
                peer.send(new_method_return(msg, "s", (f"pong after {answer.body[0]}",)))
        except (ReceiveStopped, OSError):
            return

    def back(msg: Any) -> Any:
        served_on.append(threading.current_thread().name)
        return new_method_return(msg, "s", ("hello",))

    thread = threading.Thread(target=serve_peer, daemon=True)
    thread.start()
    try:
        caller.export("/back", back)
        assert caller.call_method(peer.unique_name, "/obj", "t.Obj", "Ping") == ("pong after hello",)
        assert served_on == ["trayapp-dbus"]
        # Unknown objects and methods get errors, not silence.
        assert caller.call_method(caller.unique_name, "/nothing", "t.Obj", "Ping") is None
        assert caller.call_method(caller.unique_name, "/back", "t.Back", "Hello") == ("hello",)
    finally:
        caller.close()
        peer.interrupt()
        thread.join(5)
        peer.close()
        peer_client.close()
    assert caller.closed
    assert (
        caller.call_method(caller.unique_name, "/back", "t.Back", "Hello") is None
    )  # closed: None, no raise


def test_no_bus_means_none_not_an_exception(tmp_path: Path) -> None:
    assert BusConnection.open(f"unix:path={tmp_path}/no-such-socket") is None
    assert watcher_present(address=f"unix:path={tmp_path}/no-such-socket") is False
    assert watcher_present() is False  # conftest removed DBUS_SESSION_BUS_ADDRESS


# ---------------------------------------------------------------- the tray item


class Actions:
    def __init__(self) -> None:
        self.ran: list[str] = []
        self.threads: list[str] = []
        self.event = threading.Event()

    def __call__(self, name: str) -> Any:
        def action(_icon: Any, _item: Any) -> None:
            self.ran.append(name)
            self.threads.append(threading.current_thread().name)
            self.event.set()

        return action

    def wait(self, name: str) -> None:
        wait_for(lambda: name in self.ran, 5, f"the {name!r} action")


def tray_menu(
    pystray: Any, actions: Actions, login: bool = False, summary: str = "All systems operational"
) -> Any:
    Menu, Item = pystray.Menu, pystray.MenuItem
    return Menu(
        Item(summary, None, enabled=False),
        Item("Open details", actions("details"), default=True),
        Menu.SEPARATOR,
        Item(
            "OpenAI — operational",
            Menu(
                Item("State: operational", None, enabled=False),
                Item("Open status page", actions("open:page")),
            ),
        ),
        Menu.SEPARATOR,
        Item("Refresh now", actions("refresh")),
        Item("Edit my_settings", actions("settings")),
        Item("Start at login", actions("autostart"), checked=lambda _item: login),
        Item("Quit", actions("quit")),
    )


@pytest.fixture
def item(bus: str, pystray: Any) -> Iterator[Item]:
    actions = Actions()
    with FakeWatcherHost(bus) as host:
        icon = status_notifier_icon_class()(
            "trayapp",
            ICONS.get(State.OPERATIONAL),
            "trayapp — OpenAI: operational",
            tray_menu(pystray, actions),
            bus_address=bus,
        )
        runner = threading.Thread(target=icon.run, name="tray-main")
        runner.start()
        try:
            host.wait_for_registration()
            yield icon, host, actions
        finally:
            icon.stop()
            runner.join(10)
            assert not runner.is_alive()


def test_the_item_registers_and_answers_getall_before_the_watcher_replies(item: Item, bus: str) -> None:
    icon, host, _ = item
    registration = host.item()
    assert registration.service.startswith("org.kde.StatusNotifierItem-")
    assert registration.path == "/StatusNotifierItem"
    assert icon.registered.wait(5)
    props = registration.properties  # read by the watcher before it answered the registration
    assert props["Id"] == "trayapp"
    assert props["Category"] == "ApplicationStatus"
    assert props["Status"] == "Active"
    assert props["IconName"] == ""
    assert props["ItemIsMenu"] is False
    assert props["Menu"] == "/MenuBar"
    assert props["ToolTip"] == ("", [], "trayapp — OpenAI: operational", "")
    assert [(w, h) for w, h, _ in props["IconPixmap"]] == [(s, s) for s in (22, 24, 32, 48, 64)]
    # Properties.Get answers every property too (some hosts read them one by one).
    for name, value in host.properties().items():
        assert host.get(name) == value
    assert watcher_present(address=bus)
    xml = host.call("/StatusNotifierItem", "org.freedesktop.DBus.Introspectable", "Introspect")[0]
    assert '<method name="Activate">' in xml
    assert '<method name="SecondaryActivate">' in xml


def test_icon_tooltip_and_status_changes_reach_the_host(
    item: Item,
) -> None:
    icon, host, _ = item
    assert {colour_of(image) for image in host.icon_images()} == {"operational"}
    for state, expected in ((State.PARTIAL, "partial"), (State.MAJOR, "major")):
        before = len(host.signals_named("NewIcon"))
        icon.icon = ICONS.get(state)
        wait_for(lambda before=before: len(host.signals_named("NewIcon")) > before, 5, "NewIcon")
        assert {colour_of(image) for image in host.icon_images()} == {expected}
    icon.title = "trayapp — OpenAI: major outage"
    wait_for(lambda: len(host.signals_named("NewToolTip")) > 0, 5, "NewToolTip")
    assert host.signals_named("NewTitle")
    assert host.get("ToolTip")[2] == "trayapp — OpenAI: major outage"
    icon.needs_attention = True
    wait_for(lambda: ("NeedsAttention",) in host.signals_named("NewStatus"), 5, "NewStatus")
    assert host.get("Status") == "NeedsAttention"
    # Every New* signal came from the item's own object path.
    assert {path for _s, path, member, _b in host.signals if member.startswith("New")} == {
        "/StatusNotifierItem"
    }


def test_the_menu_is_exported_and_its_items_work(item: Item, pystray: Any) -> None:
    icon, host, actions = item
    revision, root = host.layout()
    top = [child["props"].get("label", "-") for child in root["children"]]
    assert top == [
        "All systems operational",
        "Open details",
        "-",
        "OpenAI — operational",
        "-",
        "Refresh now",
        "Edit my__settings",
        "Start at login",
        "Quit",
    ]
    assert root["children"][2]["props"]["type"] == "separator"
    assert root["children"][0]["props"]["enabled"] is False
    provider = host.find("OpenAI — operational")
    assert provider["props"]["children-display"] == "submenu"
    assert [c["props"]["label"] for c in provider["children"]] == ["State: operational", "Open status page"]
    login = host.find("Start at login")
    assert (login["props"]["toggle-type"], login["props"]["toggle-state"]) == ("checkmark", 0)

    # KDE reads one level at a time after AboutToShow.
    menu = host.menu_path()
    assert host.call(menu, "com.canonical.dbusmenu", "AboutToShow", "i", (provider["id"],)) == (False,)
    _rev, sub = host.layout(provider["id"], 1)
    assert [c["props"]["label"] for c in sub["children"]] == ["State: operational", "Open status page"]
    _rev, shallow = host.layout(0, 0)
    assert shallow["children"] == []
    group = host.call(
        menu, "com.canonical.dbusmenu", "GetGroupProperties", "aias", ([login["id"]], ["label"])
    )[0]
    assert group == [(login["id"], {"label": ("s", "Start at login")})]
    assert host.call(menu, "com.canonical.dbusmenu", "GetProperty", "is", (login["id"], "label")) == (
        ("s", "Start at login"),
    )
    props = host.call(menu, "org.freedesktop.DBus.Properties", "GetAll", "s", ("com.canonical.dbusmenu",))[0]
    assert props["Version"] == ("u", 3)
    assert props["TextDirection"] == ("s", "ltr")
    assert props["Status"] == ("s", "normal")
    assert host.call(
        menu, "org.freedesktop.DBus.Properties", "Get", "ss", ("com.canonical.dbusmenu", "Version")
    ) == (("u", 3),)
    xml = host.call(menu, "org.freedesktop.DBus.Introspectable", "Introspect")[0]
    assert '<method name="GetLayout">' in xml

    # Clicks as KDE and GNOME send them; the actions run on the thread that runs the icon.
    host.click(host.find("Refresh now")["id"])
    actions.wait("refresh")
    host.click(host.find("Open status page")["id"], gnome=True)
    actions.wait("open:page")
    assert set(actions.threads) == {"tray-main"}
    host.click(host.find("State: operational")["id"])  # disabled: nothing happens
    host.call(
        menu,
        "com.canonical.dbusmenu",
        "EventGroup",
        "a(isvu)",
        ([(host.find("Quit")["id"], "clicked", ("s", ""), 0)],),
    )
    actions.wait("quit")
    assert host.call(
        menu, "com.canonical.dbusmenu", "EventGroup", "a(isvu)", ([(999, "clicked", ("s", ""), 0)],)
    ) == ([999],)
    assert "State: operational" not in actions.ran

    # A new menu: LayoutUpdated with a higher revision, and the new labels.
    icon.menu = tray_menu(pystray, actions, login=True, summary="OpenAI: partial outage")
    wait_for(lambda: len(host.signals_named("LayoutUpdated")) > 0, 5, "LayoutUpdated")
    new_revision, new_root = host.layout()
    assert new_revision > revision
    assert host.signals_named("LayoutUpdated")[-1] == (new_revision, 0)
    assert new_root["children"][0]["props"]["label"] == "OpenAI: partial outage"
    assert host.find("Start at login")["props"]["toggle-state"] == 1
    assert host.signals_named("ItemsPropertiesUpdated")  # same structure: property updates too


def test_activate_runs_the_default_item(item: Item) -> None:
    _icon, host, actions = item
    host.activate()
    actions.wait("details")
    assert actions.ran == ["details"]
    host.call("/StatusNotifierItem", "org.kde.StatusNotifierItem", "SecondaryActivate", "ii", (0, 0))
    host.call("/StatusNotifierItem", "org.kde.StatusNotifierItem", "Scroll", "is", (1, "vertical"))
    assert actions.ran == ["details"]


def test_the_item_registers_again_when_the_watcher_restarts(bus: str, pystray: Any) -> None:
    actions = Actions()
    first = FakeWatcherHost(bus)
    first.start()
    icon = status_notifier_icon_class()(
        "trayapp", ICONS.get(State.OPERATIONAL), "trayapp", tray_menu(pystray, actions), bus_address=bus
    )
    runner = threading.Thread(target=icon.run, name="tray-main")
    runner.start()
    try:
        name = first.wait_for_registration().service
        first.close()
        wait_for(lambda: not icon.registered.is_set(), 5, "the item to notice the watcher left")
        with FakeWatcherHost(bus) as second:
            again = second.wait_for_registration()
            assert again.service == name
            assert again.properties["Id"] == "trayapp"
            second.activate()
            actions.wait("details")
    finally:
        icon.stop()
        runner.join(10)
    assert not runner.is_alive()
    assert name_owner(bus, name) is None  # the item's name went with it


def test_an_item_started_before_any_watcher_registers_when_one_appears(bus: str, pystray: Any) -> None:
    icon = status_notifier_icon_class()(
        "trayapp", ICONS.get(State.MAJOR), "trayapp", tray_menu(pystray, Actions()), bus_address=bus
    )
    runner = threading.Thread(target=icon.run, name="tray-main")
    runner.start()
    try:
        wait_for(lambda: icon.item_name is not None, 5, "the item's bus name")
        assert not watcher_present(address=bus)
        with FakeWatcherHost(bus) as host:
            assert {
                colour_of(image) for image in host.wait_for_registration().properties and host.icon_images()
            } == {"major"}
    finally:
        icon.stop()
        runner.join(10)


# ---------------------------------------------------------------- notifications


class Opened:
    def __init__(self) -> None:
        self.urls: list[str] = []
        self.details = 0

    def open_url(self, url: str) -> None:
        self.urls.append(url)

    def open_details(self) -> None:
        self.details += 1


INCIDENT = Notice(
    "start",
    "OpenAI: <b>Errors</b>",
    "Partial outage & <i>more</i>",
    "https://status.example/i/1",
    "openai",
    "i1",
    State.PARTIAL,
)


def test_notifications_with_actions_open_the_right_pages(bus: str, tmp_path: Path) -> None:
    opened = Opened()
    icon_path = tmp_path / "trayapp.png"
    with RecorderThread(bus, tmp_path / "n.jsonl", ["body", "body-markup", "actions"]) as server:
        notifier = DBusNotifier(icon_path, opened.open_url, opened.open_details, address=bus)
        try:
            notifier.send(INCIDENT)
            notifier.send(Notice("summary", "2 incidents in progress", "a\nb"))
            notifier.send(Notice("start", "Anthropic: slow", "Degraded.", impact=State.MAJOR))
            first, summary, third = server.notifications()
            assert first["app_name"] == "trayapp"
            assert first["app_icon"] == str(icon_path)
            assert first["hints"]["image-path"] == str(icon_path)
            assert first["hints"]["urgency"] == 1
            assert first["hint_signatures"]["urgency"] == "y"
            assert third["hints"]["urgency"] == 2
            assert first["summary"] == "OpenAI: <b>Errors</b>"
            assert first["body"] == "Partial outage &amp; &lt;i&gt;more&lt;/i&gt;"
            assert first["actions"] == ["default", "", "details", "Open details"]
            assert server.capability_calls == 1  # asked once for this server

            server.invoke(first["id"], "default")
            wait_for(lambda: len(opened.urls) > 0, 5, "the incident page to open")
            assert opened.urls == ["https://status.example/i/1"]
            server.invoke(first["id"], "details")
            wait_for(lambda: opened.details == 1, 5, "the details page to open")
            server.invoke(summary["id"], "default")  # no link: the details page
            wait_for(lambda: opened.details == 2, 5, "the details page to open")

            server.close_notification(first["id"])
            notifier.send(Notice("start", "x", "y"))  # a round trip: the close signal has arrived
            server.invoke(first["id"], "default")
            server.invoke(12345, "default")  # never sent by us
            notifier.send(Notice("start", "x", "y"))
            assert opened.urls == ["https://status.example/i/1"]
            assert opened.details == 2
        finally:
            notifier.close()


def test_without_the_actions_capability_no_actions_are_sent(bus: str, tmp_path: Path) -> None:
    opened = Opened()
    with RecorderThread(bus, tmp_path / "n.jsonl", ["body"]) as server:
        notifier = DBusNotifier(None, opened.open_url, opened.open_details, address=bus)
        try:
            notifier.send(INCIDENT)
            (record,) = server.notifications()
            assert record["actions"] == []
            assert record["body"] == "Partial outage & <i>more</i>"  # no markup rendered: sent as is
            assert "image-path" not in record["hints"]
            server.invoke(record["id"], "default")
            notifier.send(Notice("start", "x", "y"))
            assert opened.urls == []
        finally:
            notifier.close()


def test_a_server_that_starts_later_or_is_replaced_is_picked_up(
    bus: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    notifier = DBusNotifier(None, address=bus)
    try:
        with caplog.at_level(logging.WARNING):
            notifier.send(INCIDENT)
            notifier.send(INCIDENT)
        warnings = [r for r in caplog.records if "cannot show desktop notifications" in r.getMessage()]
        assert len(warnings) == 1
        assert capsys.readouterr().err.count("cannot show desktop notifications") == 1
        with RecorderThread(bus, tmp_path / "a.jsonl", ["body", "actions"]) as first:
            notifier.send(INCIDENT)
            assert [r["actions"] != [] for r in first.notifications()] == [True]
        with RecorderThread(bus, tmp_path / "b.jsonl", ["body"]) as second:
            wait_for(lambda: notifier._server is None, 5, "the notifier to forget the old server")
            notifier.send(INCIDENT)
            assert [r["actions"] for r in second.notifications()] == [[]]
            assert second.capability_calls == 1
    finally:
        notifier.close()


def test_no_bus_at_all_never_raises(tmp_path: Path) -> None:
    notifier = DBusNotifier(None, address=f"unix:path={tmp_path}/none")
    notifier.send(INCIDENT)
    notifier.close()
