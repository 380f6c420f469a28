"""Re-make the tray menu screenshots in docs/: the real app, in a private X session, during an outage.

Usage (from the repository root, with the test extras installed and Xvfb, trayer, xdotool and
ImageMagick's `import` on the PATH)::

    python tools/screenshot_menu.py it docs/tray-menu-it.png
    python tools/screenshot_menu.py en docs/tray-menu.png

It starts the test harness's private desktop (tests/support/desktop.py: Xvfb, trayer, a private
session bus), serves OpenAI's page in a partial outage and Anthropic's fully operational from
127.0.0.1 (tests/fixtures), runs `python -m trayapp` with the GTK tray backend and the given
`language`, right-clicks the icon, points at OpenAI's entry so its submenu opens, and grabs the
screen with `import -window root`, cropped to the top-right corner where the menu is.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.desktop import Desktop  # noqa: E402
from tests.support.server import running_server  # noqa: E402
from tests.support.watching import two_pages_config  # noqa: E402

PROXY = "/openai/proxy/127.0.0.1"
SUMMARY = "/anthropic/api/v2/summary.json"
# The menu's rows are 25 px tall under Xvfb's default GTK theme; the provider's entry is the
# fourth row (a disabled headline, the last check, "Open details", then OpenAI).
ROW_HEIGHT = 25
PROVIDER_ROW = 3
CROP = (860, 296)  # width, height of the top-right corner kept


def xdotool(desktop: Desktop, *args: str) -> None:
    """Run xdotool on the private display."""
    subprocess.run(["xdotool", *args], env=desktop.full_env(), check=True, capture_output=True, timeout=10)


def main(language: str, output: Path) -> int:
    """Render the menu in `language` and save the crop to `output`."""
    with tempfile.TemporaryDirectory(prefix="trayapp-shot-") as tmp, running_server() as server:
        home = Path(tmp) / "home"
        dirs = {
            "XDG_CONFIG_HOME": "config",
            "XDG_STATE_HOME": "state",
            "XDG_CACHE_HOME": "cache",
            "XDG_DATA_HOME": "data",
        }
        env = {name: str(home / sub) for name, sub in dirs.items()}
        for path in env.values():
            Path(path).mkdir(parents=True)
        env |= {"HOME": str(home), "PYSTRAY_BACKEND": "gtk", "LANG": "C.UTF-8", "NO_PROXY": "127.0.0.1"}
        server.set_fixture(PROXY, "incidentio/proxy_partial_outage.json")
        server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")
        config = two_pages_config(Path(tmp) / "config.toml", server.url, f'language = "{language}"')
        with Desktop(Path(tmp) / "desktop") as desktop:
            command = [sys.executable, "-m", "trayapp", "--config", str(config)]
            desktop.spawn(command, env=desktop.full_env(env))
            icon = desktop.wait_for_icon(30)
            desktop.wait_for_colour("partial", 30)
            time.sleep(1)
            x, y = icon.centre
            xdotool(desktop, "mousemove", str(x), str(y), "click", "3")
            time.sleep(1)
            row_y = icon.y + icon.height + ROW_HEIGHT * PROVIDER_ROW + ROW_HEIGHT // 2 + 8
            xdotool(desktop, "mousemove", str(x - 120), str(row_y))
            time.sleep(0.3)
            xdotool(desktop, "mousemove", str(x - 100), str(row_y))
            time.sleep(1.5)
            width, _ = desktop.size
            full = Path(tmp) / "screen.png"
            subprocess.run(
                ["import", "-window", "root", str(full)], env=desktop.full_env(), check=True, timeout=30
            )
            geometry = f"{CROP[0]}x{CROP[1]}+{width - CROP[0]}+0"
            output.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["convert", str(full), "-crop", geometry, "+repage", str(output)], check=True)
    print(output)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} LANGUAGE OUTPUT.png")
    os.chdir(ROOT)
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
