"""A fake model API on 127.0.0.1: answers chat completions and messages requests, records each one."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

OPENAI_ANSWER = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "choices": [{"index": 0, "message": {"content": ""}, "finish_reason": "length"}],
    "usage": {"prompt_tokens": 8, "completion_tokens": 1, "total_tokens": 9},
}
ANTHROPIC_ANSWER = {
    "id": "msg_1",
    "type": "message",
    "content": [{"type": "text", "text": "Hi"}],
    "stop_reason": "max_tokens",
    "usage": {"input_tokens": 10, "output_tokens": 1},
}


@dataclass
class ModelRequest:
    """One request the fake API saw: method, path, headers (lower-case names) and JSON body."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float


class ModelApi:
    """Answers every POST with `status` (a 2xx with a small model answer, else an error body)."""

    def __init__(self) -> None:
        self.status = 200
        self.redirect: tuple[int, str] | None = None  # answer with this status and Location instead
        self.requests: list[ModelRequest] = []
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                headers = {name.lower(): value for name, value in self.headers.items()}
                with api._lock:
                    api.requests.append(ModelRequest("POST", self.path, headers, body, time.monotonic()))
                    status = api.status
                    redirect = api.redirect
                if redirect is not None:
                    self.send_response(redirect[0])
                    self.send_header("Location", redirect[1])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if 200 <= status < 300:
                    answer = ANTHROPIC_ANSWER if self.path.endswith("/messages") else OPENAI_ANSWER
                else:
                    # Like the real APIs, an error body may echo part of the key: it must never be shown.
                    key = headers.get("x-api-key") or headers.get("authorization", "")
                    answer = {"error": {"message": f"Incorrect API key provided: {key}", "code": status}}
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.root = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def set_status(self, status: int) -> None:
        """Answer every request from now on with this status."""
        with self._lock:
            self.status = status

    def seen(self) -> list[ModelRequest]:
        """A copy of the requests so far."""
        with self._lock:
            return list(self.requests)

    def start(self) -> None:
        """Start serving in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def model_api() -> Iterator[ModelApi]:
    """A running fake model API, stopped afterwards."""
    api = ModelApi()
    api.start()
    try:
        yield api
    finally:
        api.stop()
