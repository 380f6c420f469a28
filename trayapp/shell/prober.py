"""Probes of the providers' API edges: one cheap request, its status and latency.

Without a key the model list answers a fast 401: the edge is up. With a key (from an
environment variable, or the OS keyring when the optional `keyring` package is installed)
the same free endpoint answers 200. Nothing paid is ever requested, and the key is never
logged, stored or put in a reason: reasons come from the fetcher, which never sees headers
in its messages.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from trayapp.catalog import ProviderSpec
from trayapp.core.deep import DeepTarget, deep_headers, request_body
from trayapp.core.probing import Attempt, classify
from trayapp.shell.fetch import Fetcher, FetchError

log = logging.getLogger(__name__)

KEYRING_SERVICE = "trayapp"

# The environment variables the providers' own SDKs read, and how each API wants its key.
_KEY_ENV: dict[str, str] = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "groq": "GROQ_API_KEY",
    "mistral": "MISTRAL_API_KEY",
}
_EXTRA_HEADERS: dict[str, dict[str, str]] = {"anthropic": {"anthropic-version": "2023-06-01"}}
_KEY_HEADER: dict[str, str] = {"anthropic": "x-api-key"}


def key_env_name(spec: ProviderSpec) -> str:
    """The environment variable that holds a provider's API key.

    The SDKs' own names are for the built-in providers only: a custom provider that happens to
    be called "OpenAI" reads `TRAYAPP_OPENAI_API_KEY`, never the real OpenAI key.
    """
    own = _KEY_ENV.get(spec.id) if spec.builtin else None
    return own or f"TRAYAPP_{spec.id.upper().replace('-', '_')}_API_KEY"


def keyring_user(spec: ProviderSpec) -> str:
    """The user name under which a provider's key is kept in the OS keyring (service "trayapp").

    A built-in provider's is its id; a custom provider's is "custom:<id>", a name no built-in
    one has: a custom provider whose id is "openai" never reads the real OpenAI key.
    """
    return spec.id if spec.builtin else f"custom:{spec.id}"


def _keyring_key(user: str) -> str | None:
    """The key stored in the OS keyring under service "trayapp" for `user`, if keyring is installed."""
    try:
        import keyring
    except ImportError:
        return None
    try:
        value = keyring.get_password(KEYRING_SERVICE, user)
    except Exception as error:  # noqa: BLE001 - any keyring backend failure means: no key
        log.info("no API key from the keyring for %s (%s)", user, type(error).__name__)
        return None
    return value if isinstance(value, str) and value else None


def find_key(
    spec: ProviderSpec,
    environ: Mapping[str, str] | None = None,
    keyring_lookup: Callable[[str], str | None] = _keyring_key,
) -> str | None:
    """A provider's API key from the environment, then the keyring; None when there is none."""
    value = (os.environ if environ is None else environ).get(key_env_name(spec), "").strip()
    return value or keyring_lookup(keyring_user(spec))


def probe_headers(spec: ProviderSpec, key: str | None) -> dict[str, str]:
    """The request headers for a probe: the key in the form the API expects, when there is one.

    A built-in provider's API may want its own header; a custom provider always gets a Bearer token.
    """
    if not key:
        return {}
    headers = dict(_EXTRA_HEADERS.get(spec.id, {})) if spec.builtin else {}
    name = _KEY_HEADER.get(spec.id, "Authorization") if spec.builtin else "Authorization"
    headers[name] = key if name != "Authorization" else f"Bearer {key}"
    return headers


def probe_edge(
    fetcher: Fetcher,
    url: str,
    headers: Mapping[str, str] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Attempt:
    """Send one probe and say what came back."""

    def send() -> str | None:
        fetcher.get(url, headers=headers)
        return None

    return _attempt(send, clock)


def probe_model(
    fetcher: Fetcher,
    target: DeepTarget,
    key: str,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Attempt:
    """Send one deep probe (a minimal request to a real model) and say what came back.

    The key goes only in the dialect's header to the target's origin; what is said of the
    answer is its status and latency (a 2xx must be a JSON object), never its body.
    """

    def send() -> str | None:
        answer = fetcher.post_json(target.url, request_body(target), headers=deep_headers(target.api, key))
        return None if _is_json_object(answer.body) else "not a model answer"

    return _attempt(send, clock)


def _attempt(send: Callable[[], str | None], clock: Callable[[], datetime]) -> Attempt:
    """Time one request: `send` raises FetchError, or gives what is wrong with a 2xx (None: nothing).

    An HTTP error status is an answer (its latency is kept); a failure below HTTP or a 2xx
    that is not an answer has an error and no latency.
    """
    started = time.monotonic()
    status: int | None
    error: str | None = None
    connection = False
    try:
        error = send()
        status = 200
    except FetchError as failure:
        status = failure.status
        if status is None:
            error, connection = failure.reason, failure.connection
    latency = time.monotonic() - started
    return Attempt(
        at=clock(),
        outcome=classify(status, latency, error),
        latency_s=latency if status is not None and error is None else None,
        status=status,
        error=error,
        connection=connection,
    )


def _is_json_object(body: bytes) -> bool:
    try:
        return isinstance(json.loads(body), dict)
    except ValueError:
        return False
