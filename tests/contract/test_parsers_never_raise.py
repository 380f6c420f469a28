"""Whatever bytes a page sends, no parser raises: each gives a page or a one-line reason."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trayapp.adapters import FORMATS, ParseContext, Parser, parse_document
from trayapp.model import ParsedPage

CONTEXT = ParseContext(
    page_url="https://status.example.com", now=datetime(2026, 2, 4, tzinfo=UTC), match=("Gemini",)
)
PARSERS: dict[str, Parser] = {
    f"{kind}:{document.path}": document.parse
    for kind, sources in FORMATS.items()
    for source in sources
    for document in source.documents
}
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=30,
)


def check(parser: Parser, body: bytes) -> None:
    result = parse_document(parser, body, CONTEXT)
    if isinstance(result, str):
        assert result
        assert "\n" not in result
    else:
        assert isinstance(result, ParsedPage)


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=2000))
def test_arbitrary_bytes(name: str, body: bytes) -> None:
    check(PARSERS[name], body)


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=150, deadline=None)
@given(value=json_values)
def test_arbitrary_json(name: str, value: object) -> None:
    check(PARSERS[name], json.dumps(value).encode())


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_fixtures_with_values_replaced(name: str, data: st.DataObject) -> None:
    """Schema drift: real-shaped documents with fields swapped for nulls, numbers, lists."""
    files = sorted(p for p in FIXTURES.rglob("*.json"))
    path = data.draw(st.sampled_from(files))
    document = json.loads(path.read_text(encoding="utf-8"))

    def mutate(value: object) -> object:
        if isinstance(value, dict):
            return {
                k: (data.draw(json_values) if data.draw(st.integers(0, 9)) == 0 else mutate(v))
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [mutate(v) for v in value]
        return value

    check(PARSERS[name], json.dumps(mutate(document)).encode())


def test_garbage_reasons_are_readable() -> None:
    parser = PARSERS["statuspage:api/v2/summary.json"]
    assert parse_document(parser, b"<!DOCTYPE html><html><body>Login to Wi-Fi</body></html>", CONTEXT) == (
        "not a status page: got an HTML page"
    )
    assert parse_document(parser, b"", CONTEXT) == "not a status page: empty response"
    assert (
        parse_document(parser, b'{"status": {"indicator": "none"', CONTEXT)
        == "not a status page: unreadable response"
    )


def test_every_format_is_covered() -> None:
    """Each registered format's documents are among the parsers tried above (Datadog included)."""
    assert {name.split(":")[0] for name in PARSERS} == set(FORMATS)
    assert "datadog:config.json" in PARSERS


HOSTILE_CHARACTERS = [
    *"\ud800\udbff\udc00\udfff",  # lone surrogates: valid JSON escapes, refused by every UTF-8 encoder
    *(chr(code) for code in range(0x20)),
    "\x7f",
    *(chr(code) for code in range(0x80, 0xA0)),
    *"\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c",  # bidi controls
    *"Aé → ",
]
hostile_text = st.text(alphabet=st.sampled_from(HOSTILE_CHARACTERS), min_size=1, max_size=12)
UNSAFE = re.compile("[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u061c]")
DOCUMENTS = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".json", ".atom", ".rss", ".xml"))


def _texts(page: ParsedPage) -> list[tuple[str, str]]:
    """(what, text) for every text of a page; names and words must stay on one line."""
    found: list[tuple[str, str]] = [("page_name", page.page_name or "")]
    found += [("line", value) for value in page.unknown_values]
    found += [("line", value) for value in page.closed_incident_ids]
    for component in page.components:
        found += [("line", component.name), ("line", component.id), ("line", component.group or "")]
    for incident in (*page.incidents, *page.upcoming, *page.closed_incidents):
        found += [("line", incident.id), ("line", incident.name), ("line", incident.status)]
        found += [("line", incident.url or ""), ("text", incident.latest_update)]
        found += [("line", name) for name in incident.components]
    return found


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_page_text_comes_out_safe(name: str, data: st.DataObject) -> None:
    """Lone surrogates, controls and bidi overrides in any text of a real document never get past parsing."""
    path = data.draw(st.sampled_from(DOCUMENTS))
    if path.suffix == ".json":
        document = json.loads(path.read_text(encoding="utf-8"))

        def spoil(value: object) -> object:
            if isinstance(value, dict):
                return {k: spoil(v) for k, v in value.items()}
            if isinstance(value, list):
                return [spoil(v) for v in value]
            if isinstance(value, str) and data.draw(st.booleans()):
                return value + data.draw(hostile_text)
            return value

        body = json.dumps(spoil(document)).encode()  # ensure_ascii: surrogates as \\ud800 escapes
    else:
        text = path.read_text(encoding="utf-8")
        extra = data.draw(hostile_text).encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        body = text.replace("<title>", "<title>" + html.escape(extra), 1).encode("utf-8")
    result = parse_document(PARSERS[name], body, CONTEXT)
    if isinstance(result, str):
        return
    for what, value in _texts(result):
        value.encode("utf-8")  # never a lone surrogate
        assert not UNSAFE.search(value), (what, value)
        if what != "text":
            assert "\n" not in value, (what, value)
            assert "\t" not in value, (what, value)
