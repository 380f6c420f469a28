"""The tray menu and tooltip built from a snapshot."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.builders import T0, incident, snapshot, view
from trayapp.core.menu import (
    SEPARATOR,
    MenuItem,
    UiState,
    build_menu,
    is_paused,
    pause_until,
    summary_line,
    tooltip,
)
from trayapp.i18n import set_language
from trayapp.model import Component, Snapshot, State


def find(items: tuple[MenuItem, ...], text_start: str) -> MenuItem:
    for item in items:
        if item.text.startswith(text_start):
            return item
    raise AssertionError(f"no item starting with {text_start!r} in {[i.text for i in items]}")


def outage() -> Snapshot:
    openai = replace(
        view("openai", State.PARTIAL, incidents=(incident(),)),
        name="OpenAI",
        components=(Component("Conversations", State.PARTIAL), Component("Login", State.OPERATIONAL)),
    )
    anthropic = replace(view("anthropic"), name="Anthropic")
    return replace(snapshot(openai, anthropic), checked_at=T0)


def test_menu_layout() -> None:
    menu = build_menu(outage(), UiState())
    texts = [item.text for item in menu]
    assert texts[0] == "OpenAI: partial outage"
    assert menu[0].enabled is False
    assert menu[1] == MenuItem("Last checked at 15:00", enabled=False), "greyed: when trayapp last asked"
    assert menu[2] == MenuItem("Open details", action="details", default=True)
    assert "OpenAI — partial outage" in texts
    assert "Anthropic — operational" in texts
    assert texts[-1] == "Quit"
    for wanted in ("Refresh now", "Pause notifications", "Edit settings", "Start at login"):
        assert wanted in texts


def test_provider_submenu_lists_troubled_components_incidents_and_page() -> None:
    submenu = find(build_menu(outage(), UiState()), "OpenAI —").children
    texts = [item.text for item in submenu]
    assert "Conversations: partial outage" in texts
    assert not any(text.startswith("Login") for text in texts), "operational components are not listed"
    inc = find(submenu, "Elevated error rates")
    assert inc.action == "open:https://status.example/incidents/inc1"
    assert find(submenu, "Open status page").action == "open:https://status.openai.example"


def test_error_line_shows_the_reason() -> None:
    broken = snapshot(view("openai", State.UNKNOWN, error="HTTP 503"))
    submenu = find(build_menu(broken, UiState()), "Openai —").children
    assert "Cannot read the page: HTTP 503" in [item.text for item in submenu]


def test_pause_menu_and_window() -> None:
    now = datetime(2026, 2, 4, 15, 0, tzinfo=UTC)
    until = pause_until(now, "hour")
    assert until == datetime(2026, 2, 4, 16, 0, tzinfo=UTC)
    ui = UiState(paused_until=until, now=now)
    assert is_paused(ui, now)
    assert not is_paused(ui, until)
    pause = find(build_menu(outage(), ui), "Notifications paused until")
    assert [c.text for c in pause.children] == ["For 1 hour", "Until 8:00 tomorrow", "Resume"]
    assert pause.children[2].enabled
    unpaused = find(build_menu(outage(), UiState(now=now)), "Pause notifications")
    assert not unpaused.children[2].enabled
    tomorrow = pause_until(now, "tomorrow")
    assert tomorrow is not None
    assert tomorrow > now
    local = tomorrow.astimezone()
    assert (local.hour, local.minute) == (8, 0), "the next morning, not the next midnight"
    assert local.date() == now.astimezone().date() + timedelta(days=1)


@pytest.mark.usefixtures("local_zone")
@pytest.mark.parametrize(
    ("local_now", "until", "label"),
    [
        # Clicked just before midnight, it does not end ten minutes later.
        (datetime(2026, 2, 4, 23, 50), datetime(2026, 2, 5, 8, 0), "Until 8:00 tomorrow"),
        (datetime(2026, 2, 4, 8, 0), datetime(2026, 2, 5, 8, 0), "Until 8:00 tomorrow"),
        # In the small hours, "the next morning" is today's.
        (datetime(2026, 2, 5, 2, 30), datetime(2026, 2, 5, 8, 0), "Until 8:00 today"),
        # Across the switch to summer time (CET → CEST on 29 March 2026): still 8:00 local.
        (datetime(2026, 3, 28, 22, 0), datetime(2026, 3, 29, 8, 0), "Until 8:00 tomorrow"),
    ],
)
def test_until_tomorrow_pauses_until_the_next_morning_and_says_so(
    local_now: datetime, until: datetime, label: str
) -> None:
    now = local_now.astimezone()  # naive: taken as local time
    end = pause_until(now, "tomorrow")
    assert end is not None
    assert end == until.astimezone()
    assert end.astimezone().hour == 8
    pause = find(build_menu(outage(), UiState(now=now)), "Pause notifications")
    assert pause.children[1].text == label
    assert pause.children[1].action == "pause:tomorrow"


def test_autostart_checkbox_follows_state() -> None:
    assert find(build_menu(outage(), UiState(autostart=True)), "Start at login").checked is True
    assert find(build_menu(outage(), UiState(autostart=False)), "Start at login").checked is False


def test_equal_inputs_give_equal_menus_so_the_tray_can_skip_rebuilds() -> None:
    assert build_menu(outage(), UiState()) == build_menu(outage(), UiState())
    # A check later in the same minute changes nothing; a later minute changes only the greyed line.
    same_minute = replace(outage(), checked_at=T0.replace(second=40))
    assert build_menu(same_minute, UiState()) == build_menu(outage(), UiState())
    later = build_menu(replace(outage(), checked_at=T0.replace(hour=16)), UiState())
    first = build_menu(outage(), UiState())
    assert [i for i, (a, b) in enumerate(zip(later, first, strict=True)) if a != b] == [1]


def test_no_default_action_backend() -> None:
    menu = build_menu(outage(), UiState(), has_default_action=False)
    assert find(menu, "Open details").default is False


def test_summary_lines() -> None:
    assert summary_line(Snapshot()) == "No provider watched"
    assert summary_line(snapshot(replace(view(), checked_at=None, last_success_at=None))) == "Checking…"
    assert summary_line(snapshot(view(), view("anthropic"))) == "All systems operational"
    two = snapshot(view(state=State.DEGRADED), view("anthropic", State.MAJOR))
    assert summary_line(two) == "2 providers with problems (worst: Anthropic, major outage)"


@pytest.mark.usefixtures("local_zone")
def test_tooltip() -> None:
    text = tooltip(outage())
    assert text == "trayapp — OpenAI: partial outage · Anthropic: operational · last successful read at 16:00"
    many = snapshot(*(view(f"provider{i}") for i in range(20)))
    assert len(tooltip(many)) <= 120


@pytest.mark.usefixtures("local_zone")
@pytest.mark.parametrize("language", ["en", "it"])
@pytest.mark.parametrize("count", [1, 3, 8, 20])
def test_a_shortened_tooltip_keeps_the_time_and_lists_the_providers_in_trouble(
    language: str, count: int
) -> None:
    set_language(language)
    fine = [replace(view(f"provider{i}"), name=f"A rather long provider name {i}") for i in range(count)]
    bad = replace(view("acme", State.MAJOR), name="Acme")
    text = tooltip(replace(snapshot(*fine, bad), checked_at=T0))
    assert len(text) <= 120
    assert text.endswith(" 16:00"), text
    assert "Acme: " in text, "the provider in trouble is always named"


def test_separator_is_a_plain_value() -> None:
    assert MenuItem("-") == SEPARATOR


# --- in Italian ---------------------------------------------------------------------------------


def test_menu_in_italian() -> None:
    set_language("it")
    menu = build_menu(outage(), UiState())
    texts = [item.text for item in menu]
    assert texts[0] == "OpenAI: interruzione parziale"
    assert menu[2] == MenuItem("Apri i dettagli", action="details", default=True)
    assert "OpenAI — interruzione parziale" in texts
    assert "Anthropic — operativo" in texts
    assert texts[1] == "Ultimo controllo alle 15:00"
    for wanted in ("Aggiorna ora", "Sospendi le notifiche", "Modifica le impostazioni", "Avvia all'accesso"):
        assert wanted in texts
    assert texts[-1] == "Esci"
    pause = find(menu, "Sospendi le notifiche")
    assert [c.text for c in pause.children] == ["Per un'ora", "Fino alle 8:00 di domani", "Riattiva"]
    assert [c.action for c in pause.children] == ["pause:hour", "pause:tomorrow", "resume"]
    submenu = find(menu, "OpenAI —").children
    sub_texts = [item.text for item in submenu]
    assert sub_texts[0] == "Stato: interruzione parziale"
    assert "Conversations: interruzione parziale" in sub_texts
    assert "Elevated error rates (interruzione parziale, in analisi)" in sub_texts
    assert find(submenu, "Apri la pagina di stato").action == "open:https://status.openai.example"


def test_the_actions_do_not_depend_on_the_language() -> None:
    english = build_menu(outage(), UiState(autostart=True))
    set_language("it")
    italian = build_menu(outage(), UiState(autostart=True))

    def actions(items: tuple[MenuItem, ...]) -> list[object]:
        return [(i.action, i.checked, i.enabled, i.default, actions(i.children)) for i in items]

    assert actions(italian) == actions(english)
    assert italian != english


@pytest.mark.usefixtures("local_zone")
def test_pause_label_in_italian_shows_the_local_time() -> None:
    now = datetime(2026, 2, 4, 15, 0, tzinfo=UTC)
    set_language("it")
    hour = UiState(paused_until=pause_until(now, "hour"), now=now)
    assert find(build_menu(outage(), hour), "Notifiche sospese").text == "Notifiche sospese fino alle 17:00"
    tomorrow = UiState(paused_until=pause_until(now, "tomorrow"), now=now)
    assert (
        find(build_menu(outage(), tomorrow), "Notifiche sospese").text
        == "Notifiche sospese fino a domani alle 08:00"
    )
    set_language("en")
    assert find(build_menu(outage(), hour), "Notifications paused").text == "Notifications paused until 17:00"
    assert (
        find(build_menu(outage(), tomorrow), "Notifications paused").text
        == "Notifications paused until tomorrow at 08:00"
    )


def test_error_and_folded_component_lines_in_italian() -> None:
    set_language("it")
    broken = snapshot(view("openai", State.UNKNOWN, error="HTTP 503"))
    submenu = find(build_menu(broken, UiState()), "Openai —").children
    assert "Impossibile leggere la pagina: HTTP 503" in [item.text for item in submenu]
    for count, line in ((9, "… e un altro"), (10, "… e altri 2")):
        components = tuple(Component(f"C{i}", State.DEGRADED) for i in range(count))
        many = snapshot(replace(view("openai", State.DEGRADED), components=components))
        texts = [item.text for item in find(build_menu(many, UiState()), "Openai —").children]
        assert texts[-3] == line
    set_language("en")
    texts = [item.text for item in find(build_menu(many, UiState()), "Openai —").children]
    assert texts[-3] == "… and 2 more"


def test_summary_lines_in_italian() -> None:
    set_language("it")
    assert summary_line(Snapshot()) == "Nessun servizio monitorato"
    assert (
        summary_line(snapshot(replace(view(), checked_at=None, last_success_at=None)))
        == "Controllo in corso…"
    )
    assert summary_line(snapshot(view(), view("anthropic"))) == "Tutti i servizi sono operativi"
    two = snapshot(view(state=State.DEGRADED), view("anthropic", State.MAJOR))
    assert summary_line(two) == "2 servizi con problemi (il più grave: Anthropic, interruzione grave)"


@pytest.mark.usefixtures("local_zone")
def test_tooltip_in_italian() -> None:
    set_language("it")
    assert tooltip(outage()) == (
        "trayapp — OpenAI: interruzione parziale · Anthropic: operativo · ultima lettura riuscita alle 16:00"
    )
    assert tooltip(Snapshot()) == "trayapp — nessun servizio monitorato"
    stale = replace(outage(), checked_at=datetime(2026, 2, 5, 9, 0, tzinfo=UTC))
    assert tooltip(stale).endswith(" · ultima lettura riuscita ieri alle 16:00")
    many = snapshot(*(view(f"provider{i}") for i in range(20)))
    assert len(tooltip(many)) <= 120
