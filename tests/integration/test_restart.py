"""Restarts with the same state dir: no repeated notification, no missed resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.server import StatusServer
from tests.support.watching import wait_until, watching, write_config
from trayapp import paths

SUMMARY = "/anthropic/api/v2/summary.json"


@pytest.fixture
def config(server: StatusServer, tmp_path: Path) -> Path:
    return write_config(tmp_path / "config.toml", [("Anthropic", server.url + "/anthropic", "statuspage")])


def polls(server: StatusServer) -> int:
    return len(server.requests_to(SUMMARY))


def test_first_run_sums_up_open_incidents_once_and_restart_repeats_nothing(
    server: StatusServer, config: Path
) -> None:
    server.set_fixture(SUMMARY, "statuspage/summary_major_outage.json")
    with watching(config) as first:
        wait_until(lambda: len(first.notifier.sent) == 1, what="summary")
        count = polls(server)
        wait_until(lambda: polls(server) >= count + 3, what="more polls")
    assert [n.kind for n in first.notifier.sent] == ["summary"]
    assert paths.state_file().exists()
    with watching(config) as second:
        count = polls(server)
        wait_until(lambda: polls(server) >= count + 5, what="polls after restart")
    assert second.notifier.sent == [], "an incident known from the saved state is not notified again"


def test_resolution_while_the_app_was_down_is_reported_once(server: StatusServer, config: Path) -> None:
    server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")
    with watching(config) as first:
        wait_until(lambda: "Anthropic: operational" in first.lines(), what="first poll")
        server.set_fixture(SUMMARY, "statuspage/summary_major_outage.json")
        wait_until(lambda: [n.kind for n in first.notifier.sent] == ["start"], what="start")
    server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")
    with watching(config) as second:
        wait_until(lambda: len(second.notifier.sent) == 1, what="resolve after restart")
        count = polls(server)
        wait_until(lambda: polls(server) >= count + 4, what="more polls")
    assert [n.kind for n in second.notifier.sent] == ["resolve"]
    assert second.notifier.sent[0].title.startswith("Resolved · ")
    with watching(config) as third:
        count = polls(server)
        wait_until(lambda: polls(server) >= count + 4, what="polls")
    assert third.notifier.sent == []


def test_corrupt_state_file_is_moved_aside_and_the_app_carries_on(server: StatusServer, config: Path) -> None:
    server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")
    state = paths.state_file()
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text('{"version": 1, "providers": {"anthropic": {"view"', encoding="utf-8")
    with watching(config) as w:
        wait_until(lambda: "Anthropic: operational" in w.lines(), what="first poll")
    assert list(state.parent.glob("state.json.corrupt-*"))
    assert state.exists()
