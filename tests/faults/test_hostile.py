"""Hostile input, second round: nothing a page, a file or a terminal does may stop, storm or inject."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.faults.pages import CALM, incident, summary
from tests.faults.rig import Rig, statuspage_spec
from tests.support.server import StatusServer
from trayapp.catalog import ProviderSpec
from trayapp.core.codec import decode_state
from trayapp.engine import Engine
from trayapp.model import Component, Incident, ParsedPage, State
from trayapp.settings import NotificationSettings
from trayapp.shell.notify import RecordingNotifier

SUMMARY = "/acme/api/v2/summary.json"
BETA = "/beta/api/v2/summary.json"


def test_a_lone_surrogate_in_a_page_stops_nothing(server: StatusServer, make_rig: Callable[..., Rig]) -> None:
    acme, beta = statuspage_spec(server.url + "/acme"), statuspage_spec(server.url + "/beta", "beta", "Beta")
    rig = make_rig(acme, beta)
    server.set(SUMMARY, CALM)
    server.set(BETA, CALM)
    rig.poll(acme)
    rig.poll(beta)
    hostile = incident("inc-1", name="Elevated errors \ud800", incident_updates=[{"body": "x\udfff\x1b[2J"}])
    server.set(SUMMARY, summary(hostile))  # json.dumps writes the lone surrogate as \ud800: valid JSON
    rig.poll(acme)
    server.set(BETA, summary(incident("inc-2", name="Slow API")))
    rig.poll(beta)
    assert rig.sent() == [("start", "inc-1"), ("start", "inc-2")], "every provider still notifies"
    name = rig.view().incidents[0].name
    assert name == "Elevated errors \ufffd"
    assert "\x1b" not in rig.view().incidents[0].latest_update
    saved = decode_state(json.loads(Path(rig.state_path).read_text(encoding="utf-8")))
    assert set(saved.tracks) == {"acme", "beta"}
    assert saved.tracks["beta"].view.incidents


class _CrashingStore:
    """A state keeper whose every save raises what the store never expected."""

    def load(self) -> None:
        return None

    def save(self, saved: object) -> bool:
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")


def test_a_state_save_that_raises_stops_no_notification_and_no_listener() -> None:
    spec = ProviderSpec(id="acme", name="Acme", page="https://status.acme.example", kind="statuspage")
    notifier = RecordingNotifier()
    engine = Engine([spec], NotificationSettings(), notifier, _CrashingStore())  # type: ignore[arg-type]
    heard: list[int] = []
    engine.add_listener(lambda snapshot, events: heard.append(len(events)))
    engine.handle(spec, ParsedPage(components=(Component("API", State.OPERATIONAL),)))
    opened = Incident("inc-1", "Errors", State.MAJOR, "investigating")
    engine.handle(spec, ParsedPage(components=(Component("API", State.MAJOR),), incidents=(opened,)))
    assert [n.kind for n in notifier.sent] == ["start"]
    assert len(heard) == 2
