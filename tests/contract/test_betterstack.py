"""Contract: the Better Stack adapter over every fixture in tests/fixtures/betterstack."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from trayapp.adapters import Parser
from trayapp.adapters._common import ParseContext, ParseError
from trayapp.adapters.betterstack import parse_index
from trayapp.adapters.feed import parse_feed
from trayapp.core.rollup import group_states, page_state
from trayapp.model import ParsedPage, State

FIXTURES = Path(__file__).parent.parent / "fixtures" / "betterstack"
# Inside the maintenance window of index_maintenance.json (06:00Z-08:00Z on 2026-02-10).
NOW = datetime(2026, 2, 10, 7, 0, tzinfo=UTC)
CONTEXT = ParseContext(page_url="https://status.together.ai", now=NOW)

# file, parser, provider state, component count, open incidents {id: (impact, is_maintenance)}, closed ids
CASES = [
    ("index_operational.json", parse_index, State.OPERATIONAL, 4, {}, set()),
    ("index_degraded_report.json", parse_index, State.DEGRADED, 4, {"71001": (State.DEGRADED, False)}, set()),
    ("index_downtime.json", parse_index, State.MAJOR, 4, {"71002": (State.MAJOR, False)}, set()),
    (
        "index_maintenance.json",
        parse_index,
        State.MAINTENANCE,
        4,
        {"71003": (State.MAINTENANCE, True)},
        set(),
    ),
    ("edge_not_monitored_unknown.json", parse_index, State.UNKNOWN, 4, {}, set()),
    ("edge_empty.json", parse_index, State.OPERATIONAL, 0, {}, set()),
    (
        "feed.rss",
        parse_feed,
        State.DEGRADED,
        0,
        {"https://status.together.ai/#4d8e0a6c1f": (State.DEGRADED, False)},
        {"https://status.together.ai/#9b1f3c7e2a"},
    ),
]


def _parse(name: str, parser: Parser = parse_index, now: datetime = NOW) -> ParsedPage:
    context = ParseContext(page_url=CONTEXT.page_url, now=now)
    return parser((FIXTURES / name).read_bytes(), context)


@pytest.mark.parametrize(
    ("name", "parser", "state", "components", "open_incidents", "closed"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_fixture(
    name: str,
    parser: Parser,
    state: State,
    components: int,
    open_incidents: dict[str, tuple[State, bool]],
    closed: set[str],
) -> None:
    """Each fixture parses to the provider state and incidents the fixtures README gives."""
    page = _parse(name, parser)
    assert page_state(page) is state
    assert len(page.components) == components
    assert {i.id: (i.impact, i.is_maintenance) for i in page.incidents} == open_incidents
    assert page.closed_incident_ids == frozenset(closed)
    assert page.upcoming == ()


def test_every_fixture_is_in_the_table() -> None:
    """No Better Stack fixture is left untested."""
    assert {path.name for path in FIXTURES.iterdir()} == {case[0] for case in CASES}


def test_sections_are_groups() -> None:
    """Resources are components named by public_name, grouped by section name."""
    page = _parse("index_downtime.json")
    found = {c.name: (c.state, c.group, c.id) for c in page.components}
    assert found == {
        "Serverless inference API": (State.DEGRADED, "Inference", "61001"),
        "Dedicated endpoints": (State.MAJOR, "Inference", "61002"),
        "Fine-tuning": (State.OPERATIONAL, "Platform", "61003"),
        "api.together.ai website": (State.OPERATIONAL, "Platform", "61004"),
    }
    assert group_states(page.components) == {"Inference": State.MAJOR, "Platform": State.OPERATIONAL}
    assert page.indicator is State.MAJOR
    assert page.page_name == "Together AI"


def test_not_monitored_is_left_out() -> None:
    """A not_monitored resource is not a component; an unknown status is unknown and recorded."""
    page = _parse("edge_not_monitored_unknown.json")
    names = {c.name: c.state for c in page.components}
    assert "api.together.ai website" not in names
    assert names["Billing — «fatturazione» 🧾"] is State.UNKNOWN
    assert page.unknown_values == ("betterstack state=mystery_state",)


def test_report_fields() -> None:
    """An open report carries its title, page url, latest update and affected resource names."""
    (incident,) = _parse("index_degraded_report.json").incidents
    assert incident.name == "Increased latency on serverless inference"
    assert incident.url == "https://status.together.ai"
    assert incident.latest_update == "We are investigating increased latency for some models."
    assert incident.components == ("Serverless inference API",)
    assert incident.started_at == datetime(2026, 2, 4, 20, 48, tzinfo=UTC)
    assert incident.updated_at == datetime(2026, 2, 4, 20, 48, tzinfo=UTC)
    assert incident.status == "ongoing"


def test_maintenance_is_over_at_nine() -> None:
    """At 09:00Z the 06:00-08:00 maintenance report is no longer active: it is closed."""
    page = _parse("index_maintenance.json", now=datetime(2026, 2, 10, 9, 0, tzinfo=UTC))
    assert page.incidents == ()
    assert page.upcoming == ()
    assert page.closed_incident_ids == frozenset({"71003"})
    # The document's own aggregate_state and resource status still say maintenance.
    assert page_state(page) is State.MAINTENANCE


def test_maintenance_is_upcoming_before_it_starts() -> None:
    """At 05:00Z the maintenance has not started: upcoming, not open."""
    page = _parse("index_maintenance.json", now=datetime(2026, 2, 10, 5, 0, tzinfo=UTC))
    assert page.incidents == ()
    assert [(i.id, i.status, i.is_maintenance) for i in page.upcoming] == [("71003", "scheduled", True)]


def test_window_edges() -> None:
    """Active from starts_at inclusive to ends_at exclusive."""
    at_start = _parse("index_maintenance.json", now=datetime(2026, 2, 10, 6, 0, tzinfo=UTC))
    at_end = _parse("index_maintenance.json", now=datetime(2026, 2, 10, 8, 0, tzinfo=UTC))
    assert [i.id for i in at_start.incidents] == ["71003"]
    assert at_end.incidents == ()
    assert at_end.closed_incident_ids == frozenset({"71003"})


def _document(aggregate: Any, resources: list[Any], reports: list[Any]) -> bytes:
    included: list[Any] = [{"id": "1", "type": "status_page_section", "attributes": {"name": "S"}}]
    included += resources + reports
    data = {"type": "status_page", "attributes": {"aggregate_state": aggregate}}
    return json.dumps({"data": data, "included": included}).encode()


def _resource(rid: str, status: Any) -> dict[str, Any]:
    attributes = {"status_page_section_id": 1, "public_name": f"R{rid}", "status": status}
    return {"id": rid, "type": "status_page_resource", "attributes": attributes}


@pytest.mark.parametrize(
    ("word", "state"),
    [
        ("operational", State.OPERATIONAL),
        ("maintenance", State.MAINTENANCE),
        ("degraded", State.DEGRADED),
        ("downtime", State.MAJOR),
        ("degraded_performance", State.DEGRADED),
        ("partial_outage", State.PARTIAL),
        ("major_outage", State.MAJOR),
        ("elevated", State.UNKNOWN),
    ],
)
def test_vocabulary(word: str, state: State) -> None:
    """Resource statuses and aggregate_state map as FORMATS.md §4 says."""
    page = parse_index(_document(word, [_resource("9", word)], []), CONTEXT)
    assert page.indicator is state
    assert [c.state for c in page.components] == [state]


def test_report_impact_fallbacks() -> None:
    """A report's impact: worst affected status, else its aggregate_state, else degraded."""
    reports = [
        {
            "id": "a",
            "type": "status_report",
            "attributes": {
                "title": "A",
                "report_type": "manual",
                "ends_at": None,
                "affected_resources": [
                    {"status_page_resource_id": "9", "status": "degraded"},
                    {"status_page_resource_id": "9", "status": "partial_outage"},
                ],
            },
        },
        {"id": "b", "type": "status_report", "attributes": {"title": "B", "aggregate_state": "downtime"}},
        {"id": "c", "type": "status_report", "attributes": {"title": "C"}},
    ]
    page = parse_index(_document("operational", [_resource("9", "operational")], reports), CONTEXT)
    assert {i.id: i.impact for i in page.incidents} == {
        "a": State.PARTIAL,
        "b": State.MAJOR,
        "c": State.DEGRADED,
    }


def test_ended_report_is_closed() -> None:
    """A report whose ends_at has passed is closed."""
    report = {
        "id": "old",
        "type": "status_report",
        "attributes": {"starts_at": "2026-02-01T00:00:00Z", "ends_at": "2026-02-01T01:00:00Z"},
    }
    page = parse_index(_document("operational", [], [report]), CONTEXT)
    assert page.incidents == ()
    assert page.closed_incident_ids == frozenset({"old"})


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><body>hi</body></html>", b"[]", b'{"data": []}', b'{"data": {"attributes": 3}}', b"{"],
)
def test_not_an_index(body: bytes) -> None:
    """Garbage, HTML and other JSON are ParseErrors."""
    with pytest.raises(ParseError, match=r"^not a status page"):
        parse_index(body, CONTEXT)


def test_wrong_types_are_tolerated() -> None:
    """Nulls and wrong types inside the document never raise."""
    body = json.dumps(
        {
            "data": {"attributes": {"aggregate_state": None, "custom_domain": 5}},
            "included": [
                None,
                {"type": "status_page_resource", "attributes": None},
                {"type": "status_page_resource", "id": 5, "attributes": {"status": ["x"]}},
                {"type": "status_report", "id": "r", "attributes": {"affected_resources": "x", "ends_at": 3}},
                {"type": "status_update", "attributes": {"status_report_id": "r", "message": None}},
            ],
        }
    ).encode()
    page = parse_index(body, CONTEXT)
    assert page.indicator is None
    assert [(c.name, c.state) for c in page.components] == [("5", State.UNKNOWN)]
    assert [i.id for i in page.incidents] == ["r"]
