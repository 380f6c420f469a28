"""Deep probes: one minimal request to a real model, and what its answer says.

The API edge (`/v1/models`) answers even when every model behind it fails. A deep probe asks a
real model instead: a prompt of a few tokens and an output limit of 1, in the provider's request
dialect ("openai": chat completions; "anthropic": messages), only where the provider's key is set.

Answers are judged as an operator would: 2xx is healthy; 5xx (Anthropic's 529 "overloaded"
included), timeouts and connection failures are failures; 429 is the user's own limit and
counts for nothing; 401/403 is a refused key and 400/404 (a retired model, a request the API
will not take) a configuration problem: both stop deep probing for the provider until the key
or the config changes. Counted answers go through the same confirmation as edge probes
(`core.probing`).

Pure: plain values in, plain values out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from urllib.parse import urlsplit

from trayapp.catalog import ProviderSpec
from trayapp.core.probing import Attempt, Outcome, ProbeTrack, observe_attempt, suspicion
from trayapp.model import NO_API_KEY, DeepView, Suspicion

API_DIALECTS: tuple[str, ...] = ("openai", "anthropic")
PROMPT = "hi"
"""The whole prompt: one word (with the chat template, about 8-10 input tokens)."""
ANTHROPIC_VERSION = "2023-06-01"
OPENAI_HOST = "api.openai.com"


@dataclass(frozen=True)
class DeepTarget:
    """Where a deep probe goes: the URL of the API call, its dialect and the model asked."""

    url: str
    api: str
    model: str


def deep_target(spec: ProviderSpec, enabled: bool) -> DeepTarget | None:
    """The deep probe of a provider: the catalog's when `[probes] deep` is on, a custom provider's own.

    A custom provider's `deep_probe` (with `probe_api` and `probe_model`) is its own opt-in, as
    its `probe` is.
    """
    if not (spec.deep_probe and spec.probe_api and spec.probe_model):
        return None
    if spec.builtin and not enabled:
        return None
    return DeepTarget(spec.deep_probe, spec.probe_api, spec.probe_model)


def limit_field(target: DeepTarget) -> str:
    """How the dialect spells the output limit.

    OpenAI's own API wants `max_completion_tokens` (its reasoning models refuse `max_tokens`);
    other OpenAI-compatible servers know `max_tokens`; Anthropic requires `max_tokens`.
    """
    if target.api == "openai" and (urlsplit(target.url).hostname or "").lower() == OPENAI_HOST:
        return "max_completion_tokens"
    return "max_tokens"


def request_body(target: DeepTarget) -> dict[str, object]:
    """The JSON body of a deep probe: the model, one short user message, an output limit of 1.

    Nothing else (no temperature, no system prompt, no streaming): every extra field is one
    more way for a compatible server to refuse the request.
    """
    return {
        "model": target.model,
        "messages": [{"role": "user", "content": PROMPT}],
        limit_field(target): 1,
    }


def key_header_name(api: str) -> str:
    """The request header that carries the key in a dialect."""
    return "x-api-key" if api == "anthropic" else "Authorization"


def deep_headers(api: str, key: str) -> dict[str, str]:
    """The request headers of a deep probe in a dialect: the key, and Anthropic's version."""
    if api == "anthropic":
        return {"x-api-key": key, "anthropic-version": ANTHROPIC_VERSION}
    return {"Authorization": f"Bearer {key}"}


class Judgement(Enum):
    """What one deep probe's answer says."""

    HEALTHY = "healthy"
    FAILING = "failing"
    NOT_COUNTED = "not counted"
    """429: the user's own rate limit or quota, not the provider's fault."""
    BAD_KEY = "bad key"
    """401/403: the key is refused (or the account may not use the API)."""
    REFUSED = "refused"
    """Any other 4xx (or a redirect): a retired model, a request the API will not take."""

    @property
    def stops(self) -> bool:
        """Whether deep probing stops for the provider until the key or the config changes."""
        return self in (Judgement.BAD_KEY, Judgement.REFUSED)


def judge(status: int | None, error: str | None) -> Judgement:
    """The judgement of one answer from its HTTP status and transport error."""
    if error is not None or status is None or status >= 500:
        return Judgement.FAILING
    if 200 <= status < 300:
        return Judgement.HEALTHY
    if status == 429:
        return Judgement.NOT_COUNTED
    if status in (401, 403):
        return Judgement.BAD_KEY
    return Judgement.REFUSED


@dataclass(frozen=True)
class DeepTrack:
    """A provider's deep probe: its counted attempts, the latest answer, and whether it stopped.

    `no_key` when no key is set (nothing is sent); `stopped` is the judgement that stopped it.
    """

    track: ProbeTrack = field(default_factory=ProbeTrack)
    last: Attempt | None = None
    stopped: Judgement | None = None
    no_key: bool = False

    @property
    def failing(self) -> bool:
        """Whether the model API is confirmed to be failing."""
        return self.track.failing


def observe_deep(deep: DeepTrack, attempt: Attempt | None) -> DeepTrack:
    """The deep track after one more answer (None: no key is set, nothing was sent)."""
    if attempt is None:
        return DeepTrack(no_key=True)
    judgement = judge(attempt.status, attempt.error)
    if judgement.stops:
        return DeepTrack(last=attempt, stopped=judgement)
    if judgement is Judgement.NOT_COUNTED:
        return replace(deep, last=attempt, stopped=None, no_key=False)
    return DeepTrack(observe_attempt(deep.track, attempt), attempt)


def deep_view(deep: DeepTrack | None) -> DeepView:
    """The contract's `probe.deep` object for a deep track (disabled when there is none)."""
    if deep is None:
        return DeepView()
    if deep.no_key:
        return DeepView(detail=NO_API_KEY)
    last = deep.last
    if last is None:
        return DeepView(enabled=True, detail="not checked yet")
    latency = round(last.latency_s * 1000, 1) if last.latency_s is not None else None
    if deep.stopped is not None:
        why = "key refused" if deep.stopped is Judgement.BAD_KEY else "request refused"
        stopped = "key" if deep.stopped is Judgement.BAD_KEY else "refused"
        return DeepView(True, False, latency, None, f"{last.detail}: {why}, stopped", stopped)
    if judge(last.status, last.error) is Judgement.NOT_COUNTED:
        return DeepView(
            True, None, latency, deep.track.failing_since, f"{last.detail}: rate limited, not counted"
        )
    ok = last.outcome is Outcome.UP
    return DeepView(True, ok, latency, deep.track.failing_since, last.detail)


def deep_suspicion(deep: DeepTrack | None, page_says_operational: bool) -> Suspicion | None:
    """A suspected problem when the model API is failing while the page still says all is well."""
    if deep is None or deep.stopped is not None:
        return None
    found = suspicion(deep.track, page_says_operational)
    return replace(found, source="model") if found is not None else None
