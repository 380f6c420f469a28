"""Reads one provider's page: picks the format's sources, fetches, parses, remembers.

Sources of a format are tried richest first; the first that answers wins. A
connection-level failure (refused, timeout, DNS) stops the round at once: the host is
down, and asking it four times more is neither polite nor useful. `kind = "auto"`
tries the known endpoints in a fixed order and remembers the format that answered. A
built-in whose catalog kind stops answering detects again the same way (`shell.healing`).

Some formats also have a list of past incidents (`adapters.HISTORY`: Statuspage's
`incidents.json`, incident.io's `feed.atom`). It is read along with the first successful read
of a run, then at most once per `HISTORY_EVERY`, with conditional GET, and only for the
incidents it says are over: its failure is logged once and changes nothing else.

A 200 whose body is byte for byte the last one (many pages send no validators) is taken
like a 304: the last parsed page, not parsed again.
A document that answers 304 is not parsed again: its cached page is re-read at the poll's
time (`core.windows.at_time`), so a maintenance window that starts or ends shows on time.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from trayapp.adapters import (
    DETECTION_ORDER,
    DIRECT_PARSERS,
    FORMATS,
    HISTORY,
    Document,
    ParseContext,
    Parser,
    Source,
    merge,
    parse_document,
    parse_feed,
    with_past,
)
from trayapp.adapters._common import join_url
from trayapp.catalog import NO_FEED, ProviderSpec
from trayapp.core.rollup import apply_filter
from trayapp.core.windows import at_time
from trayapp.model import NO_STATUS_FEED, Failure, ParsedPage
from trayapp.shell.fetch import Fetcher, FetchError
from trayapp.shell.healing import Healer

log = logging.getLogger(__name__)

RETRY_RICHER_EVERY = 10
HISTORY_EVERY = timedelta(hours=1)
_DOCUMENT_SUFFIXES = (".json", ".atom", ".rss", ".xml")


@dataclass
class _Cached:
    etag: str | None
    last_modified: str | None
    page: ParsedPage | str
    digest: bytes = b""  # of the body that was parsed into `page`


def _digest(body: bytes) -> bytes:
    """A short fingerprint of a body, to tell an unchanged 200 without keeping the body."""
    return hashlib.sha256(body).digest()


def _direct_document(spec: ProviderSpec) -> str | None:
    """The single document URL a provider names, if any."""
    if spec.source:
        return spec.source
    path = urlsplit(spec.root).path.lower()
    if path.endswith(_DOCUMENT_SUFFIXES) or "/proxy/" in path or path.endswith("/api/v1/summary"):
        return spec.root
    return None


def _direct_parser(url: str, kind: str) -> Parser:
    """The parser for a directly named document, by kind or by its URL."""
    if kind == "feed" or url.lower().endswith((".atom", ".rss", ".xml")):
        return parse_feed
    if kind != "auto" and FORMATS.get(kind):
        for marker, marker_kind, parser in DIRECT_PARSERS:
            if marker_kind == kind and marker in url:
                return parser
        return FORMATS[kind][0].documents[0].parse
    for marker, _, parser in DIRECT_PARSERS:
        if marker in url:
            return parser
    return parse_feed


class PageReader:
    """Reads pages through one Fetcher; keeps validators, parsed pages and detections."""

    def __init__(self, fetcher: Fetcher, detected: dict[str, str] | None = None) -> None:
        self.fetcher = fetcher
        self.detected: dict[str, str] = dict(detected or {})
        # By document and by what its parse depends on: two providers may read one document (a
        # cloud-wide page narrowed to different products) and must not share a parse.
        self._cache: dict[tuple[str, str, tuple[str, ...]], _Cached] = {}
        self._preferred: dict[str, int] = {}
        self._rounds: dict[str, int] = {}
        self._logged_unknown: set[str] = set()
        self._answered: dict[str, Source] = {}  # the source that gave each provider's last page
        self._history_due: dict[str, datetime] = {}
        self._history_failed: set[str] = set()
        self._unreachable: set[str] = set()  # providers whose poll met a failure below HTTP
        self.healer = Healer(self.detected)

    def read(self, spec: ProviderSpec, now: datetime | None = None) -> ParsedPage | Failure:
        """One poll of one provider: a parsed page, or why not."""
        if spec.kind == NO_FEED:
            return Failure(NO_STATUS_FEED)  # nothing to fetch: said at once, without a request
        context = ParseContext(page_url=spec.page, now=now or datetime.now(UTC), match=spec.match)
        catalog, home = spec, spec.page if _direct_document(spec) else spec.root
        spec = self.healer.current(catalog, home)
        self._unreachable.discard(spec.id)
        direct = _direct_document(spec)
        if direct is not None:
            source = Source("direct", (Document(direct, _direct_parser(direct, spec.kind)),))
            result = self._read_source(spec, source, context)
        elif spec.kind == "auto" and spec.id not in self.detected:
            result = self._detect(spec, context)
        else:
            result = self._read_format(spec, self.detected.get(spec.id, spec.kind), context)
        healed = self.healer.after_poll(
            catalog,
            spec,
            result,
            context=context,
            reachable=spec.id not in self._unreachable,
            home=home,
            detect=self._first_format,
            land=self._landing,
        )
        if healed is not None:
            spec, result = healed
            direct = _direct_document(spec)
            self._preferred.pop(spec.id, None)  # an index into the old format's sources
        if isinstance(result, ParsedPage) and direct is None:
            result = self._with_history(spec, result, context)
        if isinstance(result, ParsedPage):
            self._log_unknown_values(spec, result)
            if spec.components:
                result = apply_filter(result, spec.components)
        return result

    def _detect(self, spec: ProviderSpec, context: ParseContext) -> ParsedPage | Failure:
        found = self._first_format(spec, context)
        if isinstance(found, Failure):
            return found
        self.detected[spec.id] = found[0]
        return found[1]

    def _first_format(self, spec: ProviderSpec, context: ParseContext) -> tuple[str, ParsedPage] | Failure:
        """The first format of the detection order that answers at the spec's root, and its page."""
        for kind, source in DETECTION_ORDER:
            result = self._read_source(spec, source, context)
            if isinstance(result, ParsedPage):
                self._answered[spec.id] = source
                log.info("%s: detected a %s page (%s)", spec.name, kind, source.name)
                return kind, result
            if result.connection:
                return result
        return Failure(f"not a status page: no known format at {spec.root}")

    def _landing(self, url: str) -> str | None:
        """Where fetching `url` ends, after redirects; None when it gives no answer."""
        try:
            return (self.fetcher.get(url)).url or None
        except FetchError:
            return None

    def _read_format(self, spec: ProviderSpec, kind: str, context: ParseContext) -> ParsedPage | Failure:
        sources = FORMATS.get(kind, ())
        rounds = self._rounds.get(spec.id, 0) + 1
        self._rounds[spec.id] = rounds
        start = 0 if rounds % RETRY_RICHER_EVERY == 0 else self._preferred.get(spec.id, 0)
        first_failure: Failure | None = None
        all_parse_errors = True
        for index in range(start, len(sources)):
            result = self._read_source(spec, sources[index], context)
            if isinstance(result, ParsedPage):
                if self._preferred.get(spec.id, 0) != index:
                    log.info("%s: reading %s", spec.name, sources[index].name)
                self._preferred[spec.id] = index
                self._answered[spec.id] = sources[index]
                return result
            first_failure = first_failure or result
            if result.connection or result.retry_after is not None:
                all_parse_errors = False
                break
            all_parse_errors = all_parse_errors and result.reason.startswith("not a status page")
        if spec.kind == "auto" and all_parse_errors and spec.id in self.detected:
            log.info("%s: the detected format no longer answers; detecting again", spec.name)
            del self.detected[spec.id]
        return first_failure or Failure(f"no source for kind {kind!r}")

    def _with_history(self, spec: ProviderSpec, page: ParsedPage, context: ParseContext) -> ParsedPage:
        """`page` with the past incidents of the format's history document, when one is due.

        Due at the first successful read of a run, then once per HISTORY_EVERY (a failed try
        waits as long). Skipped when the source that answered was that document itself.
        """
        document = HISTORY.get(self.detected.get(spec.id, spec.kind))
        if document is None:
            return page
        due = self._history_due.get(spec.id)
        if due is not None and context.now < due:
            return page
        self._history_due[spec.id] = context.now + HISTORY_EVERY
        answered = self._answered.get(spec.id)
        if answered is not None and any(d.path == document.path for d in answered.documents):
            return page
        host = urlsplit(spec.root).hostname or ""
        url = join_url(spec.root, document.path.replace("{host}", host))
        listing = self._read_document(url, document.parse, context)
        if isinstance(listing, Failure):
            if spec.id not in self._history_failed:
                self._history_failed.add(spec.id)
                log.info("%s: no list of past incidents at %s (%s)", spec.name, url, listing.reason)
            return page
        return with_past(page, listing)

    def _read_source(self, spec: ProviderSpec, source: Source, context: ParseContext) -> ParsedPage | Failure:
        host = urlsplit(spec.root).hostname or ""
        pages: list[ParsedPage] = []
        for document in source.documents:
            url = join_url(spec.root, document.path.replace("{host}", host))
            result = self._read_document(url, document.parse, context)
            if isinstance(result, Failure):
                if result.connection:
                    self._unreachable.add(spec.id)
                if document.required:
                    return result
                continue
            pages.append(result)
        return merge(pages)

    def _read_document(self, url: str, parser: Parser, context: ParseContext) -> ParsedPage | Failure:
        key = (url, context.page_url, context.match)
        cached = self._cache.get(key)
        try:
            fetched = self.fetcher.get(
                url,
                etag=cached.etag if cached else None,
                last_modified=cached.last_modified if cached else None,
            )
        except FetchError as error:
            return Failure(error.reason, error.retry_after, error.connection)
        digest = b"" if fetched.not_modified else _digest(fetched.body)
        if cached is not None and (fetched.not_modified or digest == cached.digest):
            # Unchanged, but its maintenance windows may have started or ended since it was parsed.
            page = at_time(cached.page, context.now) if isinstance(cached.page, ParsedPage) else cached.page
            if not fetched.not_modified:
                cached.etag, cached.last_modified = fetched.etag, fetched.last_modified
        else:
            page = parse_document(parser, fetched.body, context)
            self._cache[key] = _Cached(fetched.etag, fetched.last_modified, page, digest)
        return page if isinstance(page, ParsedPage) else Failure(page)

    def _log_unknown_values(self, spec: ProviderSpec, page: ParsedPage) -> None:
        for value in page.unknown_values:
            key = f"{spec.id}:{value}"
            if key not in self._logged_unknown:
                self._logged_unknown.add(key)
                log.warning("%s: unknown status value %s (shown as unknown)", spec.name, value)
