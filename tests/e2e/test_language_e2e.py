"""The language end to end: `trayapp watch` with `language = "it"` sends real notifications in Italian.

`watch` runs as a subprocess on a private desktop's session bus, where a recorder owns
org.freedesktop.Notifications; it polls a local status page through an incident's start and
resolution, and the recorded notifications (and the lines `watch` prints) are in Italian.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from tests.support.desktop import Desktop
from tests.support.server import StatusServer
from tests.support.watching import wait_until, write_config

pytestmark = pytest.mark.e2e

SUMMARY = "/anthropic/api/v2/summary.json"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def incident_name() -> str:
    data = json.loads((FIXTURES / "statuspage/summary_major_outage.json").read_text(encoding="utf-8"))
    return str(data["incidents"][0]["name"])


def test_watch_notifies_in_italian_and_a_resolve_says_risolto(server: StatusServer, tmp_path: Path) -> None:
    server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")
    config = write_config(
        tmp_path / "config.toml",
        [("Anthropic", server.url + "/anthropic", "statuspage")],
        extra='language = "it"',
    )
    claude = incident_name()
    with Desktop(tmp_path / "desktop") as desktop:
        # The machine's locale is C (English): the config alone makes it Italian.
        watch = desktop.spawn(
            [sys.executable, "-m", "trayapp", "--config", str(config), "watch"],
            env=desktop.full_env({"LANG": "C.UTF-8"}),
            name="watch",
        )
        wait_until(lambda: "Anthropic: operativo" in desktop.log("watch"), timeout=30, what="the first poll")
        server.set_fixture(SUMMARY, "statuspage/summary_major_outage.json")
        [started] = desktop.wait_for_notifications(1, timeout=30)
        server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")
        resolved = desktop.wait_for_notifications(2, timeout=30)[1]
        wait_until(lambda: "incidente risolto" in desktop.log("watch"), timeout=10, what="the resolve line")
        assert desktop.stop(watch) == 0, desktop.logs()
    assert claude in started["summary"]
    assert "risolto" not in started["summary"]
    # The event word first and the title within 60 characters; the whole name is in the body.
    title = resolved["summary"]
    assert title.startswith("Risolto · Anthropic: "), title
    assert len(title) <= 60, title
    assert claude.startswith(title.removeprefix("Risolto · Anthropic: ").removesuffix("…")), title
    assert resolved["body"].splitlines()[0] == claude
    # "alle 16:48", but "all'01:00" at one o'clock (Italian elides before "una")
    assert re.search(r"risolto (alle |all')\d\d:\d\d", resolved["body"]), resolved["body"]
    assert resolved["app_name"] == "trayapp"
    lines = desktop.log("watch")
    assert "Anthropic: operativo → interruzione grave" in lines
    assert f"Anthropic: incidente risolto: {claude}" in lines
    assert "resolved" not in lines
