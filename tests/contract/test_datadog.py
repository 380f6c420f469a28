"""Contract: the Datadog Status Pages adapter over every fixture in tests/fixtures/datadog."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from trayapp.adapters import DETECTION_ORDER, FORMATS, parse_document
from trayapp.adapters._common import ParseContext, ParseError
from trayapp.adapters.datadog import parse_config
from trayapp.core.rollup import group_states, page_state
from trayapp.model import ParsedPage, State

FIXTURES = Path(__file__).parent.parent / "fixtures" / "datadog"
OTHER_FIXTURES = Path(__file__).parent.parent / "fixtures"
NOW = datetime(2026, 9, 22, 7, 0, tzinfo=UTC)
CONTEXT = ParseContext(page_url="https://status.openrouter.ai", now=NOW)
RESOLVED = {
    "2a3d415a-1eed-417f-b269-6e308a7f7990",
    "7aed8b9f-0e35-479d-bf9a-42f033c08b66",
    "a80f04f9-7b2a-4094-bd45-e42dd5c2ed8a",
}

# file, provider state, component count, open incidents {id: (impact, is_maintenance)}, closed ids
CASES: list[tuple[str, State, int, dict[str, tuple[State, bool]], set[str]]] = [
    ("config_operational.json", State.OPERATIONAL, 7, {}, RESOLVED),
    (
        "config_open_incident.json",
        State.PARTIAL,
        7,
        {"5f0c2d1e-8b7a-4c3d-9e2f-1a0b9c8d7e6f": (State.PARTIAL, False)},
        RESOLVED,
    ),
    (
        "config_major_outage.json",
        State.MAJOR,
        7,
        {"8c3f5041-be0d-4f60-a152-4d3ecf0a1192": (State.MAJOR, False)},
        set(),
    ),
    (
        "config_maintenance.json",
        State.MAINTENANCE,
        7,
        {"a1b2c3d4-0001-4e5f-8a9b-0c1d2e3f4a5b": (State.MAINTENANCE, True)},
        set(),
    ),
    (
        "edge_unknown_status_markup.json",
        State.DEGRADED,
        7,
        {"c0ffee00-0000-4000-8000-000000000001": (State.DEGRADED, False)},
        set(),
    ),
    ("edge_no_components.json", State.UNKNOWN, 0, {}, set()),
]


def _parse(name: str) -> ParsedPage:
    return parse_config((FIXTURES / name).read_bytes(), CONTEXT)


@pytest.mark.parametrize(("name", "state", "components", "open_incidents", "closed"), CASES)
def test_fixture(
    name: str,
    state: State,
    components: int,
    open_incidents: dict[str, tuple[State, bool]],
    closed: set[str],
) -> None:
    """Each fixture parses to the provider state and incidents the fixtures README gives."""
    page = _parse(name)
    assert page_state(page) is state
    assert len(page.components) == components
    assert {i.id: (i.impact, i.is_maintenance) for i in page.incidents} == open_incidents
    assert page.closed_incident_ids == frozenset(closed)


def test_every_fixture_is_in_the_table() -> None:
    """No Datadog fixture is left untested."""
    assert {path.name for path in FIXTURES.iterdir()} == {case[0] for case in CASES}


def test_groups_and_leaves() -> None:
    """Leaves of a ComponentGroup carry its name; a top-level leaf has no group; groups are not components."""
    page = _parse("config_open_incident.json")
    by_name = {c.name: (c.state, c.group) for c in page.components}
    assert by_name["Chat (/api/v1/chat/completions)"] == (State.PARTIAL, "API - Gateway")
    assert by_name["Web & Application Services"] == (State.OPERATIONAL, None)
    assert "API - Gateway" not in by_name
    assert group_states(page.components) == {"API - Gateway": State.PARTIAL}
    assert page.indicator is None
    assert page.page_name == "OpenRouter"


def test_open_incident_fields() -> None:
    """An open incident: title, page link, newest update first, stage word, components, no resolution."""
    page = _parse("config_open_incident.json")
    (incident,) = page.incidents
    assert incident.name == "Elevated errors on chat completions"
    assert incident.status == "identified"
    assert incident.url == "https://status.openrouter.ai"
    assert incident.latest_update == "The cause is identified: an upstream provider returns errors."
    assert incident.components == ("Chat (/api/v1/chat/completions)",)
    assert incident.started_at == datetime(2026, 9, 20, 10, 2, tzinfo=UTC)
    assert incident.resolved_at is None


def test_resolved_incidents_carry_their_end() -> None:
    """Resolved incidents are closed, with the time the page says they ended."""
    page = _parse("config_operational.json")
    ends = {i.id: i.resolved_at for i in page.closed_incidents}
    assert ends["2a3d415a-1eed-417f-b269-6e308a7f7990"] == datetime(2026, 9, 4, 21, 12, tzinfo=UTC)
    video = next(i for i in page.closed_incidents if i.id == "2a3d415a-1eed-417f-b269-6e308a7f7990")
    assert video.impact is State.DEGRADED  # the worst its timeline said, not today's "operational"
    assert video.status == "resolved"


def test_maintenances() -> None:
    """in_progress is active, scheduled is upcoming, completed is left out."""
    page = _parse("config_maintenance.json")
    assert [(i.name, i.status) for i in page.incidents] == [("Database upgrade", "in_progress")]
    assert [(i.name, i.status, i.is_maintenance) for i in page.upcoming] == [
        ("Network change", "scheduled", True)
    ]
    assert page.upcoming[0].started_at == datetime(2026, 9, 29, 6, 0, tzinfo=UTC)


def test_unknown_words_and_markup() -> None:
    """An unknown component status is unknown and recorded; names are plain text."""
    page = _parse("edge_unknown_status_markup.json")
    states = {c.name: c.state for c in page.components}
    assert states["Chat (/api/v1/chat/completions)"] is State.UNKNOWN
    assert "Vidéo & 🎬" in states
    assert page.unknown_values == ("datadog status=elevated_errors",)
    (incident,) = page.incidents
    assert incident.name == "x Ritardi «API»"
    assert "<" not in incident.name


def _config(**fields: Any) -> bytes:
    document: dict[str, Any] = {
        "name": "P",
        "components": [{"id": "c1", "name": "API", "status": "operational", "type": "Component"}],
        "incidents": [],
        "maintenances": None,
    }
    document.update(fields)
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("word", "state"),
    [
        ("operational", State.OPERATIONAL),
        ("maintenance", State.MAINTENANCE),
        ("degraded", State.DEGRADED),
        ("partial_outage", State.PARTIAL),
        ("major_outage", State.MAJOR),
        ("brownout", State.UNKNOWN),
    ],
)
def test_vocabulary(word: str, state: State) -> None:
    """Component statuses map as docs/providers.md says for Datadog."""
    components = [{"id": "c1", "name": "API", "status": word, "type": "Component"}]
    assert [c.state for c in parse_config(_config(components=components), CONTEXT).components] == [state]


def test_incident_without_components_is_degraded_and_deleted_ones_are_ignored() -> None:
    """No component status at all: degraded. A deleted incident says nothing."""
    incidents = [
        {"id": "a", "title": "A", "resolved": False, "currentStatus": "monitoring"},
        {"id": "b", "title": "B", "resolved": False, "deletedAt": "2026-09-12T06:00:00Z"},
    ]
    page = parse_config(_config(incidents=incidents), CONTEXT)
    assert [(i.id, i.impact, i.status) for i in page.incidents] == [("a", State.DEGRADED, "monitoring")]


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'{"components": {}}',
        b'{"incidents": []}',
        b'{"components": [{"id": "x", "status": "operational", "type": "Widget"}], "incidents": []}',
        b"<!DOCTYPE html><html><head></head><body><div id=root></div></body></html>",
    ],
)
def test_what_is_not_a_datadog_page(body: bytes) -> None:
    """Other shapes, including the page's own HTML shell, are refused with a reason."""
    with pytest.raises(ParseError, match="not a status page"):
        parse_config(body, CONTEXT)


def test_other_formats_fixtures_are_not_read_as_datadog() -> None:
    """Auto-detection tries Datadog before Google and the feeds: no other format's JSON passes as one."""
    for path in sorted(OTHER_FIXTURES.rglob("*.json")):
        if path.parent.name == "datadog":
            continue
        result = parse_document(parse_config, path.read_bytes(), CONTEXT)
        assert isinstance(result, str), path


def test_registered() -> None:
    """The registry knows the format, reads config.json, and detection tries it."""
    (source,) = FORMATS["datadog"]
    assert [d.path for d in source.documents] == ["config.json"]
    assert ("datadog", source) in DETECTION_ORDER
