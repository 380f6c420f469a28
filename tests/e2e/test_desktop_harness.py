"""The headless desktop harness itself works: tray colours, clicks, notifications, clean exits.

These tests run bare pystray/plyer scripts (not trayapp) on a `Desktop`, so a failure here points
at the harness or the machine, not at the app.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import Xlib.display
from PIL import Image
from Xlib import X, Xutil

from tests.support.desktop import (
    CONTRACT_COLOURS,
    Desktop,
    DesktopError,
    classify,
    counted_colours,
    dominant_colour,
    wait_for,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]

# A bare pystray icon: a filled circle with a dark outline and a white glyph on a transparent
# background, or a PNG file. It shows argv[3] first (set before run()), then follows the colour
# ("#RRGGBB") or PNG path written to the trigger file argv[1], changing the image only after setup.
# argv[2] gets "<backend module> <changes>" after each step; a left click on the default item
# (GTK) creates argv[2] + ".clicked".
PYSTRAY_SCRIPT = textwrap.dedent(
    """
    import sys
    import threading
    import time
    from pathlib import Path

    import pystray
    from PIL import Image, ImageDraw

    trigger, status, first = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]


    def image(colour):
        if not colour.startswith("#"):
            with Image.open(colour) as loaded:
                return loaded.convert("RGBA")
        picture = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
        draw = ImageDraw.Draw(picture)
        draw.ellipse((2, 2, 61, 61), fill=colour, outline=(20, 20, 20, 255), width=3)
        draw.rectangle((28, 14, 35, 38), fill="white")
        draw.rectangle((28, 44, 35, 51), fill="white")
        return picture


    def report(text):
        temporary = status.with_name(status.name + ".tmp")
        temporary.write_text(text)
        temporary.replace(status)


    def clicked(icon, item):
        Path(str(status) + ".clicked").write_text("clicked")


    icon = pystray.Icon(
        "harness",
        image(first),
        "harness",
        menu=pystray.Menu(pystray.MenuItem("Open", clicked, default=True)),
    )


    def follow():
        shown, changes = first, 0
        while True:
            try:
                wanted = trigger.read_text().strip()
            except FileNotFoundError:
                wanted = shown
            if wanted and wanted != shown:
                icon.icon = image(wanted)
                shown, changes = wanted, changes + 1
                report(f"{type(icon).__module__} {changes}")
            time.sleep(0.05)


    def setup(icon):
        icon.visible = True
        threading.Thread(target=follow, daemon=True).start()
        report(f"{type(icon).__module__} 0")


    icon.run(setup)
    """
)

PLYER_SCRIPT = textwrap.dedent(
    """
    from plyer import notification

    notification.notify(
        title="Harness title",
        message="Harness body with <b>markup</b>",
        app_name="trayapp-harness",
        app_icon="/nonexistent/trayapp.png",
        timeout=7,
    )
    print("sent")
    """
)


def running_pid(pid: int) -> bool:
    """Whether `pid` is a live (not zombie) process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def hex_colour(state: str) -> str:
    return "#{:02X}{:02X}{:02X}".format(*CONTRACT_COLOURS[state])


class TrayScript:
    """A running PYSTRAY_SCRIPT and its trigger/status files."""

    def __init__(self, desktop: Desktop, tmp_path: Path, backend: str, first: str) -> None:
        script = tmp_path / "tray_script.py"
        script.write_text(PYSTRAY_SCRIPT, encoding="utf-8")
        self.desktop = desktop
        self.trigger = tmp_path / "colour.txt"
        self.status = tmp_path / "status.txt"
        self.clicked = tmp_path / "status.txt.clicked"
        self.changes = 0
        self.process = desktop.spawn(
            [sys.executable, str(script), str(self.trigger), str(self.status), hex_colour(first)],
            env=desktop.full_env({"PYSTRAY_BACKEND": backend}),
            name=f"pystray-{backend}",
        )

    def backend_module(self, timeout: float = 15.0) -> str:
        """The pystray backend module, once setup ran."""

        def read() -> str | None:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"tray script exited with {self.process.returncode}\n{self.desktop.logs()}"
                )
            return self.status.read_text().split()[0] if self.status.exists() else None

        return wait_for(read, timeout, "the tray script's setup")

    def show(self, state: str, png: Path | None = None) -> None:
        """Ask the script to switch to `state`'s colour (or to the image `png`); wait until it did."""
        self.changes += 1
        temporary = self.trigger.with_name("colour.tmp")
        temporary.write_text(str(png) if png else hex_colour(state))
        temporary.replace(self.trigger)
        expected = str(self.changes)
        wait_for(
            lambda: self.status.exists() and self.status.read_text().split()[-1] == expected,
            10,
            f"the script to show {state}",
        )


def test_classify_maps_each_contract_colour_and_near_shades() -> None:
    for state, rgb in CONTRACT_COLOURS.items():
        assert classify(rgb) == state
        shaded = tuple(max(0, min(255, channel + 12)) for channel in rgb)
        assert classify(shaded) == state  # type: ignore[arg-type]


def test_dominant_colour_ignores_background_glyphs_and_antialiasing() -> None:
    background = (220, 218, 213)
    counted = [
        (400, background),
        (300, (34, 160, 75)),  # fill
        (40, (255, 255, 255)),  # glyph
        (30, (0, 0, 0)),  # xorg transparency
        (25, (127, 189, 144)),  # antialiasing towards the background
        (6, (80, 175, 109)),
    ]
    assert dominant_colour(counted, background) == (34, 160, 75)
    assert dominant_colour([(400, background), (5, (34, 160, 75))], background) is None


@pytest.mark.parametrize("backend", ["xorg", "gtk"])
def test_tray_colour_follows_a_bare_pystray_icon(desktop: Desktop, tmp_path: Path, backend: str) -> None:
    # pystray's xorg backend races trayer (see Desktop.redock_stray_icons): re-offer a lost icon.
    redock = 2.0 if backend == "xorg" else None
    script = TrayScript(desktop, tmp_path, backend, "operational")
    assert script.backend_module() == f"pystray._{backend}"
    rect = desktop.wait_for_icon(15, redock_after=redock)
    assert desktop.tray_rect() is not None
    assert desktop.wait_for_colour("operational", 10, redock_after=redock)

    script.show("major")
    assert desktop.wait_for_colour("major", 10, redock_after=redock)
    script.show("maintenance")
    assert desktop.wait_for_colour("maintenance", 10, redock_after=redock)
    if backend == "gtk":
        assert desktop.redocks == 0

    rect = desktop.wait_for_icon(5)
    shot = desktop.screenshot(tmp_path / f"screen-{backend}.png")
    with Image.open(shot) as image:
        assert image.size == desktop.size
        icon = image.crop((rect.x, rect.y, rect.x + rect.width, rect.y + rect.height))
        colour = dominant_colour(counted_colours(icon), background=(220, 218, 213))
    assert colour is not None
    assert classify(colour) == "maintenance"


def test_the_apps_own_state_icons_classify_as_their_state(desktop: Desktop, tmp_path: Path) -> None:
    resources = Path(__file__).resolve().parents[2] / "trayapp" / "resources"
    script = TrayScript(desktop, tmp_path, "gtk", "unknown")
    assert script.backend_module() == "pystray._gtk"
    desktop.wait_for_icon(15)
    for state in ["operational", "degraded", "partial", "major", "maintenance", "unknown"]:
        script.show(state, resources / f"tray-{state}.png")
        desktop.wait_for_colour(state, 10)


def test_an_undocked_xembed_window_is_docked_when_re_offered(desktop: Desktop) -> None:
    # A hand-made XEmbed client that never asks to be docked, painted by the X server itself.
    client = Xlib.display.Display(desktop.display)
    try:
        screen = client.screen()
        window = screen.root.create_window(
            0, 0, 24, 24, 0, screen.root_depth, background_pixel=0xDC2626, event_mask=X.StructureNotifyMask
        )
        window.set_wm_normal_hints(flags=Xutil.PMinSize, min_width=24, min_height=24)  # the socket's size
        xembed_info = client.intern_atom("_XEMBED_INFO")
        window.change_property(xembed_info, xembed_info, 32, [0, 1])  # version 0, mapped
        client.sync()
        assert window.id in desktop.undocked_icon_windows()
        assert desktop.icon_rects() == []

        assert desktop.redock_stray_icons() == 1
        desktop.wait_for_icon(5)
        assert desktop.wait_for_colour("major", 5)
        assert desktop.undocked_icon_windows() == []
        assert desktop.redocks == 1
    finally:
        client.close()
    desktop.wait_for_no_icon(5)


def test_gtk_icon_takes_a_left_click_and_redocks_after_a_tray_restart(
    desktop: Desktop, tmp_path: Path
) -> None:
    script = TrayScript(desktop, tmp_path, "gtk", "degraded")
    assert script.backend_module() == "pystray._gtk"
    desktop.wait_for_icon(15)
    desktop.wait_for_colour("degraded", 10)

    desktop.click_tray_icon(1)
    wait_for(script.clicked.exists, 10, "the default action to run on a left click")

    desktop.restart_tray_host()
    desktop.wait_for_icon(15)
    desktop.wait_for_colour("degraded", 10)
    script.show("partial")
    desktop.wait_for_colour("partial", 10)


def test_plyer_notification_lands_in_the_recorder(desktop: Desktop, tmp_path: Path) -> None:
    script = tmp_path / "notify_script.py"
    script.write_text(PLYER_SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        env=desktop.full_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "sent" in done.stdout

    [note] = desktop.wait_for_notifications(1, timeout=10)
    assert note["summary"] == "Harness title"
    assert note["body"] == "Harness body with <b>markup</b>"
    assert note["app_name"] == "trayapp-harness"
    assert note["app_icon"] == "/nonexistent/trayapp.png"
    assert note["expire_timeout"] == 7000  # only plyer's dbus-python path passes the timeout on
    assert note["replaces_id"] == 0
    assert note["actions"] == []
    assert isinstance(note["hints"], dict)

    with pytest.raises(DesktopError, match="InvalidArgs"):  # wrong types are refused, as GDBus does
        desktop.notification_call("Notify", "sisssasa{sv}i", ("x", 0, "", "s", "b", [], {}, -1))
    assert len(desktop.notifications()) == 1

    [capabilities] = desktop.notification_call("GetCapabilities")
    assert {"body", "body-markup", "icon-static", "actions"} <= set(capabilities)
    assert desktop.notification_call("GetServerInformation")[0] == "trayapp-notify-recorder"
    desktop.notification_call("CloseNotification", "u", (note["id"],))
    assert [closed["id"] for closed in desktop.closed_notifications()] == [note["id"]]


def test_nothing_is_left_running_after_the_desktop_exits_even_when_the_test_fails(tmp_path: Path) -> None:
    script = tmp_path / "tray_script.py"
    script.write_text(PYSTRAY_SCRIPT, encoding="utf-8")
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
    desktop = Desktop(tmp_path / "desktop", stop_timeout=1.0)
    seen: dict[str, object] = {}

    def failing_test() -> None:
        with desktop:
            desktop.spawn(
                [sys.executable, str(script), str(tmp_path / "t"), str(tmp_path / "s"), "#22A04B"],
                env=desktop.full_env({"PYSTRAY_BACKEND": "gtk"}),
                name="pystray",
            )
            desktop.spawn([sys.executable, "-c", stubborn], name="ignores-sigterm")
            desktop.spawn(["sh", "-c", "sleep 60 & sleep 60"], name="with-a-grandchild")
            desktop.wait_for_icon(15)
            seen["runtime"] = Path(desktop.env["XDG_RUNTIME_DIR"]).parent
            # dbus-daemon, Xvfb, trayer, the recorder, the three spawned and the grandchild sleep
            seen["running"] = wait_for(
                lambda: len(desktop.leftover_processes()) >= 8, 10, "all eight processes to run"
            )
            raise RuntimeError("the test failed")

    with pytest.raises(RuntimeError, match="the test failed"):
        failing_test()

    pids = desktop.pids
    assert len(pids) == 7  # dbus-daemon, Xvfb, trayer, recorder and the three spawned
    assert desktop.leftover_processes() == []
    assert not [pid for pid in pids if running_pid(pid)]
    assert isinstance(seen["runtime"], Path)
    assert not seen["runtime"].exists()
    assert (tmp_path / "desktop" / "Xvfb.log").exists()  # the logs stay for debugging
    with pytest.raises(DesktopError):
        _ = desktop.env


def test_a_desktop_that_fails_to_start_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tests.support.desktop.TRAYER_ARGS", ("sh", "-c", "exit 3"))
    desktop = Desktop(tmp_path / "desktop", startup_timeout=5)
    with pytest.raises(DesktopError, match="trayer exited with 3"), desktop:
        pass
    assert desktop.leftover_processes() == []
    assert desktop.pids
    assert not [pid for pid in desktop.pids if running_pid(pid)]
