"""The HTTP edge against a real local server: politeness, limits, reasons."""

from __future__ import annotations

import socket
import ssl
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from tests.support.server import Reply, StatusServer
from trayapp import __version__
from trayapp.shell.fetch import Fetcher, FetchError, Routes, parse_retry_after


def get(url: str, fetcher: Fetcher | None = None, **kwargs: str | None) -> object:
    def go() -> object:
        client = fetcher or Fetcher()
        try:
            return client.get(url, **kwargs)
        finally:
            if fetcher is None:
                client.close()

    return go()


def fetch_error(url: str, **fetcher_args: float) -> FetchError:
    def go() -> FetchError:
        client = Fetcher(**fetcher_args)  # type: ignore[arg-type]
        try:
            client.get(url)
        except FetchError as error:
            return error
        finally:
            client.close()
        raise AssertionError("no FetchError")

    return go()


def test_user_agent_and_gzip(server: StatusServer) -> None:
    server.set("/s.json", b'{"status": {"indicator": "none"}}' * 100)
    fetched = get(server.url + "/s.json")
    assert fetched.body == b'{"status": {"indicator": "none"}}' * 100  # type: ignore[attr-defined]
    request = server.requests_to("/s.json")[0]
    assert request.headers["user-agent"].startswith(f"trayapp/{__version__}")
    assert "gzip" in request.headers["accept-encoding"]
    assert request.body_bytes < 3300, "the body travelled compressed"


def test_unchanged_page_costs_a_304_without_body(server: StatusServer) -> None:
    server.set("/s.json", b'{"a": 1}')
    first = get(server.url + "/s.json")
    second = get(server.url + "/s.json", etag=first.etag)  # type: ignore[attr-defined]
    assert second.not_modified  # type: ignore[attr-defined]
    assert second.body == b""  # type: ignore[attr-defined]
    last = server.requests_to("/s.json")[-1]
    assert (last.status, last.body_bytes) == (304, 0)
    assert last.headers["if-none-match"] == first.etag  # type: ignore[attr-defined]


def test_polls_answered_304_keep_one_connection(server: StatusServer) -> None:
    """A 304 hands its connection back to the pool: unchanged polls open no new connections."""
    server.set("/s.json", b'{"a": 1}')

    def go() -> None:
        fetcher = Fetcher()
        try:
            first = fetcher.get(server.url + "/s.json")
            for _ in range(5):
                assert (fetcher.get(server.url + "/s.json", etag=first.etag)).not_modified
        finally:
            fetcher.close()

    go()
    requests = server.requests_to("/s.json")
    assert [r.status for r in requests] == [200] + [304] * 5
    assert {r.connection for r in requests} == {requests[0].connection}


@pytest.mark.parametrize("status", [500, 502, 503, 504, 404])
def test_http_errors_give_the_status(server: StatusServer, status: int) -> None:
    server.set("/s.json", Reply(b"oops", status, "text/plain"))
    error = fetch_error(server.url + "/s.json")
    assert error.reason == f"HTTP {status}"
    assert error.status == status


def test_retry_after_seconds_and_date(server: StatusServer) -> None:
    server.set("/a", Reply(b"", 429, headers={"Retry-After": "120"}))
    assert fetch_error(server.url + "/a").retry_after == 120
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=300), usegmt=True)
    server.set("/b", Reply(b"", 429, headers={"Retry-After": later}))
    retry = fetch_error(server.url + "/b").retry_after
    assert retry is not None
    assert 290 <= retry <= 301
    server.set("/c", Reply(b"", 429))
    assert fetch_error(server.url + "/c").retry_after is None


def test_parse_retry_after_caps_and_rejects() -> None:
    assert parse_retry_after("999999") == 3600
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_oversized_body_is_refused(server: StatusServer) -> None:
    server.set("/big", Reply(b"x" * (3 * 1024 * 1024), content_type="text/plain"))
    error = fetch_error(server.url + "/big", max_bytes=1024 * 1024)
    assert error.reason == "response too large (over 1 MB)"


def test_gzip_bomb_is_capped_by_decoded_size(server: StatusServer) -> None:
    import gzip

    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024))
    server.set("/bomb", Reply(bomb, headers={"Content-Encoding": "gzip"}, etag=False))
    error = fetch_error(server.url + "/bomb", max_bytes=1024 * 1024)
    assert error.reason.startswith("response too large")


def test_no_answer_is_a_timeout(server: StatusServer) -> None:
    server.set("/slow", Reply(b"{}", delay=3))
    error = fetch_error(server.url + "/slow", timeout=0.5, deadline=5)
    assert error.reason == "timeout"
    assert error.connection


def test_dripping_body_hits_the_total_deadline(server: StatusServer) -> None:
    server.set("/drip", Reply(b"{" + b" " * 200 + b"}", drip=0.05, etag=False))
    error = fetch_error(server.url + "/drip", timeout=5, deadline=1)
    assert error.reason == "timeout"


def test_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = fetch_error(f"http://127.0.0.1:{port}/s.json")
    assert error.reason == "connection refused"
    assert error.connection


def test_redirects_are_followed_and_loops_stopped(server: StatusServer) -> None:
    server.set("/old", Reply(b"", 301, headers={"Location": "/new"}, etag=False))
    server.set("/new", b'{"moved": true}')
    assert get(server.url + "/old").body == b'{"moved": true}'  # type: ignore[attr-defined]
    server.set("/loop-a", Reply(b"", 302, headers={"Location": "/loop-b"}, etag=False))
    server.set("/loop-b", Reply(b"", 302, headers={"Location": "/loop-a"}, etag=False))
    assert fetch_error(server.url + "/loop-a").reason == "too many redirects"
    assert len(server.requests_to("/loop-a")) <= 4


def test_self_signed_certificate_is_refused_with_a_reason(tmp_path: Path) -> None:
    import ssl
    import subprocess
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: object) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        error = fetch_error(f"https://127.0.0.1:{httpd.server_address[1]}/s.json")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert error.reason.startswith("TLS error: certificate verify failed")
    assert error.connection


def test_a_page_is_read_through_the_proxy_the_environment_names(
    server: StatusServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = "http://status.example.test/api/v2/summary.json"  # never resolved here: the proxy fetches it
    server.set(page, b'{"through": "proxy"}')
    monkeypatch.setenv("http_proxy", server.url)
    assert get(page).body == b'{"through": "proxy"}'  # type: ignore[attr-defined]
    (seen,) = server.requests_to(page)
    assert seen.headers["host"] == "status.example.test"


def test_this_machine_and_no_proxy_hosts_are_reached_directly(
    server: StatusServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}"
    monkeypatch.setenv("http_proxy", nowhere)
    monkeypatch.setenv("https_proxy", nowhere)
    monkeypatch.setenv("no_proxy", "status.internal.test")
    monkeypatch.delenv("NO_PROXY")
    server.set("/s.json", b"{}")
    assert get(server.url + "/s.json").body == b"{}"  # type: ignore[attr-defined]
    routes = Routes(ssl.create_default_context())
    try:
        direct = routes.for_url(httpx.URL(server.url))
        assert routes.for_url(httpx.URL("https://status.internal.test/")) is direct
        assert routes.for_url(httpx.URL("https://status.example.test/")) is not direct
        assert routes.for_url(httpx.URL("https://[::1]:8443/")) is direct
    finally:
        routes.close()


@pytest.mark.parametrize(
    ("no_proxy", "url", "direct"),
    [
        ("status.example.com:8443", "https://status.example.com:8443/", True),
        ("status.example.com:8443", "https://status.example.com/", False),
        ("localhost,*", "https://status.example.com/", True),
        (".example.com", "https://status.example.com/", True),
        ("", "https://status.example.com/", False),
    ],
)
def test_no_proxy_entries_with_a_port_or_a_star(
    monkeypatch: pytest.MonkeyPatch, no_proxy: str, url: str, direct: bool
) -> None:
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("no_proxy", no_proxy)
    monkeypatch.delenv("NO_PROXY")
    routes = Routes(ssl.create_default_context())
    try:
        home = routes.for_url(httpx.URL("http://127.0.0.1:9/"))
        assert (routes.for_url(httpx.URL(url)) is home) == direct
    finally:
        routes.close()


def test_a_proxy_written_without_a_scheme_is_used(
    server: StatusServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = "http://status.example.test/s.json"
    server.set(page, b'{"through": "proxy"}')
    monkeypatch.setenv("http_proxy", server.url.removeprefix("http://"))  # "127.0.0.1:PORT"
    assert get(page).body == b'{"through": "proxy"}'  # type: ignore[attr-defined]


def test_a_socks_proxy_without_its_package_is_said_in_the_log_and_skipped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "socksio", None)  # as on a machine without it
    monkeypatch.setenv("all_proxy", "socks5://someone:s3cret@127.0.0.1:1080")
    routes = Routes(ssl.create_default_context())
    try:
        with caplog.at_level("WARNING", logger="trayapp.shell.fetch"):
            chosen = routes.for_url(httpx.URL("https://status.example.test/"))
        assert chosen is routes.for_url(httpx.URL("http://127.0.0.1:9/"))
        assert "cannot use the proxy for status.example.test" in caplog.text
        assert "socksio" in caplog.text
        assert "s3cret" not in caplog.text, "a proxy's password never reaches the log"
    finally:
        routes.close()
