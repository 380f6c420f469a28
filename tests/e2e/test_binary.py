"""The one-file executable built from build.spec runs on its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.desktop import Desktop
from tests.support.server import StatusServer
from tests.support.watching import write_config
from trayapp import __version__

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("pyinstaller")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            str(ROOT / "build.spec"),
            "--noconfirm",
            "--log-level=WARN",
            f"--distpath={work / 'dist'}",
            f"--workpath={work / 'build'}",
        ],
        cwd=ROOT,
        check=True,
        timeout=600,
        env={**os.environ, "PYINSTALLER_CONFIG_DIR": str(work / "config")},
    )
    built = work / "dist" / "trayapp"
    assert built.is_file()
    return built


def test_binary_version(binary: Path) -> None:
    result = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"trayapp {__version__}"


def test_binary_status_json(binary: Path, server: StatusServer, tmp_path: Path) -> None:
    server.set_fixture("/openai/proxy/127.0.0.1", "incidentio/proxy_partial_outage.json")
    config = write_config(tmp_path / "c.toml", [("OpenAI", server.url + "/openai", "incidentio")])
    result = subprocess.run(
        [str(binary), "--config", str(config), "status", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["overall"] == "partial"


def test_binary_starts_the_tray(binary: Path, server: StatusServer, tmp_path: Path) -> None:
    server.set_fixture("/anthropic/api/v2/summary.json", "statuspage/summary_major_outage.json")
    config = write_config(tmp_path / "c.toml", [("Anthropic", server.url + "/anthropic", "statuspage")])
    with Desktop(tmp_path / "desktop") as desktop:
        app = desktop.spawn([str(binary), "--config", str(config)], name="trayapp-binary")
        desktop.wait_for_colour("major", 30)
        assert desktop.wait_for_notifications(1)[0]["summary"].startswith("Anthropic: ")
        assert desktop.stop(app, timeout=5) == 0
