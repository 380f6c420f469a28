"""The built-in providers: their status pages, formats and API edges."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

DEFAULT_PROVIDERS: tuple[str, ...] = ("openai", "anthropic")


@dataclass(frozen=True)
class ProviderSpec:
    """How to watch one provider.

    `page` is the human status page (shown and opened); `url` is the root the format's
    documents live under (usually the same); `source` names one document directly when a
    page publishes only that (a feed, say); `match` keeps only entries naming these words
    on pages that cover many products; `components` is the user's filter.
    """

    id: str
    name: str
    page: str
    kind: str
    url: str = ""
    source: str | None = None
    match: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    probe: str | None = None
    builtin: bool = False
    note: str = ""
    # The deep probe (opt-in): one minimal request to a real model, at `deep_probe` (the URL of
    # the API call), in the request dialect `probe_api` ("openai" or "anthropic"), to `probe_model`.
    deep_probe: str | None = None
    probe_api: str | None = None
    probe_model: str | None = None

    @property
    def root(self) -> str:
        """The URL the format's documents are resolved against."""
        return self.url or self.page


def _entry(id_: str, name: str, page: str, kind: str, **fields: object) -> ProviderSpec:
    return ProviderSpec(id=id_, name=name, page=page, kind=kind, builtin=True, **fields)  # type: ignore[arg-type]


#: The kind of a catalog entry whose provider publishes no status document a plain HTTP client
#: can read: it is listed with its page and its API probe, and never fetched (the reader answers
#: "no status feed" at once). Not a kind a config may choose.
NO_FEED = "none"

# Checked against other monitors' configs, captured payloads and issue threads dated 2026-05 to
# 2026-09; docs/providers.md gives, per entry, the endpoints, the date and the source, and what
# is still uncertain. `trayapp providers --check` says whether each one still answers as listed.
CATALOG: dict[str, ProviderSpec] = {
    spec.id: spec
    for spec in (
        _entry(
            "openai",
            "OpenAI",
            "https://status.openai.com",
            "incidentio",
            probe="https://api.openai.com/v1/models",
            # Chat Completions, not Responses (which refuses an output limit below 16). gpt-6-luna
            # is the cheapest current model ($0.10 in / $0.50 out per million tokens), OpenAI's named
            # replacement for gpt-4o-mini, gpt-4.1-mini and gpt-5-nano (shut down 2026-12-11 and
            # 2027-01-14): developers.openai.com/api/docs/models/gpt-6-luna and
            # .../api/docs/deprecations, read 2026-12-04 (docs/providers.md, "Deep probes").
            deep_probe="https://api.openai.com/v1/chat/completions",
            probe_api="openai",
            probe_model="gpt-6-luna",
        ),
        _entry(
            "anthropic",
            "Anthropic",
            "https://status.claude.com",
            "statuspage",
            probe="https://api.anthropic.com/v1/models",
            # The Messages API; claude-haiku-5-5 is the cheapest and current Haiku ($0.10 in /
            # $0.50 out per million tokens; claude-3-haiku and claude-3-5-haiku answer 404):
            # platform.claude.com/docs/en/models/haiku-5-5/overview.md and
            # .../about-claude/models/overview, read 2026-12-04 (docs/providers.md, "Deep probes").
            deep_probe="https://api.anthropic.com/v1/messages",
            probe_api="anthropic",
            probe_model="claude-haiku-5-5",
        ),
        _entry(
            "gemini",
            "Google Gemini",
            "https://status.cloud.google.com",
            "google",
            # "Vertex Gemini API" is being renamed: its product id keeps matching when the name changes.
            match=("Gemini", "Vertex", "Z0FZJAMvEB4j3NbCJs6B"),
            probe="https://generativelanguage.googleapis.com/v1beta/models",
        ),
        _entry(
            "mistral",
            "Mistral AI",
            "https://status.mistral.ai",
            NO_FEED,
            probe="https://api.mistral.ai/v1/models",
            note="no status feed: the page (Rootly) sits behind a browser challenge; API probe only",
        ),
        _entry(
            "cohere",
            "Cohere",
            "https://status.cohere.com",
            "incidentio",
            probe="https://api.cohere.com/v1/models",
        ),
        _entry(
            "groq",
            "Groq",
            "https://groqstatus.com",
            "incidentio",
            probe="https://api.groq.com/openai/v1/models",
        ),
        _entry("perplexity", "Perplexity", "https://status.perplexity.com", "incidentio"),
        _entry(
            "xai",
            "xAI (Grok)",
            "https://status.x.ai",
            "feed",
            source="https://status.x.ai/feed.xml",
            probe="https://api.x.ai/v1/models",
            note="incident feed only; the page may refuse non-browser clients",
        ),
        _entry(
            "deepseek",
            "DeepSeek",
            "https://status.deepseek.com",
            "feed",
            source="https://status.deepseek.com/feed.rss",
            probe="https://api.deepseek.com/models",
            note="incident feed only (fallback: /history.rss); some non-browser TLS clients are refused",
        ),
        _entry("huggingface", "Hugging Face", "https://status.huggingface.co", "betterstack"),
        _entry("openrouter", "OpenRouter", "https://status.openrouter.ai", "datadog"),
        _entry("together", "Together AI", "https://status.together.ai", "betterstack"),
        _entry(
            "replicate",
            "Replicate",
            "https://www.cloudflarestatus.com",
            "statuspage",
            components=("Replicate",),
            note='the component "Replicate" of Cloudflare\'s status page',
        ),
        _entry("fireworks", "Fireworks AI", "https://status.fireworks.ai", "incidentio"),
        _entry("elevenlabs", "ElevenLabs", "https://status.elevenlabs.io", "incidentio"),
        _entry("stability", "Stability AI", "https://status.stability.ai", "incidentio"),
        _entry("github", "GitHub", "https://www.githubstatus.com", "statuspage"),
        _entry("cursor", "Cursor", "https://status.cursor.com", "statuspage"),
        _entry(
            "azure",
            "Microsoft Azure",
            "https://azure.status.microsoft/en-us/status",
            "feed",
            source="https://rssfeed.azure.status.microsoft/en-us/status/feed/",
            note="published wide-impact incidents only",
        ),
        _entry(
            "aws-bedrock",
            "AWS Bedrock",
            "https://health.aws.amazon.com/health/status",
            "feed",
            source="https://status.aws.amazon.com/rss/bedrock-us-east-1.rss",
            note="Bedrock in us-east-1 (other regions: bedrock-<region>.rss as a custom provider)",
        ),
        _entry("cloudflare", "Cloudflare", "https://www.cloudflarestatus.com", "statuspage"),
        _entry("vercel", "Vercel", "https://www.vercel-status.com", "statuspage"),
    )
}


def slugify(name: str) -> str:
    """The id of a custom provider: lowercase, runs of other characters turned into '-'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def with_components(spec: ProviderSpec, components: tuple[str, ...]) -> ProviderSpec:
    """A copy of `spec` watching only `components`."""
    return replace(spec, components=components)
