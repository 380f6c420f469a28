"""incident.io status pages: the frontend proxy JSON and the documented Widget API.

The Statuspage-compatible shim (`/api/v2/*.json`) is read by `statuspage.parse_summary`.
Neither document lists past incidents: a resolved incident normally just leaves
`ongoing_incidents`. One that lingers there marked resolved is given as a past incident, with
its time of resolution when the document states it (the proxy's resolving update, the widget's
last update); the page's feed (`feed.atom`) is where past incidents are read from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from trayapp.adapters._common import (
    Filed,
    ParseContext,
    ParseError,
    Vocabulary,
    as_dict,
    as_dicts,
    as_list,
    as_str,
    first_sentence,
    incident_page,
    load_json,
    parse_time,
    safe_url,
    strip_markup,
)
from trayapp.model import Component, Incident, ParsedPage, State, Window, worst

STATUS = Vocabulary(
    "status",
    {
        "operational": State.OPERATIONAL,
        "under_maintenance": State.MAINTENANCE,
        "degraded_performance": State.DEGRADED,
        "partial_outage": State.PARTIAL,
        "full_outage": State.MAJOR,
        "major_outage": State.MAJOR,
    },
)

_PROXY_KEYS = ("structure", "affected_components", "ongoing_incidents", "public_url")
_WIDGET_KEYS = ("page_title", "ongoing_incidents", "in_progress_maintenances", "scheduled_maintenances")
_OPEN = frozenset({"investigating", "identified", "monitoring"})
_CLOSED = frozenset({"resolved", "closed", "maintenance_complete", "completed"})
_MAINTENANCE_ACTIVE = "maintenance_in_progress"
_MAINTENANCE_PENDING = "maintenance_scheduled"
_INLINE_NODES = frozenset({"paragraph", "heading", "listItem", "list_item", "blockquote"})
_MAX_DEPTH = 40
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class _Leaf:
    """A visible component from the proxy's `structure`."""

    id: str
    name: str
    group: str | None


@dataclass
class _Filed(Filed):
    """A proxy document's filing, with the component names and the time it is read at."""

    names: Mapping[str, str] = field(kw_only=True)
    now: datetime = field(kw_only=True)
    windows: list[Window] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Frontend proxy: /proxy/<host>


def parse_proxy(body: bytes, context: ParseContext) -> ParsedPage:
    """Read the status page's own frontend JSON (`/proxy/<host>`): components and incidents."""
    summary = _proxy_summary(body)
    unknown: list[str] = []
    leaves = _leaves(summary)
    names = {leaf.id: leaf.name for leaf in leaves}
    affected = _affected_statuses(summary.get("affected_components"))
    components = tuple(
        Component(
            name=leaf.name, state=_leaf_state(affected.get(leaf.id), unknown), id=leaf.id, group=leaf.group
        )
        for leaf in leaves
    )
    base = safe_url(summary.get("public_url")) or context.page_url
    filed = _Filed(names=names, base=base, now=context.now, unknown=unknown)
    for raw in as_dicts(summary.get("ongoing_incidents")):
        _file_proxy_incident(raw, filed)
    for raw in as_dicts(summary.get("scheduled_maintenances")):
        _file_proxy_maintenance(raw, filed)
    if not leaves and not filed.incidents and not filed.upcoming and not as_dicts(summary.get("components")):
        raise ParseError("not a status page: no components or incidents")
    page = filed.page(components=components, indicator=None, page_name=as_str(summary.get("name")) or None)
    return replace(page, windows=tuple(filed.windows))


def _proxy_summary(body: bytes) -> Mapping[str, Any]:
    """The proxy's summary object (`{"summary": {...}}` or the same keys at top level)."""
    document = load_json(body)
    if not isinstance(document, dict):
        raise ParseError("not a status page: expected a JSON object")
    summary = document.get("summary")
    candidate = summary if isinstance(summary, dict) else document
    if not any(key in candidate for key in _PROXY_KEYS):
        if "component_impacts" in document or "incident_links" in document:
            raise ParseError("not a status page: incident.io impact history, not the proxy summary")
        raise ParseError("not a status page: not an incident.io proxy payload")
    return candidate


def _leaves(summary: Mapping[str, Any]) -> list[_Leaf]:
    """Visible leaves of `structure` (hidden ones dropped); the flat list when it is empty."""
    items = as_dicts(as_dict(summary.get("structure")).get("items"))
    if not items:
        flat = [_flat_leaf(row) for row in as_dicts(summary.get("components"))]
        return [leaf for leaf in flat if leaf.id]
    leaves: list[_Leaf] = []
    for item in items:
        group = as_dict(item.get("group"))
        if group:
            if group.get("hidden") is not True:
                group_name = as_str(group.get("name")) or None
                leaves.extend(_structure_leaves(group.get("components"), group_name))
        else:
            leaves.extend(_structure_leaves([item.get("component")], None))
    return leaves


def _structure_leaves(rows: Any, group: str | None) -> list[_Leaf]:
    """The visible leaves among `rows` of one group (or standalone)."""
    leaves: list[_Leaf] = []
    for row in as_dicts(rows):
        leaf_id = as_str(row.get("component_id")) or as_str(row.get("id"))
        name = as_str(row.get("name")) or leaf_id
        if leaf_id and row.get("hidden") is not True:
            leaves.append(_Leaf(leaf_id, name, group))
    return leaves


def _flat_leaf(row: Mapping[str, Any]) -> _Leaf:
    """A leaf from the flat `components` list (used only when `structure` is empty)."""
    leaf_id = as_str(row.get("id")) or as_str(row.get("component_id"))
    return _Leaf(leaf_id, as_str(row.get("name")) or leaf_id, None)


def _affected_statuses(value: Any) -> dict[str, list[Any]]:
    """Component id -> the raw status values the page lists for it."""
    statuses: dict[str, list[Any]] = {}
    for entry in as_dicts(value):
        component_id = as_str(entry.get("component_id")) or as_str(entry.get("id"))
        if component_id:
            statuses.setdefault(component_id, []).append(entry.get("status"))
    return statuses


def _leaf_state(raw_statuses: list[Any] | None, unknown: list[str]) -> State:
    """Operational when not affected; an affected entry without a status is degraded."""
    if not raw_statuses:
        return State.OPERATIONAL
    return worst(STATUS.map(value, unknown, default=State.DEGRADED) for value in raw_statuses)


def _file_proxy_incident(raw: Mapping[str, Any], filed: _Filed) -> None:
    """File one `ongoing_incidents` entry as open (or closed when it says resolved)."""
    incident_id = _key(raw)
    if not incident_id or filed.has(incident_id):
        return
    status = as_str(raw.get("status")).lower()
    if status in _CLOSED:
        filed.closed.add(incident_id)
        impact = _proxy_impact(raw, _open_impacts(raw, filed.now), [])
        past = _proxy_incident(raw, incident_id, status, impact, filed, maintenance=False)
        filed.past[incident_id] = replace(past, resolved_at=_resolution_time(raw))
        return
    if status and status not in _OPEN:
        filed.unknown.append(f"incident_status={status}")
    impact = _proxy_impact(raw, _open_impacts(raw, filed.now), filed.unknown)
    filed.incidents[incident_id] = _proxy_incident(raw, incident_id, status, impact, filed, maintenance=False)


def _file_proxy_maintenance(raw: Mapping[str, Any], filed: _Filed) -> None:
    """File one proxy maintenance as active, upcoming or over."""
    maintenance_id = _key(raw)
    if not maintenance_id or filed.has(maintenance_id):
        return
    status = as_str(raw.get("status")).lower()
    phase = _maintenance_phase(raw, status, filed.now, filed.unknown)
    if phase == "closed":
        filed.closed.add(maintenance_id)
        return
    incident = _proxy_incident(raw, maintenance_id, status, State.MAINTENANCE, filed, maintenance=True)
    (filed.incidents if phase == "active" else filed.upcoming)[maintenance_id] = incident
    if status not in (_MAINTENANCE_ACTIVE, _MAINTENANCE_PENDING):
        # Decided by its window: decided again by the clock at every poll (also on a 304).
        starts, ends = parse_time(raw.get("starts_at")), parse_time(raw.get("ends_at"))
        filed.windows.append(Window(incident, starts, ends, upcoming_status=status))


def _maintenance_phase(raw: Mapping[str, Any], status: str, now: datetime, unknown: list[str]) -> str:
    """`active`, `upcoming` or `closed`: by the status word, by the window when it is unknown."""
    if status == _MAINTENANCE_ACTIVE:
        return "active"
    if status == _MAINTENANCE_PENDING:
        return "upcoming"
    if status in _CLOSED:
        return "closed"
    unknown.append(f"maintenance_status={status or '(missing)'}")
    starts, ends = parse_time(raw.get("starts_at")), parse_time(raw.get("ends_at"))
    if ends is not None and ends <= now:
        return "closed"
    if starts is not None and starts > now:
        return "upcoming"
    return "active"


def _open_impacts(raw: Mapping[str, Any], now: datetime) -> list[Mapping[str, Any]]:
    """The incident's per-component impacts that have not ended (affected list first)."""
    affected = as_dicts(raw.get("affected_components"))
    if affected:
        return affected
    impacts = as_dicts(raw.get("component_impacts"))
    return [entry for entry in impacts if not _ended(entry, now)] or impacts


def _ended(entry: Mapping[str, Any], now: datetime) -> bool:
    """Whether a component impact's `end_at` lies in the past."""
    end = parse_time(entry.get("end_at"))
    return end is not None and end <= now


def _proxy_impact(raw: Mapping[str, Any], impacts: list[Mapping[str, Any]], unknown: list[str]) -> State:
    """`current_worst_impact`, else the worst component impact, else degraded."""
    if as_str(raw.get("current_worst_impact")):
        return STATUS.map(raw.get("current_worst_impact"), unknown)
    if impacts:
        return worst(STATUS.map(entry.get("status"), unknown, default=State.DEGRADED) for entry in impacts)
    return State.DEGRADED


def _resolution_time(raw: Mapping[str, Any]) -> datetime | None:
    """When the proxy's newest update that moved the incident to resolved was published."""
    resolving = [
        update
        for update in as_dicts(raw.get("updates"))
        if (as_str(update.get("to_status")) or as_str(update.get("status"))).lower() in _CLOSED
    ]
    return _first_time(_newest(resolving, "published_at"), ("published_at",))


def _proxy_incident(
    raw: Mapping[str, Any], incident_id: str, status: str, impact: State, filed: _Filed, *, maintenance: bool
) -> Incident:
    """One Incident value from a proxy incident or maintenance object."""
    updates = as_dicts(raw.get("updates"))
    newest = _newest(updates, "published_at")
    started_keys = ("starts_at", "published_at") if maintenance else ("published_at", "starts_at")
    return Incident(
        id=incident_id,
        name=as_str(raw.get("name")) or incident_id,
        impact=impact,
        status=status,
        url=incident_page(filed.base, as_str(raw.get("id"))),
        started_at=_first_time(raw, (*started_keys, "started_at", "created_at")),
        updated_at=_first_time(raw, ("last_update_at", "updated_at"))
        or _first_time(newest, ("published_at",)),
        latest_update=_update_text(newest),
        is_maintenance=maintenance,
        components=_affected_names(raw, filed.names),
    )


def _affected_names(raw: Mapping[str, Any], names: Mapping[str, str]) -> tuple[str, ...]:
    """Names of the visible leaves an incident affects, in the order the page lists them."""
    entries = as_dicts(raw.get("affected_components")) or as_dicts(raw.get("component_impacts"))
    ids = (as_str(entry.get("component_id")) or as_str(entry.get("id")) for entry in entries)
    return _unique(names[component_id] for component_id in ids if component_id in names)


def _update_text(update: Mapping[str, Any]) -> str:
    """Plain text of one update: `message_string`, else the text of its rich-text document."""
    text = as_str(update.get("message_string"))
    if not text:
        text = _rich_text(as_dict(update.get("message")).get("text_node"), 0)
    return first_sentence(strip_markup(text))


def _rich_text(node: Any, depth: int) -> str:
    """The text of a rich-text node: its `text`, or its children's (paragraphs space-separated)."""
    if depth > _MAX_DEPTH:
        return ""
    if isinstance(node, list):
        return " ".join(_rich_text(child, depth + 1) for child in node)
    if not isinstance(node, dict):
        return ""
    if isinstance(node.get("text"), str):
        return str(node["text"])
    parts = [_rich_text(child, depth + 1) for child in as_list(node.get("content"))]
    joiner = "" if as_str(node.get("type")) in _INLINE_NODES else " "
    return joiner.join(parts)


# --------------------------------------------------------------------------------------------
# Widget API: /api/v1/summary


def parse_widget(body: bytes, context: ParseContext) -> ParsedPage:
    """Read the documented Widget API (`/api/v1/summary`): affected components and incidents."""
    document = _widget_document(body)
    unknown: list[str] = []
    base = safe_url(document.get("page_url")) or context.page_url
    ongoing = as_dicts(document.get("ongoing_incidents"))
    active = as_dicts(document.get("in_progress_maintenances"))
    incidents: dict[str, Incident] = {}
    closed: dict[str, Incident] = {}
    for raw in ongoing:
        _file_widget_incident(raw, base, unknown, incidents, closed)
    for raw in active:
        _add_widget(incidents, raw, State.MAINTENANCE, True, base)
    upcoming: dict[str, Incident] = {}
    for raw in as_dicts(document.get("scheduled_maintenances")):
        _add_widget(upcoming, raw, State.MAINTENANCE, True, base)
    return ParsedPage(
        components=_widget_components([*ongoing, *active], unknown),
        incidents=tuple(incidents.values()),
        indicator=None,
        upcoming=tuple(upcoming.values()),
        closed_incident_ids=frozenset(closed),
        closed_incidents=tuple(closed.values()),
        unknown_values=tuple(unknown),
        page_name=as_str(document.get("page_title")) or None,
    )


def _widget_document(body: bytes) -> Mapping[str, Any]:
    """The widget's top-level object, or ParseError when it is not one."""
    document = load_json(body)
    if not isinstance(document, dict):
        raise ParseError("not a status page: expected a JSON object")
    if not any(key in document for key in _WIDGET_KEYS):
        raise ParseError("not a status page: not an incident.io widget summary")
    if not any(key in document for key in _WIDGET_KEYS[:3]) and (
        "page" in document or "incidents" in document
    ):
        raise ParseError("not a status page: Statuspage JSON, not an incident.io widget summary")
    return document


def _file_widget_incident(
    raw: Mapping[str, Any],
    base: str,
    unknown: list[str],
    incidents: dict[str, Incident],
    closed: dict[str, Incident],
) -> None:
    """File one ongoing widget incident as open (or closed when it says resolved).

    A resolved one's last update is its resolution: `last_update_at` is when it was resolved.
    """
    status = as_str(raw.get("status")).lower()
    if status in _CLOSED:
        _add_widget(closed, raw, _widget_impact(raw, []), False, base)
        incident_id = _key(raw)
        if incident_id in closed:
            closed[incident_id] = replace(closed[incident_id], resolved_at=closed[incident_id].updated_at)
        return
    if status and status not in _OPEN:
        unknown.append(f"incident_status={status}")
    _add_widget(incidents, raw, _widget_impact(raw, unknown), False, base)


def _widget_impact(raw: Mapping[str, Any], unknown: list[str]) -> State:
    """`current_worst_impact`, else the worst affected component status, else degraded."""
    if as_str(raw.get("current_worst_impact")):
        return STATUS.map(raw.get("current_worst_impact"), unknown)
    statuses = [entry.get("current_status") for entry in as_dicts(raw.get("affected_components"))]
    if statuses:
        return worst(STATUS.map(value, [], default=State.DEGRADED) for value in statuses)
    return State.DEGRADED


def _add_widget(
    target: dict[str, Incident], raw: Mapping[str, Any], impact: State, maintenance: bool, base: str
) -> None:
    """Add one widget incident or maintenance to `target` (the first one with an id wins)."""
    incident_id = _key(raw)
    if not incident_id or incident_id in target:
        return
    started_keys = (
        ("started_at", "starts_at", "published_at") if maintenance else ("published_at", "started_at")
    )
    target[incident_id] = Incident(
        id=incident_id,
        name=as_str(raw.get("name")) or incident_id,
        impact=impact,
        status=as_str(raw.get("status")).lower(),
        url=safe_url(raw.get("url")) or incident_page(base, as_str(raw.get("id"))),
        started_at=_first_time(raw, started_keys),
        updated_at=_first_time(raw, ("last_update_at",)),
        latest_update=first_sentence(strip_markup(as_str(raw.get("last_update_message")))),
        is_maintenance=maintenance,
        components=_unique(as_str(entry.get("name")) for entry in as_dicts(raw.get("affected_components"))),
    )


def _widget_components(items: Iterable[Mapping[str, Any]], unknown: list[str]) -> tuple[Component, ...]:
    """The affected components of open incidents and maintenances, each at its worst status."""
    found: dict[str, Component] = {}
    for item in items:
        for entry in as_dicts(item.get("affected_components")):
            component = _widget_component(entry, unknown)
            if component is None:
                continue
            key = component.id or component.name
            previous = found.get(key)
            if previous is None or component.state > previous.state:
                found[key] = component
    return tuple(found.values())


def _widget_component(entry: Mapping[str, Any], unknown: list[str]) -> Component | None:
    """One affected component of the widget; None when it has neither name nor id."""
    component_id = as_str(entry.get("id"))
    name = as_str(entry.get("name")) or component_id
    if not name:
        return None
    return Component(
        name=name,
        state=STATUS.map(entry.get("current_status"), unknown, default=State.DEGRADED),
        id=component_id,
        group=as_str(entry.get("group_name")) or None,
    )


# --------------------------------------------------------------------------------------------
# Shared helpers


def _key(raw: Mapping[str, Any]) -> str:
    """The incident's id; its name when the page sends none (better than dropping it)."""
    return as_str(raw.get("id")) or as_str(raw.get("name"))


def _first_time(raw: Mapping[str, Any], keys: Iterable[str]) -> datetime | None:
    """The first readable timestamp among `keys`."""
    for key in keys:
        moment = parse_time(raw.get(key))
        if moment is not None:
            return moment
    return None


def _newest(updates: list[Mapping[str, Any]], key: str) -> Mapping[str, Any]:
    """The update with the latest `key` timestamp (the last listed on ties); {} when none."""
    if not updates:
        return {}
    return max(enumerate(updates), key=lambda pair: (parse_time(pair[1].get(key)) or _EPOCH, pair[0]))[1]


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    """Non-empty names without repeats, in first-seen order."""
    seen: list[str] = []
    for name in names:
        if name and name not in seen:
            seen.append(name)
    return tuple(seen)
