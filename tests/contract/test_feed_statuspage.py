"""Contract: Statuspage history feeds as Statuspage means them.

"Update" posts change no status, a maintenance that is only scheduled raises nothing until
its window (or an "In progress" update), update dates are read in whatever zone the page
writes them, and a maintenance starts at its "In progress" update. Real feeds come from
tests/fixtures/statuspage/real_* (provenance in tests/fixtures/README.md).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trayapp.adapters._common import ParseContext, ParseError
from trayapp.adapters.feed import parse_feed
from trayapp.core.rollup import page_state
from trayapp.model import Incident, ParsedPage, State

FIXTURES = Path(__file__).parent.parent / "fixtures" / "statuspage"
STAFFBASE = "real_staffbase_history_cet.rss"
GOVUK = "real_govuk_history_scheduled.rss"
GOVUK_ID = "cnntrg2j816c"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _context(now: datetime) -> ParseContext:
    return ParseContext(page_url="https://status.example.com", now=now)


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _past(page: ParsedPage, incident_id: str) -> Incident:
    return next(incident for incident in page.closed_incidents if incident.id == incident_id)


# ---------------------------------------------------------------------------- inline feeds


def _update(stamp: str, word: str, text: str = "") -> str:
    return f"<p><small>{stamp}</small><br><strong>{word}</strong> - {text}</p>"


def _entry(
    code: str,
    *updates: str,
    published: str,
    updated: str = "",
    header: str = "",
    title: str = "",
) -> str:
    """A Statuspage Atom entry; `updates` newest first, `header` the scheduled-event window."""
    body = (f"<p><strong>THIS IS A SCHEDULED EVENT {header}</strong></p>" if header else "") + "".join(
        updates
    )
    return (
        f"<entry><id>tag:status.example.com,2005:Incident/{code}</id>"
        f"<published>{published}</published><updated>{updated or published}</updated>"
        f'<link rel="alternate" type="text/html" href="https://status.example.com/incidents/{code}"/>'
        f"<title>{title or 'Entry ' + code}</title>"
        f'<content type="html"><![CDATA[{body}]]></content></entry>'
    )


def _atom(*entries: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Example Status - Incident History</title>" + "".join(entries) + "</feed>"
    ).encode()


# ---------------------------------------------------------------------------- real feeds

# file, now, provider state, open {id: status}, upcoming ids, past {id: (start, end)}
REAL_CASES = [
    (
        STAFFBASE,
        utc(2021, 12, 24, 0, 46),
        State.OPERATIONAL,
        {},
        set(),
        {
            # Dec 22, 11:12 CET → Dec 23, 10:30 CET (the feed's own dates are Dec 23, 10:30:37)
            "77004ltfxlkv": (utc(2021, 12, 22, 10, 12), utc(2021, 12, 23, 9, 30)),
            "p3mdb34gmrx6": (utc(2021, 12, 17, 12, 38), utc(2021, 12, 20, 8, 42)),
        },
    ),
    # announced Jan 8 for Tue Jan 16, 12:00 - 16:00 GMT
    (GOVUK, utc(2024, 1, 8, 17, 43), State.OPERATIONAL, {}, {GOVUK_ID}, {}),
    (GOVUK, utc(2024, 1, 16, 11, 59), State.OPERATIONAL, {}, {GOVUK_ID}, {}),
    (GOVUK, utc(2024, 1, 16, 12, 0), State.MAINTENANCE, {GOVUK_ID: "scheduled"}, set(), {}),
    (GOVUK, utc(2024, 1, 16, 15, 59), State.MAINTENANCE, {GOVUK_ID: "scheduled"}, set(), {}),
    (
        GOVUK,
        utc(2024, 1, 16, 16, 0),
        State.OPERATIONAL,
        {},
        set(),
        {GOVUK_ID: (utc(2024, 1, 16, 12), utc(2024, 1, 16, 16))},
    ),
]


@pytest.mark.parametrize(
    ("name", "now", "state", "open_incidents", "upcoming", "past"),
    REAL_CASES,
    ids=[f"{case[0]}@{case[1]:%Y-%m-%dT%H:%M}" for case in REAL_CASES],
)
def test_real_feed(
    name: str,
    now: datetime,
    state: State,
    open_incidents: dict[str, str],
    upcoming: set[str],
    past: dict[str, tuple[datetime, datetime]],
) -> None:
    """Each real feed gives, at its `now`, this state, these incidents and these past times."""
    page = parse_feed(_fixture(name), _context(now))
    assert page_state(page) is state
    assert {incident.id: incident.status for incident in page.incidents} == open_incidents
    assert {incident.id for incident in page.upcoming} == upcoming
    assert {i.id: (i.started_at, i.resolved_at) for i in page.closed_incidents} == past
    assert page.closed_incident_ids == frozenset(past)


def test_real_cet_feed_durations_and_words() -> None:
    """The CET dates give the incidents their real length, not the 0 s of one feed date."""
    page = parse_feed(_fixture(STAFFBASE), _context(utc(2021, 12, 24)))
    blank = _past(page, "77004ltfxlkv")
    assert (blank.name, blank.status, blank.impact) == ("Blank content", "resolved", State.DEGRADED)
    assert blank.resolved_at is not None
    assert blank.started_at is not None
    assert blank.resolved_at - blank.started_at == timedelta(hours=23, minutes=18)
    assert blank.url == "https://status.staffbase.com/incidents/77004ltfxlkv"


def test_real_feed_entry_whose_newest_post_is_an_update() -> None:
    """The real entry as it stood at Dec 22, 16:16 CET (before its Resolved post): its newest
    post is an "Update", so it is still "monitoring", open since its first update.
    """
    body = _fixture(STAFFBASE).decode()
    resolved = re.compile(
        r"&lt;p&gt;&lt;small&gt;Dec &lt;var data-var=&apos;date&apos;&gt;23.*?&lt;/p&gt;", re.S
    )
    assert resolved.search(body)
    page = parse_feed(resolved.sub("", body, count=1).encode(), _context(utc(2021, 12, 22, 16)))
    (incident,) = page.incidents
    assert (incident.id, incident.status, incident.is_maintenance) == ("77004ltfxlkv", "monitoring", False)
    assert incident.latest_update == "We are continuing to monitor for any further issues."
    assert incident.started_at == utc(2021, 12, 22, 10, 12)
    assert page_state(page) is State.DEGRADED


def test_real_scheduled_maintenance_fields() -> None:
    """The upcoming maintenance is listed with its window's start, and raises nothing."""
    page = parse_feed(_fixture(GOVUK), _context(utc(2024, 1, 10)))
    (maintenance,) = page.upcoming
    assert maintenance.is_maintenance
    assert maintenance.impact is State.MAINTENANCE
    assert maintenance.status == "scheduled"
    assert maintenance.started_at == utc(2024, 1, 16, 12)
    assert maintenance.latest_update.startswith("Hello, We plan to do some maintenance work")
    assert page.incidents == ()


# ---------------------------------------------------------------------------- "Update" posts


def test_update_keeps_the_last_real_status_word() -> None:
    """An "Update" post changes no status: open stays open, resolved stays resolved."""
    page = parse_feed(
        _atom(
            _entry(
                "i1",
                _update("Feb 9, 10:30 UTC", "Update", "Still rolling the fix out."),
                _update("Feb 9, 10:00 UTC", "Identified", "Found it."),
                _update("Feb 9, 09:00 UTC", "Investigating", "Looking."),
                published="2026-02-09T10:30:00Z",
            ),
            _entry(
                "r1",
                _update("Feb 9, 12:00 UTC", "Update", "A note after the fact."),
                _update("Feb 9, 11:00 UTC", "Resolved", "Fixed."),
                _update("Feb 9, 10:15 UTC", "Investigating", "Looking."),
                published="2026-02-09T12:00:00Z",
            ),
        ),
        _context(utc(2026, 2, 10)),
    )
    (open_one,) = page.incidents
    assert (open_one.id, open_one.status, open_one.latest_update) == (
        "i1",
        "identified",
        "Still rolling the fix out.",
    )
    assert open_one.started_at == utc(2026, 2, 9, 9)
    done = _past(page, "r1")
    assert (done.status, done.started_at, done.resolved_at) == (
        "resolved",
        utc(2026, 2, 9, 10, 15),
        utc(2026, 2, 9, 11),
    )
    assert page.closed_incident_ids == frozenset({"r1"})


def test_update_on_a_scheduled_maintenance_is_not_an_open_maintenance() -> None:
    """A scheduled maintenance whose newest post is an "Update" is still only scheduled."""
    entry = _entry(
        "m1",
        _update("Feb 8, 09:00 UTC", "Update", "Reminder: scheduled maintenance next week."),
        _update("Feb 2, 09:00 UTC", "Scheduled", "We will upgrade the database."),
        published="2026-02-08T09:00:00Z",
        header="Feb 16, 06:00 - 08:00 UTC",
    )
    page = parse_feed(_atom(entry), _context(utc(2026, 2, 10)))
    assert page.incidents == ()
    assert [(i.id, i.status, i.started_at) for i in page.upcoming] == [
        ("m1", "scheduled", utc(2026, 2, 16, 6))
    ]
    assert page_state(page) is State.OPERATIONAL


# ---------------------------------------------------------------------------- maintenance windows

WINDOW_ENTRY = _entry(
    "w1",
    _update("Mar 20, 09:00 PDT", "Scheduled", "Planned database work."),
    published="2026-03-20T16:00:00Z",
    header="Mar 30, 22:00 - Mar 31, 02:00 PDT",  # 2026-03-31 05:00 → 09:00 UTC
)


@pytest.mark.parametrize(
    ("now", "where"),
    [
        (utc(2026, 3, 31, 4, 59), "upcoming"),
        (utc(2026, 3, 31, 5, 0), "open"),
        (utc(2026, 3, 31, 8, 59), "open"),
        (utc(2026, 3, 31, 9, 0), "closed"),
        (utc(2026, 4, 20), "closed"),
    ],
)
def test_scheduled_only_maintenance_follows_its_window(now: datetime, where: str) -> None:
    """Scheduled, never started: nothing before its window, maintenance inside, over after."""
    page = parse_feed(_atom(WINDOW_ENTRY), _context(now))
    found = {
        "upcoming": [i.id for i in page.upcoming],
        "open": [i.id for i in page.incidents],
        "closed": sorted(page.closed_incident_ids),
    }
    assert found == {key: (["w1"] if key == where else []) for key in found}
    assert page_state(page) is (State.MAINTENANCE if where == "open" else State.OPERATIONAL)
    for incident in (*page.upcoming, *page.incidents, *page.closed_incidents):
        assert incident.started_at == utc(2026, 3, 31, 5)
    if where == "closed":
        assert _past(page, "w1").resolved_at == utc(2026, 3, 31, 9)


def test_window_end_written_as_a_time_only_may_fall_on_the_next_day() -> None:
    """ "Jan 31, 23:00 - 01:00 CET" ends on Feb 1; the window is read in the header's zone."""
    entry = _entry(
        "n1",
        _update("Jan 20, 10:00 CET", "Scheduled", "Night work."),
        published="2026-01-20T09:00:00Z",
        header="Jan 31, 23:00 - 01:00 CET",
    )
    inside = parse_feed(_atom(entry), _context(utc(2026, 1, 31, 23, 30)))
    assert [(i.id, i.started_at) for i in inside.incidents] == [("n1", utc(2026, 1, 31, 22))]
    after = parse_feed(_atom(entry), _context(utc(2026, 2, 1, 0, 0)))
    assert _past(after, "n1").resolved_at == utc(2026, 2, 1)


def test_in_progress_is_a_maintenance_before_its_window_and_starts_it() -> None:
    """ "In progress" as the newest real status makes it a maintenance, even early; it began
    at that update, not at its announcement.
    """
    entry = _entry(
        "e1",
        _update("Mar 31, 04:40 UTC", "Update", "Going well."),
        _update("Mar 31, 04:30 UTC", "In progress", "Started early."),
        _update("Mar 20, 16:00 UTC", "Scheduled", "Planned database work."),
        published="2026-03-31T04:40:00Z",
        header="Mar 31, 05:00 - 09:00 UTC",
    )
    (incident,) = parse_feed(_atom(entry), _context(utc(2026, 3, 31, 4, 45))).incidents
    assert (incident.status, incident.is_maintenance, incident.started_at) == (
        "in_progress",
        True,
        utc(2026, 3, 31, 4, 30),
    )


def test_completed_maintenance_started_at_in_progress_and_ended_at_completed() -> None:
    """A past maintenance runs from its "In progress" update to its "Completed" one."""
    entry = _entry(
        "c1",
        _update("Feb 10, 07:10 EST", "Completed", "Done."),
        _update("Feb 10, 06:05 EST", "Verifying", "Checking."),
        _update("Feb 10, 06:00 EST", "In progress", "Under way."),
        _update("Feb 3, 12:00 EST", "Scheduled", "Planned work."),
        published="2026-02-10T12:10:00Z",
        header="Feb 10, 06:00 - 08:00 EST",
    )
    page = parse_feed(_atom(entry), _context(utc(2026, 2, 11)))
    done = _past(page, "c1")
    assert (done.status, done.is_maintenance) == ("completed", True)
    assert (done.started_at, done.resolved_at) == (utc(2026, 2, 10, 11), utc(2026, 2, 10, 12, 10))


def test_window_passed_ends_the_maintenance_unless_it_says_it_overruns() -> None:
    """Past its window a maintenance is over, unless an "In progress" post after the end says not."""
    ended = _entry(
        "o1",
        _update("Feb 10, 06:00 UTC", "In progress", "Under way."),
        published="2026-02-10T06:00:00Z",
        header="Feb 10, 06:00 - 08:00 UTC",
    )
    page = parse_feed(_atom(ended), _context(utc(2026, 2, 10, 9)))
    assert (page.incidents, page.closed_incident_ids) == ((), frozenset({"o1"}))
    assert (_past(page, "o1").started_at, _past(page, "o1").resolved_at) == (
        utc(2026, 2, 10, 6),
        utc(2026, 2, 10, 8),
    )
    overrun = _entry(
        "o2",
        _update("Feb 10, 08:05 UTC", "In progress", "Taking longer than planned."),
        _update("Feb 10, 06:00 UTC", "In progress", "Under way."),
        published="2026-02-10T08:05:00Z",
        header="Feb 10, 06:00 - 08:00 UTC",
    )
    (incident,) = parse_feed(_atom(overrun), _context(utc(2026, 2, 10, 9))).incidents
    assert (incident.id, incident.started_at) == ("o2", utc(2026, 2, 10, 6))


def test_rss_maintenance_end_date_gives_the_window_without_a_header() -> None:
    """A Statuspage RSS item's `pubDate` and `maintenanceEndDate` are its window."""
    body = (
        b'<rss version="2.0"><channel><title>T</title><item><title>Planned work</title>'
        b"<description><![CDATA[<p><small>Feb 3, 12:00 UTC</small><br><strong>Scheduled</strong>"
        b" - Planned work.</p>]]></description>"
        b"<pubDate>Tue, 10 Feb 2026 06:00:00 +0000</pubDate>"
        b"<maintenanceEndDate>Tue, 10 Feb 2026 08:00:00 +0000</maintenanceEndDate>"
        b"<link>https://status.example.com/incidents/x1</link></item></channel></rss>"
    )
    assert [i.id for i in parse_feed(body, _context(utc(2026, 2, 10, 5))).upcoming] == ["x1"]
    assert [i.id for i in parse_feed(body, _context(utc(2026, 2, 10, 7))).incidents] == ["x1"]
    assert parse_feed(body, _context(utc(2026, 2, 10, 8))).closed_incident_ids == frozenset({"x1"})


# ---------------------------------------------------------------------------- written dates


def _resolved_times(stamps: tuple[str, str], published: str) -> tuple[datetime | None, datetime | None]:
    resolved, opened = stamps
    entry = _entry(
        "t1",
        _update(resolved, "Resolved", "Fixed."),
        _update(opened, "Investigating", "Looking."),
        published=published,
    )
    (incident,) = parse_feed(_atom(entry), _context(utc(2026, 6, 1))).closed_incidents
    return incident.started_at, incident.resolved_at


def test_pst_incident_keeps_its_length() -> None:
    """ "Nov 29, 00:52 PST" → "02:31 PST" is 1 h 39 min, not the 0 s of the entry's one date."""
    started, resolved = _resolved_times(("Nov 29, 02:31 PST", "Nov 29, 00:52 PST"), "2025-11-29T10:31:12Z")
    assert (started, resolved) == (utc(2025, 11, 29, 8, 52), utc(2025, 11, 29, 10, 31))
    assert resolved - started == timedelta(hours=1, minutes=39)


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("May 4, 09:00 UTC", utc(2026, 5, 4, 9)),
        ("May 4, 09:00 GMT", utc(2026, 5, 4, 9)),
        ("May 4, 09:00 PDT", utc(2026, 5, 4, 16)),
        ("May 4, 09:00 MST", utc(2026, 5, 4, 16)),
        ("May 4, 09:00 MDT", utc(2026, 5, 4, 15)),
        ("May 4, 09:00 CST", utc(2026, 5, 4, 15)),
        ("May 4, 09:00 CDT", utc(2026, 5, 4, 14)),
        ("May 4, 09:00 EST", utc(2026, 5, 4, 14)),
        ("May 4, 09:00 EDT", utc(2026, 5, 4, 13)),
        ("May 4, 09:00 CET", utc(2026, 5, 4, 8)),
        ("May 4, 09:00 CEST", utc(2026, 5, 4, 7)),
        ("May 4, 09:00 BST", utc(2026, 5, 4, 8)),
        ("May 4, 09:00 IST", utc(2026, 5, 4, 3, 30)),
        ("May 4, 09:00 JST", utc(2026, 5, 4, 0)),
        ("May 4, 09:00 AEST", utc(2026, 5, 3, 23)),
        ("May 4, 09:00 AEDT", utc(2026, 5, 3, 22)),
        ("May 4, 09:00 +01:00", utc(2026, 5, 4, 8)),
        ("May 4, 09:00 -0800", utc(2026, 5, 4, 17)),
        ("May 4, 09:00 +03", utc(2026, 5, 4, 6)),
        ("May 4, 09:00 UTC+5:30", utc(2026, 5, 4, 3, 30)),
        ("May 4, 09:00 GMT-3", utc(2026, 5, 4, 12)),
        ("May 4, 9:00am PDT", utc(2026, 5, 4, 16)),
        ("May 4, 2026 - 09:00 UTC", utc(2026, 5, 4, 9)),
    ],
)
def test_update_dates_in_any_zone(stamp: str, expected: datetime) -> None:
    """Abbreviations and numeric offsets are read as the page's own zone."""
    started, _ = _resolved_times(("May 4, 23:59 UTC", stamp), "2026-05-05T00:00:00Z")
    assert started == expected


def test_year_boundary_in_the_pages_zone() -> None:
    """ "Dec 31, 16:10 PST" in an entry of Jan 1 (UTC) is 2025-12-31 local, 2026-01-01 00:10 UTC."""
    started, resolved = _resolved_times(("Dec 31, 17:30 PST", "Dec 31, 16:10 PST"), "2026-01-01T01:30:20Z")
    assert (started, resolved) == (utc(2026, 1, 1, 0, 10), utc(2026, 1, 1, 1, 30))
    started, resolved = _resolved_times(("Jan 1, 00:20 CET", "Dec 31, 23:40 CET"), "2025-12-31T23:20:30Z")
    assert (started, resolved) == (utc(2025, 12, 31, 22, 40), utc(2025, 12, 31, 23, 20))


@pytest.mark.parametrize(
    "stamp", ["Feb 4, 18:01 XYZ", "Feb 4, 18:01", "Feb 30, 18:01 UTC", "Feb 4, 25:01 UTC", "soon"]
)
def test_unreadable_update_dates_fall_back_to_the_entry_dates(stamp: str) -> None:
    """A date in an unknown zone (or none, or impossible) is not guessed: the Atom dates count."""
    entry = _entry(
        "f1",
        _update(stamp, "Resolved", "Fixed."),
        _update(stamp, "Investigating", "Looking."),
        published="2026-02-04T16:48:09Z",
        updated="2026-02-04T18:01:47Z",
    )
    (incident,) = parse_feed(_atom(entry), _context(utc(2026, 2, 10))).closed_incidents
    assert (incident.started_at, incident.resolved_at) == (
        datetime(2026, 2, 4, 16, 48, 9, tzinfo=UTC),
        datetime(2026, 2, 4, 18, 1, 47, tzinfo=UTC),
    )


_TEXT = st.text(alphabet=st.sampled_from("JanFebDc0123456789:,+- apmUTCESTPDGTHISAEVN"), max_size=40)


@settings(max_examples=200, deadline=None)
@given(stamps=st.lists(_TEXT, min_size=1, max_size=4), header=_TEXT, words=st.data())
def test_any_written_dates_never_raise(stamps: list[str], header: str, words: st.DataObject) -> None:
    """Whatever the body writes as dates and window, the feed parses (or is a ParseError)."""
    updates = [
        _update(
            stamp,
            words.draw(st.sampled_from(["Update", "Scheduled", "In progress", "Resolved", "Completed"])),
        )
        for stamp in stamps
    ]
    body = _atom(_entry("h1", *updates, published="2026-01-01T00:00:00Z", header=header))
    try:
        page = parse_feed(body, _context(utc(2026, 1, 1)))
    except ParseError:
        return
    assert isinstance(page, ParsedPage)
