"""Contract: the incidents each adapter reports as over (`closed_incidents`) and when they ended.

These are what the history records as "seen after the fact" when an incident began and ended
while trayapp was not running; an incident without its time of resolution is never recorded so.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from trayapp.adapters import HISTORY, with_past
from trayapp.adapters._common import ParseContext
from trayapp.adapters.feed import parse_feed
from trayapp.adapters.incidentio import parse_proxy, parse_widget
from trayapp.adapters.statuspage import parse_summary
from trayapp.model import Incident, ParsedPage, State

FIXTURES = Path(__file__).parent.parent / "fixtures"
NOW = datetime(2026, 2, 10, 7, 0, tzinfo=UTC)
CONTEXT = ParseContext(page_url="https://status.example.com", now=NOW)
CLAUDE_API = "Claude API (api.anthropic.com)"

Times = tuple[datetime | None, datetime | None]


def at(day: int, hour: int, minute: int, second: int = 0, ms: int = 0, month: int = 2) -> datetime:
    return datetime(2026, month, day, hour, minute, second, ms * 1000, tzinfo=UTC)


def _read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _times(page: ParsedPage) -> dict[str, Times]:
    return {incident.id: (incident.started_at, incident.resolved_at) for incident in page.closed_incidents}


def _closed(page: ParsedPage, incident_id: str) -> Incident:
    return next(incident for incident in page.closed_incidents if incident.id == incident_id)


# ------------------------------------------------------------------------------ Statuspage JSON


def test_statuspage_incident_list_describes_its_resolved_incidents() -> None:
    """incidents.json: each resolved or postmortem incident, with the page's `resolved_at`."""
    page = parse_summary(_read("statuspage/incidents_history.json"), CONTEXT)
    assert _times(page) == {
        "b8k2yq6wrn4t": (at(4, 16, 48, 9, 180), at(4, 18, 1, 46, 930)),
        "r3c6nw9dy2fk": (at(22, 9, 15, 44, 20, month=1), at(22, 10, 40, 5, 331, month=1)),
    }
    first = _closed(page, "b8k2yq6wrn4t")
    assert (first.name, first.impact, first.status) == (
        "Elevated errors on Claude API across all models",
        State.MAJOR,
        "resolved",
    )
    assert (first.url, first.components, first.is_maintenance) == (
        "https://stspg.io/q8m3zt1w",
        (CLAUDE_API,),
        False,
    )
    assert page.incidents == ()


def test_statuspage_incident_list_keeps_open_incidents_apart() -> None:
    """An open incident of the list is open, never among the closed ones."""
    page = parse_summary(_read("statuspage/incidents_recent_with_open.json"), CONTEXT)
    assert [incident.id for incident in page.incidents] == ["b8k2yq6wrn4t"]
    assert _times(page) == {
        "p4n8c2w6x0zs": (at(4, 14, 2, 11, 402), at(4, 14, 41, 37, 18)),
        "r3c6nw9dy2fk": (at(22, 9, 15, 44, 20, month=1), at(22, 10, 40, 5, 331, month=1)),
    }
    console = _closed(page, "p4n8c2w6x0zs")
    assert (console.name, console.impact, console.components) == (
        "Console login failures",
        State.PARTIAL,
        ("platform.claude.com",),
    )


@pytest.mark.parametrize(
    "name", sorted(path.name for path in (FIXTURES / "statuspage").glob("summary_*.json"))
)
def test_statuspage_summaries_list_no_past_incidents(name: str) -> None:
    """summary.json lists unresolved incidents only: nothing past to tell."""
    assert parse_summary(_read(f"statuspage/{name}"), CONTEXT).closed_incidents == ()


# ------------------------------------------------------------------------------ feeds

FEED_CASES: list[tuple[str, dict[str, Times]]] = [
    (
        "statuspage/history.atom",
        {
            # the body's own update dates (minutes), not the entry's publication
            "b8k2yq6wrn4t": (at(4, 16, 48), at(4, 18, 1)),
            "it1nc1dent01": (at(4, 15, 20), at(4, 15, 58)),
            "r3c6nw9dy2fk": (at(22, 9, 15, month=1), None),  # a postmortem: no time of its end
        },
    ),
    ("statuspage/history.rss", {"b8k2yq6wrn4t": (at(4, 16, 48), at(4, 18, 1))}),
    (
        "statuspage/own_history_all_resolved.xml",
        {
            "m2q8v4k7t1xz": (at(9, 16, 50), at(9, 18, 5)),
            "c9w3n6r2y8pd": (at(9, 10, 12), at(9, 11, 20)),
            # edited the next day: the resolving update's date counts, not the entry's
            "h5t1b7x3q6ke": (at(8, 13, 12), at(8, 15, 44)),
        },
    ),
    ("statuspage/own_history_investigating.xml", {"u6y1c4m8a2te": (at(9, 22, 3), at(9, 23, 15))}),
    # incident.io Atom entries are updated in place: `updated` is the resolution
    ("incidentio/feed.atom", {"01KGP4Z7H0ERRRATES0CGPTAP1": (at(4, 19, 2, 31), at(4, 22, 14, 8))}),
    # one RSS date may be the publication: no time of resolution
    (
        "incidentio/feed.rss",
        {
            "01KGP4Z7H0ERRRATES0CGPTAP1": (at(4, 19, 2, 31), None),
            "01KGQ0EDGE0MARKUP00000000A": (at(3, 8, 15), None),
        },
    ),
    # Better Stack: the "recovered" item closes the "went down" item of the same guid
    (
        "betterstack/feed.rss",
        {"https://status.together.ai/#9b1f3c7e2a": (at(4, 21, 2, 10), at(4, 21, 23, 10))},
    ),
]


@pytest.mark.parametrize(("name", "times"), FEED_CASES, ids=[case[0] for case in FEED_CASES])
def test_feed_describes_its_resolved_entries(name: str, times: dict[str, Times]) -> None:
    """Each entry whose words say it is over is a past incident, with its time when given."""
    page = parse_feed(_read(name), CONTEXT)
    assert _times(page) == times
    assert {incident.id for incident in page.closed_incidents} <= page.closed_incident_ids
    open_ids = {incident.id for incident in (*page.incidents, *page.upcoming)}
    assert not open_ids & set(times)


def test_feed_past_incident_keeps_name_link_and_components() -> None:
    page = parse_feed(_read("statuspage/history.atom"), CONTEXT)
    first = _closed(page, "b8k2yq6wrn4t")
    assert first.name == "Elevated errors on Claude API across all models"
    assert first.url == "https://status.claude.com/incidents/b8k2yq6wrn4t"
    assert first.status == "resolved"
    assert CLAUDE_API in first.components


def test_feed_entry_closed_only_by_age_is_not_a_past_incident() -> None:
    """An old entry naming no status is closed, but nothing says it was resolved, nor when."""
    body = b"""<rss version="2.0"><channel><title>x</title>
      <item><title>Something odd</title><guid>old</guid>
        <pubDate>Mon, 02 Feb 2026 10:00:00 +0000</pubDate></item>
    </channel></rss>"""
    page = parse_feed(body, CONTEXT)
    assert page.closed_incident_ids == frozenset({"old"})
    assert page.closed_incidents == ()


def _atom(updated: str, stamps: tuple[str, str]) -> bytes:
    resolved, opened = stamps
    content = (
        f"&lt;p&gt;&lt;small&gt;{resolved}&lt;/small&gt;&lt;br&gt;&lt;strong&gt;Resolved&lt;/strong&gt;"
        f" - Fixed.&lt;/p&gt;&lt;p&gt;&lt;small&gt;{opened}&lt;/small&gt;&lt;br&gt;"
        "&lt;strong&gt;Investigating&lt;/strong&gt; - Looking.&lt;/p&gt;"
    )
    return f"""<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>
      <entry><id>tag:x,2005:Incident/1</id><published>2025-12-31T23:40:00Z</published>
        <updated>{updated}</updated><link href="https://status.example.com/incidents/abc"/>
        <title>Errors</title><content type="html">{content}</content></entry>
    </feed>""".encode()


def test_statuspage_update_dates_take_the_year_of_the_entry() -> None:
    """ "Jan 1, 00:20 UTC" after "Dec 31, 23:40 UTC": the years are those around the entry's date."""
    page = parse_feed(_atom("2026-01-01T00:20:30Z", ("Jan 1, 00:20 UTC", "Dec 31, 23:40 UTC")), CONTEXT)
    assert _times(page) == {
        "abc": (datetime(2025, 12, 31, 23, 40, tzinfo=UTC), datetime(2026, 1, 1, 0, 20, tzinfo=UTC))
    }


def test_unreadable_update_dates_fall_back_to_the_atom_dates() -> None:
    page = parse_feed(_atom("2026-01-01T00:20:30Z", ("soon", "earlier")), CONTEXT)
    assert _times(page) == {
        "abc": (datetime(2025, 12, 31, 23, 40, tzinfo=UTC), datetime(2026, 1, 1, 0, 20, 30, tzinfo=UTC))
    }


# ------------------------------------------------------------------------------ incident.io


@pytest.mark.parametrize("name", sorted(path.name for path in (FIXTURES / "incidentio").glob("*.json")))
def test_incidentio_json_gives_no_times_of_resolution(name: str) -> None:
    """The proxy and the widget list ongoing incidents only; none of them says when one ended."""
    for parser in (parse_proxy, parse_widget):
        try:
            page = parser(_read(f"incidentio/{name}"), CONTEXT)
        except ValueError:
            continue
        assert all(incident.resolved_at is None for incident in page.closed_incidents)
        assert {incident.id for incident in page.closed_incidents} <= page.closed_incident_ids


def test_incidentio_lingering_resolved_incident_is_described_without_a_time() -> None:
    page = parse_proxy(_read("incidentio/own_proxy_top_level_rich_text.json"), CONTEXT)
    [done] = page.closed_incidents
    assert (done.id, done.name, done.impact, done.resolved_at) == (
        "01OWN1NC1DENTD0NE00000000",
        "Old problem",
        State.MAJOR,
        None,
    )


def test_incidentio_proxy_resolving_update_gives_the_time() -> None:
    summary = {
        "summary": {
            "public_url": "https://status.example.com",
            "structure": {"items": [{"component": {"component_id": "c1", "name": "API"}}]},
            "ongoing_incidents": [
                {
                    "id": "i1",
                    "name": "API errors",
                    "status": "resolved",
                    "published_at": "2026-02-09T10:00:00Z",
                    "current_worst_impact": "partial_outage",
                    "updates": [
                        {"published_at": "2026-02-09T10:00:00Z", "to_status": "investigating"},
                        {"published_at": "2026-02-09T10:45:00Z", "to_status": "resolved"},
                    ],
                }
            ],
        }
    }
    page = parse_proxy(json.dumps(summary).encode(), CONTEXT)
    assert page.incidents == ()
    assert _times(page) == {"i1": (at(9, 10, 0), at(9, 10, 45))}
    assert _closed(page, "i1").impact is State.PARTIAL


def test_incidentio_widget_resolved_incident_ends_at_its_last_update() -> None:
    document = {
        "page_title": "Example",
        "ongoing_incidents": [
            {
                "id": "w1",
                "name": "Slow responses",
                "status": "resolved",
                "published_at": "2026-02-09T09:00:00Z",
                "last_update_at": "2026-02-09T09:30:00Z",
                "current_worst_impact": "degraded_performance",
            }
        ],
    }
    page = parse_widget(json.dumps(document).encode(), CONTEXT)
    assert page.incidents == ()
    assert _times(page) == {"w1": (at(9, 9, 0), at(9, 9, 30))}


# ------------------------------------------------------------------------------ the registry


def test_history_documents_are_never_required() -> None:
    assert set(HISTORY) == {"statuspage", "incidentio"}
    assert all(not document.required for document in HISTORY.values())


def test_with_past_takes_only_what_is_over() -> None:
    """The summary stays the truth about what is open; the list adds only what ended."""
    summary = parse_summary(_read("statuspage/summary_major_outage.json"), CONTEXT)
    listing = parse_summary(_read("statuspage/incidents_recent_with_open.json"), CONTEXT)
    merged = with_past(summary, listing)
    assert merged.incidents == summary.incidents
    assert (merged.components, merged.indicator, merged.upcoming) == (
        summary.components,
        summary.indicator,
        summary.upcoming,
    )
    assert merged.closed_incident_ids == frozenset({"p4n8c2w6x0zs", "r3c6nw9dy2fk"})
    assert [incident.id for incident in merged.closed_incidents] == ["p4n8c2w6x0zs", "r3c6nw9dy2fk"]


def test_with_past_never_closes_what_the_summary_shows_open() -> None:
    """A list read a moment apart may call an incident resolved that the summary shows open."""
    summary = parse_summary(_read("statuspage/summary_major_outage.json"), CONTEXT)
    listing = parse_summary(_read("statuspage/incidents_history.json"), CONTEXT)
    merged = with_past(summary, listing)
    assert [incident.id for incident in merged.incidents] == ["b8k2yq6wrn4t"]
    assert merged.closed_incident_ids == frozenset({"r3c6nw9dy2fk"})
    assert [incident.id for incident in merged.closed_incidents] == ["r3c6nw9dy2fk"]
