"""`trayapp providers --check`: does each catalog entry still answer the way the catalog says?

Each provider is read once, as the catalog describes it (its kind's sources, richest first, or
the one document it names); when that gives nothing usable, the page root is tried with the
auto-detection order, so a page that moved to another platform is named as such. Nothing is
remembered and nothing is changed: this only reports.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from trayapp.adapters import (
    DETECTION_ORDER,
    FORMATS,
    Document,
    ParseContext,
    Parser,
    Source,
    parse_document,
    parse_feed,
)
from trayapp.adapters._common import join_url
from trayapp.catalog import NO_FEED, ProviderSpec
from trayapp.i18n import _
from trayapp.model import NO_STATUS_FEED
from trayapp.shell.fetch import Fetcher, FetchError

# A few providers at a time: quick enough for 22 entries, and no page is asked twice at once.
CONCURRENCY = 4


class Verdict(enum.Enum):
    """How a catalog entry compares with what its page answers today."""

    MATCHING = "matching"
    MOVED = "moved"
    UNREACHABLE = "unreachable"
    NO_FEED = "no status feed"


@dataclass(frozen=True)
class Checked:
    """The outcome for one provider: the verdict, the format and URL that answered, or why none did."""

    spec: ProviderSpec
    verdict: Verdict
    kind: str | None = None
    endpoint: str | None = None
    reason: str = ""
    connection: bool = False

    @property
    def matches(self) -> bool:
        """True when the catalog is right about this provider (a listed lack of feed included)."""
        return self.verdict in (Verdict.MATCHING, Verdict.NO_FEED)


@dataclass(frozen=True)
class _Answer:
    """What one source gave: the URL of its first document when it answered, else why not."""

    endpoint: str | None
    reason: str = ""
    connection: bool = False


def _direct(spec: ProviderSpec) -> Source | None:
    """The one document a catalog entry names (its `source`), read with its kind's parser."""
    if not spec.source:
        return None
    sources = FORMATS.get(spec.kind, ())
    parser: Parser = parse_feed if spec.kind == "feed" or not sources else sources[0].documents[0].parse
    return Source("direct", (Document(spec.source, parser),))


def _read(fetcher: Fetcher, root: str, source: Source, context: ParseContext) -> _Answer:
    """Fetch and parse every required document of `source` under `root`."""
    host = urlsplit(root).hostname or ""
    first: str | None = None
    for document in source.documents:
        url = join_url(root, document.path.replace("{host}", host))
        first = first or url
        try:
            fetched = fetcher.get(url)
        except FetchError as error:
            if document.required:
                return _Answer(None, error.reason, error.connection)
            continue
        parsed = parse_document(document.parse, fetched.body, context)
        if isinstance(parsed, str) and document.required:
            return _Answer(None, parsed)
    return _Answer(first)


def _first_answer(
    fetcher: Fetcher, root: str, candidates: Sequence[tuple[str, Source]], context: ParseContext
) -> tuple[str | None, _Answer]:
    """The kind and answer of the first candidate that answers; else the first failure."""
    failure: _Answer | None = None
    for kind, source in candidates:
        answer = _read(fetcher, root, source, context)
        if answer.endpoint is not None:
            return kind, answer
        failure = failure or answer
        if answer.connection:
            break  # the host is not there: asking it again for other formats is no use
    return None, failure or _Answer(None, "no source for this kind")


def check_one(fetcher: Fetcher, spec: ProviderSpec, now: datetime | None = None) -> Checked:
    """Read one provider as the catalog says; failing that, detect what its page is now."""
    if spec.kind == NO_FEED:
        return Checked(spec, Verdict.NO_FEED, reason=NO_STATUS_FEED)
    context = ParseContext(page_url=spec.page, now=now or datetime.now(UTC), match=spec.match)
    direct = _direct(spec)
    if direct is not None:
        own = [(spec.kind, direct)]
    elif spec.kind == "auto":  # whatever answers is what the entry asked for
        own = list(DETECTION_ORDER)
    else:
        own = [(spec.kind, source) for source in FORMATS.get(spec.kind, ())]
    kind, answer = _first_answer(fetcher, spec.root, own, context)
    if kind is not None:
        return Checked(spec, Verdict.MATCHING, kind, answer.endpoint)
    if answer.connection:
        return Checked(spec, Verdict.UNREACHABLE, reason=answer.reason, connection=True)
    tried = {id(source) for _, source in own}
    others = [(k, s) for k, s in DETECTION_ORDER if id(s) not in tried]
    moved_kind, moved = _first_answer(fetcher, spec.root, others, context)
    if moved_kind is not None:
        return Checked(spec, Verdict.MOVED, moved_kind, moved.endpoint, reason=answer.reason)
    return Checked(spec, Verdict.UNREACHABLE, reason=answer.reason)


def check_specs(specs: Sequence[ProviderSpec], fetcher: Fetcher) -> list[Checked]:
    """Check every spec (a few at a time), in the order given."""
    with ThreadPoolExecutor(CONCURRENCY, thread_name_prefix="trayapp-check") as pool:
        return list(pool.map(lambda spec: check_one(fetcher, spec), specs))


def is_offline(results: Sequence[Checked]) -> bool:
    """True when no page could be reached at all: every fetched provider failed at the connection."""
    fetched = [result for result in results if result.verdict is not Verdict.NO_FEED]
    return bool(fetched) and all(result.connection for result in fetched)


def run_check(specs: Sequence[ProviderSpec]) -> list[Checked]:
    """Check `specs` with one shared Fetcher (the built-ins in the app, loopback pages in tests)."""
    fetcher = Fetcher()
    try:
        return check_specs(specs, fetcher)
    finally:
        fetcher.close()


EXIT_OFFLINE = 3


def verdict_words(result: Checked) -> str:
    """The CHECK column: matching, moved to <kind>, unreachable (why), or no status feed."""
    if result.verdict is Verdict.MATCHING:
        # Translators: `trayapp providers --check`: the page answers as the catalog says.
        return _("matching")
    if result.verdict is Verdict.MOVED:
        # Translators: {kind} is a format name: statuspage, incidentio, datadog, feed...
        return _("moved to {kind}").format(kind=result.kind)
    if result.verdict is Verdict.NO_FEED:
        return _("no status feed")
    # Translators: {reason} is a short technical reason in English: "timeout", "HTTP 404".
    return _("unreachable ({reason})").format(reason=result.reason)


def report_lines(results: Sequence[Checked]) -> list[str]:
    """The table `trayapp providers --check` prints, and a closing count."""
    # Translators: the column headings of `trayapp providers --check` (capitals, like the other tables).
    header = (_("ID"), _("CHECK"), _("FORMAT"), _("ENDPOINT"))
    rows = [
        (r.spec.id, verdict_words(r), r.kind or r.spec.kind, r.endpoint or r.spec.source or r.spec.root)
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(f"{cell:<{widths[i]}}" for i, cell in enumerate(row)).rstrip() for row in [header, *rows]
    ]
    matching = sum(1 for r in results if r.matches)
    # Translators: the last line of `trayapp providers --check`.
    count = _("Providers answering as the catalog says: {count} of {total}.")
    lines.append(count.format(count=matching, total=len(results)))
    return lines


def check_exit_code(results: Sequence[Checked]) -> int:
    """0 when every entry matches, 3 when nothing could be reached, 1 otherwise."""
    if is_offline(results):
        return EXIT_OFFLINE
    return 0 if all(result.matches for result in results) else 1
