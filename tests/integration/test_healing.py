"""Built-ins heal themselves, against local servers: a page whose catalog kind stops answering
while another format answers is followed after three polls, once an hour at most; network
failures never start a detection; a root redirected to another (loopback) host is followed."""

from __future__ import annotations

import logging
import socket
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.server import Reply, StatusServer, running_server
from trayapp.catalog import ProviderSpec
from trayapp.core.healing import Moved
from trayapp.model import Failure, ParsedPage
from trayapp.shell.fetch import Fetcher
from trayapp.shell.reader import PageReader

START = datetime(2026, 9, 14, 8, 0, tzinfo=UTC)
STATUSPAGE = "/api/v2/summary.json"
INSTATUS = "/summary.json"
PROXY = "/proxy/127.0.0.1"  # incident.io, first in the detection order


def builtin(url: str, kind: str, **fields: object) -> ProviderSpec:
    """A spec as the catalog writes one: built in, with an explicit kind."""
    return ProviderSpec(id="acme", name="Acme", page=url, kind=kind, builtin=True, **fields)  # type: ignore[arg-type]


def poll(
    reader: PageReader, spec: ProviderSpec, minutes: Sequence[float], timeout: float = 2.0
) -> list[ParsedPage | Failure]:
    """Read `spec` once at each of these minutes after START."""

    def go() -> list[ParsedPage | Failure]:
        fetcher = Fetcher(timeout=timeout, deadline=timeout + 1)
        reader.fetcher = fetcher
        try:
            return [reader.read(spec, START + timedelta(minutes=m)) for m in minutes]
        finally:
            fetcher.close()

    return go()


def kinds(results: Sequence[ParsedPage | Failure]) -> list[str]:
    return ["page" if isinstance(r, ParsedPage) else r.reason for r in results]


def test_a_page_that_changed_platform_is_followed_after_three_polls(
    server: StatusServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The catalog says Instatus; the page now answers as Statuspage only."""
    server.set_fixture(STATUSPAGE, "statuspage/summary_major_outage.json")
    reader = PageReader(Fetcher())
    spec = builtin(server.url, "instatus")
    with caplog.at_level(logging.INFO):
        results = poll(reader, spec, [0, 1, 2, 3, 4])
    assert kinds(results) == ["HTTP 404", "HTTP 404", "page", "page", "page"]
    assert len(server.requests_to(INSTATUS)) == 3, "the catalog's kind is not asked again once healed"
    assert reader.detected == {"acme": "statuspage"}, "saved with the engine's detected formats"
    assert reader.healer.moves == {"acme": Moved("Acme", "statuspage", server.url)}
    moved = [r.getMessage() for r in caplog.records if "status page moved" in r.getMessage()]
    assert moved == [f"Acme's status page moved to statuspage at {server.url}"], "said once"


def test_a_healed_page_is_not_detected_again_within_the_hour(server: StatusServer) -> None:
    server.set_fixture(STATUSPAGE, "statuspage/summary_major_outage.json")
    reader = PageReader(Fetcher())
    spec = builtin(server.url, "instatus")
    assert kinds(poll(reader, spec, [0, 1, 2]))[-1] == "page"
    detections = len(server.requests_to(PROXY))
    assert detections == 1
    # It moves again, to incident.io: three misses, but the last detection was minutes ago.
    server.clear(STATUSPAGE)
    server.set_fixture(PROXY, "incidentio/proxy_partial_outage.json")
    assert kinds(poll(reader, spec, [3, 4, 5, 30, 61])) == ["HTTP 404"] * 5
    assert len(server.requests_to(PROXY)) == detections, "no detection within the hour"
    # An hour after the last one, the next miss detects again, and it is followed.
    [result] = poll(reader, spec, [62.5])
    assert isinstance(result, ParsedPage)
    assert reader.healer.moves["acme"].kind == "incidentio"
    assert reader.detected == {"acme": "incidentio"}


def test_a_restart_reads_the_saved_format_at_once(server: StatusServer) -> None:
    server.set_fixture(STATUSPAGE, "statuspage/summary_major_outage.json")
    reader = PageReader(Fetcher(), detected={"acme": "statuspage"})
    assert kinds(poll(reader, builtin(server.url, "instatus"), [0])) == ["page"]
    assert server.requests_to(INSTATUS) == []
    assert reader.healer.moves == {}, "said in the run that found it"


def test_a_named_feed_that_stopped_answering_is_found_again_at_the_page(server: StatusServer) -> None:
    """OpenRouter's case: the catalog named one feed; it answers 403; the page is Statuspage now."""
    server.set("/incidents.rss", Reply(b"forbidden", 403, "text/plain"))
    server.set_fixture(STATUSPAGE, "statuspage/summary_major_outage.json")
    spec = builtin(server.url, "feed", source=f"{server.url}/incidents.rss")
    reader = PageReader(Fetcher())
    assert kinds(poll(reader, spec, [0, 1, 2, 3])) == ["HTTP 403", "HTTP 403", "page", "page"]
    assert len(server.requests_to("/incidents.rss")) == 3
    assert reader.healer.moves["acme"] == Moved("Acme", "statuspage", server.url)


def test_a_custom_provider_keeps_the_kind_its_user_chose(server: StatusServer) -> None:
    server.set_fixture(STATUSPAGE, "statuspage/summary_major_outage.json")
    custom = ProviderSpec(id="acme", name="Acme", page=server.url, kind="instatus")
    reader = PageReader(Fetcher())
    assert kinds(poll(reader, custom, range(5))) == ["HTTP 404"] * 5
    assert server.requests_to(STATUSPAGE) == []
    assert reader.healer.moves == {}


def test_a_refused_connection_never_detects_again(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    reader = PageReader(Fetcher())
    with caplog.at_level(logging.INFO):
        results = poll(reader, builtin(f"http://127.0.0.1:{port}", "instatus"), range(6))
    assert kinds(results) == ["connection refused"] * 6
    assert not any("detecting again" in r.getMessage() for r in caplog.records)
    assert reader.healer.moves == {}
    assert reader.detected == {}


def test_timeouts_never_detect_again_though_another_format_answers(server: StatusServer) -> None:
    server.set_fixture(INSTATUS, "instatus/summary_up.json", delay=1.0)
    server.set_fixture(STATUSPAGE, "statuspage/summary_major_outage.json")
    reader = PageReader(Fetcher())
    results = poll(reader, builtin(server.url, "instatus"), range(4), timeout=0.2)
    assert kinds(results) == ["timeout"] * 4
    assert server.requests_to(STATUSPAGE) == []
    assert server.requests_to(PROXY) == []
    assert reader.healer.moves == {}


def test_a_root_redirected_to_another_host_is_followed(server: StatusServer) -> None:
    """Replicate's case, on loopback: the old root redirects to a Statuspage page on another host."""
    with running_server() as new_home:
        new_home.set_fixture(STATUSPAGE, "statuspage/summary_major_outage.json")
        new_home.set("/", Reply(b"<html><body>Status</body></html>", content_type="text/html"))
        server.set("/", Reply(b"", 301, "text/html", headers={"Location": new_home.url + "/"}))
        reader = PageReader(Fetcher())
        spec = builtin(server.url, "incidentio")
        assert kinds(poll(reader, spec, [0, 1, 2])) == ["HTTP 404", "HTTP 404", "page"]
        assert reader.healer.moves == {"acme": Moved("Acme", "statuspage", new_home.url)}
        asked_before = len(server.requests)
        assert kinds(poll(reader, spec, [3, 4])) == ["page", "page"]
        assert len(server.requests) == asked_before, "the old host is not asked any more"
        assert len(new_home.requests_to(STATUSPAGE)) == 3, "read at the new host from then on"
        assert "acme" not in reader.detected, "a kind alone would send a restart to the old host"
