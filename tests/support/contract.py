"""The fixture tables of the contract tests: one row says what a fixture must parse to."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from trayapp.adapters._common import ParseContext, ParseError
from trayapp.core.rollup import group_states, page_state
from trayapp.model import ParsedPage, State

Parser = Callable[[bytes, ParseContext], ParsedPage]

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CONTEXT = ParseContext(page_url="https://fallback.example", now=datetime(2026, 2, 5, tzinfo=UTC))

OK = State.OPERATIONAL
MAINT = State.MAINTENANCE
UNKNOWN = State.UNKNOWN
DEGRADED = State.DEGRADED
PARTIAL = State.PARTIAL
MAJOR = State.MAJOR


@dataclass(frozen=True)
class Inc:
    """What one open incident (or active maintenance) must look like."""

    status: str
    impact: State
    url: str | None
    maintenance: bool = False
    components: tuple[str, ...] | None = None
    latest: str | None = None


@dataclass(frozen=True)
class Case:
    """One fixture, the parser that reads it and its expected parse.

    Components not named in `components` (by name or id) must be operational; `names` is the
    exact component list when given, `absent` names that must not be listed; `error` means the
    parser must refuse the document with a ParseError starting with that text.
    """

    file: str
    parser: Parser
    state: State = OK
    open: int = 0
    indicator: State | None = None
    components: Mapping[str, State] = field(default_factory=dict)
    count: int | None = None
    names: tuple[str, ...] | None = None
    absent: tuple[str, ...] = ()
    groups: Mapping[str, State] = field(default_factory=dict)
    incidents: Mapping[str, Inc] = field(default_factory=dict)
    upcoming: tuple[str, ...] = ()
    closed: frozenset[str] = frozenset()
    unknown: tuple[str, ...] = ()
    page_name: str | None = None
    error: str | None = None


def parse(case: Case, folder: Path) -> ParsedPage:
    """The case's fixture in `folder`, read by the case's parser."""
    return case.parser((folder / case.file).read_bytes(), CONTEXT)


def check_case(case: Case, folder: Path) -> None:
    """The fixture parses to exactly what its row says (or is refused as the row says)."""
    if case.error is not None:
        with pytest.raises(ParseError, match="^" + case.error):
            parse(case, folder)
        return
    page = parse(case, folder)
    assert page_state(page) is case.state
    assert page.indicator is case.indicator
    assert page.page_name == case.page_name
    check_components(page, case)
    assert sum(not incident.is_maintenance for incident in page.incidents) == case.open
    check_incidents(page, case.incidents)
    assert tuple(item.id for item in page.upcoming) == case.upcoming
    assert all(item.is_maintenance and item.impact is MAINT for item in page.upcoming)
    assert page.closed_incident_ids == case.closed
    assert page.unknown_values == case.unknown


def check_components(page: ParsedPage, case: Case) -> None:
    """Count, names, states and groups of the page's components are the row's."""
    if case.count is not None:
        assert len(page.components) == case.count
    if case.names is not None:
        assert tuple(component.name for component in page.components) == case.names
    for component in page.components:
        expected = case.components.get(component.name, case.components.get(component.id, OK))
        assert component.state is expected, component.name
        assert component.name not in case.absent
    assert set(case.components) <= {c.name for c in page.components} | {c.id for c in page.components}
    assert group_states(page.components) == dict(case.groups)


def check_incidents(page: ParsedPage, expected: Mapping[str, Inc]) -> None:
    """The open incidents are exactly the expected ones, each as described."""
    assert {incident.id for incident in page.incidents} == set(expected)
    for incident in page.incidents:
        want = expected[incident.id]
        assert (incident.status, incident.impact, incident.url) == (want.status, want.impact, want.url)
        assert incident.is_maintenance is want.maintenance
        if want.components is not None:
            assert incident.components == want.components
        if want.latest is not None:
            assert incident.latest_update == want.latest
        assert incident.url is None or incident.url.startswith("https://")


def fixture_files(folder: Path) -> list[str]:
    """The JSON fixtures in `folder`, sorted (each must have a row)."""
    return sorted(path.name for path in folder.glob("*.json"))
