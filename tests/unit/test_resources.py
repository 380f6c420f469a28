"""Finding the shipped icon files: source checkout, installed package, PyInstaller bundle."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from trayapp.model import State
from trayapp.shell import resources
from trayapp.shell.resources import asset_path, notification_icon, resource_dirs

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_RESOURCES = ROOT / "trayapp" / "resources"
RUNTIME_NAMES = ["trayapp.png", *(f"tray-{state.label}.png" for state in State)]


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Pretend to run from a PyInstaller one-file bundle unpacked at the returned folder."""
    bundle = tmp_path / "_MEI12345"
    (bundle / "trayapp" / "resources").mkdir(parents=True)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    return bundle


@pytest.mark.parametrize("name", RUNTIME_NAMES)
def test_runtime_icons_come_from_the_package(name: str) -> None:
    path = asset_path(name)
    assert path == PACKAGE_RESOURCES / name
    assert path.is_file()


def test_a_source_checkout_also_finds_the_full_assets_folder() -> None:
    assert asset_path("trayapp.icns") == ROOT / "assets" / "trayapp.icns"


def test_not_frozen_means_no_bundle_folder() -> None:
    assert not getattr(sys, "frozen", False)
    assert resource_dirs()[0] == PACKAGE_RESOURCES


def test_a_bundle_is_searched_first(frozen: Path) -> None:
    bundled = frozen / "trayapp" / "resources" / "tray-major.png"
    bundled.write_bytes(b"png")
    assert resource_dirs()[0] == frozen / "trayapp" / "resources"
    assert asset_path("tray-major.png") == bundled


def test_a_bundle_without_the_file_falls_back_to_the_package(frozen: Path) -> None:
    assert asset_path("tray-unknown.png") == PACKAGE_RESOURCES / "tray-unknown.png"


def test_other_freezers_keep_data_next_to_the_executable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app_dir = tmp_path / "app"
    (app_dir / "trayapp" / "resources").mkdir(parents=True)
    (app_dir / "trayapp" / "resources" / "trayapp.png").write_bytes(b"png")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    monkeypatch.setattr(sys, "executable", str(app_dir / "trayapp"))
    assert asset_path("trayapp.png") == app_dir / "trayapp" / "resources" / "trayapp.png"


def test_a_missing_file_names_the_places_searched() -> None:
    with pytest.raises(FileNotFoundError, match=r"nothing\.png not found in .*resources"):
        asset_path("nothing.png")


@pytest.mark.parametrize(
    "name", ["", ".", "..", "../pyproject.toml", "shell/icons.py", "a\\b.png", "/etc/passwd"]
)
def test_only_plain_file_names_are_accepted(name: str) -> None:
    with pytest.raises(ValueError, match="not a plain file name"):
        asset_path(name)


def test_notification_icon_is_png_on_linux_and_ico_on_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    assert notification_icon() == PACKAGE_RESOURCES / "trayapp.png"
    monkeypatch.setattr(sys, "platform", "win32")
    assert notification_icon() == PACKAGE_RESOURCES / "trayapp.ico"


def test_notification_icon_is_none_when_nothing_is_shipped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(resources, "resource_dirs", lambda: [tmp_path])
    assert notification_icon() is None


def test_an_installed_copy_of_the_package_finds_its_own_icons(tmp_path: Path) -> None:
    # The layout of an installed wheel: the package alone, with no assets/ folder beside it.
    site = tmp_path / "site-packages"
    shutil.copytree(ROOT / "trayapp", site / "trayapp", ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(site)}
    code = "from trayapp.shell.resources import asset_path; print(asset_path('tray-major.png'))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, check=True
    )
    assert Path(result.stdout.strip()) == site / "trayapp" / "resources" / "tray-major.png"
    missing = subprocess.run(
        [sys.executable, "-c", code.replace("tray-major.png", "trayapp.icns")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert missing.returncode != 0
    assert "FileNotFoundError" in missing.stderr
