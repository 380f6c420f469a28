"""The one rule for which URLs trayapp fetches or shows as links (pure: no I/O).

A link shown to the user and a URL the app fetches pass the same checks but one: a fetched
URL may use plain `http://` only on a loopback host (anything else could be altered on the
way), while a link is the browser's business and may be plain `http://` anywhere.
"""

from __future__ import annotations

import enum
import ipaddress
import unicodedata
from urllib.parse import urlsplit

# Never part of a URL that is fit to show or fetch; they would end an HTML attribute too.
_FORBIDDEN = frozenset("\"'<>")


class UrlProblem(enum.Enum):
    """Why a text is not a usable URL, checked in this order."""

    SPACES = "empty, or has spaces or control characters"
    MALFORMED = "unreadable: a bad host, port or character"
    NOT_WEB = "not an absolute http(s) URL with a host"
    PLAIN_HTTP = "plain http to a host that is not loopback"


def url_problem(url: str, *, fetched: bool = False) -> UrlProblem | None:
    """Why `url` cannot be a link (or, when `fetched`, a URL the app fetches); None when it can."""
    if not url or any(char.isspace() or unicodedata.category(char) == "Cc" for char in url):
        return UrlProblem.SPACES
    if any(char in _FORBIDDEN for char in url):
        return UrlProblem.MALFORMED
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return UrlProblem.MALFORMED
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return UrlProblem.NOT_WEB
    if fetched and parts.scheme == "http" and not is_loopback(url):
        return UrlProblem.PLAIN_HTTP
    return None


def safe_url(url: str | None, *, fetched: bool = False) -> str | None:
    """`url` unchanged when it passes `url_problem`, else None (never javascript:, data: and such)."""
    if url is None or url_problem(url, fetched=fetched) is not None:
        return None
    return url


def is_loopback(url: str) -> bool:
    """Whether the URL's host is a loopback address (127.0.0.0/8, ::1) or `localhost`."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if not host:
        return False
    if host.rstrip(".") == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)
