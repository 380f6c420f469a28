"""Instatus public JSON: `summary.json` (page status, incidents, maintenances) and `v2/components.json`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from trayapp.adapters._common import (
    ParseContext,
    ParseError,
    Vocabulary,
    as_dict,
    as_dicts,
    as_str,
    load_json,
    parse_time,
    safe_url,
    strip_markup,
)
from trayapp.model import Component, Incident, ParsedPage, State

PAGE_STATUS = Vocabulary(
    "instatus page.status",
    {"UP": State.OPERATIONAL, "UNDERMAINTENANCE": State.MAINTENANCE, "HASISSUES": State.DEGRADED},
)

# Component status and incident impact share one vocabulary.
IMPACT = Vocabulary(
    "instatus impact",
    {
        "OPERATIONAL": State.OPERATIONAL,
        "UNDERMAINTENANCE": State.MAINTENANCE,
        "DEGRADEDPERFORMANCE": State.DEGRADED,
        "MINOROUTAGE": State.DEGRADED,
        "PARTIALOUTAGE": State.PARTIAL,
        "MAJOROUTAGE": State.MAJOR,
    },
)

_OPEN_INCIDENT = {"investigating", "identified", "monitoring"}
_CLOSED_INCIDENT = {"resolved"}
# Instatus words for maintenances, and the lowercase words the rest of trayapp uses for them.
_MAINTENANCE_STATUS = {"inprogress": "in_progress", "notstartedyet": "scheduled", "completed": "completed"}


def _load_object(body: bytes) -> Mapping[str, Any]:
    """The top-level JSON object, or ParseError."""
    document = load_json(body)
    if not isinstance(document, dict):
        raise ParseError("not a status page: expected a JSON object")
    return document


def _now(context: ParseContext) -> datetime:
    """`context.now` as an aware datetime (a naive one is taken as UTC)."""
    now = context.now
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def _item_id(item: Mapping[str, Any]) -> str:
    """An incident's id: its `id`, else its url, else its name (empty when it has none)."""
    return as_str(item.get("id")) or as_str(item.get("url")) or as_str(item.get("name"))


def _incident(item: Mapping[str, Any], unknown: list[str]) -> Incident:
    """One active incident (impact mapped; a missing impact counts as degraded)."""
    incident_id = _item_id(item)
    return Incident(
        id=incident_id,
        name=strip_markup(as_str(item.get("name"))) or incident_id,
        impact=IMPACT.map(item.get("impact"), unknown, default=State.DEGRADED),
        status=as_str(item.get("status")).lower(),
        url=safe_url(item.get("url")),
        started_at=parse_time(item.get("started")),
        updated_at=parse_time(item.get("updatedAt")),
    )


def _maintenance(item: Mapping[str, Any], status: str) -> Incident:
    """One maintenance as an Incident (impact maintenance)."""
    maintenance_id = _item_id(item)
    return Incident(
        id=maintenance_id,
        name=strip_markup(as_str(item.get("name"))) or maintenance_id,
        impact=State.MAINTENANCE,
        status=status,
        url=safe_url(item.get("url")),
        started_at=parse_time(item.get("start")),
        updated_at=parse_time(item.get("updatedAt")),
        is_maintenance=True,
    )


def _maintenance_status(item: Mapping[str, Any], now: datetime, unknown: list[str]) -> str:
    """Our word for a maintenance's status; an unknown one is decided by its start time."""
    word = as_str(item.get("status")).lower()
    if word in _MAINTENANCE_STATUS:
        return _MAINTENANCE_STATUS[word]
    if word:
        unknown.append(f"instatus maintenance.status={word}")
    start = parse_time(item.get("start"))
    return "scheduled" if start is not None and start > now else "in_progress"


def parse_summary(body: bytes, context: ParseContext) -> ParsedPage:
    """Read Instatus `summary.json`: page status, active incidents and maintenances."""
    document = _load_object(body)
    page = document.get("page")
    if not isinstance(page, dict):
        raise ParseError("not a status page: no Instatus page object")
    unknown: list[str] = []
    indicator = PAGE_STATUS.map(page.get("status"), unknown) if as_str(page.get("status")) else None
    incidents: list[Incident] = []
    upcoming: list[Incident] = []
    closed: set[str] = set()
    for item in as_dicts(document.get("activeIncidents")):
        if not _item_id(item):
            continue
        word = as_str(item.get("status")).lower()
        if word in _CLOSED_INCIDENT:
            closed.add(_item_id(item))
            continue
        if word and word not in _OPEN_INCIDENT:
            unknown.append(f"instatus incident.status={word}")
        incidents.append(_incident(item, unknown))
    now = _now(context)
    for item in as_dicts(document.get("activeMaintenances")):
        if not _item_id(item):
            continue
        status = _maintenance_status(item, now, unknown)
        if status == "completed":
            closed.add(_item_id(item))
        elif status == "scheduled":
            upcoming.append(_maintenance(item, status))
        else:
            incidents.append(_maintenance(item, status))
    return ParsedPage(
        incidents=tuple(incidents),
        indicator=indicator,
        upcoming=tuple(upcoming),
        closed_incident_ids=frozenset(closed),
        unknown_values=tuple(unknown),
        page_name=as_str(page.get("name")) or None,
    )


def _component(item: Mapping[str, Any], unknown: list[str]) -> Component | None:
    """One leaf component with its group's name; None when it has no name."""
    name = strip_markup(as_str(item.get("name")))
    if not name:
        return None
    group = strip_markup(as_str(as_dict(item.get("group")).get("name")))
    return Component(
        name=name,
        state=IMPACT.map(item.get("status"), unknown),
        id=as_str(item.get("id")),
        group=group or None,
    )


def parse_components(body: bytes, context: ParseContext) -> ParsedPage:
    """Read Instatus `v2/components.json`: leaf components (no page indicator)."""
    document = _load_object(body)
    if not isinstance(document.get("components"), list):
        raise ParseError("not a status page: no Instatus components list")
    unknown: list[str] = []
    components = [_component(item, unknown) for item in as_dicts(document.get("components"))]
    return ParsedPage(
        components=tuple(component for component in components if component is not None),
        unknown_values=tuple(unknown),
    )
