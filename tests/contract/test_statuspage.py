"""Contract: every Statuspage fixture parses to what tests/fixtures/README.md says it means."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.contract import (
    CONTEXT,
    DEGRADED,
    FIXTURES,
    MAINT,
    MAJOR,
    OK,
    PARTIAL,
    UNKNOWN,
    Case,
    Inc,
    check_case,
    fixture_files,
)
from trayapp.adapters._common import ParseError
from trayapp.adapters.statuspage import parse_summary
from trayapp.model import ParsedPage, State

STATUSPAGE = FIXTURES / "statuspage"

CLAUDE_API = "Claude API (api.anthropic.com)"


def summary(file: str, state: State, **expected: Any) -> Case:
    """A row for a Statuspage document: read by `parse_summary`, Claude's page unless it says."""
    return Case(file, parse_summary, state, **{"page_name": "Claude", **expected})


def _claude_incident(status: str, latest: str) -> dict[str, Inc]:
    """The 2026-02-04 Claude API incident (impact critical -> major) at one of its stages."""
    return {
        "b8k2yq6wrn4t": Inc(
            status, MAJOR, "https://stspg.io/q8m3zt1w", components=(CLAUDE_API,), latest=latest
        )
    }


MAINTENANCE_ACTIVE = {
    "z5r8tn2vx4bd": Inc(
        "in_progress",
        MAINT,
        "https://stspg.io/d2k9rw4v",
        maintenance=True,
        components=("platform.claude.com",),
    )
}

CASES = [
    summary("summary_all_operational.json", OK, indicator=OK, count=5),
    summary(
        "summary_major_outage.json",
        MAJOR,
        open=1,
        indicator=MAJOR,
        components={CLAUDE_API: MAJOR, "Claude Code": DEGRADED},
        count=5,
        incidents=_claude_incident(
            "investigating", "We are investigating errors on the Claude API affecting requests to all models."
        ),
    ),
    summary(
        "summary_partial_incident.json",
        MAJOR,
        open=1,
        indicator=PARTIAL,
        components={CLAUDE_API: PARTIAL},
        count=5,
        incidents=_claude_incident(
            "identified",
            "The issue has been identified and a fix is being rolled out. Error rates are decreasing.",
        ),
    ),
    summary(
        "summary_degraded_monitoring.json",
        MAJOR,
        open=1,
        indicator=DEGRADED,
        components={CLAUDE_API: DEGRADED},
        count=5,
        incidents=_claude_incident(
            "monitoring", "A fix has been implemented and we are monitoring the results."
        ),
    ),
    summary(
        "summary_maintenance_in_progress.json",
        MAINT,
        indicator=MAINT,
        components={"platform.claude.com": MAINT},
        count=5,
        incidents=MAINTENANCE_ACTIVE,
        upcoming=("h6w0qs3ep9uj",),
    ),
    summary("summary_upcoming_maintenance_only.json", OK, indicator=OK, count=5, upcoming=("h6w0qs3ep9uj",)),
    summary(
        "summary_group_with_children.json",
        PARTIAL,
        indicator=PARTIAL,
        components={"Copilot Chat": PARTIAL, "Copilot coding agent": DEGRADED},
        count=5,
        groups={"Copilot": PARTIAL},
        page_name="GitHub",
    ),
    summary(
        "components_group_with_children.json",
        PARTIAL,
        components={"Copilot Chat": PARTIAL, "Copilot coding agent": DEGRADED},
        count=5,
        groups={"Copilot": PARTIAL},
        page_name="GitHub",
    ),
    summary(
        "incidents_unresolved.json",
        MAJOR,
        open=1,
        count=0,
        incidents=_claude_incident(
            "identified",
            "The issue has been identified and a fix is being rolled out. Error rates are decreasing.",
        ),
    ),
    summary("incidents_unresolved_empty.json", OK, count=0),
    summary("incidents_history.json", OK, count=0, closed=frozenset({"b8k2yq6wrn4t", "r3c6nw9dy2fk"})),
    summary(
        "incidents_recent_with_open.json",
        MAJOR,
        open=1,
        count=0,
        incidents=_claude_incident(
            "identified",
            "The issue has been identified and a fix is being rolled out. Error rates are decreasing.",
        ),
        closed=frozenset({"p4n8c2w6x0zs", "r3c6nw9dy2fk"}),
    ),
    summary("status_critical.json", MAJOR, indicator=MAJOR, count=0),
    summary("status_none.json", OK, indicator=OK, count=0),
    summary("scheduled_maintenances_active.json", MAINT, count=0, incidents=MAINTENANCE_ACTIVE),
    summary("scheduled_maintenances_upcoming.json", OK, count=0, upcoming=("h6w0qs3ep9uj",)),
    summary(
        "edge_unicode_italian_html.json",
        PARTIAL,
        open=1,
        indicator=PARTIAL,
        components={
            "API di generazione (modelli più recenti)": PARTIAL,
            "Console — fatturazione e «chiavi»": OK,
            "Chat 💬 / 日本語 / Ελληνικά": DEGRADED,
        },
        count=3,
        incidents={
            "it1nc1dent01": Inc(
                "investigating",
                PARTIAL,
                "https://stspg.io/it9x2k4q",
                components=("API di generazione (modelli più recenti)",),
                latest="Stiamo riscontrando errori e tempi di risposta più lunghi. dettagli & altro…",
            )
        },
        page_name="Servizi Cloud Àrea — Stato",
    ),
    summary(
        "edge_unknown_status_values.json",
        UNKNOWN,
        indicator=UNKNOWN,
        components={CLAUDE_API: UNKNOWN, "Claude Code": UNKNOWN},
        count=5,
        unknown=("component=degraded", "component=informational", "indicator=elevated"),
    ),
    summary("edge_empty_components.json", OK, indicator=OK, count=0),
    summary(
        "edge_missing_optional_fields.json",
        DEGRADED,
        open=1,
        indicator=DEGRADED,
        components={CLAUDE_API: DEGRADED},
        count=2,
        incidents={
            "w2e4r6t8y0u1": Inc(
                "investigating",
                DEGRADED,
                "https://status.claude.com/incidents/w2e4r6t8y0u1",
                components=(),
                latest="",
            )
        },
    ),
    summary(
        "edge_group_stale_parent.json",
        MAJOR,
        indicator=MAJOR,
        components={"Copilot Chat": MAJOR},
        count=5,
        groups={"Copilot": MAJOR},
        page_name="GitHub",
    ),
    summary(
        "edge_informational_incident.json",
        OK,
        open=1,
        indicator=OK,
        count=5,
        incidents={"n0t1ce0nly01": Inc("investigating", OK, "https://stspg.io/n7q2v9w4", components=())},
    ),
    # Own fixtures, each reproducing a quirk of the real captures in shared/real/statuspage.
    # The indicator says minor (degraded) while four components are partial_outage.
    summary(
        "own_indicator_understates.json",
        PARTIAL,
        open=1,
        indicator=DEGRADED,
        components={
            "Assistant web app": PARTIAL,
            "Inference API": PARTIAL,
            "Coding agent": PARTIAL,
            "Desktop app": PARTIAL,
        },
        count=6,
        incidents={
            "own1nc1dnt01": Inc(
                "investigating",
                PARTIAL,
                "https://stspg.io/own1abcd2345",
                components=("Assistant web app", "Inference API", "Coding agent", "Desktop app"),
            )
        },
        page_name="Own Assistant",
    ),
    # reminder_intervals "[]", updates with old_status == new_status; only the open incident's
    # impact (major -> partial) lifts the page above degraded.
    summary(
        "own_monitoring_reminder_intervals.json",
        PARTIAL,
        open=1,
        indicator=DEGRADED,
        components={"Developer console": DEGRADED},
        count=3,
        incidents={
            "own2nc1dnt02": Inc(
                "monitoring",
                PARTIAL,
                "https://stspg.io/own2bcde3456",
                components=("Developer console",),
                latest="A mitigation is live; usage charts may lag by about 30 minutes "
                "while we finish the fix.",
            )
        },
        page_name="Own Assistant",
    ),
    # affected_components claim major_outage -> major_outage while the component list says
    # partial_outage: the component list is authoritative.
    summary(
        "own_affected_same_status.json",
        PARTIAL,
        open=1,
        indicator=DEGRADED,
        components={"Package registry": PARTIAL, "Hosted sites": OK},
        count=3,
        incidents={
            "own3nc1dnt03": Inc(
                "investigating",
                PARTIAL,
                "https://stspg.io/own3cdef4567",
                components=("Package registry", "Hosted sites"),
                latest="The package registry is now seeing degraded performance. Investigation continues.",
            )
        },
        page_name="Own Forge",
    ),
    # incidents.json mixing incidents and maintenances, no page.url (links fall back to the
    # context's page), a javascript: shortlink, updates oldest-first, junk entries.
    summary(
        "own_incidents_mixed.json",
        MAJOR,
        open=3,
        count=0,
        incidents={
            "own4open0001": Inc(
                "identified",
                DEGRADED,
                "https://fallback.example/incidents/own4open0001",
                components=("Inference API",),
                latest="Cause found: a storage node & its replica.",
            ),
            "own4open0002": Inc(
                "investigating", MAJOR, "https://fallback.example/incidents/own4open0002", components=()
            ),
            "no id at all": Inc("investigating", MAJOR, None),
            "own4mnt00006": Inc(
                "in_progress", MAINT, "https://fallback.example/incidents/own4mnt00006", maintenance=True
            ),
        },
        upcoming=("own4mnt00007",),
        closed=frozenset({"own4done0003", "own4post0004", "own4mnt00005"}),
        page_name="Own Assistant",
    ),
    # A group told only by its child list, a child without group_id, an orphan group_id,
    # a component without status (unknown), junk rows, an empty group row.
    summary(
        "own_groups_odd_shapes.json",
        MAJOR,
        indicator=OK,
        components={"Runners": MAJOR, "No status": UNKNOWN},
        count=5,
        groups={"Automation": MAJOR},
        page_name="Own Forge",
    ),
]


def _parse(name: str) -> ParsedPage:
    return parse_summary((STATUSPAGE / name).read_bytes(), CONTEXT)


@pytest.mark.parametrize("case", CASES, ids=[case.file for case in CASES])
def test_fixture_parses_as_documented(case: Case) -> None:
    """Each fixture's provider state, components, groups and incidents match the README."""
    check_case(case, STATUSPAGE)
    # Statuspage update bodies are HTML: only their text is kept.
    assert all("<" not in incident.latest_update for incident in _parse(case.file).incidents)


def test_table_covers_every_fixture() -> None:
    """No Statuspage fixture is left out of the table."""
    assert fixture_files(STATUSPAGE) == sorted(case.file for case in CASES)


def test_incident_times_are_utc_from_offsets() -> None:
    """`+01:00` offsets are read and converted; started_at falls back to created_at."""
    page = _parse("edge_unicode_italian_html.json")
    assert page.incidents[0].started_at == datetime(2026, 2, 4, 17, 40, tzinfo=UTC)
    assert page.incidents[0].updated_at == datetime(2026, 2, 4, 18, 5, 12, tzinfo=UTC)
    missing = _parse("edge_missing_optional_fields.json").incidents[0]
    assert missing.started_at == datetime(2026, 2, 4, 16, 50, tzinfo=UTC)
    assert missing.updated_at is None


def test_incident_name_is_kept_as_text_for_later_escaping() -> None:
    """Markup in a name is the page's text: kept verbatim, escaped by whoever renders it."""
    incident = _parse("edge_unicode_italian_html.json").incidents[0]
    assert incident.name == '<b>Errors</b> & "timeouts" sull\'API — <script>alert(1)</script>'
    assert "javascript" not in incident.latest_update


def test_upcoming_maintenance_starts_when_scheduled() -> None:
    """An upcoming maintenance's started_at is its scheduled_for, not its creation time."""
    (upcoming,) = _parse("scheduled_maintenances_upcoming.json").upcoming
    assert upcoming.started_at == datetime(2026, 2, 14, 4, 0, tzinfo=UTC)
    assert upcoming.status == "scheduled"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<!DOCTYPE html><html><body>404</body></html>",
        b"{not json",
        b"\xff\xfe\x00",
        b"[]",
        b'"summary"',
        b"null",
        b'{"summary": {"components": []}}',
        b'{"data": {"id": "x"}}',
        b'{"page": {"name": "Perplexity", "url": "https://status.perplexity.com", "status": "HASISSUES"}}',
    ],
)
def test_not_a_statuspage_document_is_a_parse_error(body: bytes) -> None:
    """Garbage, HTML, non-objects and foreign objects raise ParseError with a one-line reason."""
    with pytest.raises(ParseError, match=r"^not a status page") as caught:
        parse_summary(body, CONTEXT)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "body",
    [
        b'{"page": null, "status": "green", "components": {"a": 1}, "incidents": 5}',
        b'{"status": {"indicator": 3}, "components": [{"id": 7, "name": 8, "status": [], "group_id": {}}]}',
        b'{"incidents": [{"id": "x", "status": null, "impact": {}, "incident_updates": [1, {"body": 2}]}]}',
        b'{"incidents": [{"id": "x", "components": "no", "created_at": "yesterday", "shortlink": 5}]}',
        b'{"scheduled_maintenances": [{"id": "m", "status": "weird", "scheduled_for": false}]}',
        b'{"page": {"url": "javascript:alert(1)"}, "incidents": [{"id": "x", "status": "investigating"}]}',
        b'{"components": [{"id": "g", "group": true, "components": "not-a-list"}, {"group_id": "g"}]}',
    ],
)
def test_wrong_types_never_raise(body: bytes) -> None:
    """Nulls and wrong types anywhere give a (possibly empty) page, never an exception."""
    page = parse_summary(body, CONTEXT)
    for incident in page.incidents:
        assert incident.url is None or incident.url.startswith(("http://", "https://"))


def test_unsafe_page_url_falls_back_to_context() -> None:
    """A javascript: page url is never used for links: the configured page root is."""
    body = b'{"page": {"url": "javascript:alert(1)"}, "incidents": [{"id": "x1", "status": "investigating"}]}'
    (incident,) = parse_summary(body, CONTEXT).incidents
    assert incident.url == "https://fallback.example/incidents/x1"
    assert incident.impact is DEGRADED
