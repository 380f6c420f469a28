"""A fake status-page server on 127.0.0.1 whose answers a test switches step by step."""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture_bytes(relative: str) -> bytes:
    """The bytes of a fixture file, e.g. 'statuspage/summary_all_operational.json'."""
    return (FIXTURES / relative).read_bytes()


def _without_page_time(body: bytes) -> bytes:
    """A JSON document without its `page.updated_at` (unchanged when it has none)."""
    document = json.loads(body)
    page = document.get("page") if isinstance(document, dict) else None
    if not isinstance(page, dict) or "updated_at" not in page:
        return body
    del page["updated_at"]
    return json.dumps(document).encode()


@dataclass
class Reply:
    """What the server answers on one path."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    etag: bool = True
    drip: float = 0.0
    # faults of the connection itself (all off by default):
    reset_after: int | None = None  # send the headers and this many body bytes, then reset (RST)
    stall_reused: bool = False  # never answer a request that reuses a kept-alive connection
    chunked: bool = False  # send the body chunked, with no Content-Length to refuse it early


@dataclass
class Request:
    """One request the server saw."""

    path: str
    headers: dict[str, str]
    status: int
    body_bytes: int
    connection: int = 0  # which TCP connection carried it (1, 2, ... in order of arrival)


class StatusServer:
    """Serves `routes[path]`; unknown paths get 404. Thread-safe to switch while running."""

    def __init__(self) -> None:
        self.routes: dict[str, Reply] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._connections = itertools.count(1)
        self._stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                server._answer(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def set(self, path: str, reply: Reply | bytes) -> None:
        """Answer `path` with `reply` from now on."""
        with self._lock:
            self.routes[path] = reply if isinstance(reply, Reply) else Reply(reply)

    def set_fixture(self, path: str, relative: str, **kwargs: object) -> None:
        """Answer `path` with a fixture file.

        Fixtures were captured at different moments and a test plays them in any order: they are
        served without the page's own update time (Statuspage's `page.updated_at`), so that trayapp
        never takes the next one for an older copy served by a cache.
        """
        xml = relative.endswith((".atom", ".rss", ".xml"))
        body = fixture_bytes(relative)
        if not xml:
            body = _without_page_time(body)
        content_type = "application/xml" if xml else "application/json"
        self.set(path, Reply(body, content_type=content_type, **kwargs))  # type: ignore[arg-type]

    def clear(self, path: str) -> None:
        """Answer 404 on `path` from now on."""
        with self._lock:
            self.routes.pop(path, None)

    def requests_to(self, path: str) -> list[Request]:
        """The requests seen for one path."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def _connection_of(self, handler: BaseHTTPRequestHandler) -> tuple[int, int]:
        """The handler's connection number and how many requests it carried before this one."""
        state: list[int] | None = getattr(handler, "_connection_state", None)
        if state is None:
            state = [next(self._connections), 0]
            handler._connection_state = state  # type: ignore[attr-defined]
        earlier = state[1]
        state[1] += 1
        return state[0], earlier

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            reply = self.routes.get(handler.path)
            connection, earlier = self._connection_of(handler)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        if reply is None:
            reply = Reply(b"<html><body>Not found</body></html>", 404, "text/html")
        if reply.stall_reused and earlier:
            with self._lock:
                self.requests.append(Request(handler.path, headers, 0, 0, connection))
            self._stopping.wait(30)  # no answer, ever: the client has to give up
            handler.close_connection = True
            return
        if reply.delay:
            time.sleep(reply.delay)
        body = reply.body
        status = reply.status
        out_headers = {"Content-Type": reply.content_type, **reply.headers}
        if reply.etag and status == 200:
            tag = '"' + hashlib.sha1(body).hexdigest() + '"'
            out_headers["ETag"] = tag
            if headers.get("if-none-match") == tag:
                status, body = 304, b""
        compressible = "Content-Encoding" not in out_headers and len(body) > 256
        if status == 200 and compressible and "gzip" in headers.get("accept-encoding", ""):
            body = gzip.compress(body)
            out_headers["Content-Encoding"] = "gzip"
        with self._lock:
            self.requests.append(Request(handler.path, headers, status, len(body), connection))
        try:
            handler.send_response(status)
            for key, value in out_headers.items():
                handler.send_header(key, value)
            if reply.chunked:
                handler.send_header("Transfer-Encoding", "chunked")
            else:
                handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if reply.reset_after is not None:
                self._reset_mid_body(handler, body[: reply.reset_after])
            elif reply.chunked:
                self._send_chunked(handler, body)
            elif reply.drip:
                for index in range(len(body)):
                    handler.wfile.write(body[index : index + 1])
                    handler.wfile.flush()
                    time.sleep(reply.drip)
            else:
                handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    @staticmethod
    def _reset_mid_body(handler: BaseHTTPRequestHandler, part: bytes) -> None:
        """Send `part` of the body, then drop the connection with a TCP reset."""
        handler.wfile.write(part)
        handler.wfile.flush()
        # Linger 0: closing sends RST instead of FIN (the socket closes when the handler ends).
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
        handler.close_connection = True

    @staticmethod
    def _send_chunked(handler: BaseHTTPRequestHandler, body: bytes, size: int = 64 * 1024) -> None:
        """The body in chunks of `size` bytes, without copying it."""
        view = memoryview(body)
        for start in range(0, len(view), size):
            piece = view[start : start + size]
            handler.wfile.write(b"%x\r\n" % len(piece))
            handler.wfile.write(piece)
            handler.wfile.write(b"\r\n")
        handler.wfile.write(b"0\r\n\r\n")

    def start(self) -> StatusServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()


@contextmanager
def running_server() -> Iterator[StatusServer]:
    """A started StatusServer, stopped afterwards."""
    server = StatusServer().start()
    try:
        yield server
    finally:
        server.stop()
