"""The registry of status-page formats: which documents to read, in which order, and how.

Every parser is pure: `bytes, ParseContext -> ParsedPage`, raising only ParseError.
`parse_document` wraps that so nothing a page sends can escape as an exception.

A format's module is imported when one of its documents is first parsed, not with the registry:
most runs read two or three formats, and the feed parser brings an XML parser with it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from trayapp.adapters._common import ParseContext, ParseError
from trayapp.core.safe_text import clean_page
from trayapp.model import ParsedPage, worst

Parser = Callable[[bytes, ParseContext], ParsedPage]


def lazy_parser(module: str, name: str) -> Parser:
    """The parser `name` of `trayapp.adapters.<module>`, the module imported at its first call."""
    loaded: list[Parser] = []

    def parse(body: bytes, context: ParseContext) -> ParsedPage:
        if not loaded:
            loaded.append(getattr(importlib.import_module(f"trayapp.adapters.{module}"), name))
        return loaded[0](body, context)

    parse.__name__ = parse.__qualname__ = name
    parse.__module__ = f"trayapp.adapters.{module}"
    return parse


parse_index = lazy_parser("betterstack", "parse_index")
parse_config = lazy_parser("datadog", "parse_config")
parse_feed = lazy_parser("feed", "parse_feed")
parse_incidents = lazy_parser("google", "parse_incidents")
parse_proxy = lazy_parser("incidentio", "parse_proxy")
parse_widget = lazy_parser("incidentio", "parse_widget")
parse_components = lazy_parser("instatus", "parse_components")
parse_instatus_summary = lazy_parser("instatus", "parse_summary")
parse_summary = lazy_parser("statuspage", "parse_summary")


@dataclass(frozen=True)
class Document:
    """One URL to fetch, relative to the page root (`{host}` is the page's host name)."""

    path: str
    parse: Parser
    required: bool = True


@dataclass(frozen=True)
class Source:
    """A way to read a page: documents fetched together and merged into one ParsedPage."""

    name: str
    documents: tuple[Document, ...]


def _source(name: str, *documents: Document) -> Source:
    return Source(name, documents)


FEED_SOURCES: tuple[Source, ...] = (
    _source("history.atom", Document("history.atom", parse_feed)),
    _source("feed.atom", Document("feed.atom", parse_feed)),
    _source("history.rss", Document("history.rss", parse_feed)),
    _source("feed.rss", Document("feed.rss", parse_feed)),
    _source("feed", Document("feed", parse_feed)),
)

# Sources of each format, richest first: the first that answers wins, so a failure of a
# richer source never throws away a valid answer from a simpler one.
FORMATS: dict[str, tuple[Source, ...]] = {
    "statuspage": (
        _source("summary", Document("api/v2/summary.json", parse_summary)),
        _source(
            "status+unresolved",
            Document("api/v2/status.json", parse_summary),
            Document("api/v2/incidents/unresolved.json", parse_summary),
        ),
        FEED_SOURCES[0],
    ),
    "incidentio": (
        _source("proxy", Document("proxy/{host}", parse_proxy)),
        _source("widget", Document("api/v1/summary", parse_widget)),
        _source("compat", Document("api/v2/summary.json", parse_summary)),
        FEED_SOURCES[1],
        FEED_SOURCES[3],
    ),
    "instatus": (
        _source(
            "summary",
            Document("summary.json", parse_instatus_summary),
            Document("v2/components.json", parse_components, required=False),
        ),
    ),
    "betterstack": (
        _source("index", Document("index.json", parse_index)),
        FEED_SOURCES[4],
    ),
    "datadog": (_source("config", Document("config.json", parse_config)),),
    "google": (_source("incidents", Document("incidents.json", parse_incidents)),),
    "feed": FEED_SOURCES,
}

KINDS: tuple[str, ...] = ("auto", *FORMATS)

# Per format, a document listing the page's recent incidents, resolved ones included, read
# besides the format's sources only for the incidents it says are over (and when they ended),
# so that those that began and ended while trayapp was not running reach the history. It is
# never required, and read seldom (see `shell.reader`): the sources above stay the truth about
# what is open. Statuspage's summary lists unresolved incidents only; incident.io's proxy and
# widget list ongoing ones only, its feed keeps resolved entries with their time.
HISTORY: dict[str, Document] = {
    "statuspage": Document("api/v2/incidents.json", parse_summary, required=False),
    "incidentio": Document("feed.atom", parse_feed, required=False),
}

# `kind = "auto"` tries these (kind, source) pairs in this fixed order: incident.io's proxy
# first, since a genuine Statuspage host answers 404 there.
DETECTION_ORDER: tuple[tuple[str, Source], ...] = (
    ("incidentio", FORMATS["incidentio"][0]),
    ("statuspage", FORMATS["statuspage"][0]),
    ("instatus", FORMATS["instatus"][0]),
    ("betterstack", FORMATS["betterstack"][0]),
    ("datadog", FORMATS["datadog"][0]),
    ("google", FORMATS["google"][0]),
    *(("feed", source) for source in FEED_SOURCES),
)

# A page URL that names a document directly is read with these parsers, by its ending.
DIRECT_PARSERS: tuple[tuple[str, str, Parser], ...] = (
    ("/proxy/", "incidentio", parse_proxy),
    ("/api/v1/summary", "incidentio", parse_widget),
    ("incidents.json", "google", parse_incidents),
    ("index.json", "betterstack", parse_index),
    ("config.json", "datadog", parse_config),
    ("summary.json", "statuspage", parse_summary),
    (".json", "statuspage", parse_summary),
)


def parse_document(parser: Parser, body: bytes, context: ParseContext) -> ParsedPage | str:
    """Run one parser; a ParsedPage, or a one-line reason why the body is unusable.

    Never raises: whatever a page sends, the caller gets a value, its text made safe once here
    (no lone surrogates, control characters or bidi overrides get past this point).
    """
    try:
        return clean_page(parser(body, context))
    except ParseError as error:
        return str(error) or "not a status page"
    except Exception as error:  # noqa: BLE001 - a page must never crash the app
        return f"not a status page: {type(error).__name__}"


def merge(pages: Sequence[ParsedPage]) -> ParsedPage:
    """One ParsedPage from the documents of one source (components and incidents joined)."""
    if len(pages) == 1:
        return pages[0]
    indicators = [page.indicator for page in pages if page.indicator is not None]
    seen: set[str] = set()
    incidents = []
    for page in pages:
        for incident in page.incidents:
            if incident.id not in seen:
                seen.add(incident.id)
                incidents.append(incident)
    components = next((page.components for page in pages if page.components), ())
    return ParsedPage(
        components=components,
        incidents=tuple(incidents),
        indicator=worst(indicators) if indicators else None,
        upcoming=tuple(item for page in pages for item in page.upcoming),
        closed_incident_ids=frozenset().union(*(page.closed_incident_ids for page in pages)),
        closed_incidents=tuple({i.id: i for page in pages for i in page.closed_incidents}.values()),
        unknown_values=tuple(value for page in pages for value in page.unknown_values),
        page_name=next((page.page_name for page in pages if page.page_name), None),
        # The oldest: a source is only as fresh as its stalest document.
        updated_at=min((page.updated_at for page in pages if page.updated_at), default=None),
        windows=tuple(window for page in pages for window in page.windows),
    )


def with_past(page: ParsedPage, listing: ParsedPage) -> ParsedPage:
    """`page` with the incidents a list of past incidents says are over; its open set untouched.

    `page` stays the truth about what is open: an incident it lists as open or upcoming is never
    closed by `listing`, and the open incidents of `listing` are left out, not counted twice.
    """
    current = {incident.id for incident in (*page.incidents, *page.upcoming)}
    known = current | {incident.id for incident in page.closed_incidents}
    over = tuple(incident for incident in listing.closed_incidents if incident.id not in known)
    return replace(
        page,
        closed_incident_ids=page.closed_incident_ids | (listing.closed_incident_ids - current),
        closed_incidents=page.closed_incidents + over,
    )


__all__ = [
    "DETECTION_ORDER",
    "DIRECT_PARSERS",
    "FORMATS",
    "HISTORY",
    "KINDS",
    "Document",
    "ParseContext",
    "ParseError",
    "Parser",
    "Source",
    "lazy_parser",
    "merge",
    "parse_document",
    "parse_feed",
    "with_past",
]
