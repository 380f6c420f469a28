"""Google Cloud `incidents.json`: a long incident history, narrowed to open ones and matching products."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trayapp.adapters._common import (
    ParseContext,
    ParseError,
    Vocabulary,
    as_dict,
    as_dicts,
    as_str,
    first_sentence,
    join_url,
    load_json,
    parse_time,
    safe_url,
    strip_markup,
)
from trayapp.model import Incident, ParsedPage, State

DASHBOARD = "https://status.cloud.google.com/"

IMPACT = Vocabulary(
    "google status_impact",
    {
        "SERVICE_INFORMATION": State.DEGRADED,
        "SERVICE_DISRUPTION": State.PARTIAL,
        "SERVICE_OUTAGE": State.MAJOR,
        "AVAILABLE": State.OPERATIONAL,
    },
)


def _products(item: Mapping[str, Any]) -> list[str]:
    """The titles of the products an incident names (affected products, then its service)."""
    titles = [
        strip_markup(as_str(product.get("title"))) for product in as_dicts(item.get("affected_products"))
    ]
    titles.append(strip_markup(as_str(item.get("service_name"))))
    return list(dict.fromkeys(title for title in titles if title))


def _matches(item: Mapping[str, Any], words: Sequence[str]) -> bool:
    """True when no words are given, a product title contains one (any case) or a product id is one.

    Ids are compared whole: a product keeps its id when Google renames it.
    """
    wanted = [word.casefold() for word in words if word.strip()]
    if not wanted:
        return True
    ids = {as_str(product.get("id")) for product in as_dicts(item.get("affected_products"))}
    if any(word.strip() in ids for word in words):
        return True
    return any(word in title.casefold() for title in _products(item) for word in wanted)


def _incident_id(item: Mapping[str, Any]) -> str:
    """An incident's id: `id`, else its `uri`, else its title (empty when none)."""
    return as_str(item.get("id")) or as_str(item.get("uri")) or as_str(item.get("external_desc"))


def _is_open(item: Mapping[str, Any]) -> bool:
    """Open iff `end` is missing, null or empty."""
    return not as_str(item.get("end"))


def _impact(item: Mapping[str, Any], unknown: list[str]) -> State:
    """The mapped `status_impact`, else the latest update's status, else degraded."""
    latest = as_dict(item.get("most_recent_update"))
    word = as_str(item.get("status_impact")) or as_str(latest.get("status"))
    if not word:
        return State.DEGRADED
    return IMPACT.map(word, unknown)


def _url(item: Mapping[str, Any]) -> str | None:
    """The incident's page on the dashboard (`uri` is relative to it)."""
    uri = as_str(item.get("uri"))
    return safe_url(join_url(DASHBOARD, uri)) if uri else None


def _incident(incident_id: str, item: Mapping[str, Any], unknown: list[str]) -> Incident:
    """One open incident."""
    latest = as_dict(item.get("most_recent_update"))
    products = _products(item)
    name = strip_markup(as_str(item.get("external_desc"))) or (products[0] if products else incident_id)
    return Incident(
        id=incident_id,
        name=name,
        impact=_impact(item, unknown),
        status="ongoing",
        url=_url(item),
        started_at=parse_time(item.get("begin")) or parse_time(item.get("created")),
        updated_at=parse_time(item.get("modified")) or parse_time(latest.get("when")),
        latest_update=first_sentence(strip_markup(as_str(latest.get("text")))),
        components=tuple(products),
    )


def parse_incidents(body: bytes, context: ParseContext) -> ParsedPage:
    """Read Google Cloud `incidents.json`: open incidents of the products in `context.match`."""
    document = load_json(body)
    if not isinstance(document, list):
        raise ParseError("not a status page: expected a list of Google Cloud incidents")
    unknown: list[str] = []
    incidents: list[Incident] = []
    closed: set[str] = set()
    seen: set[str] = set()
    for item in as_dicts(document):
        incident_id = _incident_id(item)
        if not incident_id or incident_id in seen or not _matches(item, context.match):
            continue
        seen.add(incident_id)
        if _is_open(item):
            incidents.append(_incident(incident_id, item, unknown))
        else:
            closed.add(incident_id)
    return ParsedPage(
        incidents=tuple(incidents),
        closed_incident_ids=frozenset(closed),
        unknown_values=tuple(unknown),
    )
