"""`trayapp providers --check` against loopback pages: matching, moved, unreachable, no feed, offline."""

from __future__ import annotations

import socket

import pytest

from tests.support.server import Reply, StatusServer, running_server
from trayapp import cli
from trayapp.catalog import NO_FEED, ProviderSpec
from trayapp.i18n import set_language
from trayapp.shell.catalog_check import Checked, Verdict, check_exit_code, is_offline, report_lines, run_check


def spec(provider_id: str, url: str, kind: str, **fields: object) -> ProviderSpec:
    return ProviderSpec(id=provider_id, name=provider_id.title(), page=url, kind=kind, builtin=True, **fields)  # type: ignore[arg-type]


def closed_port_url() -> str:
    """A loopback address where nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_matching_statuspage(server: StatusServer) -> None:
    """A page that answers with its catalog kind matches, and the answering URL is named."""
    server.set_fixture("/api/v2/summary.json", "statuspage/summary_all_operational.json")
    [result] = run_check([spec("anthropic", server.url, "statuspage")])
    assert result.verdict is Verdict.MATCHING
    assert (result.kind, result.endpoint) == ("statuspage", f"{server.url}/api/v2/summary.json")
    assert check_exit_code([result]) == 0


def test_matching_through_a_poorer_source(server: StatusServer) -> None:
    """An incident.io page whose proxy and widget are gone still matches through its v2 shim."""
    server.set_fixture("/api/v2/summary.json", "incidentio/compat_summary_partial.json")
    [result] = run_check([spec("fireworks", server.url, "incidentio")])
    assert result.verdict is Verdict.MATCHING
    assert result.endpoint == f"{server.url}/api/v2/summary.json"


def test_matching_direct_feed(server: StatusServer) -> None:
    """An entry naming one feed matches when that feed reads."""
    server.set_fixture("/feed.rss", "incidentio/feed.rss")
    [result] = run_check([spec("deepseek", server.url, "feed", source=f"{server.url}/feed.rss")])
    assert (result.verdict, result.kind, result.endpoint) == (
        Verdict.MATCHING,
        "feed",
        f"{server.url}/feed.rss",
    )


def test_moved_to_another_platform(server: StatusServer) -> None:
    """The catalog says Instatus, the page now serves Datadog's config.json: moved to datadog."""
    server.set_fixture("/config.json", "datadog/config_operational.json")
    [result] = run_check([spec("openrouter", server.url, "instatus")])
    assert result.verdict is Verdict.MOVED
    assert (result.kind, result.endpoint) == ("datadog", f"{server.url}/config.json")
    assert result.reason == "HTTP 404"  # why the listed kind did not answer
    assert check_exit_code([result]) == 1


def test_moved_feed_is_found_at_the_root(server: StatusServer) -> None:
    """A named feed that is gone, while the page root still has another: moved (to that feed)."""
    server.set("/incidents.rss", Reply(b"forbidden", 403, "text/plain"))
    server.set_fixture("/history.atom", "statuspage/history.atom")
    [result] = run_check([spec("openrouter", server.url, "feed", source=f"{server.url}/incidents.rss")])
    assert result.verdict is Verdict.MOVED
    assert (result.kind, result.endpoint) == ("feed", f"{server.url}/history.atom")


def test_unreachable_when_nothing_answers(server: StatusServer) -> None:
    """Every path 404 or HTML: unreachable, with the listed kind's first reason; not offline."""
    server.set("/summary.json", Reply(b"<!DOCTYPE html><html></html>", 200, "text/html"))
    [result] = run_check([spec("perplexity", server.url, "instatus")])
    assert result.verdict is Verdict.UNREACHABLE
    assert result.reason == "not a status page: got an HTML page"
    assert not result.connection
    assert not is_offline([result])
    assert check_exit_code([result]) == 1


def test_refused_is_unreachable_and_asks_once() -> None:
    """A host that refuses connections is asked once, not once per format; alone it means offline."""
    [result] = run_check([spec("gone", closed_port_url(), "incidentio")])
    assert result.verdict is Verdict.UNREACHABLE
    assert result.connection
    assert result.reason == "connection refused"
    assert is_offline([result])
    assert check_exit_code([result]) == 3


def test_no_feed_is_not_fetched_and_counts_as_listed(server: StatusServer) -> None:
    """A kind "none" entry is reported as having no feed, without a request, and matches the catalog."""
    server.set_fixture("/api/v2/summary.json", "statuspage/summary_all_operational.json")
    with running_server() as mistral:
        results = run_check(
            [spec("mistral", mistral.url, NO_FEED), spec("anthropic", server.url, "statuspage")]
        )
        assert mistral.requests == []
    assert [r.verdict for r in results] == [Verdict.NO_FEED, Verdict.MATCHING]
    assert results[0].reason == "no status feed"
    assert check_exit_code(results) == 0
    # A lone no-feed entry and a refused host: still offline, since the one page fetched was refused.
    assert is_offline([results[0], Checked(results[1].spec, Verdict.UNREACHABLE, connection=True)])


def test_report_lines_in_italian(server: StatusServer) -> None:
    """The table speaks the user's language; format names and URLs stay as they are."""
    server.set_fixture("/config.json", "datadog/config_operational.json")
    results = run_check([spec("openrouter", server.url, "instatus"), spec("mistral", server.url, NO_FEED)])
    set_language("it")
    lines = report_lines(results)
    assert lines[0].split() == ["ID", "CONTROLLO", "FORMATO", "INDIRIZZO"]
    assert lines[1].split()[:4] == ["openrouter", "passato", "a", "datadog"]
    assert "nessun feed di stato" in lines[2]
    assert lines[-1] == "Servizi che rispondono come dice il catalogo: 1 su 2."


def test_cli_check_uses_the_catalog(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`trayapp providers --check` checks every catalog entry: a table on stdout, exit 1 when one moved."""
    with running_server() as anthropic, running_server() as openrouter:
        anthropic.set_fixture("/api/v2/summary.json", "statuspage/summary_all_operational.json")
        openrouter.set_fixture("/config.json", "datadog/config_operational.json")
        catalog = {
            "anthropic": spec("anthropic", anthropic.url, "statuspage"),
            "openrouter": spec("openrouter", openrouter.url, "instatus"),
        }
        monkeypatch.setattr(cli, "CATALOG", catalog)
        code = cli.main(["providers", "--check"])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out[0].split() == ["ID", "CHECK", "FORMAT", "ENDPOINT"]
    assert out[1].split()[:3] == ["anthropic", "matching", "statuspage"]
    assert out[2].split()[:4] == ["openrouter", "moved", "to", "datadog"]
    assert out[-1] == "Providers answering as the catalog says: 1 of 2."


def test_cli_check_offline(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing reachable at all: said on stderr, exit 3, no table."""
    monkeypatch.setattr(cli, "CATALOG", {"gone": spec("gone", closed_port_url(), "statuspage")})
    code = cli.main(["providers", "--check"])
    captured = capsys.readouterr()
    assert code == 3
    assert captured.out == ""
    assert "offline: no status page could be reached" in captured.err
