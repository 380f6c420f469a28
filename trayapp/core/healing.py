"""Built-in pages that moved: when to look again, and where a redirect may lead (pure).

A built-in provider's catalog kind is a first guess, not a cage. A poll whose page answered,
but not as that format (not found, not a status page, a redirect refused), is a *miss*; after
`STRIKES` misses in a row the reader detects the format again, at most once per
`REDETECT_EVERY` per provider. A poll that never got an HTTP answer (timeout, DNS, refused,
TLS, a dropped connection) says nothing about the page: it neither counts nor breaks the row,
and it never starts a detection. A good read ends the row.

A redirect of the page's root to another host is followed only to an https URL (plain http
only between loopback addresses, which is how the tests serve pages), the same rule as for
every URL trayapp fetches: a page must never move trayapp onto plain http across the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from trayapp.core.urls import is_loopback
from trayapp.i18n import _
from trayapp.model import Failure, ParsedPage

STRIKES = 3
REDETECT_EVERY = timedelta(hours=1)

# Answers that say "nothing of this format here" rather than "the server is in trouble": a 5xx,
# a 408 or a 429 is a bad moment, not a move; the transport errors are not HTTP answers at all.
_NOT_MOVED_STATUSES = frozenset({408, 429})
_REDIRECT_REASONS = ("redirect refused", "bad redirect", "too many redirects")
_HTTP_STATUS = re.compile(r"HTTP (\d{3})")


def is_miss(failure: Failure) -> bool:
    """Whether a failed poll got an answer that says the page is no longer in its format."""
    if failure.connection or failure.retry_after is not None:
        return False
    reason = failure.reason
    if reason.startswith("not a status page") or reason.startswith(_REDIRECT_REASONS):
        return True
    status = _HTTP_STATUS.fullmatch(reason)
    if status is None:
        return False
    code = int(status.group(1))
    return 400 <= code < 500 and code not in _NOT_MOVED_STATUSES


@dataclass(frozen=True)
class Strikes:
    """One provider's misses in a row, and when its format was last detected again."""

    count: int = 0
    last_try: datetime | None = None


def after_poll(
    strikes: Strikes, result: ParsedPage | Failure, reachable: bool, now: datetime
) -> tuple[Strikes, bool]:
    """The strikes after one poll, and whether to detect the format again now.

    `reachable` is False when any request of the poll failed below HTTP (the host, not the
    format, is the trouble then).
    """
    if isinstance(result, ParsedPage):
        return Strikes(0, strikes.last_try), False
    if not reachable or not is_miss(result):
        return strikes, False
    count = strikes.count + 1
    rested = strikes.last_try is None or now - strikes.last_try >= REDETECT_EVERY
    if count >= STRIKES and rested:
        return Strikes(count, now), True
    return Strikes(count, strikes.last_try), False


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _place(scheme: str, host: str | None, port: int | None) -> tuple[str, int | None]:
    """Host and port, the port None when it is the scheme's default (http → https is no move)."""
    return (host or "").lower().rstrip("."), None if port in (None, _DEFAULT_PORTS.get(scheme)) else port


def moved_root(root: str, landed: str) -> str | None:
    """The page's new root when fetching `root` ended at `landed` on another host; else None.

    None also when `landed` is not a URL trayapp may fetch: https, or plain http only when both
    ends are loopback. The new root is `landed` without query, fragment or credentials.
    """
    try:
        old, new = urlsplit(root), urlsplit(landed)
        old_place = _place(old.scheme, old.hostname, old.port)
        new_place = _place(new.scheme, new.hostname, new.port)
    except ValueError:
        return None
    if not new.hostname or new_place == old_place:
        return None
    plain_local = new.scheme == "http" and is_loopback(landed) and is_loopback(root)
    if new.scheme != "https" and not plain_local:
        return None
    netloc = new.netloc.rpartition("@")[2]
    return urlunsplit((new.scheme, netloc, new.path.rstrip("/"), "", ""))


@dataclass(frozen=True)
class Moved:
    """Where a built-in provider's page was found after it moved: its format and root URL."""

    name: str
    kind: str
    url: str

    def log_line(self) -> str:
        """The log's English sentence."""
        return f"{self.name}'s status page moved to {self.kind} at {self.url}"

    def words(self) -> str:
        """The same sentence in the user's language (the details page)."""
        # Translators: on the details page; {kind} is a format name (statuspage, incidentio, feed...),
        # {url} the address it is read from now.
        return _("{name}'s status page moved to {kind} at {url}").format(
            name=self.name, kind=self.kind, url=self.url
        )
