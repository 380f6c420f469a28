"""The real `trayapp` in a real X session with a tray host and a notification server.

What the user sees is asserted: the icon's colour read from the screen, and the
notifications the desktop received.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.desktop import Desktop
from tests.support.server import Reply, StatusServer

pytestmark = pytest.mark.e2e

PROXY = "/openai/proxy/127.0.0.1"
SUMMARY = "/anthropic/api/v2/summary.json"
STATUS = "/anthropic/api/v2/status.json"


def start_app(desktop: Desktop, config: Path, backend: str, *extra: str) -> object:
    return desktop.spawn(
        [sys.executable, "-m", "trayapp", "--config", str(config), "-v", *extra],
        env=desktop.full_env({"PYSTRAY_BACKEND": backend}),
        name=f"trayapp-{backend}-{time.monotonic_ns()}",
    )


def calm(server: StatusServer) -> None:
    server.set_fixture(PROXY, "incidentio/proxy_all_operational.json")
    server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")


def summaries(desktop: Desktop) -> list[str]:
    return [str(n["summary"]) for n in desktop.notifications()]


@pytest.mark.parametrize("backend", ["gtk", "xorg"])
def test_icon_colour_follows_the_outage_and_notifies_once_each_way(
    desktop: Desktop, server: StatusServer, two_pages: Path, backend: str
) -> None:
    redock = None  # the app re-docks its xorg icon itself
    calm(server)
    app = start_app(desktop, two_pages, backend)
    desktop.wait_for_icon(20, redock_after=redock)
    desktop.wait_for_colour("operational", 15, redock_after=redock)
    time.sleep(1)
    assert desktop.notifications() == [], "nothing is open: no notification at start-up"

    server.set_fixture(PROXY, "incidentio/proxy_partial_outage.json")
    desktop.wait_for_colour("partial", 10, redock_after=redock)
    desktop.wait_for_notifications(1)

    server.set_fixture(SUMMARY, "statuspage/summary_major_outage.json")
    desktop.wait_for_colour("major", 10, redock_after=redock)
    desktop.wait_for_notifications(2)

    calm(server)
    desktop.wait_for_colour("operational", 15, redock_after=redock)
    found = desktop.wait_for_notifications(4)

    server.set(SUMMARY, Reply(b"oops", 503, "text/plain"))
    server.set(STATUS, Reply(b"oops", 503, "text/plain"))
    desktop.wait_for_colour("unknown", 20, redock_after=redock)
    time.sleep(1.5)

    titles = summaries(desktop)
    assert len(titles) == 4, f"exactly one start and one resolve per incident, nothing for failures: {titles}"
    starts, resolves = titles[:2], titles[2:]
    assert starts[0].startswith("OpenAI: Elevated error rates")
    assert starts[1].startswith("Anthropic: ")
    # The event word comes first, so a desktop that cuts the title still shows it.
    assert all(title.startswith("Resolved · ") for title in resolves)
    named = sorted(t.removeprefix("Resolved · ").removesuffix("…") for t in resolves)
    assert all(start.startswith(name) for name, start in zip(named, sorted(starts), strict=True))
    assert all(n["app_name"] == "trayapp" for n in found)
    assert desktop.stop(app, timeout=5) == 0  # type: ignore[arg-type]


def test_restarts_repeat_nothing_and_report_a_resolution_missed_while_down(
    desktop: Desktop, server: StatusServer, two_pages: Path
) -> None:
    calm(server)
    server.set_fixture(SUMMARY, "statuspage/summary_major_outage.json")
    app = start_app(desktop, two_pages, "gtk")
    desktop.wait_for_colour("major", 20)
    [summary] = desktop.wait_for_notifications(1)
    assert summary["summary"].startswith("Anthropic: "), "one incident open at first run: one notification"
    started = time.monotonic()
    assert desktop.stop(app, timeout=5) == 0  # type: ignore[arg-type]
    assert time.monotonic() - started < 2.5, "SIGTERM quits within 2 s"

    app = start_app(desktop, two_pages, "gtk")
    desktop.wait_for_colour("major", 20)
    time.sleep(2)
    assert len(desktop.notifications()) == 1, "a restart does not repeat a notification"
    desktop.stop(app, timeout=5)  # type: ignore[arg-type]

    server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")
    app = start_app(desktop, two_pages, "gtk")
    desktop.wait_for_colour("operational", 20)
    notes = desktop.wait_for_notifications(2)
    time.sleep(1.5)
    assert len(desktop.notifications()) == 2
    assert notes[1]["summary"].startswith("Resolved · Anthropic: ")
    desktop.stop(app, timeout=5)  # type: ignore[arg-type]


def test_first_run_with_several_open_incidents_sends_one_summary(
    desktop: Desktop, server: StatusServer, two_pages: Path
) -> None:
    server.set_fixture(PROXY, "incidentio/proxy_partial_outage_with_finetune.json")
    server.set_fixture(SUMMARY, "statuspage/summary_major_outage.json")
    start_app(desktop, two_pages, "gtk")
    desktop.wait_for_colour("major", 20)
    [note] = desktop.wait_for_notifications(1)
    time.sleep(2)
    assert len(desktop.notifications()) == 1
    assert note["summary"] == "3 incidents in progress"


@pytest.mark.parametrize("backend", ["gtk", "xorg"])
def test_left_click_opens_the_details_page(
    desktop: Desktop, server: StatusServer, two_pages: Path, tmp_path: Path, backend: str
) -> None:
    calm(server)
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(0o755)
    redock = None  # the app re-docks its xorg icon itself
    desktop.spawn(
        [sys.executable, "-m", "trayapp", "--config", str(two_pages), "-v"],
        env=desktop.full_env({"PYSTRAY_BACKEND": backend, "BROWSER": str(browser)}),
        name=f"trayapp-click-{backend}",
    )
    desktop.wait_for_colour("operational", 20, redock_after=redock)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not opened.exists():
        desktop.click_tray_icon(1)
        time.sleep(1)
    assert opened.exists(), desktop.logs()
    url = opened.read_text().strip().splitlines()[0]
    assert url.startswith("file://")
    assert url.endswith("details.html")
    page = Path(url.removeprefix("file://")).read_text(encoding="utf-8")
    assert "OpenAI" in page
    assert "Anthropic" in page


def test_second_instance_says_so_and_exits_0(desktop: Desktop, server: StatusServer, two_pages: Path) -> None:
    calm(server)
    start_app(desktop, two_pages, "gtk")
    desktop.wait_for_colour("operational", 20)
    second = subprocess.run(
        [sys.executable, "-m", "trayapp", "--config", str(two_pages)],
        env=desktop.full_env({"PYSTRAY_BACKEND": "gtk"}),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert second.returncode == 0
    assert "already running" in second.stdout


@pytest.mark.parametrize("backend", ["gtk", "xorg"])
def test_icon_survives_the_tray_host_restarting(
    desktop: Desktop, server: StatusServer, two_pages: Path, backend: str
) -> None:
    redock = None  # the app re-docks its xorg icon itself
    calm(server)
    start_app(desktop, two_pages, backend)
    desktop.wait_for_colour("operational", 20, redock_after=redock)
    desktop.restart_tray_host()
    desktop.wait_for_icon(20, redock_after=redock)
    desktop.wait_for_colour("operational", 15, redock_after=redock)
    server.set_fixture(SUMMARY, "statuspage/summary_major_outage.json")
    desktop.wait_for_colour("major", 15, redock_after=redock)


GTK_MENU_SCRIPT = """
import os
import threading

import pystray
from gi.repository import GLib, Gtk
from PIL import Image

from trayapp.shell.tray import icon_class

threading.Timer(15, lambda: os._exit(3)).start()  # never hang the test
image = Image.new("RGBA", (16, 16), (0, 128, 0, 255))
icon = icon_class("gtk")("t", image, "t", menu=pystray.Menu(pystray.MenuItem("Last checked 14:01", None)))


def open_the_menu() -> bool:
    for minute in ("14:02", "14:03"):  # two more polls, each a new minute
        icon.menu = pystray.Menu(pystray.MenuItem(f"Last checked {minute}", None))
    print("built before opening:", icon._menu_handle is not None, flush=True)
    icon._status_icon.emit("popup-menu", 3, Gtk.get_current_event_time())
    print("opened:", [child.get_label() for child in icon._menu_handle.get_children()], flush=True)
    icon._menu_handle.popdown()
    os._exit(0)


def setup(running: pystray.Icon) -> None:
    running.visible = True
    GLib.timeout_add(500, open_the_menu)


icon.run(setup=setup)
"""


def test_the_gtk_menu_is_built_when_opened_with_the_newest_items(desktop: Desktop, tmp_path: Path) -> None:
    script = tmp_path / "gtk_menu.py"
    script.write_text(GTK_MENU_SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        env=desktop.full_env({"PYSTRAY_BACKEND": "gtk"}),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "built before opening: False" in done.stdout, "no Gtk.Menu built while nobody opened it"
    assert "opened: ['Last checked 14:03']" in done.stdout, done.stdout
