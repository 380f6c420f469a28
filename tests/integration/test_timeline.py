"""A scripted outage across two providers, seen through `watch` and its notifications."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.server import Reply, StatusServer
from tests.support.watching import wait_until, watching

PROXY = "/openai/proxy/127.0.0.1"
SUMMARY = "/anthropic/api/v2/summary.json"
CHATGPT = "Elevated error rates in ChatGPT and the API"
FINETUNE = "Delays in fine-tuning job processing"


def wait_for_polls(server: StatusServer, more: int) -> None:
    """Wait until the Anthropic page has been asked `more` more times."""
    start = len(server.requests_to(SUMMARY))
    wait_until(lambda: len(server.requests_to(SUMMARY)) >= start + more, timeout=15, what=f"{more} polls")


def calm(server: StatusServer) -> None:
    server.set_fixture(PROXY, "incidentio/proxy_all_operational.json")
    server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")


def incident_name() -> str:
    data = json.loads(
        (Path(__file__).parent.parent / "fixtures/statuspage/summary_major_outage.json").read_text()
    )
    return str(data["incidents"][0]["name"])


def test_outage_escalation_and_resolution(server: StatusServer, two_pages: Path) -> None:
    calm(server)
    claude = incident_name()
    with watching(two_pages) as w:
        wait_until(
            lambda: "Anthropic: operational" in w.lines() and "OpenAI: operational" in w.lines(),
            what="first poll",
        )
        server.set_fixture(SUMMARY, "statuspage/summary_major_outage.json")
        wait_until(lambda: any(claude in t for t in w.titles()), what="Claude start")
        assert "Anthropic: operational → major outage" in w.lines()
        server.set_fixture(SUMMARY, "statuspage/summary_partial_incident.json")
        wait_until(lambda: any("incident updated" in line for line in w.lines()), what="update line")
        server.set_fixture(PROXY, "incidentio/proxy_partial_outage.json")
        wait_until(lambda: any(CHATGPT in t for t in w.titles()), what="ChatGPT start")
        server.set_fixture(PROXY, "incidentio/proxy_partial_outage_with_finetune.json")
        wait_until(lambda: any(FINETUNE in t for t in w.titles()), what="fine-tuning start")
        server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")
        server.set_fixture(PROXY, "incidentio/proxy_finetune_lingering.json")
        wait_until(
            lambda: len([t for t in w.titles() if t.startswith("Resolved · ")]) == 2, what="two resolves"
        )
        server.set_fixture(PROXY, "incidentio/proxy_all_operational.json")
        wait_until(
            lambda: len([t for t in w.titles() if t.startswith("Resolved · ")]) == 3, what="third resolve"
        )
        wait_until(lambda: "OpenAI: degraded performance → operational" in w.lines(), what="OpenAI green")
    kinds = [(n.kind, n.provider_id, n.incident_id) for n in w.notifier.sent]
    assert [k for k, _, _ in kinds] == ["start", "start", "start", "resolve", "resolve", "resolve"]
    starts = sorted((p, i) for k, p, i in kinds if k == "start")
    resolves = sorted((p, i) for k, p, i in kinds if k == "resolve")
    assert starts == resolves, "every start gets exactly one resolve"
    assert "Anthropic: operational → major outage" in w.lines()
    assert "Anthropic: major outage → operational" in w.lines(), (
        "the open incident kept it major until resolved"
    )


def test_fetch_failures_never_resolve(server: StatusServer, two_pages: Path) -> None:
    calm(server)
    server.set_fixture(SUMMARY, "statuspage/summary_major_outage.json")
    with watching(two_pages) as w:
        wait_until(lambda: len(w.notifier.sent) == 1, what="the summary of open incidents")
        for reply in (
            Reply(b"oops", 500, "text/plain"),
            Reply(b"<!doctype html><p>captive portal</p>", 200, "text/html"),
            Reply(b'{"page": {"id": "x"}, "components": [', 200),
        ):
            server.set(SUMMARY, reply)
            wait_for_polls(server, 4)
        server.set_fixture(SUMMARY, "statuspage/summary_major_outage.json")
        wait_for_polls(server, 3)
    assert [n.kind for n in w.notifier.sent] == ["summary"], "no resolve, no second start"
    assert not any("resolved" in line for line in w.lines())
    assert "Anthropic: major outage" in w.lines(), "an open incident stays major while the page fails"
    assert not any(line.startswith("Anthropic: major outage →") for line in w.lines())


def test_unreachable_page_turns_unknown_after_three_failures_with_reason(
    server: StatusServer, two_pages: Path
) -> None:
    calm(server)
    with watching(two_pages) as w:
        wait_until(lambda: "Anthropic: operational" in w.lines(), what="first poll")
        server.set(SUMMARY, Reply(b"oops", 503, "text/plain"))
        server.set("/anthropic/api/v2/status.json", Reply(b"oops", 503, "text/plain"))
        wait_until(
            lambda: "Anthropic: operational → unknown (HTTP 503)" in w.lines(), timeout=15, what="unknown"
        )
        server.set_fixture(SUMMARY, "statuspage/summary_all_operational.json")
        wait_until(lambda: "Anthropic: unknown → operational" in w.lines(), timeout=15, what="back to green")
    assert w.notifier.sent == []
