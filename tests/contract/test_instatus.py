"""Contract: the Instatus adapter over every fixture in tests/fixtures/instatus."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from trayapp.adapters import Parser, merge
from trayapp.adapters._common import ParseContext, ParseError
from trayapp.adapters.instatus import parse_components, parse_summary
from trayapp.core.rollup import group_states, page_state
from trayapp.model import ParsedPage, State

FIXTURES = Path(__file__).parent.parent / "fixtures" / "instatus"
NOW = datetime(2026, 2, 10, 7, 0, tzinfo=UTC)
CONTEXT = ParseContext(page_url="https://status.perplexity.com", now=NOW)

# file, parser, provider state, open incidents {id: (impact, status, is_maintenance)}, upcoming ids
CASES = [
    ("summary_up.json", parse_summary, State.OPERATIONAL, {}, set()),
    (
        "summary_hasissues.json",
        parse_summary,
        State.PARTIAL,
        {"cml8q2x0a00041bnq7e5r9t2k": (State.PARTIAL, "identified", False)},
        set(),
    ),
    (
        "summary_major.json",
        parse_summary,
        State.MAJOR,
        {"cml8r5k2b00071bnqa3c8d6f1": (State.MAJOR, "investigating", False)},
        set(),
    ),
    (
        "summary_undermaintenance.json",
        parse_summary,
        State.MAINTENANCE,
        {"cml9a1m3c000b1bnq4g7h2j5k": (State.MAINTENANCE, "in_progress", True)},
        set(),
    ),
    (
        "summary_scheduled_maintenance_only.json",
        parse_summary,
        State.OPERATIONAL,
        {},
        {"cml9b7n4d000e1bnq8k1m3p6q"},
    ),
    (
        "edge_unknown_and_markup.json",
        parse_summary,
        State.UNKNOWN,
        {"https://status.perplexity.com/incident/x": (State.UNKNOWN, "investigating", False)},
        set(),
    ),
    ("v2_components_group.json", parse_components, State.PARTIAL, {}, set()),
    ("v2_components_operational.json", parse_components, State.OPERATIONAL, {}, set()),
    ("edge_empty_components.json", parse_components, State.OPERATIONAL, {}, set()),
]


def _parse(name: str, parser: Parser = parse_summary) -> ParsedPage:
    return parser((FIXTURES / name).read_bytes(), CONTEXT)


@pytest.mark.parametrize(
    ("name", "parser", "state", "open_incidents", "upcoming"), CASES, ids=[case[0] for case in CASES]
)
def test_fixture(
    name: str,
    parser: Parser,
    state: State,
    open_incidents: dict[str, tuple[State, str, bool]],
    upcoming: set[str],
) -> None:
    """Each fixture parses to the provider state and incidents the fixtures README gives."""
    page = _parse(name, parser)
    assert page_state(page) is state
    found = {i.id: (i.impact, i.status, i.is_maintenance) for i in page.incidents}
    assert found == open_incidents
    assert {i.id for i in page.upcoming} == upcoming
    assert page.closed_incident_ids == frozenset()
    if parser is parse_components:
        assert page.indicator is None
        assert page.incidents == ()


def test_every_fixture_is_in_the_table() -> None:
    """No Instatus fixture is left untested."""
    assert {path.name for path in FIXTURES.iterdir()} == {case[0] for case in CASES}


def test_components_with_groups() -> None:
    """v2/components.json gives leaves with their group's name; a group is the worst child."""
    page = _parse("v2_components_group.json", parse_components)
    found = {c.name: (c.state, c.group) for c in page.components}
    assert found == {
        "perplexity.ai": (State.OPERATIONAL, None),
        "Sonar API": (State.PARTIAL, "API"),
        "Embeddings API": (State.DEGRADED, "API"),
        "Comet": (State.DEGRADED, None),
        "Computer": (State.MAINTENANCE, None),
    }
    assert group_states(page.components) == {"API": State.PARTIAL}


def test_empty_components_leave_the_state_to_the_summary() -> None:
    """With no components the provider state comes from summary.json."""
    summary = _parse("summary_hasissues.json")
    components = _parse("edge_empty_components.json", parse_components)
    assert components.components == ()
    assert page_state(merge([summary, components])) is State.PARTIAL


def test_indicator_vocabulary() -> None:
    """page.status maps UP, UNDERMAINTENANCE and HASISSUES."""
    assert _parse("summary_up.json").indicator is State.OPERATIONAL
    assert _parse("summary_undermaintenance.json").indicator is State.MAINTENANCE
    assert _parse("summary_hasissues.json").indicator is State.DEGRADED


def test_unknown_values_and_markup() -> None:
    """Unknown words map to unknown and are recorded; names are plain text; id falls back to url."""
    page = _parse("edge_unknown_and_markup.json")
    assert page.indicator is State.UNKNOWN
    assert set(page.unknown_values) == {"instatus page.status=degraded", "instatus impact=somethingnew"}
    (incident,) = page.incidents
    assert incident.name == 'Errors & "timeouts" — ricerca più lenta'
    assert incident.url == "https://status.perplexity.com/incident/x"


def test_incident_fields() -> None:
    """An active incident keeps its name, url and times."""
    (incident,) = _parse("summary_hasissues.json").incidents
    assert incident.name == "Elevated error rates on the Sonar API"
    assert incident.url == "https://status.perplexity.com/incident/cml8q2x0a00041bnq7e5r9t2k"
    assert incident.started_at == datetime(2026, 2, 4, 18, 12, 40, 118000, tzinfo=UTC)
    assert incident.updated_at == datetime(2026, 2, 4, 18, 40, 2, 551000, tzinfo=UTC)


def _summary(**extra: object) -> bytes:
    return json.dumps({"page": {"name": "P", "status": "HASISSUES"}, **extra}).encode()


def test_resolved_and_completed_are_closed() -> None:
    """A RESOLVED incident and a COMPLETED maintenance are closed, not open."""
    body = _summary(
        activeIncidents=[
            {"id": "a", "name": "A", "status": "RESOLVED", "impact": "MAJOROUTAGE"},
            {"name": "No id", "status": "MONITORING", "impact": "MINOROUTAGE"},
        ],
        activeMaintenances=[{"id": "m", "name": "M", "status": "COMPLETED"}],
    )
    page = parse_summary(body, CONTEXT)
    assert page.closed_incident_ids == frozenset({"a", "m"})
    assert [(i.id, i.impact) for i in page.incidents] == [("No id", State.DEGRADED)]


@pytest.mark.parametrize(
    ("impact", "state"),
    [
        ("OPERATIONAL", State.OPERATIONAL),
        ("UNDERMAINTENANCE", State.MAINTENANCE),
        ("DEGRADEDPERFORMANCE", State.DEGRADED),
        ("MINOROUTAGE", State.DEGRADED),
        ("PARTIALOUTAGE", State.PARTIAL),
        ("MAJOROUTAGE", State.MAJOR),
        ("BROWNOUT", State.UNKNOWN),
        (None, State.DEGRADED),
    ],
)
def test_impact_vocabulary(impact: str | None, state: State) -> None:
    """Incident impacts map as FORMATS.md §3 says (missing: degraded, unknown: unknown)."""
    body = _summary(activeIncidents=[{"id": "i", "status": "INVESTIGATING", "impact": impact}])
    (incident,) = parse_summary(body, CONTEXT).incidents
    assert incident.impact is state


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<!doctype html><html></html>",
        b"[1, 2]",
        b'{"components": []}',
        b'{"page": "nope"}',
        b"\xff\xfe",
    ],
)
def test_not_a_summary(body: bytes) -> None:
    """Garbage, HTML and other JSON are ParseErrors."""
    with pytest.raises(ParseError, match=r"^not a status page"):
        parse_summary(body, CONTEXT)


def test_wrong_types_are_tolerated() -> None:
    """Wrong types inside a summary or components list never raise."""
    body = _summary(activeIncidents=[None, 3, {"id": 7, "name": ["x"], "impact": 5}], activeMaintenances="x")
    page = parse_summary(body, CONTEXT)
    assert [i.id for i in page.incidents] == ["7"]
    components = parse_components(b'{"components": [null, {"name": 5}, {"status": "OPERATIONAL"}]}', CONTEXT)
    assert [c.name for c in components.components] == ["5"]
    with pytest.raises(ParseError):
        parse_components(b'{"components": {}}', CONTEXT)
