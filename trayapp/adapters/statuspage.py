"""Atlassian Statuspage v2 public JSON, and incident.io's Statuspage-compatible shim.

One parser reads every document shape of the v2 API (summary, status, components, incidents,
unresolved incidents, scheduled maintenances): each key that is present is read, each key that
is missing is simply empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from trayapp.adapters._common import (
    Filed,
    ParseContext,
    ParseError,
    Vocabulary,
    as_dict,
    as_dicts,
    as_str,
    first_sentence,
    incident_page,
    load_json,
    parse_time,
    safe_url,
    strip_markup,
)
from trayapp.model import Component, Incident, ParsedPage, State

COMPONENT_STATUS = Vocabulary(
    "component",
    {
        "operational": State.OPERATIONAL,
        "under_maintenance": State.MAINTENANCE,
        "degraded_performance": State.DEGRADED,
        "partial_outage": State.PARTIAL,
        "major_outage": State.MAJOR,
    },
)
# The page's `status.indicator` and an incident's `impact` use the same words; the two names
# only label an unknown word by where it was found.
IMPACT_STATES: Mapping[str, State] = {
    "none": State.OPERATIONAL,
    "maintenance": State.MAINTENANCE,
    "minor": State.DEGRADED,
    "major": State.PARTIAL,
    "critical": State.MAJOR,
}
INDICATOR = Vocabulary("indicator", IMPACT_STATES)
IMPACT = Vocabulary("impact", IMPACT_STATES)

_TOP_KEYS = ("status", "components", "incidents", "scheduled_maintenances", "page")
_CLOSED = frozenset({"resolved", "postmortem", "completed"})
_MAINTENANCE_ACTIVE = frozenset({"in_progress", "verifying"})
_MAINTENANCE_PENDING = frozenset({"scheduled"})
_INCIDENT_OPEN = frozenset({"investigating", "identified", "monitoring"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_summary(body: bytes, context: ParseContext) -> ParsedPage:
    """Read any Statuspage v2 document (summary, status, components, incidents, maintenances)."""
    document = _document(body)
    unknown: list[str] = []
    page = as_dict(document.get("page"))
    filed = Filed(base=safe_url(page.get("url")) or context.page_url, unknown=unknown)
    for raw, from_maintenances in _items(document):
        _file_item(raw, from_maintenances, filed)
    return filed.page(
        components=_components(document.get("components"), unknown),
        indicator=_indicator(document, unknown),
        page_name=as_str(page.get("name")) or None,
        updated_at=parse_time(page.get("updated_at")),
    )


def _document(body: bytes) -> Mapping[str, Any]:
    """The decoded top-level object, or ParseError when it is not a Statuspage document."""
    document = load_json(body)
    if not isinstance(document, dict):
        raise ParseError("not a status page: expected a JSON object")
    # A key whose value is null says nothing: a page of nulls is not an all-clear.
    present = {key for key in _TOP_KEYS if document.get(key) is not None}
    if not present:
        raise ParseError("not a status page: none of page, status, components, incidents")
    if not present - {"page"}:
        # `page` alone says nothing about health (Instatus' summary.json has one too):
        # reading it as an empty, operational page would be a false all-clear.
        raise ParseError("not a status page: no status, components or incidents")
    return document


def _indicator(document: Mapping[str, Any], unknown: list[str]) -> State | None:
    """The mapped `status.indicator`; None when the document carries no `status`."""
    status = document.get("status")
    if status is None:
        return None
    return INDICATOR.map(as_dict(status).get("indicator"), unknown)


def _components(value: Any, unknown: list[str]) -> tuple[Component, ...]:
    """The leaf components, each with its group's name; group rows are left out."""
    rows = as_dicts(value)
    groups = {as_str(row.get("id")): row for row in rows if _is_group(row)}
    parent_of = _parents(groups)
    leaves: list[Component] = []
    for row in rows:
        if _is_group(row):
            continue
        component_id = as_str(row.get("id"))
        name = as_str(row.get("name")) or component_id
        if not name:
            continue
        group_id = as_str(row.get("group_id")) or parent_of.get(component_id, "")
        group_name = as_str(groups[group_id].get("name")) if group_id in groups else ""
        leaves.append(
            Component(
                name=name,
                state=COMPONENT_STATUS.map(row.get("status"), unknown),
                id=component_id,
                group=group_name or None,
            )
        )
    return tuple(leaves)


def _is_group(row: Mapping[str, Any]) -> bool:
    """A group row: `group: true`, or a non-empty list of child ids."""
    children = row.get("components")
    return row.get("group") is True or (isinstance(children, list) and bool(children))


def _parents(groups: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Child id -> group id, from each group row's `components` list."""
    parents: dict[str, str] = {}
    for group_id, row in groups.items():
        children = row.get("components")
        for child in children if isinstance(children, list) else []:
            child_id = as_str(child)
            if child_id:
                parents.setdefault(child_id, group_id)
    return parents


def _items(document: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], bool]]:
    """Every incident and maintenance object, flagged True when listed as a maintenance."""
    incidents = [(item, False) for item in as_dicts(document.get("incidents"))]
    maintenances = [(item, True) for item in as_dicts(document.get("scheduled_maintenances"))]
    return incidents + maintenances


def _file_item(raw: Mapping[str, Any], from_maintenances: bool, filed: Filed) -> None:
    """File one incident or maintenance as open, upcoming or closed (the first seen wins)."""
    # Without an id the shortlink, then the name, is the best key there is.
    item_id = as_str(raw.get("id")) or as_str(raw.get("shortlink")) or as_str(raw.get("name"))
    if not item_id or filed.has(item_id):
        return
    status = as_str(raw.get("status")).lower()
    if status in _CLOSED:
        filed.closed.add(item_id)
        impact = IMPACT.map(raw.get("impact"), [], default=State.DEGRADED)
        maintenance = from_maintenances or impact is State.MAINTENANCE
        past = _incident(raw, item_id, status, impact, maintenance=maintenance, base=filed.base)
        filed.past[item_id] = replace(past, resolved_at=parse_time(raw.get("resolved_at")))
    elif status in _MAINTENANCE_PENDING:
        filed.upcoming[item_id] = _incident(
            raw, item_id, status, State.MAINTENANCE, maintenance=True, base=filed.base
        )
    elif status in _MAINTENANCE_ACTIVE or from_maintenances:
        _note_status(status, filed.unknown, "maintenance_status")
        filed.incidents[item_id] = _incident(
            raw, item_id, status, State.MAINTENANCE, maintenance=True, base=filed.base
        )
    else:
        _note_status(status, filed.unknown, "incident_status")
        # An open incident that states no impact is still something wrong: degraded.
        impact = IMPACT.map(raw.get("impact"), filed.unknown, default=State.DEGRADED)
        maintenance = impact is State.MAINTENANCE or bool(as_str(raw.get("scheduled_for")))
        filed.incidents[item_id] = _incident(
            raw, item_id, status, impact, maintenance=maintenance, base=filed.base
        )


def _note_status(status: str, unknown: list[str], label: str) -> None:
    """Remember a status word that is neither a known open nor a known active word."""
    if status not in _INCIDENT_OPEN and status not in _MAINTENANCE_ACTIVE:
        unknown.append(f"{label}={status or '(missing)'}")


def _incident(
    raw: Mapping[str, Any], item_id: str, status: str, impact: State, *, maintenance: bool, base: str
) -> Incident:
    """One Incident value from a Statuspage incident or maintenance object."""
    started = parse_time(raw.get("started_at")) or parse_time(raw.get("created_at"))
    if maintenance:
        started = parse_time(raw.get("scheduled_for")) or started
    return Incident(
        id=item_id,
        name=as_str(raw.get("name")) or item_id,
        impact=impact,
        status=status,
        url=_incident_url(raw, base),
        started_at=started,
        updated_at=parse_time(raw.get("updated_at")),
        latest_update=_latest_update(raw.get("incident_updates")),
        is_maintenance=maintenance,
        components=_component_names(raw.get("components")),
        scheduled_until=parse_time(raw.get("scheduled_until")) if maintenance else None,
    )


def _incident_url(raw: Mapping[str, Any], base: str) -> str | None:
    """The shortlink when it is a safe web URL, else `<page>/incidents/<id>` (None without an id)."""
    shortlink = safe_url(raw.get("shortlink"))
    if shortlink:
        return shortlink
    return incident_page(base, as_str(raw.get("id")))


def _latest_update(value: Any) -> str:
    """Plain text of the newest update's body (by time; list order breaks ties)."""
    updates = as_dicts(value)
    if not updates:
        return ""
    newest = max(enumerate(updates), key=lambda pair: (_update_time(pair[1]), -pair[0]))[1]
    return first_sentence(strip_markup(as_str(newest.get("body"))))


def _update_time(update: Mapping[str, Any]) -> datetime:
    """When an update was shown (display_at, created_at or updated_at); epoch when unknown."""
    for key in ("display_at", "created_at", "updated_at"):
        moment = parse_time(update.get(key))
        if moment is not None:
            return moment
    return _EPOCH


def _component_names(value: Any) -> tuple[str, ...]:
    """Unique names of the components an incident lists, in page order."""
    names: list[str] = []
    for component in as_dicts(value):
        name = as_str(component.get("name"))
        if name and name not in names:
            names.append(name)
    return tuple(names)
