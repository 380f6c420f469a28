"""Resident memory of a tray icon: pystray's xorg and GTK backends against trayapp's StatusNotifierItem.

Runs the same small script (a 64 px icon with a four-entry menu) three times on a private headless
desktop (`tests.support.desktop.Desktop`: Xvfb, trayer, a private session bus):

- ``xorg``: pystray's own X11 backend, docked in trayer;
- ``gtk``: pystray's GTK backend (PyGObject), docked in trayer, what a menu on Linux cost before;
- ``sni``: `trayapp.shell.dbus.sni.StatusNotifierIcon`, registered with a fake
  StatusNotifierWatcher + host (`tests.support.sni_host`) that has read its icon and menu;

and prints each one's VmRSS (the largest of a few samples once it is up) and the ratios to the
bare xorg script. The target is sni / xorg at most 1.25; the exit code is 1 when it is missed.
The GTK row is skipped when PyGObject is not importable.

    python benchmarks/sni_memory.py [--settle 1.5] [--samples 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.25


def _child(backend: str) -> None:
    """The measured script: show the icon with a menu and wait until killed."""
    if backend == "sni":
        os.environ["PYSTRAY_BACKEND"] = "dummy"  # pystray loads no display backend
        import pystray._base

        from trayapp.shell.dbus.sni import StatusNotifierBackend

        class Icon(StatusNotifierBackend, pystray._base.Icon):  # type: ignore[misc]
            """pystray's Icon on the StatusNotifierItem backend, as shell/tray.py puts it together."""

    else:
        os.environ["PYSTRAY_BACKEND"] = backend
        from pystray import Icon
    from PIL import Image, ImageDraw
    from pystray import Menu, MenuItem

    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((2, 2, 61, 61), fill="#22A04B")
    menu = Menu(
        MenuItem("All systems operational", None, enabled=False),
        MenuItem("Open details", lambda: None, default=True),
        Menu.SEPARATOR,
        MenuItem("Quit", lambda icon: icon.stop()),
    )
    icon = Icon("trayapp", image, "trayapp", menu)

    def setup(icon: Icon) -> None:
        icon.visible = True
        print("ready", flush=True)

    icon.run(setup=setup)


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def _measure(popen: subprocess.Popen[bytes], settle: float, samples: int) -> int:
    time.sleep(settle)
    peak = 0
    for _ in range(samples):
        if popen.poll() is not None:
            raise RuntimeError(f"the measured script exited with {popen.returncode}")
        peak = max(peak, _rss_kb(popen.pid))
        time.sleep(0.2)
    return peak


def _has_gtk() -> bool:
    try:
        import gi

        gi.require_version("Gtk", "3.0")
    except (ImportError, ValueError):
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    """Measure both scripts and print their resident memory and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--child", choices=("xorg", "gtk", "sni"), help=argparse.SUPPRESS)
    parser.add_argument("--settle", type=float, default=1.5, help="seconds to wait once the icon is up")
    parser.add_argument("--samples", type=int, default=5, help="RSS samples (the largest is kept)")
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child)
        return 0

    sys.path.insert(0, str(REPO_ROOT))
    from tests.support.desktop import Desktop
    from tests.support.sni_host import FakeWatcherHost

    env = {"PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    command = [sys.executable, str(Path(__file__).resolve())]
    results: dict[str, int] = {}
    with Desktop() as desktop:
        xorg = desktop.spawn([*command, "--child", "xorg"], env=desktop.full_env(env), name="xorg")
        desktop.wait_for_icon(15, redock_after=3)
        results["xorg"] = _measure(xorg, args.settle, args.samples)
        desktop.stop(xorg)
        if _has_gtk():
            gtk = desktop.spawn([*command, "--child", "gtk"], env=desktop.full_env(env), name="gtk")
            desktop.wait_for_icon(15)
            results["gtk"] = _measure(gtk, args.settle, args.samples)
            desktop.stop(gtk)
        with FakeWatcherHost(desktop.bus_address) as host:
            sni = desktop.spawn([*command, "--child", "sni"], env=desktop.full_env(env), name="sni")
            host.wait_for_registration(timeout=15)
            layout = host.layout()[1]
            if len(layout["children"]) != 4 or not host.icon_images():
                raise RuntimeError(f"the SNI item is not complete: {layout}")
            results["sni"] = _measure(sni, args.settle, args.samples)
            desktop.stop(sni)
    ratio = results["sni"] / results["xorg"]
    print(f"{'script':<28}{'VmRSS':>12}{'ratio':>8}")
    print(f"{'pystray xorg backend':<28}{results['xorg'] / 1024:>9.1f} MiB{1.0:>8.2f}")
    if "gtk" in results:
        gtk_ratio = results["gtk"] / results["xorg"]
        print(f"{'pystray GTK backend':<28}{results['gtk'] / 1024:>9.1f} MiB{gtk_ratio:>8.2f}")
    print(f"{'trayapp StatusNotifierItem':<28}{results['sni'] / 1024:>9.1f} MiB{ratio:>8.2f}")
    verdict = "within" if ratio <= TARGET_RATIO else "ABOVE"
    print(f"sni / xorg = {ratio:.2f} ({verdict} the {TARGET_RATIO:.2f} target)")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
