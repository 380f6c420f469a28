"""What the tray shows, as plain values: the menu, the tooltip, the pause window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from trayapp.core.text import at_time, incident_phrase, state_phrase, suspected_phrase, until_time
from trayapp.i18n import _, ngettext
from trayapp.model import ProviderView, Snapshot, State

MAX_COMPONENT_LINES = 8
MAX_TITLE_LENGTH = 120
#: "Until tomorrow" pauses until this local hour: the next morning, not the next midnight.
MORNING_HOUR = 8


@dataclass(frozen=True)
class MenuItem:
    """One menu entry; `action` names what a click does (None: an information line)."""

    text: str
    action: str | None = None
    checked: bool | None = None
    enabled: bool = True
    default: bool = False
    children: tuple[MenuItem, ...] = ()


SEPARATOR = MenuItem("-")


@dataclass(frozen=True)
class UiState:
    """What the menu shows besides the snapshot."""

    paused_until: datetime | None = None
    autostart: bool = False
    now: datetime | None = None


def next_morning(now: datetime) -> datetime:
    """The next MORNING_HOUR:00 local time after `now`: today's when it is still early, else tomorrow's."""
    local = now.astimezone()
    day = local.date() if local.hour < MORNING_HOUR else local.date() + timedelta(days=1)
    # Built as a naive local time and then placed in the zone, so a DST change overnight is honoured.
    return datetime(day.year, day.month, day.day, MORNING_HOUR).astimezone()


def pause_until(now: datetime, choice: str) -> datetime | None:
    """The end of a pause: 'hour' → one hour from now, 'tomorrow' → the next morning (see next_morning)."""
    if choice == "hour":
        return now + timedelta(hours=1)
    if choice == "tomorrow":
        return next_morning(now)
    return None


def morning_label(now: datetime | None) -> str:
    """The label of the pause until the next morning, saying which: 'Until 8:00 tomorrow' or '… today'."""
    morning = next_morning(now) if now is not None else None
    today = now is not None and morning is not None and morning.date() == now.astimezone().date()
    time = f"{MORNING_HOUR}:00"
    if today:
        # Translators: in the "Pause notifications" submenu, before 8 in the morning; {time} is "8:00".
        return _("Until {time} today").format(time=time)
    # Translators: in the "Pause notifications" submenu; {time} is "8:00" (the next morning).
    return _("Until {time} tomorrow").format(time=time)


def is_paused(ui: UiState, now: datetime) -> bool:
    """Whether notifications are paused at `now`."""
    return ui.paused_until is not None and now < ui.paused_until


def offline_line() -> str:
    """What the menu and tooltip say while offline."""
    # Translators: the menu's first line and the tooltip when nothing at all can be reached.
    return _("Offline — checking again when the network is back")


def summary_line(snapshot: Snapshot) -> str:
    """One line over all providers: 'All systems operational', 'OpenAI: partial outage', ..."""
    if not snapshot.providers:
        return _("No provider watched")
    if snapshot.offline:
        return offline_line()
    if all(view.checked_at is None and view.last_success_at is None for view in snapshot.providers):
        return _("Checking…")
    troubled = [view for view in snapshot.providers if view.alert_state != State.OPERATIONAL]
    if not troubled:
        return _("All systems operational")
    if len(troubled) == 1:
        view = troubled[0]
        if view.suspected is not None and view.state < State.DEGRADED:
            # Translators: the menu's first line when only a probe, not the page, sees trouble.
            return _("{provider}: possible unreported problem").format(provider=view.name)
        return f"{view.name}: {state_phrase(view.state)}"
    worst_view = max(troubled, key=lambda view: view.state)
    return ngettext(
        "{count} provider with problems (worst: {provider}, {state})",
        "{count} providers with problems (worst: {provider}, {state})",
        len(troubled),
    ).format(count=len(troubled), provider=worst_view.name, state=state_phrase(worst_view.state))


def _tooltip_part(view: ProviderView) -> str:
    suspected = " (" + _("possible unreported problem") + ")" if view.suspected is not None else ""
    return f"{view.name}: {state_phrase(view.state)}{suspected}"


def tooltip(snapshot: Snapshot) -> str:
    """The icon's title: 'trayapp — OpenAI: partial outage · … · last successful read at 14:02'.

    At most MAX_TITLE_LENGTH characters, and the time is kept: when all providers do not fit,
    only those that are not operational are listed, and then they are cut short.
    """
    if snapshot.offline:
        return "trayapp — " + offline_line()
    successes = [view.last_success_at for view in snapshot.providers if view.last_success_at is not None]
    tail = ""
    if successes:
        # The day is named when the last good read is not from the day of the last check.
        when = at_time(max(successes), snapshot.checked_at)
        # Translators: the end of the tray tooltip; {when} is "at 14:02" or "yesterday at 14:02".
        # It is the last time a status page was read, not the last try.
        tail = " · " + _("last successful read {when}").format(when=when)
    head = "trayapp — "
    parts = [_tooltip_part(view) for view in snapshot.providers]
    body = " · ".join(parts) if parts else _("no provider watched")
    room = MAX_TITLE_LENGTH - len(head) - len(tail)
    if len(body) > room:
        troubled = [view for view in snapshot.providers if view.alert_state != State.OPERATIONAL]
        fine = len(snapshot.providers) - len(troubled)
        # Translators: in a shortened tray tooltip, instead of the providers that are operational.
        rest = ngettext("{count} more operational", "{count} more operational", fine).format(count=fine)
        body = " · ".join([*(_tooltip_part(view) for view in troubled), *([rest] if fine else [])])
        if len(body) > room:
            body = body[: max(room - 1, 0)].rstrip() + "…"
    return (head + body + tail)[:MAX_TITLE_LENGTH]


def _provider_menu(view: ProviderView, now: datetime | None) -> MenuItem:
    lines: list[MenuItem] = [
        MenuItem(_("State: {state}").format(state=state_phrase(view.state)), enabled=False)
    ]
    if view.suspected is not None:
        lines.append(MenuItem(suspected_phrase(view.suspected, now), enabled=False))
    if view.error:
        lines.append(MenuItem(_("Cannot read the page: {error}").format(error=view.error), enabled=False))
    troubled = [c for c in view.components if c.state != State.OPERATIONAL]
    for component in troubled[:MAX_COMPONENT_LINES]:
        lines.append(MenuItem(f"{component.name}: {state_phrase(component.state)}", enabled=False))
    if len(troubled) > MAX_COMPONENT_LINES:
        more = len(troubled) - MAX_COMPONENT_LINES
        # Translators: more components not shown in the menu.
        lines.append(
            MenuItem(
                ngettext("… and {count} more", "… and {count} more", more).format(count=more), enabled=False
            )
        )
    if view.incidents:
        lines.append(SEPARATOR)
        for incident in view.incidents:
            lines.append(
                MenuItem(
                    incident_phrase(incident),
                    action=f"open:{incident.url}" if incident.url else None,
                    enabled=bool(incident.url),
                )
            )
    lines.append(SEPARATOR)
    lines.append(MenuItem(_("Open status page"), action=f"open:{view.page}"))
    return MenuItem(f"{view.name} — {state_phrase(view.state)}", children=tuple(lines))


def build_menu(snapshot: Snapshot, ui: UiState, has_default_action: bool = True) -> tuple[MenuItem, ...]:
    """The whole tray menu for a snapshot (equal inputs give an equal menu)."""
    now = ui.now
    paused = ui.paused_until is not None and (now is None or now < ui.paused_until)
    pause_label = _("Pause notifications")
    if paused and ui.paused_until is not None:
        # Translators: {until} is "until 16:10" or "until tomorrow at 08:00".
        pause_label = _("Notifications paused {until}").format(until=until_time(ui.paused_until, now))
    checked: list[MenuItem] = []
    if snapshot.checked_at is not None:
        # Translators: a greyed menu line; {when} is "at 14:02" or "yesterday at 14:02" (the
        # last time trayapp asked, whether or not the pages answered).
        checked.append(
            MenuItem(_("Last checked {when}").format(when=at_time(snapshot.checked_at, now)), enabled=False)
        )
    items: list[MenuItem] = [
        MenuItem(summary_line(snapshot), enabled=False),
        *checked,
        MenuItem(_("Open details"), action="details", default=has_default_action),
        SEPARATOR,
        *(_provider_menu(view, now) for view in snapshot.providers),
        SEPARATOR,
        MenuItem(_("Refresh now"), action="refresh"),
        MenuItem(
            pause_label,
            children=(
                # Translators: in the "Pause notifications" submenu.
                MenuItem(_("For 1 hour"), action="pause:hour"),
                # Translators: in the "Pause notifications" submenu.
                MenuItem(morning_label(now), action="pause:tomorrow"),
                # Translators: in the "Pause notifications" submenu: notify again.
                MenuItem(_("Resume"), action="resume", enabled=paused),
            ),
        ),
        MenuItem(_("Edit settings"), action="settings"),
        MenuItem(_("Start at login"), action="autostart", checked=ui.autostart),
        SEPARATOR,
        MenuItem(_("Quit"), action="quit"),
    ]
    return tuple(items)
