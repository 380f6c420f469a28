"""Datadog Status Pages: the page's own public `config.json`.

A Datadog-hosted page (`<prefix>.statuspage.datadoghq.com` or a custom domain) is rendered in
the browser from one unauthenticated document, `/config.json`: the page's name, its component
tree (`ComponentGroup` rows holding `Component` leaves, each with a `status`), its incidents,
resolved ones included (`resolved`, `currentStatus`, `publishedDate`, `resolvedDate`,
`componentsAffected`, `timeline[]`), and its maintenances (`null` when there are none). There is
no page-level indicator: the state is the worst of the leaves and of the open incidents.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from trayapp.adapters._common import (
    ParseContext,
    ParseError,
    Vocabulary,
    as_dicts,
    as_str,
    first_sentence,
    load_json,
    parse_time,
    safe_url,
    strip_markup,
)
from trayapp.model import Component, Incident, ParsedPage, State, worst

# The component words the page's own script accepts; the three Statuspage-style spellings are
# tolerated too, since Datadog's API documents its statuses in those terms in places.
STATUS = Vocabulary(
    "datadog status",
    {
        "operational": State.OPERATIONAL,
        "maintenance": State.MAINTENANCE,
        "under_maintenance": State.MAINTENANCE,
        "degraded": State.DEGRADED,
        "degraded_performance": State.DEGRADED,
        "partial_outage": State.PARTIAL,
        "major_outage": State.MAJOR,
    },
)

_GROUP = "componentgroup"
_LEAF = "component"
_OPEN_STAGES = frozenset({"investigating", "identified", "monitoring"})
_MAINTENANCE_ACTIVE = frozenset({"in_progress"})
_MAINTENANCE_PENDING = frozenset({"scheduled"})
_MAINTENANCE_CLOSED = frozenset({"completed", "canceled", "cancelled"})
_MIN = datetime(1970, 1, 1, tzinfo=UTC)
_PAGE_KEYS = frozenset({"domainPrefix", "pageUrl", "pageType", "visualizationType"})


@dataclass
class _Read:
    """What one document yields, gathered while walking it."""

    unknown: list[str] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    upcoming: list[Incident] = field(default_factory=list)
    closed: list[Incident] = field(default_factory=list)


def _load(body: bytes) -> Mapping[str, Any]:
    """The document, or ParseError when it is not a Datadog page's config.json."""
    document = load_json(body)
    if not isinstance(document, dict):
        raise ParseError("not a status page: expected a Datadog status page object")
    components = document.get("components")
    incidents = document.get("incidents", ())
    if not isinstance(components, list) or not isinstance(incidents, list | None):
        raise ParseError("not a status page: no Datadog component list")
    kinds = {as_str(item.get("type")).lower() for item in as_dicts(components)}
    # Typed component rows, or (for a page without components) the page's own Datadog keys:
    # another platform's JSON with a `components` list must never pass for this one.
    if not kinds & {_GROUP, _LEAF} and not _PAGE_KEYS & document.keys():
        raise ParseError("not a status page: no Datadog components")
    return document


def _leaves(items: Any, group: str | None, depth: int = 0) -> Iterator[tuple[Mapping[str, Any], str | None]]:
    """(leaf, name of its outermost group) for every `Component` under `items`."""
    if depth > 8:  # a page nests one level; a deeper tree is malformed, not a reason to recurse
        return
    for item in as_dicts(items):
        kind = as_str(item.get("type")).lower()
        if kind == _GROUP or (not kind and isinstance(item.get("components"), list)):
            name = strip_markup(as_str(item.get("name"))) or None
            yield from _leaves(item.get("components"), group or name, depth + 1)
        elif kind in (_LEAF, ""):
            yield item, group


def _components(document: Mapping[str, Any], read: _Read) -> list[Component]:
    """The leaf components with their states (group rows carry no status of their own)."""
    components = []
    for leaf, group in _leaves(document.get("components"), None):
        leaf_id = as_str(leaf.get("id"))
        name = strip_markup(as_str(leaf.get("name"))) or leaf_id
        if not name:
            continue
        state = STATUS.map(leaf.get("status"), read.unknown)
        components.append(Component(name=name, state=state, id=leaf_id, group=group))
    return components


def _affected(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(name, status word) of each component an incident, update or maintenance names."""
    return [
        (strip_markup(as_str(entry.get("name"))), as_str(entry.get("status")).lower())
        for entry in as_dicts(item.get("componentsAffected"))
    ]


def _timeline(item: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The updates of an incident, newest first (by `startedAt`, else `createdAt`)."""
    entries = as_dicts(item.get("timeline"))
    stamped = [(parse_time(e.get("startedAt")) or parse_time(e.get("createdAt")), e) for e in entries]
    return [entry for _, entry in sorted(stamped, key=lambda pair: pair[0] or _MIN, reverse=True)]


def _impact(item: Mapping[str, Any], updates: list[Mapping[str, Any]], unknown: list[str]) -> State:
    """An open incident's impact: the worst status it or any of its updates gave a component.

    The incident's own `componentsAffected` holds each component's current status, its updates'
    the status at each step; with neither, an incident still counts as degraded.
    """
    words = [status for _, status in _affected(item) if status]
    words += [status for update in updates for _, status in _affected(update) if status]
    if not words:
        return State.DEGRADED
    return worst(STATUS.map(word, unknown) for word in words)


def _names(item: Mapping[str, Any], updates: list[Mapping[str, Any]]) -> tuple[str, ...]:
    """The names of the components an incident touched, each once."""
    names = [name for name, _ in _affected(item)]
    names += [name for update in updates for name, _ in _affected(update)]
    return tuple(dict.fromkeys(name for name in names if name))


def _latest_text(item: Mapping[str, Any], updates: list[Mapping[str, Any]]) -> str:
    """The newest update's text, else the incident's description."""
    for update in updates:
        text = first_sentence(strip_markup(as_str(update.get("description"))))
        if text:
            return text
    return first_sentence(strip_markup(as_str(item.get("description"))))


def _is_resolved(item: Mapping[str, Any], status: str) -> bool:
    """Whether the page says an incident is over (its `resolved` flag, else its status word)."""
    flag = item.get("resolved")
    if isinstance(flag, bool):
        return flag
    return status == "resolved"


def _incident(item: Mapping[str, Any], url: str | None, read: _Read) -> None:
    """File one incident as open or closed."""
    incident_id = as_str(item.get("id"))
    if not incident_id or item.get("deletedAt"):
        return
    updates = _timeline(item)
    status = (
        as_str(item.get("currentStatus")).lower()
        or as_str(updates[0].get("status") if updates else "").lower()
    )
    resolved = _is_resolved(item, status)
    incident = Incident(
        id=incident_id,
        name=strip_markup(as_str(item.get("title"))) or incident_id,
        impact=_impact(item, updates, read.unknown),
        status="resolved" if resolved else (status if status in _OPEN_STAGES else "investigating"),
        url=url,
        started_at=parse_time(item.get("publishedDate")),
        updated_at=parse_time(item.get("lastModifiedAt")),
        latest_update=_latest_text(item, updates),
        components=_names(item, updates),
        resolved_at=parse_time(item.get("resolvedDate")) if resolved else None,
    )
    (read.closed if resolved else read.incidents).append(incident)


def _maintenance(item: Mapping[str, Any], url: str | None, now: datetime, read: _Read) -> None:
    """File one maintenance as active, upcoming or over."""
    maintenance_id = as_str(item.get("id"))
    status = (as_str(item.get("currentStatus")) or as_str(item.get("status"))).lower()
    if not maintenance_id or item.get("deletedAt") or status in _MAINTENANCE_CLOSED:
        return
    starts = parse_time(item.get("startDate")) or parse_time(item.get("scheduledStartDate"))
    if status in _MAINTENANCE_ACTIVE:
        pending = False
    elif status in _MAINTENANCE_PENDING:
        pending = True
    else:
        if status:
            read.unknown.append(f"datadog maintenance={status}")
        pending = starts is None or now < starts
    maintenance = Incident(
        id=maintenance_id,
        name=strip_markup(as_str(item.get("title"))) or maintenance_id,
        impact=State.MAINTENANCE,
        status="scheduled" if pending else "in_progress",
        url=url,
        started_at=starts,
        updated_at=parse_time(item.get("lastModifiedAt")) or parse_time(item.get("modifiedAt")),
        latest_update=first_sentence(strip_markup(as_str(item.get("description")))),
        is_maintenance=True,
        components=tuple(dict.fromkeys(name for name, _ in _affected(item) if name)),
    )
    (read.upcoming if pending else read.incidents).append(maintenance)


def _page_url(document: Mapping[str, Any], context: ParseContext) -> str | None:
    """The page people open: the configured root, else the page's own address."""
    return safe_url(context.page_url) or safe_url(document.get("pageUrl"))


def parse_config(body: bytes, context: ParseContext) -> ParsedPage:
    """Read a Datadog status page's `config.json`: leaf components, incidents and maintenances."""
    document = _load(body)
    read = _Read()
    components = _components(document, read)
    url = _page_url(document, context)
    for item in as_dicts(document.get("incidents")):
        _incident(item, url, read)
    for item in as_dicts(document.get("maintenances")):
        _maintenance(item, url, context.now, read)
    open_ids = {incident.id for incident in read.incidents}
    closed = [incident for incident in read.closed if incident.id not in open_ids]
    return ParsedPage(
        components=tuple(components),
        incidents=tuple(read.incidents),
        # A page that lists no component says nothing about its health: unknown, not operational.
        indicator=None if components or read.incidents else State.UNKNOWN,
        upcoming=tuple(read.upcoming),
        closed_incident_ids=frozenset(incident.id for incident in closed),
        closed_incidents=tuple(closed),
        unknown_values=tuple(read.unknown),
        page_name=strip_markup(as_str(document.get("name"))) or None,
    )


__all__ = ["STATUS", "parse_config"]
