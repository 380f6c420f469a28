"""Contract: the Google Cloud incidents.json adapter over every fixture in tests/fixtures/google."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from trayapp.adapters._common import ParseContext, ParseError
from trayapp.adapters.google import parse_incidents
from trayapp.core.rollup import page_state
from trayapp.model import ParsedPage, State

FIXTURES = Path(__file__).parent.parent / "fixtures" / "google"
NOW = datetime(2026, 2, 4, 20, 0, tzinfo=UTC)
GEMINI = ("Gemini", "Vertex")

# file, provider state (gemini filter), open incidents {id: impact}, closed ids
CASES = [
    (
        "incidents.json",
        State.PARTIAL,
        {"gQ4nV7yT2pR9sK1mW3xZ": State.PARTIAL},
        {"hT8kL2mN5bV1cX6zQ9wE"},
    ),
    ("incidents_none_active.json", State.OPERATIONAL, {}, {"hT8kL2mN5bV1cX6zQ9wE"}),
    ("incidents_empty.json", State.OPERATIONAL, {}, set()),
    ("edge_outage_markup_empty_end.json", State.MAJOR, {"oU7tY6rE5wQ4aS3dF2gH": State.MAJOR}, set()),
]


def _parse(name: str, match: tuple[str, ...] = GEMINI) -> ParsedPage:
    context = ParseContext(page_url="https://status.cloud.google.com", now=NOW, match=match)
    return parse_incidents((FIXTURES / name).read_bytes(), context)


@pytest.mark.parametrize(("name", "state", "open_incidents", "closed"), CASES, ids=[c[0] for c in CASES])
def test_fixture(name: str, state: State, open_incidents: dict[str, State], closed: set[str]) -> None:
    """Each fixture parses to the provider state and incidents the fixtures README gives."""
    page = _parse(name)
    assert page_state(page) is state
    assert {i.id: i.impact for i in page.incidents} == open_incidents
    assert page.closed_incident_ids == frozenset(closed)
    assert page.components == ()
    assert page.indicator is None


def test_every_fixture_is_in_the_table() -> None:
    """No Google fixture is left untested."""
    assert {path.name for path in FIXTURES.iterdir()} == {case[0] for case in CASES}


def test_incident_fields() -> None:
    """Name, absolute url, latest update and times of an open incident."""
    (incident,) = _parse("incidents.json").incidents
    assert incident.name == "Elevated 503 errors for Gemini models on Vertex AI in us-central1"
    assert incident.url == "https://status.cloud.google.com/incidents/gQ4nV7yT2pR9sK1mW3xZ"
    assert incident.latest_update.startswith("Summary: Elevated 503 errors for Gemini models on Vertex AI")
    assert "\n" not in incident.latest_update
    assert incident.started_at == datetime(2026, 2, 4, 18, 50, tzinfo=UTC)
    assert incident.updated_at == datetime(2026, 2, 4, 19, 35, 12, tzinfo=UTC)
    assert "Vertex Gemini API" in incident.components


def test_markup_in_title_is_plain_text() -> None:
    """external_desc markup reaches the model as plain text."""
    (incident,) = _parse("edge_outage_markup_empty_end.json").incidents
    assert incident.name == 'Gemini non disponibile & "timeout" su Vertex AI'


def test_without_match_every_product_counts() -> None:
    """With no match words, BigQuery's open incident counts too."""
    page = _parse("incidents.json", match=())
    assert {i.id: i.impact for i in page.incidents} == {
        "gQ4nV7yT2pR9sK1mW3xZ": State.PARTIAL,
        "bQ1aZ2sX3dC4fV5gB6hN": State.DEGRADED,
    }


def test_match_is_case_insensitive() -> None:
    """Match words are compared without regard to case."""
    page = _parse("incidents.json", match=("bigquery",))
    assert [i.id for i in page.incidents] == ["bQ1aZ2sX3dC4fV5gB6hN"]
    assert page.closed_incident_ids == frozenset()


def test_match_by_product_id_survives_a_rename() -> None:
    """A match word equal to a product id matches that product whatever its title is now."""
    renamed = {
        "id": "r1",
        "external_desc": "Elevated errors",
        "affected_products": [{"title": "Renamed product", "id": "Z0FZJAMvEB4j3NbCJs6B"}],
    }
    other = {
        "id": "r2",
        "external_desc": "x",
        "affected_products": [{"title": "BigQuery", "id": "9CcrhHUcFevXPSVaSxkf"}],
    }
    context = ParseContext(
        page_url="https://status.cloud.google.com", now=NOW, match=("Z0FZJAMvEB4j3NbCJs6B",)
    )
    page = parse_incidents(_body(renamed, other), context)
    assert [i.id for i in page.incidents] == ["r1"]
    # Ids are compared whole and exactly: a fragment of one is no match.
    partial = ParseContext(page_url="https://status.cloud.google.com", now=NOW, match=("Z0FZJAMv",))
    assert parse_incidents(_body(renamed), partial).incidents == ()


def _body(*incidents: dict[str, Any]) -> bytes:
    return json.dumps(list(incidents)).encode()


def _context() -> ParseContext:
    return ParseContext(page_url="https://status.cloud.google.com", now=NOW)


@pytest.mark.parametrize(
    ("impact", "state"),
    [
        ("SERVICE_INFORMATION", State.DEGRADED),
        ("SERVICE_DISRUPTION", State.PARTIAL),
        ("SERVICE_OUTAGE", State.MAJOR),
        ("AVAILABLE", State.OPERATIONAL),
        ("SERVICE_WOBBLY", State.UNKNOWN),
    ],
)
def test_vocabulary(impact: str, state: State) -> None:
    """status_impact maps as FORMATS.md §5 says; an unknown word is unknown and recorded."""
    page = parse_incidents(_body({"id": "x", "status_impact": impact, "end": None}), _context())
    assert [i.impact for i in page.incidents] == [state]
    assert bool(page.unknown_values) is (state is State.UNKNOWN)


def test_impact_falls_back_to_latest_update() -> None:
    """Without status_impact the latest update's status decides, else degraded."""
    page = parse_incidents(
        _body(
            {"id": "a", "most_recent_update": {"status": "SERVICE_OUTAGE"}},
            {"id": "b", "most_recent_update": None},
        ),
        _context(),
    )
    assert {i.id: i.impact for i in page.incidents} == {"a": State.MAJOR, "b": State.DEGRADED}


@pytest.mark.parametrize("body", [b"", b"{}", b'{"incidents": []}', b"<!DOCTYPE html><p>", b"nope"])
def test_not_a_list(body: bytes) -> None:
    """A top level that is not a JSON array is a ParseError."""
    with pytest.raises(ParseError, match=r"^not a status page"):
        parse_incidents(body, _context())


def test_wrong_types_are_tolerated() -> None:
    """Nulls and wrong types never raise; an item with no id, uri or title is skipped."""
    body = _body(
        {"id": None, "external_desc": None},
        {"id": "x", "affected_products": "nope", "uri": 5, "external_desc": ["t"], "end": 0},
        {"id": "y", "affected_products": [None, {"title": 3}], "most_recent_update": []},
    )
    page = parse_incidents(body, _context())
    assert page.closed_incident_ids == frozenset({"x"})
    assert [(i.id, i.name) for i in page.incidents] == [("y", "3")]
