"""A fake status-page server on 127.0.0.1 whose answers a test switches step by step."""

from __future__ import annotations

import gzip
import hashlib
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


@dataclass
class Request:
    """One request the server saw."""

    path: str
    headers: dict[str, str]
    status: int
    body_bytes: int


class StatusServer:
    """Serves `routes[path]`; unknown paths get 404. Thread-safe to switch while running."""

    def __init__(self) -> None:
        self.routes: dict[str, Reply] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
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
        """Answer `path` with a fixture file."""
        content_type = (
            "application/xml" if relative.endswith((".atom", ".rss", ".xml")) else "application/json"
        )
        self.set(path, Reply(fixture_bytes(relative), content_type=content_type, **kwargs))  # type: ignore[arg-type]

    def clear(self, path: str) -> None:
        """Answer 404 on `path` from now on."""
        with self._lock:
            self.routes.pop(path, None)

    def requests_to(self, path: str) -> list[Request]:
        """The requests seen for one path."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            reply = self.routes.get(handler.path)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        if reply is None:
            reply = Reply(b"<html><body>Not found</body></html>", 404, "text/html")
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
            self.requests.append(Request(handler.path, headers, status, len(body)))
        try:
            handler.send_response(status)
            for key, value in out_headers.items():
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if reply.drip:
                for index in range(len(body)):
                    handler.wfile.write(body[index : index + 1])
                    handler.wfile.flush()
                    time.sleep(reply.drip)
            else:
                handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def start(self) -> StatusServer:
        self._thread.start()
        return self

    def stop(self) -> None:
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
