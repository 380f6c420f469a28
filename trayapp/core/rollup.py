"""A provider's state from what its page says, and the component filter."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from trayapp.model import Component, Incident, ParsedPage, State, worst


def rollup(components: Iterable[Component], indicator: State | None, incidents: Iterable[Incident]) -> State:
    """The worst of the components, the page's indicator and each open incident's impact."""
    states = [component.state for component in components]
    if indicator is not None:
        states.append(indicator)
    states.extend(incident.impact for incident in incidents)
    return worst(states)


def page_state(page: ParsedPage) -> State:
    """The state a parsed page alone implies."""
    return rollup(page.components, page.indicator, page.incidents)


def group_states(components: Iterable[Component]) -> dict[str, State]:
    """Each group's state: the worst of its children (a group row itself is never trusted)."""
    groups: dict[str, State] = {}
    for component in components:
        if component.group is not None:
            groups[component.group] = max(groups.get(component.group, State.OPERATIONAL), component.state)
    return groups


def _wanted(name: str | None, wanted: set[str]) -> bool:
    return name is not None and name.casefold() in wanted


def apply_filter(page: ParsedPage, names: Sequence[str]) -> ParsedPage:
    """Keep only the components named in `names` (by component or group name, any case).

    The page-wide indicator is dropped, since it speaks of components the user does not
    watch; incidents are kept when they touch a watched component or name none at all.
    """
    if not names:
        return page
    wanted = {name.casefold() for name in names}
    components = tuple(c for c in page.components if _wanted(c.name, wanted) or _wanted(c.group, wanted))
    watched_names = {c.name.casefold() for c in components}
    watched_names |= {c.group.casefold() for c in components if c.group}
    watched_names |= wanted

    def touches(incident: Incident) -> bool:
        return not incident.components or any(n.casefold() in watched_names for n in incident.components)

    return ParsedPage(
        components=components,
        incidents=tuple(i for i in page.incidents if touches(i)),
        indicator=None,
        upcoming=tuple(i for i in page.upcoming if touches(i)),
        closed_incident_ids=page.closed_incident_ids,
        closed_incidents=tuple(i for i in page.closed_incidents if touches(i)),
        unknown_values=page.unknown_values,
        page_name=page.page_name,
    )
