"""The baseline trayapp is measured against: the least a tray status app can be.

A pystray icon whose colour follows one Statuspage-format page (`/api/v2/summary.json`),
polled with httpx every `--interval` seconds, and a plyer notification when the colour
changes. Nothing else: no conditional GET, no confirmation, no state file, no menu.
The backend is pystray's own choice, or `PYSTRAY_BACKEND` (the benchmark forces the
backend trayapp picks, so both run on the same one).

    python benchmarks/baseline_app.py --url http://127.0.0.1:8000/api/v2/summary.json --interval 60
"""

from __future__ import annotations

import argparse
import contextlib
import threading
from typing import Any

import httpx
import pystray
from PIL import Image, ImageDraw
from plyer import notification

USER_AGENT = "baseline/1.0"

# The same colours as trayapp's icons, so the benchmark reads both the same way.
COLOURS = {
    "none": "#22A04B",
    "maintenance": "#3B82F6",
    "unknown": "#9CA3AF",
    "minor": "#EAB308",
    "major": "#F97316",
    "critical": "#DC2626",
}


def disc(colour: str, size: int = 64) -> Image.Image:
    """A filled circle in `colour` on a transparent square."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((2, 2, size - 3, size - 3), fill=colour)
    return image


def indicator(client: httpx.Client, url: str) -> str:
    """The page's overall indicator (`none`, `minor`, `major`, `critical`), or `unknown`.

    A Statuspage summary says it in `status.indicator`; an incident.io page's JSON (its
    `summary`) is read at the most basic level: any ongoing incident is `major`.
    """
    try:
        page = client.get(url).json()
        if "summary" in page:
            value = "major" if page["summary"]["ongoing_incidents"] else "none"
        else:
            value = page["status"]["indicator"]
    except Exception:  # noqa: BLE001 - any failure shows as unknown
        return "unknown"
    return value if value in COLOURS else "unknown"


def main() -> None:
    """Show the icon and poll until killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--url", required=True, action="append", help="a Statuspage summary.json URL (repeat for more pages)"
    )
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between polls")
    args = parser.parse_args()
    images = {name: disc(colour) for name, colour in COLOURS.items()}
    icon = pystray.Icon("baseline", images["unknown"], "baseline")

    def poll(icon: Any) -> None:
        icon.visible = True
        client = httpx.Client(timeout=10.0, headers={"User-Agent": USER_AGENT})
        last: str | None = None
        wait = threading.Event()
        while True:
            # Every page each round (the benchmark gives it trayapp's pages); the worst one shows.
            found = [indicator(client, url) for url in args.url]
            current = max(found, key=list(COLOURS).index)
            if current != last:
                icon.icon = images[current]
                if last is not None:
                    # No notification server: carry on.
                    with contextlib.suppress(Exception):
                        notification.notify(title="baseline", message=f"now {current}", app_name="baseline")
                last = current
            wait.wait(args.interval)

    icon.run(setup=poll)


if __name__ == "__main__":
    main()
