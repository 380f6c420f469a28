"""HTTP for status pages: shared connections, politeness built in (the only httpx importer).

Requests are blocking: the poller sends them from its worker threads. They go straight to
httpx's transport (its connection pool), not through `httpx.Client`: redirects are followed
here, hop by hop, status pages need no cookies, and the client's layers (request merging,
the cookie jar read on every answer) cost a third of an unchanged poll's request. An idle
tray app is mostly the cost of its unchanged polls.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import ssl
import threading
import time
import urllib.request
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from trayapp import __version__
from trayapp.core.urls import is_loopback

log = logging.getLogger(__name__)

USER_AGENT = f"trayapp/{__version__} (desktop status indicator; polls at most once a minute)"
MAX_BODY_BYTES = 8 * 1024 * 1024
REQUEST_TIMEOUT = 10.0
TOTAL_DEADLINE = 20.0
MAX_RETRY_AFTER = 3600.0
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Compressed bodies are inflated in pieces of at most this size, so that a small gzip bomb
# never becomes one huge string before the size cap can refuse it.
DECODE_PIECE = 64 * 1024
# Parsed URLs kept for reuse (a poll asks the same few URLs again and again).
URL_CACHE_SIZE = 256
DEFAULT_HEADERS = {"User-Agent": USER_AGENT, "Accept": "*/*", "Accept-Encoding": "gzip, deflate"}
# No server needs more than two codings on one body ("gzip, gzip" is already odd).
MAX_CODINGS = 3


class FetchError(Exception):
    """A page could not be fetched; `reason` is one line; `connection` marks network-level failures."""

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        connection: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        self.connection = connection


@dataclass(frozen=True)
class Fetched:
    """A successful answer: a body, or `not_modified` for a 304; `url` is where it came from."""

    body: bytes
    etag: str | None
    last_modified: str | None
    not_modified: bool = False
    url: str = ""  # the URL that answered, after redirects (a page that moved says where)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or HTTP-date), capped; None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _ssl_context() -> ssl.SSLContext:
    """The system trust store (truststore) where available, else Python's defaults."""
    try:
        import truststore

        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    except (ImportError, OSError, ssl.SSLError):
        return ssl.create_default_context()


def _causes(error: BaseException) -> list[BaseException]:
    """The error and the chain of errors behind it."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _connect_reason(error: httpx.ConnectError) -> str:
    """Why a connection could not be made: refused, DNS, TLS or otherwise."""
    for cause in _causes(error):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS error: certificate verify failed ({cause.verify_message})"
        if isinstance(cause, ssl.SSLError):
            return f"TLS error: {cause.reason or 'handshake failed'}"
        if isinstance(cause, socket.gaierror):
            return "DNS lookup failed"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
    text = str(error).lower()
    if "certificate" in text or "ssl" in text:
        return "TLS error: handshake failed"
    if "name or service" in text or "name resolution" in text or "nodename" in text:
        return "DNS lookup failed"
    if "refused" in text:
        return "connection refused"
    first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"cannot connect: {first_line}"


def _describe(error: Exception) -> tuple[str, bool]:
    """A one-line reason for a transport error, and whether it is connection-level."""
    if isinstance(error, httpx.TimeoutException):
        return "timeout", True
    if isinstance(error, httpx.TooManyRedirects):
        return "too many redirects", False
    if isinstance(error, httpx.ConnectError):
        return _connect_reason(error), True
    if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError):
        return "connection dropped", True
    if isinstance(error, httpx.DecodingError):
        return "undecodable response", False
    return f"network error: {type(error).__name__}", True


class _Inflater:
    """Undoes one gzip or deflate content coding, in pieces of at most DECODE_PIECE bytes."""

    def __init__(self, coding: str) -> None:
        if coding in ("gzip", "x-gzip"):
            wbits = 16 + zlib.MAX_WBITS
        elif coding == "deflate":
            wbits = zlib.MAX_WBITS
        else:  # br, zstd, compress...: never asked for
            raise FetchError("undecodable response")
        self._raw_deflate_allowed = coding == "deflate"
        self._decompressor = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The decoded bytes of the next part of the body."""
        pending = data
        while pending and not self._decompressor.eof:
            try:
                piece = self._decompressor.decompress(pending, DECODE_PIECE)
            except zlib.error:
                if self._raw_deflate_allowed and not self._started:
                    # "deflate" is often sent without its zlib header: retry as raw deflate.
                    self._raw_deflate_allowed = False
                    self._decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise FetchError("undecodable response") from None
            self._started = True
            pending = self._decompressor.unconsumed_tail
            if piece:
                yield piece
            if not pending and len(piece) == DECODE_PIECE:
                # zlib may still hold output for the input it has already taken.
                yield from self._drain()

    def _drain(self) -> Iterator[bytes]:
        while not self._decompressor.eof:
            piece = self._decompressor.decompress(b"", DECODE_PIECE)
            if not piece:
                return
            yield piece

    def finish(self) -> Iterator[bytes]:
        """Whatever is left once the body has ended."""
        yield from self._drain()
        try:
            rest = self._decompressor.flush()
        except zlib.error:
            raise FetchError("undecodable response") from None
        if rest:
            yield rest


def _inflaters(content_encoding: str | None) -> list[_Inflater]:
    """Decoders for a Content-Encoding header, in the order they must be applied."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
    codings = [c for c in codings if c not in ("", "identity")]
    if len(codings) > MAX_CODINGS:
        # Each layer nests a generator in the next: a thousand would end Python's stack.
        raise FetchError("undecodable response")
    return [_Inflater(c) for c in reversed(codings)]


def _decoded(inflaters: list[_Inflater], data: bytes, *, final: bool = False) -> Iterator[bytes]:
    """`data` through every layer of decoding; with `final`, also what each layer still holds."""
    pieces: Iterator[bytes] = iter((data,)) if data else iter(())
    for inflater in inflaters:
        pieces = _through(inflater, pieces, final)
    return pieces


def _through(inflater: _Inflater, pieces: Iterator[bytes], final: bool) -> Iterator[bytes]:
    for piece in pieces:
        yield from inflater.feed(piece)
    if final:
        yield from inflater.finish()


def _remaining(deadline: float, timeout: float) -> float:
    """The timeout for the next network step: `timeout`, or less when the deadline is nearer.

    FetchError("timeout") once the deadline has passed. Each wait for the server is bounded
    by this, and each piece of a body is checked against the deadline, so a request ends
    by the deadline plus at most one wait.
    """
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError("timeout", connection=True)
    return min(timeout, left)


def _bypassed(url: httpx.URL) -> bool:
    """Whether the system says to reach `url`'s host directly (`no_proxy`, or the OS's list).

    The host is given with its port, so that an entry such as `status.example.com:8443`
    matches, and a `*` anywhere in `no_proxy` means every host (urllib honours it only alone).
    """
    no_proxy = os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or ""
    if any(entry.strip() == "*" for entry in no_proxy.split(",")):
        return True
    host = f"[{url.host}]" if ":" in url.host else url.host
    return bool(urllib.request.proxy_bypass(f"{host}:{url.port}" if url.port else host))


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """Scheme, host and port: where a key may be sent."""
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host.lower(), url.port or default


def redirect_target(current: httpx.URL, location: str) -> httpx.URL:
    """Where a redirect leads; FetchError unless it is https, or plain http to this machine.

    The same rule as for configured URLs, so that a page can never move trayapp onto plain
    http across the network (where the answer could be forged and a key read).
    """
    try:
        target = current.join(location.strip())
    except (httpx.InvalidURL, ValueError):
        raise FetchError("bad redirect") from None
    if target.scheme == "https" and target.host:
        return target
    if target.scheme == "http" and is_loopback(str(target)):
        return target
    raise FetchError("redirect refused: not https")


class Routes:
    """The transport for each origin: straight there, or through the proxy the system names.

    The proxies are the ones Python's `urllib.request` finds: the `https_proxy`, `http_proxy`,
    `all_proxy` and `no_proxy` variables, and on Windows and macOS the system's proxy
    settings. This machine's own pages are always reached directly. Looked up once per origin.
    """

    def __init__(self, verify: ssl.SSLContext, direct: httpx.BaseTransport | None = None) -> None:
        self._verify = verify
        self._direct = direct or httpx.HTTPTransport(verify=verify)
        self._proxies = urllib.request.getproxies() if direct is None else {}
        self._by_origin: dict[tuple[str, str, int | None], httpx.BaseTransport] = {}
        self._by_proxy: dict[str, httpx.BaseTransport] = {}
        self._choosing = threading.Lock()  # two workers may ask for a new origin at once

    def for_url(self, url: httpx.URL) -> httpx.BaseTransport:
        """The transport that carries requests to `url`'s origin."""
        origin = _origin(url)
        transport = self._by_origin.get(origin)
        if transport is None:
            with self._choosing:
                transport = self._by_origin.get(origin) or self._choose(url)
                self._by_origin[origin] = transport
        return transport

    def _choose(self, url: httpx.URL) -> httpx.BaseTransport:
        proxy = self._proxies.get(url.scheme) or self._proxies.get("all")
        if not proxy or is_loopback(str(url)) or _bypassed(url):
            return self._direct
        if "://" not in proxy:
            proxy = "http://" + proxy  # "proxy.example:3128", as often written: what httpx did too
        transport = self._by_proxy.get(proxy)
        if transport is None:
            # Neither the proxy's URL nor the error's text is logged: either may hold a password.
            try:
                transport = httpx.HTTPTransport(verify=self._verify, proxy=proxy)
            except ImportError:
                log.warning(
                    "cannot use the proxy for %s: a SOCKS proxy needs the socksio package"
                    ' (pip install "httpx[socks]"); connecting directly',
                    url.host,
                )
                transport = self._direct
            except (ValueError, httpx.HTTPError) as error:
                kind = type(error).__name__
                log.warning("cannot use the proxy for %s (%s); connecting directly", url.host, kind)
                transport = self._direct
            self._by_proxy[proxy] = transport
        return transport

    def close(self) -> None:
        """Close every connection pool."""
        for transport in {id(t): t for t in (self._direct, *self._by_proxy.values())}.values():
            transport.close()


class Fetcher:
    """Fetches URLs with conditional GET, gzip, a size cap, timeouts and a User-Agent."""

    def __init__(
        self,
        *,
        max_bytes: int = MAX_BODY_BYTES,
        timeout: float = REQUEST_TIMEOUT,
        deadline: float = TOTAL_DEADLINE,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.requests = 0
        self.bytes_received = 0
        self._urls: dict[str, httpx.URL] = {}
        self._timeout = timeout
        self._routes = Routes(_ssl_context(), transport)

    def close(self) -> None:
        """Close the shared connection pools."""
        self._routes.close()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Fetched:
        """GET `url`; raises FetchError with a one-line reason for anything but a usable answer.

        `headers` are sent as they are and never appear in a reason (they may carry a key).
        """
        conditional: dict[str, str] = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        self.requests += 1
        try:
            return self._follow(url, dict(headers or {}), conditional)
        except httpx.HTTPError as error:
            reason, connection = _describe(error)
            raise FetchError(reason, connection=connection) from None

    def post_json(self, url: str, body: Mapping[str, object], *, headers: Mapping[str, str]) -> Fetched:
        """POST `body` as JSON to `url`; raises FetchError with a one-line reason for anything but 2xx.

        The same rules as `get`: timeouts, the size cap, redirects checked hop by hop and the
        caller's `headers` (they carry a key) only to the first URL's origin. Only 307 and 308
        are followed (they keep the method and the body); another redirect is refused with its
        status. Neither the headers nor the body ever appear in a reason.
        """
        content = json.dumps(body, separators=(",", ":")).encode("utf-8")
        sent = {"Content-Type": "application/json", "Accept": "application/json"}
        self.requests += 1
        try:
            return self._follow(url, dict(headers), sent, method="POST", content=content)
        except httpx.HTTPError as error:
            reason, connection = _describe(error)
            raise FetchError(reason, connection=connection) from None

    def _follow(
        self,
        url: str,
        caller: dict[str, str],
        conditional: dict[str, str],
        *,
        method: str = "GET",
        content: bytes | None = None,
    ) -> Fetched:
        """Send `method` to `url`, following at most MAX_REDIRECTS redirects, each checked like a
        configured URL.

        The caller's headers (they may carry a key) go to the first URL's origin only: a hop to
        another scheme, host or port gets none of them.
        """
        target = self._parsed(url)
        origin = _origin(target)
        deadline = time.monotonic() + self.deadline
        for _hop in range(MAX_REDIRECTS + 1):
            headers = {**caller, **conditional} if _origin(target) == origin else dict(conditional)
            timeout = httpx.Timeout(_remaining(deadline, self._timeout))
            request = httpx.Request(
                method,
                target,
                headers={**DEFAULT_HEADERS, **headers},
                content=content,
                extensions={"timeout": timeout.as_dict()},
            )
            response = self._routes.for_url(target).handle_request(request)
            response.request = request
            try:
                location = response.headers.get("Location")
                status = response.status_code
                if status in REDIRECT_STATUSES and location:
                    if method != "GET" and status not in (307, 308):
                        # 301/302/303 would turn the request into a GET without its body.
                        raise FetchError(f"HTTP {status}", status=status)
                    target = redirect_target(target, location)
                    continue
                return self._read(response, deadline)
            finally:
                response.close()  # the connection goes back to the pool (or away, if unread)
        raise FetchError("too many redirects")

    def _parsed(self, url: str) -> httpx.URL:
        """`url` parsed, from the cache when asked before: a parse is a sizeable part of a 304's cost."""
        parsed = self._urls.get(url)
        if parsed is None:
            parsed = httpx.URL(url)
            if len(self._urls) >= URL_CACHE_SIZE:
                self._urls.clear()
            self._urls[url] = parsed
        return parsed

    def _read(self, response: httpx.Response, deadline: float) -> Fetched:
        """The body of a final (not redirected) answer, decoded within the size cap by `deadline`."""
        if response.status_code == 304:
            # A 304 has no body, but the connection goes back to the pool only once its
            # (empty) body has been read: unread, every poll would open a new connection.
            response.read()
            return Fetched(b"", response.headers.get("ETag"), response.headers.get("Last-Modified"), True)
        if response.status_code >= 400:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise FetchError(
                f"HTTP {response.status_code}", status=response.status_code, retry_after=retry_after
            )
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(f"response too large (over {self.max_bytes // (1024 * 1024)} MB)")
        # The body is decoded here, not by httpx, so that the size cap bounds the memory
        # used while inflating (the decoded size counts, so a gzip bomb is refused too).
        inflaters = _inflaters(response.headers.get("Content-Encoding"))
        chunks: list[bytes] = []
        size = 0
        for raw in response.iter_raw():
            if time.monotonic() > deadline:
                # A body that trickles in never trips the read timeout: the deadline bounds it.
                raise FetchError("timeout", connection=True)
            for piece in _decoded(inflaters, raw):
                size = self._take(chunks, piece, size)
        for piece in _decoded(inflaters, b"", final=True):
            size = self._take(chunks, piece, size)
        self.bytes_received += response.num_bytes_downloaded
        return Fetched(
            b"".join(chunks),
            response.headers.get("ETag"),
            response.headers.get("Last-Modified"),
            url=str(response.url),
        )

    def _take(self, chunks: list[bytes], piece: bytes, size: int) -> int:
        """Keep `piece`; the new size, or FetchError past the cap."""
        size += len(piece)
        if size > self.max_bytes:
            raise FetchError(f"response too large (over {self.max_bytes // (1024 * 1024)} MB)")
        chunks.append(piece)
        return size
