"""Build hook: compile the translation catalogs (.po → .mo) with Babel when trayapp is built.

The metadata is in pyproject.toml. The `.po` sources are in the repository; the `.mo` files
are written into the build (a wheel, `pip install .`), or next to their `.po` in the source
tree for an editable install (`pip install -e .`), where the package is read in place.
Compiled catalogs are never committed (.gitignore).
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE = Path("trayapp", "locale")
DOMAIN = "trayapp"


def compile_catalogs(source_root: Path, target_root: Path) -> list[Path]:
    """Compile each `trayapp/locale/<lang>/LC_MESSAGES/trayapp.po` under `source_root` to its `.mo`.

    The `.mo` goes to the same relative path under `target_root`; returns the files written.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written: list[Path] = []
    for po_path in sorted((source_root / LOCALE).glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=po_path.parent.parent.name, domain=DOMAIN)
        mo_path = target_root / po_path.relative_to(source_root).with_suffix(".mo")
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with mo_path.open("wb") as target:
            # Fuzzy entries are left out: an unchecked guess shows as English.
            write_mo(target, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


class BuildPyWithCatalogs(build_py):
    """`build_py` that also compiles the translation catalogs."""

    def run(self) -> None:
        """Build the package as usual, then compile the catalogs into it."""
        super().run()
        source_root = Path(__file__).resolve().parent
        target_root = source_root if self.editable_mode else Path(self.build_lib)
        for path in compile_catalogs(source_root, target_root):
            print(f"compiled {path}")


if __name__ == "__main__":
    setup(cmdclass={"build_py": BuildPyWithCatalogs})
