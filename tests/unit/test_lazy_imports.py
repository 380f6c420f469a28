"""What only some runs need is imported when first used, in a fresh interpreter each time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "statuspage" / "summary_all_operational.json"


def loaded_after(code: str) -> set[str]:
    """The trayapp and XML modules a fresh interpreter holds after running `code`."""
    script = (
        code
        + "\nimport json, sys\n"
        + "names = [m for m in sys.modules if m.startswith(('trayapp', 'xml', 'defusedxml'))]\n"
        + "print(json.dumps(names))"
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
