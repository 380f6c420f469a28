"""Contract: the RSS/Atom feed adapter over every feed fixture (Statuspage, incident.io, Better Stack)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from trayapp.adapters._common import ParseContext, ParseError
from trayapp.adapters.feed import parse_feed
from trayapp.core.rollup import page_state
from trayapp.model import ParsedPage, State

FIXTURES = Path(__file__).parent.parent / "fixtures"
NOW = datetime(2026, 2, 10, 7, 0, tzinfo=UTC)

DEGRADED, PARTIAL, MAINTENANCE = State.DEGRADED, State.PARTIAL, State.MAINTENANCE

# file, provider state, open incidents {id: (impact, status, is_maintenance)}, closed ids
CASES = [
    (
        "statuspage/history.atom",
        State.MAINTENANCE,
        {"z5r8tn2vx4bd": (MAINTENANCE, "in_progress", True)},
        {"b8k2yq6wrn4t", "it1nc1dent01", "r3c6nw9dy2fk"},
    ),
    (
        "statuspage/history.rss",
        State.DEGRADED,
        {
            "it1nc1dent01": (DEGRADED, "investigating", False),
            "z5r8tn2vx4bd": (MAINTENANCE, "in_progress", True),
        },
        {"b8k2yq6wrn4t"},
    ),
    (
        "incidentio/feed.rss",
        State.DEGRADED,
        {"01KGPBQ2M0F1NETUNEDELAY00X": (DEGRADED, "monitoring", False)},
        {"01KGP4Z7H0ERRRATES0CGPTAP1", "01KGQ0EDGE0MARKUP00000000A"},
    ),
    (
        "incidentio/feed.atom",
        State.DEGRADED,
        {"01KGPBQ2M0F1NETUNEDELAY00X": (DEGRADED, "monitoring", False)},
        {"01KGP4Z7H0ERRRATES0CGPTAP1"},
    ),
    (
        "betterstack/feed.rss",
        State.DEGRADED,
        {"https://status.together.ai/#4d8e0a6c1f": (DEGRADED, "down", False)},
        {"https://status.together.ai/#9b1f3c7e2a"},
    ),
    (
        "statuspage/own_history_all_resolved.xml",
        State.OPERATIONAL,
        {},
        {"m2q8v4k7t1xz", "c9w3n6r2y8pd", "h5t1b7x3q6ke"},
    ),
    (
        "statuspage/own_history_investigating.xml",
        State.PARTIAL,
        {
            "p7d2k9w4s1mv": (DEGRADED, "investigating", False),
            # its newest post is an "Update": the last real status word stays
            "f3x8r5n2q7bj": (PARTIAL, "investigating", False),
        },
        {"u6y1c4m8a2te"},
    ),
    # real feeds (tests/fixtures/README.md); more about them in test_feed_statuspage.py
    (
        "statuspage/real_staffbase_history_cet.rss",
        State.OPERATIONAL,
        {},
        {"77004ltfxlkv", "p3mdb34gmrx6"},
    ),
    # a maintenance of Jan 16, 2024, 12:00 - 16:00 GMT: its window has long passed
    ("statuspage/real_govuk_history_scheduled.rss", State.OPERATIONAL, {}, {"cnntrg2j816c"}),
]


def _context(match: tuple[str, ...] = (), now: datetime = NOW) -> ParseContext:
    return ParseContext(page_url="https://status.example.com", now=now, match=match)


def _parse(name: str, match: tuple[str, ...] = ()) -> ParsedPage:
    return parse_feed((FIXTURES / name).read_bytes(), _context(match))


@pytest.mark.parametrize(("name", "state", "open_incidents", "closed"), CASES, ids=[c[0] for c in CASES])
def test_fixture(
    name: str, state: State, open_incidents: dict[str, tuple[State, str, bool]], closed: set[str]
) -> None:
    """Each feed parses to the provider state and incidents the fixtures README gives."""
    page = _parse(name)
    assert page_state(page) is state
    assert {i.id: (i.impact, i.status, i.is_maintenance) for i in page.incidents} == open_incidents
    assert page.closed_incident_ids == frozenset(closed)
    assert page.components == ()
    assert page.indicator is None
    assert page.upcoming == ()


def test_every_feed_fixture_is_in_the_table() -> None:
    """No feed fixture is left untested."""
    feeds = {
        str(path.relative_to(FIXTURES))
        for path in FIXTURES.rglob("*")
        if path.suffix in (".atom", ".rss", ".xml")
    }
    assert feeds == {case[0] for case in CASES}


def test_markup_titles_are_plain_text() -> None:
    """Titles are untrusted HTML: the model gets plain text."""
    page = _parse("statuspage/history.rss")
    incident = next(i for i in page.incidents if i.id == "it1nc1dent01")
    assert incident.name == 'Errors & "timeouts" on claude.ai — modalità «voce» 🎙️'
    assert incident.latest_update == "Stiamo verificando errori e timeout."
    assert incident.url == "https://status.claude.com/incidents/it1nc1dent01"


def test_statuspage_maintenance_fields() -> None:
    """The in-progress maintenance keeps its latest update, affected component and dates;
    it started at its "In progress" update, not at its announcement (Feb 6, 15:20).
    """
    (incident,) = _parse("statuspage/history.atom").incidents
    assert incident.name == "Console database upgrade"
    assert incident.latest_update.startswith("Scheduled maintenance is currently in progress.")
    assert incident.components == ("platform.claude.com",)
    assert incident.started_at == datetime(2026, 2, 10, 6, 0, tzinfo=UTC)
    assert incident.updated_at == datetime(2026, 2, 10, 6, 0, 3, tzinfo=UTC)


def test_statuspage_affected_groups() -> None:
    """`This incident affected:` names components; `Group (A, B)` gives the group and children."""
    page = _parse("statuspage/own_history_investigating.xml")
    first = next(i for i in page.incidents if i.id == "p7d2k9w4s1mv")
    second = next(i for i in page.incidents if i.id == "f3x8r5n2q7bj")
    assert first.components == ("Acme API (api.acme-ai.example)",)
    assert second.components == ("Console", "Acme API (api.acme-ai.example)", "Voice", "Realtime", "Speech")
    assert second.name == "Login failures & “timeouts” — modalità «voce» 🎙️"
    assert second.latest_update.startswith("Sign-in is in a partial outage")


def test_incidentio_item() -> None:
    """incident.io: the Status label, plain latest update and affected component names."""
    for name in ("incidentio/feed.rss", "incidentio/feed.atom"):
        (incident,) = _parse(name).incidents
        assert incident.name == "Delays in fine-tuning job processing"
        assert incident.components == ("Fine-tuning",)
        assert incident.latest_update.startswith("Queued fine-tuning jobs are being processed;")
        assert "Affected" not in incident.latest_update
        assert incident.url == "https://status.openai.com/incidents/01KGPBQ2M0F1NETUNEDELAY00X"


def test_betterstack_pairs_by_guid() -> None:
    """A later `recovered` closes the earlier `went down`; a later `went down` reopens."""
    (incident,) = _parse("betterstack/feed.rss").incidents
    assert incident.components == ("Serverless inference API",)
    assert incident.name == "Serverless inference API went down"
    reopened = _rss(
        _item("API recovered", "Wed, 04 Feb 2026 20:00:00 +0000", guid="g1"),
        _item("API went down", "Wed, 04 Feb 2026 21:00:00 +0000", guid="g1"),
    )
    page = parse_feed(reopened, _context())
    assert [i.id for i in page.incidents] == ["g1"]
    assert page.closed_incident_ids == frozenset()


def test_match_keeps_entries_whose_title_names_a_word() -> None:
    """With match words, only entries whose title contains one (any case) are kept."""
    page = _parse("statuspage/history.rss", match=("console",))
    assert [i.id for i in page.incidents] == ["z5r8tn2vx4bd"]
    assert page.closed_incident_ids == frozenset()
    assert _parse("statuspage/history.rss", match=("Bedrock",)) == ParsedPage(
        page_name="Claude Status - Incident History"
    )


# ---------------------------------------------------------------------------- inline feeds


def _item(title: str, date: str = "", *, guid: str = "", link: str = "", description: str = "") -> str:
    parts = [f"<title>{title}</title>"]
    parts += [f"<pubDate>{date}</pubDate>"] if date else []
    parts += [f"<guid>{guid}</guid>"] if guid else []
    parts += [f"<link>{link}</link>"] if link else []
    parts += [f"<description><![CDATA[{description}]]></description>"] if description else []
    return "<item>" + "".join(parts) + "</item>"


def _rss(*items: str) -> bytes:
    channel = "<channel><title>T</title>" + "".join(items) + "</channel>"
    return f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0">{channel}</rss>'.encode()


def _atom_entry(code: str, strong: str, text: str = "") -> str:
    body = f"<p><small>Feb 9</small><br><strong>{strong}</strong> - {text}</p>"
    return (
        f"<entry><id>tag:x,2005:Incident/{code}</id><title>Entry {code}</title>"
        f'<link href="https://status.example.com/incidents/{code}"/>'
        f'<content type="html"><![CDATA[{body}]]></content></entry>'
    )


def _atom(*entries: str) -> bytes:
    return (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>' + "".join(entries) + "</feed>"
    ).encode()


def test_statuspage_words() -> None:
    """Scheduled is upcoming; Completed and Postmortem are closed; Verifying is open maintenance."""
    page = parse_feed(
        _atom(
            _atom_entry("s1", "Scheduled", "Planned work."),
            _atom_entry("c1", "Completed"),
            _atom_entry("p1", "Postmortem"),
            _atom_entry("v1", "Verifying", "Verification is currently underway."),
            _atom_entry("i1", "Identified", "Requests fail with a major outage in one region."),
        ),
        _context(),
    )
    assert [(i.id, i.impact, i.is_maintenance, i.status) for i in page.upcoming] == [
        ("s1", State.MAINTENANCE, True, "scheduled")
    ]
    assert page.closed_incident_ids == frozenset({"c1", "p1"})
    assert {i.id: (i.impact, i.is_maintenance) for i in page.incidents} == {
        "v1": (State.MAINTENANCE, True),
        "i1": (State.MAJOR, False),
    }


def test_scripts_never_reach_the_text() -> None:
    """Script blocks are dropped with their content; tags are stripped from names."""
    body = "<b>Status: Investigating</b><br/>Errors <script>alert(1)</script>on <i>chat</i>."
    page = parse_feed(
        _rss(_item("&lt;img src=x onerror=alert(1)&gt;Chat down", guid="g", description=body)),
        _context(),
    )
    (incident,) = page.incidents
    assert incident.name == "Chat down"
    assert incident.latest_update == "Errors on chat ."
    assert "alert" not in incident.latest_update


def test_generic_feed_words() -> None:
    """Generic feeds: the first status word of the title, else of the body, decides."""
    page = parse_feed(
        _rss(
            _item("Service is operating normally: [RESOLVED] Increased error rates", guid="aws-1"),
            _item(
                "Informational message: Increased error rates",
                guid="aws-2",
                description="We are investigating.",
            ),
            _item("API outage", guid="x-3", description="Investigating a full outage of the API."),
            _item("Latency", guid="x-4", description="We are monitoring a partial outage."),
        ),
        _context(),
    )
    assert page.closed_incident_ids == frozenset({"aws-1"})
    assert {i.id: i.impact for i in page.incidents} == {
        "aws-2": State.DEGRADED,
        "x-3": State.MAJOR,
        "x-4": State.PARTIAL,
    }


def test_entries_without_a_status_word_count_only_while_fresh() -> None:
    """No status word: open while under 24 h old (or undated), closed when older."""
    page = parse_feed(
        _rss(
            _item("Fresh notice", "Tue, 10 Feb 2026 05:00:00 +0000", guid="fresh"),
            _item("Old notice", "Sun, 01 Feb 2026 05:00:00 +0000", guid="old"),
            _item("Undated notice", guid="undated"),
        ),
        _context(),
    )
    assert {i.id: i.status for i in page.incidents} == {"fresh": "unknown", "undated": "unknown"}
    assert page.closed_incident_ids == frozenset({"old"})


def test_missing_elements_and_ids() -> None:
    """Missing elements never break parsing; ids fall back guid → link → title."""
    page = parse_feed(
        _rss(
            "<item/>",
            _item("Only a title", description="Investigating."),
            _item("Linked", link="https://status.example.com/x", description="Investigating."),
            "<item><description>Investigating, no title.</description><guid>gg</guid></item>",
        ),
        _context(),
    )
    assert {i.id: i.name for i in page.incidents} == {
        "Only a title": "Only a title",
        "https://status.example.com/x": "Linked",
        "gg": "Investigating, no title.",
    }


def test_naive_now_and_empty_feeds() -> None:
    """A naive `now` is taken as UTC; a feed with no entries is operational."""
    naive = ParseContext(page_url="https://x.example", now=datetime(2026, 2, 10, 7, 0))
    page = parse_feed(_rss(_item("Fresh", "Tue, 10 Feb 2026 05:00:00 +0000", guid="f")), naive)
    assert [i.id for i in page.incidents] == ["f"]
    assert page_state(parse_feed(_rss(), _context())) is State.OPERATIONAL
    assert page_state(parse_feed(_atom(), _context())) is State.OPERATIONAL


def test_xhtml_content_and_rss_1() -> None:
    """Atom xhtml content and RSS 1.0 (RDF) items are read too."""
    xhtml = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>e1</id><title>T</title>'
        b'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p><strong>Monitoring</strong>'
        b" - Recovering.</p></div></content></entry></feed>"
    )
    (incident,) = parse_feed(xhtml, _context()).incidents
    assert (incident.id, incident.status, incident.latest_update) == ("e1", "monitoring", "Recovering.")
    rdf = (
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">'
        b'<channel rdf:about="x"><title>R</title></channel>'
        b'<item rdf:about="https://x.example/incidents/r1"><title>R1</title>'
        b"<link>https://x.example/incidents/r1</link><description>Resolved.</description></item></rdf:RDF>"
    )
    assert parse_feed(rdf, _context()).closed_incident_ids == frozenset({"r1"})


_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    b"<rss><channel><title>&lol2;</title></channel></rss>"
)
_EXTERNAL = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b"<rss><channel><title>&x;</title></channel></rss>"
)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"   \n", id="blank"),
        pytest.param(b"<!DOCTYPE html><html><head><title>x</title></head><body>", id="html"),
        pytest.param(b'<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', id="xhtml"),
        pytest.param(b'<?xml version="1.0"?><note><to>x</to></note>', id="other-xml"),
        pytest.param(b'<rss version="2.0"><item/></rss>', id="rss-without-channel"),
        pytest.param(b"<rss><channel><item>", id="truncated"),
        pytest.param(b'{"status": "ok"}', id="json"),
        pytest.param(b"\xff\xfe\x00<", id="binary"),
        pytest.param(_BOMB, id="entity-expansion"),
        pytest.param(_EXTERNAL, id="external-entity"),
        pytest.param(
            b"<rss><channel><item><title>t</title><description>"
            + b"<a>" * 30000
            + b"</a>" * 30000
            + b"</description></item></channel></rss>",
            id="deeply-nested",
        ),
    ],
)
def test_not_a_feed(body: bytes) -> None:
    """Anything that is not a safe RSS/Atom feed is a ParseError starting `not a status page`."""
    with pytest.raises(ParseError, match=r"^not a status page"):
        parse_feed(body, _context())
