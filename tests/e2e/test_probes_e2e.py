"""The real tray shows a suspected problem and being offline, read from the screen.

A local server plays the status pages and an API edge. When the edge keeps failing while
the page says operational, the icon turns yellow with a `?`; when nothing answers at all,
it turns grey with a dash (not the `?` of an unknown page), and no notification is sent.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from tests.support.desktop import Desktop
from tests.support.server import Reply, StatusServer
from trayapp.model import State
from trayapp.shell.icons import render_icon

pytestmark = pytest.mark.e2e

SUMMARY = "/acme/api/v2/summary.json"
EDGE = "/edge/v1/models"


def difference(seen: Image.Image, badge: str) -> float:
    """How far the icon on screen is from our drawing of the grey icon with `badge`."""
    reference = render_icon(State.UNKNOWN, 64, badge).resize(seen.size, Image.Resampling.LANCZOS)
    flat = Image.new("RGB", seen.size, (0, 0, 0))
    flat.paste(reference, mask=reference.getchannel("A"))
    return float(sum(ImageStat.Stat(ImageChops.difference(seen.convert("RGB"), flat)).mean))


def test_the_icon_shows_a_suspected_problem_then_offline(
    desktop: Desktop, server: StatusServer, tmp_path: Path
) -> None:
    server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")
    server.set(EDGE, Reply(b'{"error": "no key"}', status=401))
    config = tmp_path / "config.toml"
    config.write_text(
        "poll_interval = 0.3\nbuiltin = []\n[probes]\ninterval = 0.3\n"
        f'[[providers]]\nname = "Acme API"\nurl = "{server.url}/acme"\nkind = "statuspage"\n'
        f'probe = "{server.url}{EDGE}"\n',
        "utf-8",
    )
    app = desktop.spawn(
        [sys.executable, "-m", "trayapp", "--config", str(config), "-v"],
        env=desktop.full_env({"PYSTRAY_BACKEND": "gtk"}),
        name="trayapp-probes",
    )
    desktop.wait_for_icon(20)
    desktop.wait_for_colour("operational", 15)

    server.set(EDGE, Reply(b"upstream connect error", status=503, content_type="text/plain"))
    desktop.wait_for_colour("degraded", 15)

    server.set(EDGE, Reply(b"{}", status=401))
    desktop.wait_for_colour("operational", 15)

    server.stop()  # nothing answers any more: not the page, not the edge
    desktop.wait_for_colour("unknown", 20)
    time.sleep(0.5)
    rect = desktop.wait_for_icon(5)
    seen = desktop.grab(rect)
    offline, unknown = difference(seen, "offline"), difference(seen, "none")
    assert offline < unknown, f"the offline dash, not the unknown '?' ({offline:.1f} vs {unknown:.1f})"
    assert desktop.notifications() == [], "nothing to notify: a suspicion is not notified unless asked"
    assert desktop.stop(app, timeout=5) == 0  # type: ignore[arg-type]
