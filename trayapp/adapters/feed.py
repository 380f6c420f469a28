"""RSS and Atom incident feeds: Statuspage history, incident.io, Better Stack and generic feeds.

Feeds carry no reliable component state, so a feed gives incidents only: each entry is read
for its latest status word (open, upcoming or closed), and entries sharing an id are paired
so the newest one decides. An entry whose status word says it is over is also described as a
past incident, with the feed's time of its resolution when the feed gives one. XML is parsed
only with defusedxml.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET  # the Element type and ParseError only; parsing is defusedxml's
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import defusedxml.ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from trayapp.adapters._common import (
    ParseContext,
    ParseError,
    describe_garbage,
    first_sentence,
    parse_time,
    safe_url,
    strip_markup,
)
from trayapp.model import Incident, ParsedPage, State

OPEN, UPCOMING, CLOSED = "open", "upcoming", "closed"

# An entry that names no status at all counts as open only while it is this fresh.
FRESH_FOR = timedelta(hours=24)

# Statuspage history bodies: `<strong>Word</strong> - text`, newest update first.
_STATUSPAGE_WORDS = {
    "investigating": OPEN,
    "identified": OPEN,
    "monitoring": OPEN,
    "update": OPEN,
    "in progress": OPEN,
    "verifying": OPEN,
    "scheduled": UPCOMING,
    "resolved": CLOSED,
    "postmortem": CLOSED,
    "completed": CLOSED,
}
_MAINTENANCE_WORDS = {"in progress", "verifying", "scheduled", "completed"}
_STRONG = re.compile(r"<strong\b[^>]*>(.*?)</strong>", re.IGNORECASE | re.DOTALL)
_NEXT_UPDATE = re.compile(r"<small\b", re.IGNORECASE)
_SMALL = re.compile(r"<small\b[^>]*>(.*?)</small>", re.IGNORECASE | re.DOTALL)
_STAMP = re.compile(
    r"^(?P<month>[A-Za-z]{3})[a-z]*\.?\s+(?P<day>\d{1,2}),?\s*(?:(?P<year>\d{4}),?\s*)?"
    r"(?:-\s*)?(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*UTC$"
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_AFFECTED_LINE = re.compile(r"\bThis (?:incident|scheduled maintenance) affected:\s*(.+?)\.?\s*$", re.DOTALL)

# incident.io bodies: a "Status: X" label and an "Affected components" list of `Name (Status)`.
_LABEL = re.compile(r"\bStatus:\s*([^<\n]{1,80})", re.IGNORECASE)
_AFFECTED_LIST = re.compile(r"Affected components", re.IGNORECASE)
_LIST_ITEM = re.compile(r"<li\b[^>]*>(.*?)</li>", re.IGNORECASE | re.DOTALL)
_TRAILING_STATUS = re.compile(r"\s*\([^()]*\)\s*$")
_CLOSED_LABELS = ("resolved", "postmortem", "complete", "recovered", "operational")

# Better Stack `/feed` titles.
_BETTERSTACK_TITLE = re.compile(r"^(?P<name>.+?)\s+(?P<verb>went down|recovered)\.?$", re.IGNORECASE)

# Generic feeds: the first status word in the title, else in the body.
_KEYWORDS = re.compile(
    r"\b(resolved|postmortem|completed|recovered|operating normally|investigating|identified|"
    r"monitoring|in progress|verifying|went down|scheduled(?!\s+maintenance))\b",
    re.IGNORECASE,
)
_KEYWORD_PHASES = {
    "resolved": CLOSED,
    "postmortem": CLOSED,
    "completed": CLOSED,
    "recovered": CLOSED,
    "operating normally": CLOSED,
    "scheduled": UPCOMING,
}

_MAINTENANCE_PHRASES = re.compile(
    r"\b(scheduled|planned) maintenance\b|\bmaintenance (is )?in progress\b|\bunder maintenance\b",
    re.IGNORECASE,
)
_MAJOR_TEXT = re.compile(r"\b(major|full|complete|total)\s+outage\b", re.IGNORECASE)
_PARTIAL_TEXT = re.compile(r"\bpartial\s+outage\b", re.IGNORECASE)
_SCRIPTS = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_NAME_SEPARATOR = re.compile(r"(\(|\)|,\s*(?:and\s+)?|\s+and\s+)")
_GROUP = re.compile(r"^(?P<group>.+?)\s*\((?P<children>.+)\)$")


@dataclass(frozen=True)
class _Entry:
    """One feed item or Atom entry: plain title, HTML body, link, id and dates."""

    title: str
    body: str
    link: str
    guid: str
    published: datetime | None
    updated: datetime | None
    revised: datetime | None = None  # an Atom `updated` given besides `published`

    @property
    def when(self) -> datetime | None:
        """The entry's newest date."""
        return self.updated or self.published


@dataclass(frozen=True)
class _Reading:
    """What an entry's text says: its phase, status word, latest update and components."""

    phase: str | None
    word: str
    latest: str = ""
    components: tuple[str, ...] = ()
    maintenance: bool = False
    stamp: str = ""  # the update's own date as the body writes it ("Feb 4, 18:01 UTC")
    first_stamp: str = ""  # the date of the body's oldest update


# ---------------------------------------------------------------------------- XML


def _local(tag: object) -> str:
    """An element's tag without its namespace, lowercase ('' for comments and such)."""
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    """The direct children called `name` (any namespace)."""
    return [child for child in element if _local(child.tag) == name]


def _child(element: ET.Element, *names: str) -> ET.Element | None:
    """The first direct child called one of `names`, in the order of `names`."""
    for name in names:
        for child in element:
            if _local(child.tag) == name:
                return child
    return None


def _inner_html(element: ET.Element) -> str:
    """An element's content as HTML text (child elements rebuilt without namespaces)."""
    parts = [element.text or ""]
    for child in element:
        tag = _local(child.tag)
        if tag:
            parts.append(f"<{tag}>{_inner_html(child)}</{tag}>")
        parts.append(child.tail or "")
    return "".join(parts)


def _text(element: ET.Element | None) -> str:
    """The stripped text of an element (its inner HTML when it has children)."""
    if element is None:
        return ""
    return _inner_html(element).strip()


def _parse_xml(body: bytes) -> ET.Element:
    """The document's root element, or ParseError."""
    reason = describe_garbage(body)
    if not reason.endswith("unreadable response"):
        raise ParseError(reason)
    try:
        return SafeET.fromstring(body)
    except DefusedXmlException:
        raise ParseError("not a status page: XML with forbidden entities or DTD") from None
    except (ET.ParseError, ValueError, UnicodeError, LookupError):
        raise ParseError("not a status page: malformed XML") from None


# ---------------------------------------------------------------------------- entries


def _atom_link(entry: ET.Element) -> str:
    """The entry's alternate link (or its first link with an href)."""
    links = [link for link in _children(entry, "link") if link.get("href")]
    for link in links:
        if link.get("rel") in (None, "", "alternate"):
            return (link.get("href") or "").strip()
    return (links[0].get("href") or "").strip() if links else ""


def _atom_body(entry: ET.Element) -> str:
    """The entry's content (or summary) as HTML."""
    element = _child(entry, "content", "summary")
    if element is None:
        return ""
    kind = (element.get("type") or "").lower()
    if kind == "xhtml":
        return _inner_html(element)
    text = _text(element)
    return html.escape(text) if kind == "text" else text


def _atom_entry(entry: ET.Element) -> _Entry:
    """One Atom entry."""
    published = parse_time(_text(_child(entry, "published", "issued", "created")))
    updated = parse_time(_text(_child(entry, "updated", "modified")))
    return _Entry(
        title=_plain(_text(_child(entry, "title"))),
        body=_atom_body(entry),
        link=_atom_link(entry),
        guid=_text(_child(entry, "id")),
        published=published or updated,
        updated=updated or published,
        revised=updated if published is not None else None,
    )


def _rss_item(item: ET.Element) -> _Entry:
    """One RSS 2.0 (or RSS 1.0) item."""
    guid_element = _child(item, "guid")
    guid = _text(guid_element) or (item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about") or "")
    link = _text(_child(item, "link"))
    permalink = guid_element is not None and guid_element.get("isPermaLink", "true").lower() != "false"
    if not link and permalink and safe_url(guid):
        link = guid
    when = parse_time(_text(_child(item, "pubdate", "date", "updated")))
    return _Entry(
        title=_plain(_text(_child(item, "title"))),
        body=_text(_child(item, "description")) or _text(_child(item, "encoded", "content", "summary")),
        link=link,
        guid=guid.strip(),
        published=when,
        updated=when,
    )


def _entries(root: ET.Element) -> list[_Entry]:
    """Every entry of an RSS 2.0, RSS 1.0 or Atom document; ParseError for anything else."""
    kind = _local(root.tag)
    if kind == "feed":
        return [_atom_entry(entry) for entry in _children(root, "entry")]
    if kind in ("rss", "rdf"):
        channel = _child(root, "channel")
        if channel is None:
            raise ParseError("not a status page: RSS without a channel")
        items = [*_children(channel, "item"), *_children(root, "item")]
        return [_rss_item(item) for item in items]
    if kind == "html":
        raise ParseError("not a status page: got an HTML page")
    raise ParseError("not a status page: not an RSS or Atom feed")


def _entry_id(entry: _Entry) -> str:
    """The link's last path segment for `/incidents/` links, else the guid, link or title."""
    if "/incidents/" in entry.link:
        segments = [segment for segment in urlsplit(entry.link).path.split("/") if segment]
        if segments and segments[-1] != "incidents":
            return segments[-1]
    return entry.guid or entry.link or entry.title


def _newest_per_id(entries: Iterable[_Entry]) -> dict[str, _Entry]:
    """The newest entry of each id (entries without dates: the first, as feeds list newest first)."""
    chosen: dict[str, _Entry] = {}
    for entry in entries:
        entry_id = _entry_id(entry)
        if not entry_id:
            continue
        current = chosen.get(entry_id)
        if current is None or _is_newer(entry, current):
            chosen[entry_id] = entry
    return chosen


def _is_newer(entry: _Entry, other: _Entry) -> bool:
    """True when `entry` is dated after `other` (an undated entry is never newer)."""
    return entry.when is not None and (other.when is None or entry.when > other.when)


def _matches(entry: _Entry, words: tuple[str, ...]) -> bool:
    """True when no words are given or the title (or id/link) contains one of them, any case."""
    wanted = [word.casefold() for word in words if word.strip()]
    if not wanted:
        return True
    haystack = f"{entry.title}\n{entry.guid}\n{entry.link}".casefold()
    return any(word in haystack for word in wanted)


# ---------------------------------------------------------------------------- reading text


def _plain(text: str) -> str:
    """Plain text from untrusted HTML (scripts and styles dropped with their content)."""
    return strip_markup(_SCRIPTS.sub(" ", text))


def _normalize(word: str) -> str:
    """A status word as trayapp writes it: lowercase, runs of other characters as `_`."""
    return re.sub(r"[^a-z0-9]+", "_", word.lower()).strip("_")[:40]


def _split_names(text: str) -> list[str]:
    """Component names from `A, B (x, y) and C`, splitting only outside parentheses."""
    names: list[str] = []
    current, depth = "", 0
    for token in _NAME_SEPARATOR.split(text):
        if token == "(":
            depth += 1
        elif token == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and token and _NAME_SEPARATOR.fullmatch(token):
            names.append(current)
            current = ""
            continue
        current += token
    names.append(current)
    return [name.strip() for name in names if name.strip()]


def _expand_groups(names: Iterable[str]) -> tuple[str, ...]:
    """Each name, with `Group (A, B)` read as the group and its children."""
    result: list[str] = []
    for name in names:
        group = _GROUP.match(name)
        children = _split_names(group.group("children")) if group else []
        if group and len(children) > 1:
            result.extend([group.group("group"), *children])
        else:
            result.append(name)
    return tuple(dict.fromkeys(result))


def _statuspage_reading(body: str) -> _Reading | None:
    """The newest `<strong>Word</strong> - text` update of a Statuspage history body."""
    for match in _STRONG.finditer(body):
        word = strip_markup(match.group(1)).lower()
        if word not in _STATUSPAGE_WORDS:
            continue
        stamps = _SMALL.findall(body[: match.start()])
        stamp = strip_markup(stamps[-1]) if stamps else ""
        every = _SMALL.findall(body)
        first_stamp = strip_markup(every[-1]) if every else ""
        rest = body[match.end() :]
        following = _NEXT_UPDATE.search(rest)
        latest = _plain(rest[: following.start()] if following else rest).lstrip(" -–—:")
        latest = _AFFECTED_LINE.sub("", latest).strip()
        affected = _AFFECTED_LINE.search(_plain(body))
        components = _expand_groups(_split_names(affected.group(1))) if affected else ()
        return _Reading(
            _STATUSPAGE_WORDS[word],
            word,
            latest,
            components,
            maintenance=word in _MAINTENANCE_WORDS,
            stamp=stamp,
            first_stamp=first_stamp,
        )
    return None


def _label_phase(label: str) -> str:
    """The phase a `Status:` label names (anything not closed or scheduled is open)."""
    lowered = label.lower()
    if any(word in lowered for word in _CLOSED_LABELS):
        return CLOSED
    if "scheduled" in lowered or "not started" in lowered:
        return UPCOMING
    return OPEN


def _label_reading(body: str) -> _Reading | None:
    """The `Status: X` label and `Affected components` list of an incident.io body."""
    match = _LABEL.search(body)
    if match is None:
        return None
    label = strip_markup(match.group(1))
    if not label:
        return None
    listed = _AFFECTED_LIST.search(body)
    latest = _plain(body[match.end() : listed.start() if listed else None])
    items = _LIST_ITEM.findall(body[listed.end() :]) if listed else []
    names = (_TRAILING_STATUS.sub("", _plain(item)) for item in items)
    return _Reading(
        _label_phase(label),
        label.lower(),
        latest,
        tuple(dict.fromkeys(name for name in names if name)),
        maintenance="maintenance" in label.lower(),
    )


def _betterstack_reading(title: str, body: str) -> _Reading | None:
    """A Better Stack `<resource> went down` / `<resource> recovered` entry."""
    match = _BETTERSTACK_TITLE.match(title)
    if match is None:
        return None
    down = match.group("verb").lower() == "went down"
    return _Reading(
        OPEN if down else CLOSED,
        "down" if down else "recovered",
        _plain(body),
        (match.group("name"),),
    )


def _keyword_reading(title: str, body: str) -> _Reading:
    """The first status word of the title, else of the body; phase None when there is none."""
    plain = _plain(body)
    match = _KEYWORDS.search(title) or _KEYWORDS.search(plain)
    if match is None:
        return _Reading(None, "unknown", plain)
    word = " ".join(match.group(1).lower().split())
    return _Reading(_KEYWORD_PHASES.get(word, OPEN), word, plain)


def _read(entry: _Entry) -> _Reading:
    """What an entry says, trying the known layouts before generic words."""
    return (
        _statuspage_reading(entry.body)
        or _label_reading(entry.body)
        or _betterstack_reading(entry.title, entry.body)
        or _keyword_reading(entry.title, entry.body)
    )


def _is_maintenance(entry: _Entry, reading: _Reading) -> bool:
    """True when the layout or the text says this is a maintenance."""
    if reading.maintenance or reading.phase == UPCOMING:
        return True
    text = f"{entry.title} {_plain(entry.body)}"
    return bool(_MAINTENANCE_PHRASES.search(text)) or entry.title.lower().startswith("maintenance")


def _text_impact(entry: _Entry) -> State:
    """Degraded, unless the text names a worse status."""
    text = f"{entry.title} {_plain(entry.body)}"
    if _MAJOR_TEXT.search(text):
        return State.MAJOR
    if _PARTIAL_TEXT.search(text):
        return State.PARTIAL
    return State.DEGRADED


def _phase(entry: _Entry, reading: _Reading, now: datetime) -> str:
    """The entry's phase; one naming no status is open only while fresh (or undated)."""
    if reading.phase is not None:
        return reading.phase
    if entry.when is None or now - entry.when <= FRESH_FOR:
        return OPEN
    return CLOSED


def _incident(entry_id: str, entry: _Entry, reading: _Reading) -> Incident:
    """An entry as an Incident."""
    maintenance = _is_maintenance(entry, reading)
    return Incident(
        id=entry_id,
        name=entry.title or first_sentence(_plain(entry.body), 120) or entry_id,
        impact=State.MAINTENANCE if maintenance else _text_impact(entry),
        status=_normalize(reading.word) or "unknown",
        url=safe_url(entry.link),
        started_at=entry.published,
        updated_at=entry.updated,
        latest_update=first_sentence(reading.latest),
        is_maintenance=maintenance,
        components=reading.components,
    )


def _now(context: ParseContext) -> datetime:
    """`context.now` as an aware datetime (a naive one is taken as UTC)."""
    now = context.now
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def _past(entry_id: str, same_id: list[_Entry], entry: _Entry, reading: _Reading) -> Incident:
    """A closed entry as a past incident, with the time of its resolution when the feed says it.

    That time is the date the body gives its resolving update (Statuspage), else the date of a
    separate entry that closes an id listed before (Better Stack's
    "recovered" items), or the `updated` date of an Atom entry updated in place whose latest
    word is the resolution. A single RSS date may be the incident's publication, and a
    postmortem is written after the resolution: neither gives a time (None).
    """
    incident = _incident(entry_id, entry, reading)
    if reading.word == "postmortem":
        return replace(incident, resolved_at=None)
    stated = _stamp_time(reading.stamp, entry.when)
    if stated is not None:
        opened = _stamp_time(reading.first_stamp, entry.when) or incident.started_at or stated
        return replace(incident, started_at=min(opened, stated), resolved_at=stated)
    earlier = [item.published for item in same_id if item is not entry and item.published is not None]
    if earlier and entry.when is not None:
        return replace(incident, started_at=min(earlier), resolved_at=entry.when)
    return replace(incident, resolved_at=entry.revised)


def _stamp_time(stamp: str, near: datetime | None) -> datetime | None:
    """A Statuspage update date ("Feb 4, 18:01 UTC"); the year, when not written, is the one
    that puts it at or just before the entry's own date. None when unreadable or undated.
    """
    found = _STAMP.match(" ".join(stamp.split()).replace(" ,", ","))
    if found is None or near is None or found.group("month").lower() not in _MONTHS:
        return None
    month = _MONTHS.index(found.group("month").lower()) + 1
    day, hour, minute = (int(found.group(key)) for key in ("day", "hour", "minute"))
    years = [int(found.group("year"))] if found.group("year") else [near.year + 1, near.year, near.year - 1]
    for year in years:
        try:
            moment = datetime(year, month, day, hour, minute, tzinfo=UTC)
        except ValueError:
            continue
        if found.group("year") or moment <= near + timedelta(days=1):
            return moment
    return None


def _build(entries: list[_Entry], context: ParseContext) -> ParsedPage:
    """Open, upcoming and closed incidents from the newest entry of each id."""
    now = _now(context)
    incidents: list[Incident] = []
    upcoming: list[Incident] = []
    closed: set[str] = set()
    past: list[Incident] = []
    matching = [entry for entry in entries if _matches(entry, context.match)]
    by_id: dict[str, list[_Entry]] = {}
    for entry in matching:
        by_id.setdefault(_entry_id(entry), []).append(entry)
    for entry_id, entry in _newest_per_id(matching).items():
        reading = _read(entry)
        phase = _phase(entry, reading, now)
        if phase == CLOSED:
            closed.add(entry_id)
            if reading.phase == CLOSED:  # said so in words, not merely stale
                past.append(_past(entry_id, by_id[entry_id], entry, reading))
        elif phase == UPCOMING:
            upcoming.append(_incident(entry_id, entry, reading))
        else:
            incidents.append(_incident(entry_id, entry, reading))
    return ParsedPage(
        incidents=tuple(incidents),
        upcoming=tuple(upcoming),
        closed_incident_ids=frozenset(closed),
        closed_incidents=tuple(past),
    )


def _feed_title(root: ET.Element) -> str | None:
    """The feed's (or RSS channel's) title as plain text."""
    holder = _child(root, "channel") if _local(root.tag) in ("rss", "rdf") else root
    title = _plain(_text(_child(holder, "title"))) if holder is not None else ""
    return title or None


def parse_feed(body: bytes, context: ParseContext) -> ParsedPage:
    """Read an RSS or Atom incident feed: open, upcoming and closed incidents (no components)."""
    try:
        root = _parse_xml(body)
        page = _build(_entries(root), context)
        title = _feed_title(root)
    except RecursionError:
        raise ParseError("not a status page: feed nested too deeply") from None
    return replace(page, page_name=title)
