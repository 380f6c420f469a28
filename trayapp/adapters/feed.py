"""RSS and Atom incident feeds: Statuspage history, incident.io, Better Stack and generic feeds.

Feeds carry no reliable component state, so a feed gives incidents only: each entry is read
for its latest status word (open, upcoming or closed), and entries sharing an id are paired
so the newest one decides. An entry whose status word says it is over is also described as a
past incident, with the feed's time of its resolution when the feed gives one. XML is parsed
only with defusedxml.

Statuspage history bodies are read as Statuspage means them: an "Update" post keeps the last
real status word; a maintenance is under way only inside its scheduled window or once
"In progress" is its newest real status, and it starts at that update; update dates are read
in whatever zone the page writes them.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET  # the Element type and ParseError only; parsing is defusedxml's
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
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
# "Update" is a post that changes no status: the entry keeps the last real status word.
_NO_STATUS = "update"
# A maintenance is under way from its first update with one of these words.
_UNDER_WAY = ("in progress", "verifying")
_STRONG = re.compile(r"<strong\b[^>]*>(.*?)</strong>", re.IGNORECASE | re.DOTALL)
_NEXT_UPDATE = re.compile(r"<small\b", re.IGNORECASE)
_SMALL = re.compile(r"<small\b[^>]*>(.*?)</small>", re.IGNORECASE | re.DOTALL)
# A maintenance body opens with its window: "THIS IS A SCHEDULED EVENT Jan 16, 12:00 - 16:00 GMT"
# (the end may repeat the date: "Mar 30, 22:00 - Mar 31, 02:00 PDT").
_SCHEDULED_EVENT = re.compile(r"^THIS IS A SCHEDULED EVENT\b\s*(?P<span>.*)$", re.IGNORECASE | re.DOTALL)
_SPAN_DASH = re.compile(r"\s+[-–—]\s+")
# An update date as the page writes it, in the page's own zone: "Nov 29, 00:52 PST",
# "Feb 4, 2026 - 18:01 UTC", "Dec 22, 11:12 CET", "Jan 8, 16:20 +03" (the date is optional
# only for the end of a window).
_STAMP = re.compile(
    r"^(?:(?P<month>[A-Za-z]{3})[a-z]*\.?\s+(?P<day>\d{1,2}),?\s*(?:(?P<year>\d{4}),?\s*)?(?:-\s*)?)?"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?:\s*(?P<half>[ap])\.?m\.?(?![a-z]))?\s*(?P<zone>\S.*)?$",
    re.IGNORECASE,
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_NUMERIC_ZONE = re.compile(
    r"^(?:UTC|GMT)?\s*(?P<sign>[+-])(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?$", re.IGNORECASE
)
# Zone abbreviations a page may write, as minutes east of UTC. Where one is ambiguous the
# reading Statuspage pages use most is taken: CST is US Central, IST is India, AST is Atlantic.
_ZONES = {
    "UTC": 0, "GMT": 0, "UT": 0, "Z": 0, "WET": 0, "WEST": 60, "BST": 60, "IST": 330,
    "CET": 60, "CEST": 120, "MET": 60, "MEST": 120, "EET": 120, "EEST": 180, "MSK": 180,
    "WAT": 60, "CAT": 120, "EAT": 180, "SAST": 120, "GST": 240, "PKT": 300, "ICT": 420,
    "WIB": 420, "HKT": 480, "SGT": 480, "PHT": 480, "AWST": 480, "JST": 540, "KST": 540,
    "ACST": 570, "ACDT": 630, "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780,
    "HST": -600, "AKST": -540, "AKDT": -480, "PST": -480, "PDT": -420, "MST": -420,
    "MDT": -360, "CST": -360, "CDT": -300, "EST": -300, "EDT": -240, "AST": -240,
    "ADT": -180, "NST": -210, "NDT": -150, "BRT": -180, "ART": -180,
}  # fmt: skip
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
    window_end: datetime | None = None  # a Statuspage RSS maintenance's `maintenanceEndDate`

    @property
    def when(self) -> datetime | None:
        """The entry's newest date."""
        return self.updated or self.published


@dataclass(frozen=True)
class _Reading:
    """What an entry's text says: its phase, status word, latest update and components.

    The dates are those the body writes for its updates (Statuspage), None when it writes
    none or they cannot be read: `said_at` of the update that set the status word,
    `first_at` of the oldest update, `began_at` of the first "In progress" update, and
    `window` the maintenance window the body (or the RSS item) states.
    """

    phase: str | None
    word: str
    latest: str = ""
    components: tuple[str, ...] = ()
    maintenance: bool = False
    said_at: datetime | None = None
    first_at: datetime | None = None
    began_at: datetime | None = None
    window: tuple[datetime, datetime] | None = None


@dataclass(frozen=True)
class _Update:
    """One `<small>date</small><br><strong>Word</strong> - text` update of a Statuspage body."""

    word: str
    stamp: str
    text: str


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
        window_end=parse_time(_text(_child(item, "maintenanceenddate"))),
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


def _updates(body: str) -> list[_Update]:
    """The Statuspage updates of a body, newest first, each with the date written before it."""
    updates: list[_Update] = []
    previous = 0
    for match in _STRONG.finditer(body):
        word = strip_markup(match.group(1)).lower()
        if word not in _STATUSPAGE_WORDS:
            continue
        stamps = _SMALL.findall(body, previous, match.start())
        following = _NEXT_UPDATE.search(body, match.end())
        text = body[match.end() : following.start() if following else len(body)]
        updates.append(_Update(word, strip_markup(stamps[-1]) if stamps else "", text))
        previous = match.end()
    return updates


def _scheduled_event(body: str) -> str:
    """The "THIS IS A SCHEDULED EVENT …" header of a maintenance body, as plain text ('' if none)."""
    for match in _STRONG.finditer(body):
        text = strip_markup(match.group(1))
        if _SCHEDULED_EVENT.match(text):
            return text
    return ""


def _statuspage_reading(entry: _Entry) -> _Reading | None:
    """A Statuspage history body: the last real status word, its dates and the window.

    The newest update gives the latest text; an "Update" post changes no status, so the
    status word is that of the newest update carrying a real one.
    """
    body = entry.body
    updates = _updates(body)
    header = _scheduled_event(body)
    if not updates and not header:
        return None
    near = entry.when
    real = [update for update in updates if update.word != _NO_STATUS]
    current = real[0] if real else (updates[0] if updates else _Update("scheduled", "", ""))
    latest = _plain(updates[0].text).lstrip(" -–—:") if updates else ""
    latest = _AFFECTED_LINE.sub("", latest).strip()
    affected = _AFFECTED_LINE.search(_plain(body))
    components = _expand_groups(_split_names(affected.group(1))) if affected else ()
    under_way = [update for update in updates if update.word in _UNDER_WAY]
    return _Reading(
        _STATUSPAGE_WORDS[current.word],
        current.word,
        latest,
        components,
        maintenance=bool(header) or any(update.word in _MAINTENANCE_WORDS for update in updates),
        said_at=_stamp_time(current.stamp, near),
        first_at=_stamp_time(updates[-1].stamp, near) if updates else None,
        began_at=_stamp_time(under_way[-1].stamp, near) if under_way else None,
        window=_window(header, near) or _rss_window(entry),
    )


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
        _statuspage_reading(entry)
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
    if reading.phase is None:
        if entry.when is None or now - entry.when <= FRESH_FOR:
            return OPEN
        return CLOSED
    if reading.maintenance and reading.phase != CLOSED:
        return _maintenance_phase(reading, now)
    return reading.phase


def _maintenance_phase(reading: _Reading, now: datetime) -> str:
    """A maintenance not said to be over is under way once "In progress" is its newest real
    status or while `now` is inside its window, and over once the window has passed (unless
    an "In progress" update written after the window's end says it overruns).
    """
    window = reading.window
    if window is not None and now >= window[1] and not _overruns(reading, window[1]):
        return CLOSED
    if reading.word in _UNDER_WAY:
        return OPEN
    if window is not None:
        return OPEN if now >= window[0] else UPCOMING
    return reading.phase or UPCOMING


def _overruns(reading: _Reading, end: datetime) -> bool:
    """True when an "In progress" (or "Verifying") update was written after the window's end."""
    return reading.word in _UNDER_WAY and reading.said_at is not None and reading.said_at >= end


def _started(entry: _Entry, reading: _Reading) -> datetime | None:
    """When the entry began: a maintenance at its "In progress" update (else its window's
    start); anything else at its oldest update; else the entry's own date.
    """
    if reading.maintenance:
        if reading.began_at is not None:
            return reading.began_at
        if reading.window is not None:
            return reading.window[0]
    return reading.first_at or entry.published


def _incident(entry_id: str, entry: _Entry, reading: _Reading) -> Incident:
    """An entry as an Incident."""
    maintenance = _is_maintenance(entry, reading)
    return Incident(
        id=entry_id,
        name=entry.title or first_sentence(_plain(entry.body), 120) or entry_id,
        impact=State.MAINTENANCE if maintenance else _text_impact(entry),
        status=_normalize(reading.word) or "unknown",
        url=safe_url(entry.link),
        started_at=_started(entry, reading),
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

    That time is the date the body gives its resolving update (Statuspage) or the end of a
    maintenance window that has passed, else the date of a separate entry that closes an id
    listed before (Better Stack's "recovered" items), or the `updated` date of an Atom entry
    updated in place whose latest word is the resolution. A single RSS date may be the
    incident's publication, and a postmortem is written after the resolution: neither gives
    a time (None).
    """
    incident = _incident(entry_id, entry, reading)
    if reading.word == "postmortem":
        return replace(incident, resolved_at=None)
    stated = reading.said_at if reading.phase == CLOSED else None
    if stated is None and reading.phase != CLOSED and reading.window is not None:
        stated = reading.window[1]  # closed because its window has passed
    if stated is not None:
        opened = incident.started_at or stated
        return replace(incident, started_at=min(opened, stated), resolved_at=stated)
    earlier = [item.published for item in same_id if item is not entry and item.published is not None]
    if earlier and entry.when is not None:
        return replace(incident, started_at=min(earlier), resolved_at=entry.when)
    return replace(incident, resolved_at=entry.revised)


# ---------------------------------------------------------------------------- written dates


def _tidy(text: str) -> str:
    """A written date with its spaces folded ("Jan  8 , 16:20" → "Jan 8, 16:20")."""
    return " ".join(text.split()).replace(" ,", ",")


def _offset(zone: str | None) -> timezone | None:
    """The zone a page writes after a time (an abbreviation or a numeric offset), or None."""
    text = (zone or "").strip().strip("()").strip()
    minutes = _ZONES.get(text.upper())
    if minutes is None:
        numeric = _NUMERIC_ZONE.match(text)
        if numeric is None:
            return None
        hours, rest = int(numeric.group("hours")), int(numeric.group("minutes") or 0)
        if hours > 14 or rest > 59:
            return None
        minutes = (hours * 60 + rest) * (-1 if numeric.group("sign") == "-" else 1)
    return timezone(timedelta(minutes=minutes))


def _hour(found: re.Match[str]) -> int | None:
    """The hour of a written time on a 24-hour clock (with am/pm when written)."""
    hour, half = int(found.group("hour")), (found.group("half") or "").lower()
    if not half:
        return hour
    if not 1 <= hour <= 12:
        return None
    return hour % 12 + (12 if half == "p" else 0)


def _moment(found: re.Match[str], zone: timezone, near: datetime) -> datetime | None:
    """A written date in `zone` as UTC; without a written year, the year that puts it
    nearest to `near` (so "Dec 31" in an entry of Jan 1 is the year before).
    """
    month_name = (found.group("month") or "").lower()
    hour = _hour(found)
    if month_name not in _MONTHS or hour is None:
        return None
    month, day, minute = _MONTHS.index(month_name) + 1, int(found.group("day")), int(found.group("minute"))
    years = [int(found.group("year"))] if found.group("year") else [near.year - 1, near.year, near.year + 1]
    best: datetime | None = None
    for year in years:
        try:
            moment = datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)
        except (ValueError, OverflowError):
            continue
        if best is None or abs(moment - near) < abs(best - near):
            best = moment
    return best


def _stamp_time(stamp: str, near: datetime | None) -> datetime | None:
    """A Statuspage update date ("Nov 29, 00:52 PST", "Feb 4, 18:01 UTC") as UTC; the year,
    when not written, is the one nearest the entry's own date. None when unreadable, in a
    zone we do not know, or undated.
    """
    found = _STAMP.match(_tidy(stamp))
    if found is None or near is None:
        return None
    zone = _offset(found.group("zone"))
    return _moment(found, zone, near) if zone is not None else None


def _window(header: str, near: datetime | None) -> tuple[datetime, datetime] | None:
    """The window of a "THIS IS A SCHEDULED EVENT start - end ZONE" header, as UTC."""
    span = _SCHEDULED_EVENT.match(header)
    parts = _SPAN_DASH.split(span.group("span").strip(), maxsplit=1) if span else []
    if len(parts) != 2 or near is None:
        return None
    first, last = _STAMP.match(_tidy(parts[0])), _STAMP.match(_tidy(parts[1]))
    if first is None or last is None:
        return None
    end_zone = _offset(last.group("zone"))
    start_zone = _offset(first.group("zone")) if first.group("zone") else end_zone
    if start_zone is None or end_zone is None:
        return None
    start = _moment(first, start_zone, near)
    if start is None:
        return None
    end = _moment(last, end_zone, start) if last.group("month") else _same_day(start, last, end_zone)
    return (start, end) if end is not None and end > start else None


def _same_day(start: datetime, found: re.Match[str], zone: timezone) -> datetime | None:
    """A window's end written as a time only: that time on the start's day (the next day if
    it would come before the start).
    """
    hour = _hour(found)
    if hour is None:
        return None
    try:
        end = start.astimezone(zone).replace(hour=hour, minute=int(found.group("minute"))).astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return end if end > start else end + timedelta(days=1)


def _rss_window(entry: _Entry) -> tuple[datetime, datetime] | None:
    """A Statuspage RSS maintenance's window: its `pubDate` (the start) to `maintenanceEndDate`."""
    start, end = entry.published, entry.window_end
    return (start, end) if start is not None and end is not None and end > start else None


# ---------------------------------------------------------------------------- the page


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
            if reading.phase is not None:  # said so in words (or by its window), not merely stale
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
