"""The status table and watch's event lines in both languages; the JSON never changes with the language."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tests.support.builders import incident, snapshot, view
from trayapp.core.console import event_line, exit_code, snapshot_json, snapshot_table
from trayapp.core.diff import IncidentResolved, IncidentStarted, IncidentUpdated, StateChanged
from trayapp.i18n import set_language
from trayapp.model import Component, Snapshot, State

INC = incident("inc1", State.PARTIAL)
WORK = incident("m1", State.MAINTENANCE, "in_progress", name="Database upgrade", maintenance=True)


def outage() -> Snapshot:
    openai = replace(
        view("openai", State.PARTIAL, incidents=(INC,)),
        name="OpenAI",
        components=(Component("Conversations", State.PARTIAL), Component("Login", State.OPERATIONAL)),
    )
    anthropic = replace(view("anthropic", State.MAINTENANCE, incidents=(WORK,)), name="Anthropic")
    broken = replace(view("mirror", State.UNKNOWN, error="HTTP 503"), name="Local mirror")
    return snapshot(openai, anthropic, broken)


@pytest.mark.usefixtures("local_zone")
def test_table_in_english() -> None:
    lines = snapshot_table(outage()).splitlines()
    assert lines[0] == "Overall: partial outage  (checked at 16:00)"
    assert lines[2].split() == ["PROVIDER", "STATE", "DETAILS"]
    column = lines[2].index("DETAILS")
    assert lines[3].startswith("OpenAI ")
    assert "partial outage" in lines[3]
    assert lines[3][column:] == "Elevated error rates (partial outage, investigating)"
    assert lines[4][column:] == "Conversations: partial outage"
    assert lines[5][column:] == "Database upgrade (scheduled maintenance, in progress)"
    assert lines[6][column:] == "error: HTTP 503"


@pytest.mark.usefixtures("local_zone")
def test_table_in_italian() -> None:
    set_language("it")
    text = snapshot_table(outage())
    lines = text.splitlines()
    assert lines[0] == "Stato generale: interruzione parziale  (ultimo controllo alle 16:00)"
    assert lines[2].split() == ["SERVIZIO", "STATO", "DETTAGLI"]
    column = lines[2].index("DETTAGLI")
    assert lines[3].startswith("OpenAI ")
    assert "interruzione parziale" in lines[3]
    assert lines[3][column:] == "Elevated error rates (interruzione parziale, in analisi)"
    assert lines[4][column:] == "Conversations: interruzione parziale"
    assert lines[5].startswith("Anthropic ")
    assert "in manutenzione" in lines[5]
    assert lines[5][column:] == "Database upgrade (manutenzione programmata, in corso)"
    assert lines[6].startswith("Local mirror ")
    assert "sconosciuto" in lines[6]
    assert lines[6][column:] == "errore: HTTP 503"
    assert "partial" not in text


def test_table_never_checked_and_colour() -> None:
    never = Snapshot((view("openai", seen=False),))
    assert snapshot_table(never).splitlines()[0] == "Overall: operational  (never checked)"
    set_language("it")
    assert snapshot_table(never).splitlines()[0] == "Stato generale: operativo  (nessun controllo)"
    coloured = snapshot_table(outage(), colour=True)
    assert "\x1b[38;5;208minterruzione parziale\x1b[0m" in coloured.splitlines()[0]


EVENTS = [
    StateChanged("anthropic", "Anthropic", None, State.OPERATIONAL),
    StateChanged("anthropic", "Anthropic", State.OPERATIONAL, State.MAJOR),
    StateChanged("anthropic", "Anthropic", State.MAJOR, State.UNKNOWN, "HTTP 503"),
    IncidentStarted("openai", "OpenAI", INC),
    IncidentStarted("openai", "OpenAI", INC, at_first_sight=True),
    IncidentUpdated("openai", "OpenAI", replace(INC, status="monitoring"), INC),
    IncidentResolved("openai", "OpenAI", INC),
    IncidentStarted("anthropic", "Anthropic", WORK),
    IncidentResolved("anthropic", "Anthropic", WORK),
]


def test_event_lines_in_english() -> None:
    assert [event_line(event) for event in EVENTS] == [
        "Anthropic: operational",
        "Anthropic: operational → major outage",
        "Anthropic: major outage → unknown (HTTP 503)",
        "OpenAI: incident started: Elevated error rates (partial outage, investigating)",
        "OpenAI: incident already open: Elevated error rates (partial outage, investigating)",
        "OpenAI: incident updated: Elevated error rates (partial outage, monitoring)",
        "OpenAI: incident resolved: Elevated error rates",
        "Anthropic: maintenance started: Database upgrade (scheduled maintenance, in progress)",
        "Anthropic: maintenance completed: Database upgrade",
    ]


def test_event_lines_in_italian() -> None:
    set_language("it")
    assert [event_line(event) for event in EVENTS] == [
        "Anthropic: operativo",
        "Anthropic: operativo → interruzione grave",
        "Anthropic: interruzione grave → sconosciuto (HTTP 503)",
        "OpenAI: nuovo incidente: Elevated error rates (interruzione parziale, in analisi)",
        "OpenAI: incidente già in corso: Elevated error rates (interruzione parziale, in analisi)",
        "OpenAI: incidente aggiornato: Elevated error rates (interruzione parziale, sotto osservazione)",
        "OpenAI: incidente risolto: Elevated error rates",
        "Anthropic: manutenzione iniziata: Database upgrade (manutenzione programmata, in corso)",
        "Anthropic: manutenzione completata: Database upgrade",
    ]


def test_json_is_the_same_in_every_language() -> None:
    english = json.dumps(snapshot_json(outage()), sort_keys=True)
    set_language("it")
    italian = json.dumps(snapshot_json(outage()), sort_keys=True)
    assert italian == english
    data = json.loads(italian)
    assert data["overall"] == "partial"
    assert [p["state"] for p in data["providers"]] == ["partial", "maintenance", "unknown"]
    assert data["providers"][0]["incidents"][0]["status"] == "investigating"
    assert data["providers"][0]["incidents"][0]["started_at"] == "2026-02-04T15:00:00Z"
    assert data["checked_at"] == "2026-02-04T15:00:00Z"
    assert exit_code(outage()) == 1
