"""What only some runs need is imported when first used, in a fresh interpreter each time."""

from __future__ import annotations

import html
import json
import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from trayapp.core.safe_text import escape_markup

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "statuspage" / "summary_all_operational.json"


def loaded_after(code: str, *, raw: bool = False) -> set[str]:
    """The trayapp and XML modules a fresh interpreter holds after running `code`.

    With `raw`, `code` prints its own JSON list as its last line.
    """
    script = (
        code
        if raw
        else (
            code
            + "\nimport json, sys\n"
            + "names = [m for m in sys.modules if m.startswith(('trayapp', 'xml', 'defusedxml'))]\n"
            + "print(json.dumps(names))"
        )
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_the_registry_imports_no_format_until_a_document_is_parsed() -> None:
    loaded = loaded_after("import trayapp.adapters, trayapp.shell.reader")
    formats = {"betterstack", "datadog", "feed", "google", "incidentio", "instatus", "statuspage"}
    assert not {f"trayapp.adapters.{name}" for name in formats} & loaded
    assert not {"xml.etree.ElementTree", "defusedxml"} & loaded


def test_a_parse_imports_only_its_format() -> None:
    loaded = loaded_after(
        "from datetime import UTC, datetime\n"
        "from pathlib import Path\n"
        "from trayapp.adapters import FORMATS, ParseContext, parse_document\n"
        "parse = FORMATS['statuspage'][0].documents[0].parse\n"
        f"page = parse_document(parse, Path({str(FIXTURE)!r}).read_bytes(), "
        "ParseContext(page_url='https://s.example', now=datetime.now(UTC)))\n"
        "assert not isinstance(page, str), page\n"
        "assert page.components, page"
    )
    assert "trayapp.adapters.statuspage" in loaded
    assert "trayapp.adapters.feed" not in loaded
    assert "trayapp.adapters.incidentio" not in loaded


def test_lazy_parsers_keep_their_names() -> None:
    from trayapp.adapters import FORMATS, parse_feed

    assert parse_feed.__name__ == "parse_feed"
    assert FORMATS["incidentio"][0].documents[0].parse.__module__ == "trayapp.adapters.incidentio"


def test_the_engine_path_loads_no_details_page_nor_history_reading() -> None:
    loaded = loaded_after("import trayapp.watch, trayapp.tray_controller, trayapp.shell.notify")
    for module in (
        "trayapp.shell.details",
        "trayapp.core.details_page",
        "trayapp.shell.history.reader",
        "trayapp.core.history.section",
        "trayapp.core.history.chart",
        "trayapp.shell.catalog_check",
    ):
        assert module not in loaded, module


@given(st.text())
def test_escape_markup_is_html_escape_without_quotes(text: str) -> None:
    assert escape_markup(text) == html.escape(text, quote=False)


def test_a_start_without_an_autostart_file_or_a_config_mistake_loads_no_parser_for_them(
    tmp_path: Path,
) -> None:
    loaded = loaded_after(
        "import trayapp.watch, trayapp.tray_controller, trayapp.shell.notify, trayapp.shell.dbus\n"
        "from pathlib import Path\n"
        "from trayapp.shell.autostart import autostart_enabled\n"
        f"assert not autostart_enabled('linux', Path({str(tmp_path)!r}))\n"
        "import json, sys\n"
        "names = [m for m in ('html', 'difflib', 'configparser') if m in sys.modules]\n"
        "print(json.dumps(names))",
        raw=True,
    )
    assert loaded == set()
