"""Tolerant helpers shared by the format adapters (pure: no I/O)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

from trayapp.core import urls
from trayapp.model import Component, Incident, ParsedPage, State


class ParseError(ValueError):
    """The document is not a usable status page; the message is a one-line reason."""


@dataclass(frozen=True)
class ParseContext:
    """What a parser may know besides the bytes.

    `page_url` is the provider's page root (for incident links); `now` decides whether a
    maintenance window is active; `match` narrows pages that cover many products
    (Google Cloud, AWS) to the titles that contain one of its words.
    """

    page_url: str
    now: datetime
    match: tuple[str, ...] = ()


@dataclass
class Filed:
    """Incidents and maintenances of one document, sorted as they are read (the first seen wins)."""

    base: str
    unknown: list[str]
    incidents: dict[str, Incident] = field(default_factory=dict)
    upcoming: dict[str, Incident] = field(default_factory=dict)
    closed: set[str] = field(default_factory=set)
    past: dict[str, Incident] = field(default_factory=dict)

    def has(self, item_id: str) -> bool:
        """Whether an item with this id was already filed."""
        return item_id in self.incidents or item_id in self.upcoming or item_id in self.closed

    def page(
        self,
        components: tuple[Component, ...],
        indicator: State | None,
        page_name: str | None,
        updated_at: datetime | None = None,
    ) -> ParsedPage:
        """The parsed page: these components and indicator with everything filed."""
        return ParsedPage(
            components=components,
            incidents=tuple(self.incidents.values()),
            indicator=indicator,
            upcoming=tuple(self.upcoming.values()),
            closed_incident_ids=frozenset(self.closed),
            closed_incidents=tuple(self.past.values()),
            unknown_values=tuple(self.unknown),
            page_name=page_name,
            updated_at=updated_at,
        )


_HTML_START = re.compile(rb"^\s*(<!doctype html|<html|<head|<body)", re.IGNORECASE)


def describe_garbage(body: bytes) -> str:
    """A one-line reason for a body that is not what we expected."""
    if not body.strip():
        return "not a status page: empty response"
    if _HTML_START.match(body[:512]):
        return "not a status page: got an HTML page"
    return "not a status page: unreadable response"


def load_json(body: bytes) -> Any:
    """Decode a JSON body or raise ParseError with a readable reason."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ParseError("not a status page: invalid UTF-8") from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise ParseError(describe_garbage(body)) from None


def as_dict(value: Any) -> Mapping[str, Any]:
    """`value` if it is a JSON object, else an empty mapping."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """`value` if it is a JSON array, else an empty list."""
    return value if isinstance(value, list) else []


def as_dicts(value: Any) -> list[Mapping[str, Any]]:
    """The objects in a JSON array, skipping anything else."""
    return [item for item in as_list(value) if isinstance(item, dict)]


def as_str(value: Any, default: str = "") -> str:
    """`value` as a stripped string when it is a string or number, else `default`."""
    if isinstance(value, bool):
        return default
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float):
        return str(value)
    return default


def parse_time(value: Any) -> datetime | None:
    """An aware UTC datetime from ISO-8601 or RFC-822 text; None when absent or unreadable."""
    text = as_str(value)
    if not text:
        return None
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


class Vocabulary:
    """Maps a platform's words to states; an unknown word maps to unknown and is remembered."""

    def __init__(self, name: str, mapping: Mapping[str, State]) -> None:
        self._name = name
        self._mapping = {key.lower(): state for key, state in mapping.items()}

    def map(self, value: Any, unknown_sink: list[str], default: State | None = None) -> State:
        """The state for `value`; a missing value gives `default` (unknown when None)."""
        word = as_str(value).lower()
        if not word:
            return default if default is not None else State.UNKNOWN
        state = self._mapping.get(word)
        if state is None:
            unknown_sink.append(f"{self._name}={word}")
            return State.UNKNOWN
        return state


def strip_markup(text: str) -> str:
    """Plain text from an HTML fragment: tags dropped, entities decoded, spaces folded."""
    import html

    without_tags = re.sub(r"<[^>]*>", " ", text)
    return " ".join(html.unescape(without_tags).split())


def first_sentence(text: str, limit: int = 240) -> str:
    """The text shortened to at most `limit` characters on a word boundary."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def join_url(base: str, path: str) -> str:
    """`path` under the page root `base` (absolute http(s) paths pass through)."""
    if path.startswith(("http://", "https://")):
        return path
    return base.rstrip("/") + "/" + path.lstrip("/")


def incident_page(base: str, incident_id: str) -> str | None:
    """`<page>/incidents/<id>` when there is an id and the page root is a safe web URL."""
    if not incident_id or not safe_url(base):
        return None
    return safe_url(join_url(base, "incidents/" + quote(incident_id, safe="")))


def safe_url(value: Any) -> str | None:
    """A payload's URL field (trimmed) when `core.urls` lets it be a link, else None."""
    return urls.safe_url(as_str(value))
