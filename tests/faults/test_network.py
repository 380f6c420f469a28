"""Faults of the network and of the bodies, seen through the real reader and engine.

Each fault strikes a provider with a known outage (an open, notified incident) and lasts
several polls: the outage stays as it was for two failed polls, then the provider shows the
reason while its incident keeps it red; nothing is notified; when the page is back, the
incident resolves once, only because the page says so.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.faults.pages import CALM, incident, summary
from tests.faults.rig import Rig, StubResolver, memory_kib, reset_peak_memory, statuspage_spec
from tests.support.server import Reply, StatusServer
from trayapp.catalog import ProviderSpec
from trayapp.model import Failure, ParsedPage, State

SUMMARY = "/acme/api/v2/summary.json"
NEIGHBOUR_SUMMARY = "/calm/api/v2/summary.json"


def with_the_network_up(server: StatusServer, rig: Rig) -> None:
    """Another provider answers once, so a failing page is that page's fault, not being offline."""
    server.set(NEIGHBOUR_SUMMARY, CALM)
    assert isinstance(rig.poll(rig.specs[1]), ParsedPage)


def neighbour(server: StatusServer) -> ProviderSpec:
    """A second provider on the same server, healthy."""
    return statuspage_spec(server.url + "/calm", "calm", "Calm")


OUTAGE = summary(
    incident("inc-1", impact="critical"), components={"API": "major_outage", "Chat": "operational"}
)
RESOLVED = summary(incident("inc-1", impact="critical", status="resolved"))
NO_GZIP = {"Content-Encoding": "identity"}  # the fake server would otherwise compress big bodies


@dataclass(frozen=True)
class Fault:
    """How to break the page, and the one-line reason the provider must then show."""

    name: str
    reply: Reply | None
    reason: str
    unresolvable: bool = False


FAULTS = [
    Fault("DNS failure", None, "DNS lookup failed", unresolvable=True),
    Fault("reset mid-body", Reply(OUTAGE, reset_after=25, etag=False, headers=NO_GZIP), "connection dropped"),
    Fault(
        "invalid UTF-8",
        Reply(b'{"status": {"indicator": "none", "description": "All \xff\xfe good"}, "components": []}'),
        "not a status page: invalid UTF-8",
    ),
    Fault("404 for a moved endpoint", Reply(b"<html>Not found</html>", 404, "text/html"), "HTTP 404"),
    Fault(
        "renamed fields",
        Reply(
            json.dumps(
                {"page": {"id": "acme"}, "state": {"level": "none"}, "parts": [], "events": []}
            ).encode()
        ),
        "not a status page: no status, components or incidents",
    ),
    Fault(
        "50 MB chunked body",
        Reply(b"x" * (50 * 1024 * 1024), chunked=True, etag=False, headers=NO_GZIP),
        "response too large (over 8 MB)",
    ),
]


def host_for(server: StatusServer, fault: Fault) -> str:
    """The page root: a name only the stub resolver knows, for the DNS fault; else the address."""
    return f"http://status.flaky.test:{server.port}/acme" if fault.unresolvable else server.url + "/acme"


@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.name)
def test_a_known_outage_survives_the_fault_and_resolves_once_afterwards(
    fault: Fault, server: StatusServer, make_rig: Callable[..., Rig], resolver: StubResolver
) -> None:
    resolver.names.add("status.flaky.test")
    # Connection: close, so that every poll looks the name up again instead of reusing a connection.
    keep_closing = {"Connection": "close"}
    rig = make_rig(statuspage_spec(host_for(server, fault)), neighbour(server))
    with_the_network_up(server, rig)
    server.set(SUMMARY, Reply(CALM, headers=keep_closing))
    assert isinstance(rig.poll(), ParsedPage)
    server.set(SUMMARY, Reply(OUTAGE, headers=keep_closing))
    rig.poll()
    assert rig.sent() == [("start", "inc-1")]
    assert rig.view().state == State.MAJOR

    if fault.unresolvable:
        resolver.names.clear()
    else:
        assert fault.reply is not None
        server.set(SUMMARY, fault.reply)
    for poll in range(1, 7):
        result = rig.poll()
        assert result == Failure(fault.reason), f"poll {poll}"
        view = rig.view()
        assert view.state == State.MAJOR, "a failed poll never turns a known outage green"
        assert [i.id for i in view.incidents] == ["inc-1"], "a failed poll never resolves"
        assert view.error == (fault.reason if poll >= 3 else None), f"poll {poll}"
    assert rig.sent() == [("start", "inc-1")]

    resolver.names.add("status.flaky.test")
    server.set(SUMMARY, Reply(OUTAGE, headers=keep_closing))
    rig.poll()
    assert rig.view().error is None
    assert rig.sent() == [("start", "inc-1")], "coming back is not news"
    server.set(SUMMARY, Reply(RESOLVED, headers=keep_closing))
    rig.poll()
    rig.polls(2)
    assert rig.sent() == [("start", "inc-1"), ("resolve", "inc-1")]
    assert rig.view().state == State.OPERATIONAL


def test_an_unresolvable_new_provider_is_unknown_at_once_and_never_notifies(
    server: StatusServer, make_rig: Callable[..., Rig], resolver: StubResolver
) -> None:
    rig = make_rig(statuspage_spec(f"https://status.unresolvable.test:{server.port}"), neighbour(server))
    with_the_network_up(server, rig)
    results = rig.polls(3)
    assert results == [Failure("DNS lookup failed")] * 3
    assert "status.unresolvable.test" in resolver.asked, "the name was looked up (by the stub)"
    asked = resolver.asked.count("status.unresolvable.test")
    assert asked == 3, "a failed lookup ends the poll: no other source is tried"
    view = rig.view()
    assert (view.state, view.error) == (State.UNKNOWN, "DNS lookup failed")
    assert rig.sent() == []


def test_a_stalled_keep_alive_connection_times_out_and_the_next_poll_recovers(
    server: StatusServer, make_rig: Callable[..., Rig]
) -> None:
    rig = make_rig(statuspage_spec(server.url + "/acme"), neighbour(server), timeout=0.5, deadline=3.0)
    with_the_network_up(server, rig)
    # The page's list of past incidents, read once a run, must not close the kept-alive connection.
    server.set("/acme/api/v2/incidents.json", Reply(b'{"incidents": []}', etag=False))
    server.set(SUMMARY, Reply(OUTAGE, etag=False))
    assert isinstance(rig.poll(), ParsedPage)
    server.set(SUMMARY, Reply(OUTAGE, etag=False, stall_reused=True))
    assert rig.poll() == Failure("timeout")
    first, second = server.requests_to(SUMMARY)
    assert second.connection == first.connection, "the second poll reused the kept-alive connection"
    assert second.status == 0, "and was never answered"
    assert rig.view().state == State.MAJOR
    assert rig.view().error is None, "one failure changes nothing"
    assert isinstance(rig.poll(), ParsedPage)
    third = server.requests_to(SUMMARY)[-1]
    assert third.connection != first.connection, "the stalled connection was dropped"
    assert rig.view().error is None
    assert rig.sent() == [("summary", "inc-1")]


def test_a_page_of_nulls_is_not_a_status_page(server: StatusServer, rig: Rig) -> None:
    server.set(SUMMARY, OUTAGE)
    rig.poll()
    nulls = {
        "page": None,
        "status": None,
        "components": None,
        "incidents": None,
        "scheduled_maintenances": None,
    }
    server.set(SUMMARY, json.dumps(nulls).encode())
    results = rig.polls(3)
    assert all(isinstance(r, Failure) and r.reason.startswith("not a status page") for r in results)
    assert rig.sent() == [("summary", "inc-1")], "no resolve from a page that says nothing"


def test_nulls_inside_the_objects_never_pass_for_a_calm_page(server: StatusServer, rig: Rig) -> None:
    server.set(SUMMARY, OUTAGE)
    rig.poll()
    null_rows = {
        "status": {"indicator": None, "description": None},
        "components": [{"id": None, "name": None, "status": None}],
        "incidents": [{"id": None, "name": None, "status": None, "impact": None, "incident_updates": None}],
    }
    server.set(SUMMARY, json.dumps(null_rows).encode())
    rig.poll()
    assert rig.view().state == State.MAJOR, "one odd poll never turns a known outage green"
    assert [i.id for i in rig.view().incidents] == ["inc-1"]
    assert rig.sent() == [("summary", "inc-1")]


def test_new_status_values_are_unknown_never_resolved_and_logged_once(
    server: StatusServer, rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    server.set(SUMMARY, CALM)
    rig.poll()
    server.set(SUMMARY, OUTAGE)
    rig.poll()
    drifted = summary(
        incident("inc-1", impact="catastrophic", status="escalated"),
        components={"API": "exploded", "Chat": "operational"},
    )
    server.set(SUMMARY, drifted)
    with caplog.at_level("WARNING"):
        rig.polls(5)
    view = rig.view()
    assert [i.id for i in view.incidents] == ["inc-1"], "a status word we do not know never closes"
    assert view.incidents[0].impact == State.UNKNOWN
    assert [c.state for c in view.components] == [State.UNKNOWN, State.OPERATIONAL]
    assert view.state == State.UNKNOWN
    assert rig.sent() == [("start", "inc-1")]
    messages = [r.getMessage() for r in caplog.records if "unknown status value" in r.getMessage()]
    for value in ("component=exploded", "incident_status=escalated", "impact=catastrophic"):
        assert sum(value in m for m in messages) == 1, f"{value} logged once over five polls: {messages}"


@pytest.mark.parametrize("chunked", [False, True], ids=["declared length", "chunked"])
def test_a_50_mb_body_is_refused_with_flat_memory(server: StatusServer, rig: Rig, chunked: bool) -> None:
    body = b"x" * (50 * 1024 * 1024)
    server.set(SUMMARY, Reply(body, chunked=chunked, etag=False, headers=NO_GZIP))
    rig.poll()  # the first round also builds what every later one reuses
    before = memory_kib("VmRSS")
    reset_peak_memory()
    result = rig.poll()
    growth_mib = (memory_kib("VmHWM") - before) / 1024
    assert result == Failure("response too large (over 8 MB)")
    assert growth_mib < 20, f"the peak grew by {growth_mib:.1f} MiB for a body capped at 8 MB"


def test_a_gzip_bomb_is_refused_with_flat_memory(server: StatusServer, rig: Rig) -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    bomb = b"".join(packer.compress(zeros) for _ in range(200)) + packer.flush()
    assert len(bomb) < 300 * 1024, "200 MB once inflated, a few hundred kB on the wire"
    server.set(SUMMARY, Reply(bomb, etag=False, headers={"Content-Encoding": "gzip"}))
    rig.poll()
    before = memory_kib("VmRSS")
    reset_peak_memory()
    result = rig.poll()
    growth_mib = (memory_kib("VmHWM") - before) / 1024
    assert result == Failure("response too large (over 8 MB)")
    assert growth_mib < 20, f"the peak grew by {growth_mib:.1f} MiB while inflating a gzip bomb"
