"""build.spec read on Linux as PyInstaller would run it on each OS, its build classes recorded."""

from __future__ import annotations

import shutil
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from trayapp import __version__

ROOT = Path(__file__).resolve().parents[2]


class Recorded:
    """One of PyInstaller's build targets: what the spec passed to it."""

    def __init__(self, kind: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.kind = kind
        self.args = args
        self.kwargs = kwargs
        self.pure: list[Any] = []
        self.scripts: list[Any] = [("__main__", "script")]
        self.binaries: list[Any] = [("libpython", "binary")]
        self.datas: list[Any] = [("trayapp/resources/trayapp.png", "data")]


class VersionPart:
    """A stand-in for PyInstaller.utils.win32.versioninfo's classes (which import pefile)."""

    def __init__(self, kind: str, *args: Any, **kwargs: Any) -> None:
        self.kind = kind
        self.args = args
        self.kwargs = kwargs


def fake_modules() -> dict[str, types.ModuleType]:
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_data_files = lambda *a, **k: [("trayapp/resources/trayapp.png", "trayapp/resources")]  # type: ignore[attr-defined]
    hooks.collect_submodules = lambda *a, **k: ["trayapp.cli"]  # type: ignore[attr-defined]
    versioninfo = types.ModuleType("PyInstaller.utils.win32.versioninfo")
    for name in (
        "VSVersionInfo",
        "FixedFileInfo",
        "StringFileInfo",
        "StringTable",
        "StringStruct",
        "VarFileInfo",
        "VarStruct",
    ):
        setattr(versioninfo, name, lambda *a, _n=name, **k: VersionPart(_n, *a, **k))
    win32 = types.ModuleType("PyInstaller.utils.win32")
    win32.versioninfo = versioninfo  # type: ignore[attr-defined]
    mofile = types.ModuleType("babel.messages.mofile")
    mofile.write_mo = lambda *a, **k: None  # type: ignore[attr-defined]
    pofile = types.ModuleType("babel.messages.pofile")
    pofile.read_po = lambda *a, **k: None  # type: ignore[attr-defined]
    return {
        "PyInstaller.utils.hooks": hooks,
        "PyInstaller.utils.win32": win32,
        "PyInstaller.utils.win32.versioninfo": versioninfo,
        "babel.messages.mofile": mofile,
        "babel.messages.pofile": pofile,
    }


def run_spec(
    platform: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, keep_globals: bool = False
) -> Any:
    """Execute build.spec as on `platform`; the targets it made, in order (or its globals)."""
    made: list[Recorded] = []

    def recorder(kind: str) -> Any:
        def make(*args: Any, **kwargs: Any) -> Recorded:
            target = Recorded(kind, args, kwargs)
            made.append(target)
            return target

        return make

    for name, module in fake_modules().items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(sys, "platform", platform)
    # A copy of what the spec reads, so that its compiling of the catalogs (.po -> .mo beside
    # them) touches nothing in the tree.
    for relative in (
        "build.spec",
        "trayapp/__init__.py",
        "assets/trayapp.ico",
        "assets/trayapp.icns",
        *(str(po.relative_to(ROOT)) for po in ROOT.glob("trayapp/locale/*/LC_MESSAGES/*.po")),
    ):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / relative, tmp_path / relative)
    spec_globals: dict[str, Any] = {
        "__name__": "__main__",
        "SPECPATH": str(tmp_path),
        **{kind: recorder(kind) for kind in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")},
    }
    source = (tmp_path / "build.spec").read_text(encoding="utf-8")
    exec(compile(source, str(tmp_path / "build.spec"), "exec"), spec_globals)
    return spec_globals if keep_globals else made


def of_kind(made: list[Recorded], kind: str) -> list[Recorded]:
    return [target for target in made if target.kind == kind]


def test_linux_stays_one_console_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    made = run_spec("linux", monkeypatch, tmp_path)
    (exe,) = of_kind(made, "EXE")
    assert exe.kwargs["name"] == "trayapp"
    assert exe.kwargs["console"] is True
    assert exe.kwargs["icon"] is None
    assert "exclude_binaries" not in exe.kwargs  # one file: binaries and data inside the exe
    analysis = of_kind(made, "Analysis")[0]
    assert exe.args[2] == analysis.binaries
    assert exe.args[3] == analysis.datas
    assert of_kind(made, "COLLECT") == []
    assert of_kind(made, "BUNDLE") == []


def test_windows_has_a_windowless_tray_exe_beside_the_console_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    made = run_spec("win32", monkeypatch, tmp_path)
    cli, tray = of_kind(made, "EXE")
    assert (cli.kwargs["name"], cli.kwargs["console"]) == ("trayapp", True)
    assert (tray.kwargs["name"], tray.kwargs["console"]) == ("trayapp-tray", False)
    for exe in (cli, tray):
        assert exe.kwargs["exclude_binaries"] is True
        assert exe.kwargs["icon"].endswith("trayapp.ico")
        assert Path(exe.kwargs["icon"]).is_file()
    (collect,) = of_kind(made, "COLLECT")
    assert collect.args[:2] == (cli, tray)
    assert collect.kwargs["name"] == "trayapp"
    assert of_kind(made, "BUNDLE") == []


def test_windows_exes_carry_the_package_version(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    made = run_spec("win32", monkeypatch, tmp_path)
    numbers = (*tuple(int(part) for part in __version__.split(".")[:3]), 0)
    for exe, file_name in zip(of_kind(made, "EXE"), ("trayapp.exe", "trayapp-tray.exe"), strict=True):
        version = exe.kwargs["version"]
        assert version.kind == "VSVersionInfo"
        fixed = version.kwargs["ffi"]
        assert fixed.kwargs == {"filevers": numbers, "prodvers": numbers}
        string_file_info, var_file_info = version.kwargs["kids"]
        (table,) = string_file_info.args[0]
        assert table.args[0] == "040904B0"
        strings = {struct.args[0]: struct.args[1] for struct in table.args[1]}
        assert strings["FileVersion"] == strings["ProductVersion"] == __version__
        assert strings["OriginalFilename"] == file_name
        assert strings["FileDescription"] == "trayapp"  # what a toast and Task Manager show
        (translation,) = var_file_info.args[0]
        assert translation.args == ("Translation", [0x0409, 1200])


@pytest.mark.parametrize(
    ("version", "numbers"),
    [
        ("0.1.0", (0, 1, 0, 0)),
        ("1.2", (1, 2, 0, 0)),
        ("2.0.1.dev3", (2, 0, 1, 3)),
        ("1.4.2+local.7", (1, 4, 2, 0)),
    ],
)
def test_version_numbers(
    version: str, numbers: tuple[int, ...], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = run_spec("linux", monkeypatch, tmp_path, keep_globals=True)
    assert spec["version_numbers"](version) == numbers
    assert spec["VERSION"] == __version__


def test_macos_is_an_app_bundle_without_a_dock_icon(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    made = run_spec("darwin", monkeypatch, tmp_path)
    (exe,) = of_kind(made, "EXE")
    assert exe.kwargs["console"] is False
    assert exe.kwargs["exclude_binaries"] is True
    (collect,) = of_kind(made, "COLLECT")
    assert collect.args[0] is exe
    (bundle,) = of_kind(made, "BUNDLE")
    assert bundle.args == (collect,)
    assert bundle.kwargs["name"] == "trayapp.app"
    assert bundle.kwargs["bundle_identifier"] == "io.trayapp"
    assert bundle.kwargs["version"] == __version__
    assert bundle.kwargs["icon"].endswith("trayapp.icns")
    assert Path(bundle.kwargs["icon"]).is_file()
    plist = bundle.kwargs["info_plist"]
    assert plist["LSUIElement"] is True
    assert plist["CFBundleShortVersionString"] == __version__
