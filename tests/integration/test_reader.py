"""Reading a provider: source fallbacks, auto-detection, conditional GET, politeness."""

from __future__ import annotations

import socket

from tests.support.server import Reply, StatusServer
from trayapp.catalog import ProviderSpec
from trayapp.core.rollup import page_state
from trayapp.model import Failure, ParsedPage, State
from trayapp.shell.fetch import Fetcher
from trayapp.shell.reader import PageReader


def spec_for(url: str, kind: str, **fields: object) -> ProviderSpec:
    return ProviderSpec(id="p", name="P", page=url, kind=kind, **fields)  # type: ignore[arg-type]


def read_many(
    reader_spec: ProviderSpec, times: int = 1, reader: PageReader | None = None
) -> list[ParsedPage | Failure]:
    def go() -> list[ParsedPage | Failure]:
        fetcher = Fetcher(timeout=2, deadline=3)
        own = reader or PageReader(fetcher)
        if reader is not None:
            reader.fetcher = fetcher
        try:
            return [own.read(reader_spec) for _ in range(times)]
        finally:
            fetcher.close()

    return go()


def test_statuspage_summary(server: StatusServer) -> None:
    server.set_fixture("/api/v2/summary.json", "statuspage/summary_major_outage.json")
    [result] = read_many(spec_for(server.url, "statuspage"))
    assert isinstance(result, ParsedPage)
    assert page_state(result) == State.MAJOR


def test_statuspage_falls_back_to_status_and_unresolved(server: StatusServer) -> None:
    server.set("/api/v2/summary.json", Reply(b"down", 503, "text/plain"))
    server.set_fixture("/api/v2/status.json", "statuspage/status_critical.json")
    server.set_fixture("/api/v2/incidents/unresolved.json", "statuspage/incidents_unresolved.json")
    [result] = read_many(spec_for(server.url, "statuspage"))
    assert isinstance(result, ParsedPage)
    assert page_state(result) == State.MAJOR
    assert [i.id for i in result.incidents] == ["b8k2yq6wrn4t"]


def test_incidentio_prefers_proxy_then_widget_then_compat(server: StatusServer) -> None:
    host_path = "/proxy/127.0.0.1"
    server.set_fixture(host_path, "incidentio/proxy_partial_outage.json")
    server.set_fixture("/api/v1/summary", "incidentio/widget_partial_outage.json")
    server.set_fixture("/api/v2/summary.json", "incidentio/compat_summary_partial.json")
    [rich] = read_many(spec_for(server.url, "incidentio"))
    assert isinstance(rich, ParsedPage)
    assert len(rich.components) > 10
    server.set(host_path, Reply(b"oops", 500))
    [widget] = read_many(spec_for(server.url, "incidentio"))
    assert isinstance(widget, ParsedPage)
    assert page_state(widget) == State.PARTIAL
    assert [i.id for i in widget.incidents] == [i.id for i in rich.incidents], (
        "same incident ids across sources"
    )
    server.set("/api/v1/summary", Reply(b"<html>maintenance</html>", 200, "text/html"))
    [compat] = read_many(spec_for(server.url, "incidentio"))
    assert isinstance(compat, ParsedPage)
    assert page_state(compat) == State.PARTIAL


def test_connection_failure_stops_the_round_at_once() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    [result] = read_many(spec_for(f"http://127.0.0.1:{port}", "incidentio"))
    assert result == Failure("connection refused")


def test_auto_detects_and_remembers(server: StatusServer) -> None:
    server.set_fixture("/api/v2/summary.json", "statuspage/summary_all_operational.json")
    reader = PageReader(Fetcher())
    results = read_many(spec_for(server.url, "auto"), times=3, reader=reader)
    assert all(isinstance(r, ParsedPage) for r in results)
    assert reader.detected == {"p": "statuspage"}
    assert len(server.requests_to("/proxy/127.0.0.1")) == 1, "the proxy is tried once, then remembered"
    assert len(server.requests_to("/api/v2/summary.json")) == 3


def test_auto_finds_a_feed(server: StatusServer) -> None:
    server.set_fixture("/history.atom", "statuspage/history.atom")
    reader = PageReader(Fetcher())
    [result] = read_many(spec_for(server.url, "auto"), reader=reader)
    assert isinstance(result, ParsedPage)
    assert reader.detected == {"p": "feed"}


def test_auto_with_nothing_known_says_so(server: StatusServer) -> None:
    [result] = read_many(spec_for(server.url, "auto"))
    assert isinstance(result, Failure)
    assert result.reason.startswith("not a status page")


def test_unchanged_page_is_not_parsed_again(server: StatusServer) -> None:
    server.set_fixture("/api/v2/summary.json", "statuspage/summary_partial_incident.json")
    first, second = read_many(spec_for(server.url, "statuspage"), times=2)
    assert second is first, "the parsed page is reused as it is"
    requests = server.requests_to("/api/v2/summary.json")
    assert [(r.status, r.body_bytes) for r in requests][1] == (304, 0)


def test_document_url_is_read_directly(server: StatusServer) -> None:
    server.set_fixture("/feed.xml", "incidentio/feed.rss")
    [result] = read_many(spec_for("https://status.x.example", "feed", source=server.url + "/feed.xml"))
    assert isinstance(result, ParsedPage)
    assert page_state(result) == State.DEGRADED


def test_html_instead_of_json_is_a_reason(server: StatusServer) -> None:
    server.set("/api/v2/summary.json", Reply(b"<!doctype html><title>Wi-Fi login</title>", 200, "text/html"))
    server.set("/api/v2/status.json", Reply(b"<!doctype html><title>Wi-Fi login</title>", 200, "text/html"))
    [result] = read_many(spec_for(server.url, "statuspage"))
    assert result == Failure("not a status page: got an HTML page")


def test_component_filter_watches_only_what_the_user_uses(server: StatusServer) -> None:
    server.set_fixture("/proxy/127.0.0.1", "incidentio/proxy_finetune_lingering.json")
    [everything] = read_many(spec_for(server.url, "incidentio"))
    assert isinstance(everything, ParsedPage)
    assert page_state(everything) == State.DEGRADED
    [chatgpt_only] = read_many(spec_for(server.url, "incidentio", components=("ChatGPT",)))
    assert isinstance(chatgpt_only, ParsedPage)
    assert chatgpt_only.components
    assert {c.group for c in chatgpt_only.components} == {"ChatGPT"}
    assert chatgpt_only.incidents == (), "the fine-tuning incident touches nothing watched"
    assert page_state(chatgpt_only) == State.OPERATIONAL
    [finetune] = read_many(spec_for(server.url, "incidentio", components=("fine-tuning",)))
    assert isinstance(finetune, ParsedPage)
    assert [c.name for c in finetune.components] == ["Fine-tuning"]
    assert page_state(finetune) == State.DEGRADED


def test_two_providers_on_one_document_keep_their_own_reading(server: StatusServer) -> None:
    """A cloud-wide page read for two products: each keeps its own narrowed parse, also when unchanged."""
    server.set_fixture("/incidents.json", "google/incidents.json")
    gemini = ProviderSpec(id="gemini", name="Gemini", page=server.url, kind="google", match=("Gemini",))
    bigquery = ProviderSpec(id="bq", name="BigQuery", page=server.url, kind="google", match=("BigQuery",))
    reader = PageReader(Fetcher())

    def go() -> list[ParsedPage | Failure]:
        fetcher = Fetcher(timeout=2, deadline=3)
        reader.fetcher = fetcher
        try:
            return [reader.read(spec) for spec in (gemini, bigquery, gemini, bigquery)]
        finally:
            fetcher.close()

    results = go()
    ids = [[i.id for i in r.incidents] if isinstance(r, ParsedPage) else r for r in results]
    assert ids == [["gQ4nV7yT2pR9sK1mW3xZ"], ["bQ1aZ2sX3dC4fV5gB6hN"]] * 2
