"""trayapp from a plain `pip install .` on a Linux desktop bus: the tray item, notifications, no tray.

Everything runs on a private session bus (`tests.support.private_bus`): a fake
StatusNotifierWatcher + host (`tests.support.sni_host`) reads and drives the item as KDE or
GNOME would, and a recording notification server (`tests.support.notify_recorder`) takes the
notifications and clicks their actions. The app is the venv's `trayapp`: no dbus-python, no
PyGObject, no `notify-send` on PATH.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.desktop import Desktop, classify, counted_colours, dominant_colour, wait_for
from tests.support.plain_install import App, app_env, browser_recorder, opened_urls
from tests.support.private_bus import RecorderThread, private_bus
from tests.support.server import StatusServer
from tests.support.sni_host import FakeWatcherHost, walk
from tests.support.watching import write_config

pytestmark = pytest.mark.e2e

PROXY = "/openai/proxy/127.0.0.1"
SUMMARY = "/anthropic/api/v2/summary.json"


@pytest.fixture
def bus() -> Iterator[str]:
    with private_bus() as address:
        yield address


def calm(server: StatusServer) -> None:
    server.set_fixture(PROXY, "incidentio/proxy_all_operational.json")
    server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")


def config_for(server: StatusServer, tmp_path: Path, interval: float = 0.2) -> Path:
    path = write_config(
        tmp_path / "config.toml",
        [
            ("OpenAI", server.url + "/openai", "incidentio"),
            ("Anthropic", server.url + "/anthropic", "statuspage"),
        ],
    )
    path.write_text(
        path.read_text(encoding="utf-8").replace("poll_interval = 0.2", f"poll_interval = {interval}"),
        encoding="utf-8",
    )
    return path


def start(trayapp: Path, config: Path, tmp_path: Path, bus: str, *args: str, **env: str) -> App:
    return App(
        [str(trayapp), "--config", str(config), "-v", *args],
        app_env(tmp_path, bus, env),
        tmp_path / f"trayapp-{time.monotonic_ns()}.log",
    )


def item_colour(host: FakeWatcherHost) -> str | None:
    images = host.icon_images()
    largest = max(images, key=lambda image: image.width)
    rgb = dominant_colour(counted_colours(largest.convert("RGB")))
    return None if rgb is None else classify(rgb)


def wait_for_colour(host: FakeWatcherHost, state: str, timeout: float = 15.0) -> None:
    wait_for(lambda: item_colour(host) == state or None, timeout, f"the item's icon to be {state}")


def labels(host: FakeWatcherHost) -> list[str]:
    return [str(node["props"].get("label", "")) for node in walk(host.layout()[1])]


def test_the_item_follows_the_timeline_and_its_menu_and_clicks_work(
    plain_trayapp: Path, server: StatusServer, tmp_path: Path, bus: str
) -> None:
    calm(server)
    browser, opened = browser_recorder(tmp_path)
    with FakeWatcherHost(bus) as host:
        app = start(plain_trayapp, config_for(server, tmp_path), tmp_path, bus, BROWSER=str(browser))
        registration = host.wait_for_registration(1, timeout=20)
        assert registration.service.startswith("org.kde.StatusNotifierItem-")
        assert registration.properties["Id"] == "trayapp"
        assert registration.properties["ItemIsMenu"] is False
        wait_for_colour(host, "operational", 20)
        sizes = {w for w, _h, _data in host.properties()["IconPixmap"]}
        assert sizes & set(range(22, 65)), sizes
        assert host.get("Status") == "Active"

        server.set_fixture(PROXY, "incidentio/proxy_partial_outage.json")
        wait_for_colour(host, "partial")
        wait_for(lambda: host.get("Status") == "NeedsAttention" or None, 10, "NeedsAttention")
        server.set_fixture(SUMMARY, "statuspage/summary_major_outage.json")
        wait_for_colour(host, "major")
        calm(server)
        wait_for_colour(host, "operational")
        wait_for(lambda: host.get("Status") == "Active" or None, 10, "Active again")
        assert host.signals_named("NewIcon"), "NewIcon follows each new pixmap"

        tooltip = host.properties()["ToolTip"]
        assert "operational" in tooltip[2].lower(), tooltip
        shown = labels(host)
        for wanted in ("Open details", "Refresh now", "Quit"):
            assert wanted in shown, shown
        assert any(label.startswith("OpenAI") for label in shown), shown
        assert any(label.startswith("Anthropic") for label in shown), shown

        host.click(host.find("Open details")["id"])
        wait_for(lambda: opened_urls(opened) or None, 10, "the details page to open")
        assert opened_urls(opened)[0].startswith("file://")
        assert opened_urls(opened)[0].endswith("details.html")
        host.activate()
        wait_for(lambda: len(opened_urls(opened)) >= 2 or None, 10, "Activate to open the page")
        assert opened_urls(opened)[1].endswith("details.html")

    with FakeWatcherHost(bus) as restarted:  # the watcher restarts: the item registers again
        restarted.wait_for_registration(1, timeout=15)
        wait_for_colour(restarted, "operational")
        restarted.click(restarted.find("Quit")["id"], gnome=True)
        assert app.wait(10) == 0, app.log()
    assert "tray backend: sni (a StatusNotifierWatcher is on the session bus)" in app.log()


def test_refresh_now_polls_at_once(
    plain_trayapp: Path, server: StatusServer, tmp_path: Path, bus: str
) -> None:
    calm(server)
    with FakeWatcherHost(bus) as host:
        app = start(plain_trayapp, config_for(server, tmp_path, interval=300), tmp_path, bus)
        host.wait_for_registration(1, timeout=20)
        wait_for_colour(host, "operational", 20)
        before = len(server.requests_to(SUMMARY))
        time.sleep(1)
        assert len(server.requests_to(SUMMARY)) == before, "nothing polls on its own within 1 s"
        host.click(host.find("Refresh now")["id"])
        wait_for(lambda: len(server.requests_to(SUMMARY)) > before or None, 10, "a poll after Refresh now")
        code, took = app.stop()
        assert code == 0, app.log()
        assert took < 2.5, "SIGTERM quits within 2 s"


@pytest.mark.parametrize("capabilities", [["body", "body-markup", "actions"], ["body"]])
def test_notifications_from_a_plain_install(
    plain_trayapp: Path, server: StatusServer, tmp_path: Path, bus: str, capabilities: list[str]
) -> None:
    calm(server)
    browser, opened = browser_recorder(tmp_path)
    with RecorderThread(bus, tmp_path / "notes.jsonl", capabilities) as recorder:
        app = start(plain_trayapp, config_for(server, tmp_path), tmp_path, bus, "watch", BROWSER=str(browser))
        time.sleep(2)
        server.set_fixture(PROXY, "incidentio/proxy_partial_outage.json")
        wait_for(lambda: recorder.notifications() or None, 15, "a notification")
        [note] = recorder.notifications()
        assert note["app_name"] == "trayapp"
        assert note["summary"].startswith("OpenAI: Elevated error rates")
        assert note["app_icon"].endswith(".png")
        assert Path(note["app_icon"]).is_file()
        if "actions" not in capabilities:
            assert note["actions"] == [], "no actions where the server has none"
            assert app.stop()[0] == 0, app.log()
            assert "cannot show desktop notifications" not in app.log()
            return
        assert note["actions"][0::2] == ["default", "details"]
        assert note["actions"][3] == "Open details"
        recorder.invoke(int(note["id"]), "default")
        wait_for(lambda: opened_urls(opened) or None, 2.5, "the incident's page to open within 2 s")
        assert opened_urls(opened)[0].startswith("https://"), opened_urls(opened)
        recorder.invoke(int(note["id"]), "details")
        wait_for(lambda: len(opened_urls(opened)) >= 2 or None, 2.5, "the details page to open within 2 s")
        assert opened_urls(opened)[1].endswith("details.html")
        assert app.stop()[0] == 0, app.log()


def test_watch_says_once_when_no_notification_server_answers(
    plain_trayapp: Path, server: StatusServer, tmp_path: Path, bus: str
) -> None:
    calm(server)
    app = start(plain_trayapp, config_for(server, tmp_path), tmp_path, bus, "watch")
    time.sleep(1.5)
    server.set_fixture(PROXY, "incidentio/proxy_partial_outage.json")
    server.set_fixture(SUMMARY, "statuspage/summary_major_outage.json")
    wait_for(lambda: app.log().count("→") >= 2 or None, 15, "two changes printed")
    time.sleep(0.5)
    app.stop()
    said = [line for line in app.log().splitlines() if line.startswith("trayapp: cannot show desktop")]
    assert len(said) == 1, app.log()


def test_no_tray_host_says_so_then_docks_when_a_tray_appears(
    plain_trayapp: Path, server: StatusServer, tmp_path: Path, bus: str
) -> None:
    server.set_fixture(PROXY, "incidentio/proxy_all_operational.json")
    server.set_fixture(SUMMARY, "statuspage/summary_major_outage.json")
    with RecorderThread(bus, tmp_path / "notes.jsonl", ["body", "actions"]) as recorder:
        started = time.monotonic()
        app = start(plain_trayapp, config_for(server, tmp_path), tmp_path, bus)
        notice = wait_for(
            lambda: [n for n in recorder.notifications() if "without a tray icon" in n["summary"]] or None,
            20,
            "the no-tray notice",
        )[0]
        assert time.monotonic() - started >= 9.5
        assert "AppIndicator" in notice["body"]
        assert any(n["summary"].startswith("Anthropic: ") for n in recorder.notifications()), (
            "polling and notifying go on without a tray"
        )
        with FakeWatcherHost(bus) as host:
            host.wait_for_registration(1, timeout=10)
            wait_for_colour(host, "major")
        time.sleep(1)
        notices = [n for n in recorder.notifications() if "without a tray icon" in n["summary"]]
        assert len(notices) == 1, "said once"
        assert app.stop()[0] == 0, app.log()


def test_no_tray_host_then_an_xembed_tray_gets_the_icon(
    plain_trayapp: Path, server: StatusServer, tmp_path: Path
) -> None:
    server.set_fixture(PROXY, "incidentio/proxy_partial_outage.json")
    server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")
    with Desktop(tmp_path / "desktop", tray_host=False) as desktop:
        app = desktop.spawn(
            [str(plain_trayapp), "--config", str(config_for(server, tmp_path)), "-v"],
            env=app_env(tmp_path, desktop.bus_address, {"DISPLAY": desktop.display}),
            name="trayapp-no-tray",
        )
        notes = desktop.wait_for_notifications(2, timeout=20)
        assert any("without a tray icon" in n["summary"] for n in notes), notes
        desktop.start_tray_host()
        desktop.wait_for_icon(20)
        desktop.wait_for_colour("partial", 15)
        assert desktop.stop(app, timeout=5) == 0
