"""What the tray shows, as plain values: the menu, the tooltip, the pause window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from trayapp.core.text import state_phrase
from trayapp.model import ProviderView, Snapshot, State

MAX_COMPONENT_LINES = 8
MAX_TITLE_LENGTH = 120


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


def pause_until(now: datetime, choice: str) -> datetime | None:
    """The end of a pause: 'hour' → one hour from now, 'tomorrow' → next local midnight."""
    if choice == "hour":
        return now + timedelta(hours=1)
    if choice == "tomorrow":
        local = now.astimezone()
        return (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return None


def is_paused(ui: UiState, now: datetime) -> bool:
    """Whether notifications are paused at `now`."""
    return ui.paused_until is not None and now < ui.paused_until


def summary_line(snapshot: Snapshot) -> str:
    """One line over all providers: 'All systems operational', 'OpenAI: partial outage', ..."""
    if not snapshot.providers:
        return "No provider watched"
    if all(view.checked_at is None and view.last_success_at is None for view in snapshot.providers):
        return "Checking…"
    troubled = [view for view in snapshot.providers if view.state != State.OPERATIONAL]
    if not troubled:
        return "All systems operational"
    if len(troubled) == 1:
        view = troubled[0]
        return f"{view.name}: {state_phrase(view.state)}"
    worst_view = max(troubled, key=lambda view: view.state)
    worst_text = f"worst: {worst_view.name}, {state_phrase(worst_view.state)}"
    return f"{len(troubled)} providers with problems ({worst_text})"


def tooltip(snapshot: Snapshot) -> str:
    """The icon's title: 'trayapp — OpenAI: partial outage · Anthropic: operational · checked 14:02'."""
    parts = [f"{view.name}: {state_phrase(view.state)}" for view in snapshot.providers]
    text = "trayapp — " + (" · ".join(parts) if parts else "no provider watched")
    successes = [view.last_success_at for view in snapshot.providers if view.last_success_at is not None]
    if successes:
        text += f" · checked {max(successes).astimezone().strftime('%H:%M')}"
    if len(text) > MAX_TITLE_LENGTH:
        text = text[: MAX_TITLE_LENGTH - 1] + "…"
    return text


def _provider_menu(view: ProviderView) -> MenuItem:
    lines: list[MenuItem] = [MenuItem(f"State: {state_phrase(view.state)}", enabled=False)]
    if view.error:
        lines.append(MenuItem(f"Cannot read the page: {view.error}", enabled=False))
    troubled = [c for c in view.components if c.state != State.OPERATIONAL]
    for component in troubled[:MAX_COMPONENT_LINES]:
        lines.append(MenuItem(f"{component.name}: {state_phrase(component.state)}", enabled=False))
    if len(troubled) > MAX_COMPONENT_LINES:
        lines.append(MenuItem(f"… and {len(troubled) - MAX_COMPONENT_LINES} more", enabled=False))
    if view.incidents:
        lines.append(SEPARATOR)
        for incident in view.incidents:
            label = f"{incident.name} ({state_phrase(incident.impact)}, {incident.status or 'open'})"
            lines.append(
                MenuItem(
                    label, action=f"open:{incident.url}" if incident.url else None, enabled=bool(incident.url)
                )
            )
    lines.append(SEPARATOR)
    lines.append(MenuItem("Open status page", action=f"open:{view.page}"))
    return MenuItem(f"{view.name} — {state_phrase(view.state)}", children=tuple(lines))


def build_menu(snapshot: Snapshot, ui: UiState, has_default_action: bool = True) -> tuple[MenuItem, ...]:
    """The whole tray menu for a snapshot (equal inputs give an equal menu)."""
    now = ui.now
    paused = ui.paused_until is not None and (now is None or now < ui.paused_until)
    pause_label = "Pause notifications"
    if paused and ui.paused_until is not None:
        pause_label = f"Notifications paused until {ui.paused_until.astimezone().strftime('%H:%M')}"
    items: list[MenuItem] = [
        MenuItem(summary_line(snapshot), enabled=False),
        MenuItem("Open details", action="details", default=has_default_action),
        SEPARATOR,
        *(_provider_menu(view) for view in snapshot.providers),
        SEPARATOR,
        MenuItem("Refresh now", action="refresh"),
        MenuItem(
            pause_label,
            children=(
                MenuItem("For 1 hour", action="pause:hour"),
                MenuItem("Until tomorrow", action="pause:tomorrow"),
                MenuItem("Resume", action="resume", enabled=paused),
            ),
        ),
        MenuItem("Edit settings", action="settings"),
        MenuItem("Start at login", action="autostart", checked=ui.autostart),
        SEPARATOR,
        MenuItem("Quit", action="quit"),
    ]
    return tuple(items)
