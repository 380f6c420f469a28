"""Small builders for model values in tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from trayapp.model import Component, Incident, ParsedPage, ProviderView, Snapshot, State

T0 = datetime(2026, 2, 4, 15, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    """T0 plus some minutes."""
    return T0 + timedelta(minutes=minutes)


def incident(
    incident_id: str = "inc1",
    impact: State = State.PARTIAL,
    status: str = "investigating",
    name: str = "Elevated error rates",
    maintenance: bool = False,
) -> Incident:
    return Incident(
        id=incident_id,
        name=name,
        impact=impact,
        status=status,
        url=f"https://status.example/incidents/{incident_id}",
        started_at=T0,
        is_maintenance=maintenance,
    )


def page(
    *components: tuple[str, State],
    incidents: tuple[Incident, ...] = (),
    indicator: State | None = None,
    closed: frozenset[str] = frozenset(),
) -> ParsedPage:
    return ParsedPage(
        components=tuple(Component(name, state, id=f"id-{name}") for name, state in components),
        incidents=incidents,
        indicator=indicator,
        closed_incident_ids=closed,
    )


def view(
    provider_id: str = "openai",
    state: State = State.OPERATIONAL,
    incidents: tuple[Incident, ...] = (),
    error: str | None = None,
    seen: bool = True,
) -> ProviderView:
    return ProviderView(
        id=provider_id,
        name=provider_id.title(),
        page=f"https://status.{provider_id}.example",
        state=state,
        incidents=incidents,
        error=error,
        last_success_at=T0 if seen else None,
    )


def snapshot(*views: ProviderView) -> Snapshot:
    return Snapshot(tuple(views), T0)
