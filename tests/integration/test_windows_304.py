"""Maintenance windows follow the clock while the page answers 304 (not parsed again)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.support.server import Reply, StatusServer, fixture_bytes
from trayapp.catalog import ProviderSpec
from trayapp.core.notices import Notice
from trayapp.engine import Engine
from trayapp.model import ParsedPage, State
from trayapp.settings import NotificationSettings
from trayapp.shell.fetch import Fetcher
from trayapp.shell.reader import PageReader

INDEX = "/acme/index.json"
START = datetime(2026, 2, 10, 6, 0, tzinfo=UTC)  # the window of index_maintenance.json: 06:00Z-08:00Z
END = datetime(2026, 2, 10, 8, 0, tzinfo=UTC)


def maintenance_report_only() -> bytes:
    """index_maintenance.json with the page and its resources operational: only the report's window
    says maintenance (so the state is the window's alone)."""
    document = json.loads(fixture_bytes("betterstack/index_maintenance.json"))
    document["data"]["attributes"]["aggregate_state"] = "operational"
    for item in document["included"]:
        if item["type"] == "status_page_resource":
            item["attributes"]["status"] = "operational"
    return json.dumps(document).encode()


class Silent:
    def send(self, notice: Notice) -> None:
        return


def test_a_maintenance_window_ending_while_the_page_answers_304_turns_the_state_back_on_time(
    server: StatusServer,
) -> None:
    server.set(INDEX, Reply(maintenance_report_only()))
    spec = ProviderSpec(id="acme", name="Acme", page=server.url + "/acme", kind="betterstack")
    clock = [START - timedelta(minutes=1)]
    engine = Engine([spec], NotificationSettings(enabled=False), Silent(), clock=lambda: clock[0])

    def polls() -> list[State]:
        fetcher = Fetcher()
        reader = PageReader(fetcher)
        states = []
        try:
            for now in (
                START - timedelta(minutes=1),
                START,
                END - timedelta(seconds=1),
                END,
                END + timedelta(minutes=1),
            ):
                clock[0] = now
                result = reader.read(spec, now)
                assert isinstance(result, ParsedPage)
                engine.handle(spec, result)
                view = engine.snapshot().provider("acme")
                assert view is not None
                states.append(view.state)
        finally:
            fetcher.close()
        return states

    states = polls()
    statuses = [request.status for request in server.requests_to(INDEX)]
    assert statuses == [200, 304, 304, 304, 304], "parsed once; every later poll answered 304"
    assert states == [
        State.OPERATIONAL,  # upcoming
        State.MAINTENANCE,  # started at 06:00, the page unchanged
        State.MAINTENANCE,
        State.OPERATIONAL,  # over at 08:00 on the dot, the page still unchanged
        State.OPERATIONAL,
    ]
    view = engine.snapshot().provider("acme")
    assert view is not None
    assert view.incidents == ()
