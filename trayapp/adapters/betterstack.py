"""Better Stack (Better Uptime) status pages: the JSON:API document `index.json`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from trayapp.adapters._common import (
    ParseContext,
    ParseError,
    Vocabulary,
    as_dict,
    as_dicts,
    as_str,
    first_sentence,
    load_json,
    parse_time,
    safe_url,
    strip_markup,
)
from trayapp.model import Component, Incident, ParsedPage, State, Window, worst

STATE = Vocabulary(
    "betterstack state",
    {
        "operational": State.OPERATIONAL,
        "maintenance": State.MAINTENANCE,
        "degraded": State.DEGRADED,
        "downtime": State.MAJOR,
        "degraded_performance": State.DEGRADED,
        "partial_outage": State.PARTIAL,
        "major_outage": State.MAJOR,
    },
)

# A resource Better Stack does not monitor says nothing about the provider: left out entirely.
NOT_MONITORED = "not_monitored"


@dataclass(frozen=True)
class _Document:
    """The parts of index.json the parser needs, indexed by JSON:API type and id."""

    attributes: Mapping[str, Any]
    included: dict[str, list[tuple[str, Mapping[str, Any], Mapping[str, Any]]]]

    def of_type(self, kind: str) -> list[tuple[str, Mapping[str, Any], Mapping[str, Any]]]:
        """(id, attributes, relationships) of every included object of `kind`."""
        return self.included.get(kind, [])

    def names(self, kind: str, key: str) -> dict[str, str]:
        """id -> plain-text attribute `key` for every included object of `kind`."""
        return {item_id: strip_markup(as_str(attrs.get(key))) for item_id, attrs, _ in self.of_type(kind)}


def _load(body: bytes) -> _Document:
    """The document's page attributes and included objects, or ParseError."""
    document = as_dict(load_json(body))
    data = as_dict(document.get("data"))
    attributes = data.get("attributes")
    if not isinstance(attributes, dict):
        raise ParseError("not a status page: no Better Stack status_page data")
    included: dict[str, list[tuple[str, Mapping[str, Any], Mapping[str, Any]]]] = {}
    for item in as_dicts(document.get("included")):
        entry = (as_str(item.get("id")), as_dict(item.get("attributes")), as_dict(item.get("relationships")))
        included.setdefault(as_str(item.get("type")), []).append(entry)
    return _Document(attributes, included)


def _now(context: ParseContext) -> datetime:
    """`context.now` as an aware datetime (a naive one is taken as UTC)."""
    now = context.now
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def _page_url(attributes: Mapping[str, Any], context: ParseContext) -> str | None:
    """The status page's web address: its custom domain, else the configured page root."""
    domain = as_str(attributes.get("custom_domain"))
    if domain:
        url = safe_url(domain if "://" in domain else f"https://{domain}")
        if url:
            return url
    return safe_url(context.page_url)


def _components(doc: _Document, unknown: list[str]) -> list[Component]:
    """The monitored resources as components, grouped by section name."""
    sections = doc.names("status_page_section", "name")
    components = []
    for resource_id, attrs, _ in doc.of_type("status_page_resource"):
        if as_str(attrs.get("status")).lower() == NOT_MONITORED:
            continue
        name = strip_markup(as_str(attrs.get("public_name"))) or resource_id
        if not name:
            continue
        group = sections.get(as_str(attrs.get("status_page_section_id")))
        state = STATE.map(attrs.get("status"), unknown)
        components.append(Component(name=name, state=state, id=resource_id, group=group or None))
    return components


def _affected(attrs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(resource id, status word) of each resource a report or update names."""
    return [
        (as_str(item.get("status_page_resource_id")), as_str(item.get("status")).lower())
        for item in as_dicts(attrs.get("affected_resources"))
    ]


def _impact(attrs: Mapping[str, Any], unknown: list[str]) -> State:
    """An incident report's impact: worst affected status, else its aggregate state, else degraded."""
    statuses = [status for _, status in _affected(attrs) if status and status != NOT_MONITORED]
    if statuses:
        return worst(STATE.map(status, unknown) for status in statuses)
    aggregate = as_str(attrs.get("aggregate_state")).lower()
    if aggregate and aggregate != NOT_MONITORED:
        return STATE.map(aggregate, unknown)
    return State.DEGRADED


def _latest_updates(doc: _Document) -> dict[str, tuple[datetime | None, str]]:
    """report id -> (publication time, plain text) of its newest status update."""
    newest: dict[str, tuple[datetime | None, str]] = {}
    oldest = datetime.min.replace(tzinfo=UTC)
    for _, attrs, _ in doc.of_type("status_update"):
        report_id = as_str(attrs.get("status_report_id"))
        message = first_sentence(strip_markup(as_str(attrs.get("message"))))
        published = parse_time(attrs.get("published_at"))
        current = newest.get(report_id)
        if report_id and message and (current is None or (published or oldest) >= (current[0] or oldest)):
            newest[report_id] = (published, message)
    return newest


def _phase(attrs: Mapping[str, Any], now: datetime) -> str:
    """Whether a report is `upcoming`, `open` (active) or `closed` at `now`."""
    starts = parse_time(attrs.get("starts_at"))
    ends = parse_time(attrs.get("ends_at"))
    if starts is not None and now < starts:
        return "upcoming"
    if ends is None or now < ends:
        return "open"
    return "closed"


@dataclass(frozen=True)
class _ReportContext:
    """What every report needs from the rest of the document."""

    resource_names: dict[str, str]
    updates: dict[str, tuple[datetime | None, str]]
    url: str | None
    unknown: list[str]


def _report(
    report_id: str,
    attrs: Mapping[str, Any],
    phase: str,
    context: _ReportContext,
) -> Incident:
    """One status report as an Incident."""
    maintenance = as_str(attrs.get("report_type")).lower() == "maintenance"
    names = [context.resource_names.get(rid, "") for rid, _ in _affected(attrs)]
    status = "scheduled" if phase == "upcoming" else "in_progress" if maintenance else "ongoing"
    published, message = context.updates.get(report_id, (None, ""))
    return Incident(
        id=report_id,
        name=strip_markup(as_str(attrs.get("title"))) or report_id,
        impact=State.MAINTENANCE if maintenance else _impact(attrs, context.unknown),
        status=status,
        url=context.url,
        started_at=parse_time(attrs.get("starts_at")),
        updated_at=parse_time(attrs.get("updated_at")) or published,
        latest_update=message,
        is_maintenance=maintenance,
        components=tuple(dict.fromkeys(name for name in names if name)),
    )


def _reports(
    doc: _Document, context: _ReportContext, now: datetime
) -> Iterable[tuple[str, str, Incident | None]]:
    """(phase, id, incident) for each status report; the incident is None when closed."""
    for report_id, attrs, _ in doc.of_type("status_report"):
        if not report_id:
            continue
        phase = _phase(attrs, now)
        incident = None if phase == "closed" else _report(report_id, attrs, phase, context)
        yield phase, report_id, incident


def _windows(doc: _Document, context: _ReportContext, now: datetime) -> Iterable[Window]:
    """The reports not over at `now` whose phase the clock will change: each as it reads while open."""
    for report_id, attrs, _ in doc.of_type("status_report"):
        starts, ends = parse_time(attrs.get("starts_at")), parse_time(attrs.get("ends_at"))
        if not report_id or _phase(attrs, now) == "closed":
            continue
        if ends is not None or (starts is not None and now < starts):
            yield Window(_report(report_id, attrs, "open", context), starts, ends)


def parse_index(body: bytes, context: ParseContext) -> ParsedPage:
    """Read a Better Stack `index.json`: resources, aggregate state and status reports."""
    doc = _load(body)
    unknown: list[str] = []
    components = _components(doc, unknown)
    aggregate = as_str(doc.attributes.get("aggregate_state")).lower()
    indicator = STATE.map(aggregate, unknown) if aggregate and aggregate != NOT_MONITORED else None
    report_context = _ReportContext(
        resource_names=doc.names("status_page_resource", "public_name"),
        updates=_latest_updates(doc),
        url=_page_url(doc.attributes, context),
        unknown=unknown,
    )
    incidents: list[Incident] = []
    upcoming: list[Incident] = []
    closed: set[str] = set()
    now = _now(context)
    for phase, report_id, incident in _reports(doc, report_context, now):
        if incident is None:
            closed.add(report_id)
        elif phase == "upcoming":
            upcoming.append(incident)
        else:
            incidents.append(incident)
    return ParsedPage(
        components=tuple(components),
        incidents=tuple(incidents),
        indicator=indicator,
        upcoming=tuple(upcoming),
        closed_incident_ids=frozenset(closed),
        unknown_values=tuple(unknown),
        page_name=strip_markup(as_str(doc.attributes.get("company_name"))) or None,
        updated_at=parse_time(doc.attributes.get("updated_at")),
        windows=tuple(_windows(doc, report_context, now)),
    )
