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

    @property
    def root(self) -> str:
        """The URL the format's documents are resolved against."""
        return self.url or self.page


def _entry(id_: str, name: str, page: str, kind: str, **fields: object) -> ProviderSpec:
    return ProviderSpec(id=id_, name=name, page=page, kind=kind, builtin=True, **fields)  # type: ignore[arg-type]


# Endpoints are those public consumers and the platforms' documentation agree on; where the
# evidence is thin the kind is "auto", so the app finds the format itself and says so.
CATALOG: dict[str, ProviderSpec] = {
    spec.id: spec
    for spec in (
        _entry(
            "openai",
            "OpenAI",
            "https://status.openai.com",
            "incidentio",
            probe="https://api.openai.com/v1/models",
        ),
        _entry(
            "anthropic",
            "Anthropic",
            "https://status.claude.com",
            "statuspage",
            probe="https://api.anthropic.com/v1/models",
        ),
        _entry(
            "gemini",
            "Google Gemini",
            "https://status.cloud.google.com",
            "google",
            match=("Gemini", "Vertex"),
            probe="https://generativelanguage.googleapis.com/v1beta/models",
        ),
        _entry(
            "mistral",
            "Mistral AI",
            "https://status.mistral.ai",
            "auto",
            probe="https://api.mistral.ai/v1/models",
            note="platform unconfirmed: detected at first poll",
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
        _entry("perplexity", "Perplexity", "https://status.perplexity.com", "instatus"),
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
            source="https://status.deepseek.com/history.rss",
            probe="https://api.deepseek.com/models",
            note="incident feed only",
        ),
        _entry(
            "huggingface",
            "Hugging Face",
            "https://status.huggingface.co",
            "auto",
            note="platform unconfirmed: detected at first poll",
        ),
        _entry(
            "openrouter",
            "OpenRouter",
            "https://status.openrouter.ai",
            "feed",
            source="https://status.openrouter.ai/incidents.rss",
            note="incident feed only",
        ),
        _entry("together", "Together AI", "https://status.together.ai", "betterstack"),
        _entry("replicate", "Replicate", "https://www.replicatestatus.com", "incidentio"),
        _entry("fireworks", "Fireworks AI", "https://status.fireworks.ai", "statuspage"),
        _entry("elevenlabs", "ElevenLabs", "https://status.elevenlabs.io", "incidentio"),
        _entry("stability", "Stability AI", "https://status.stability.ai", "statuspage"),
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
            source="https://status.aws.amazon.com/rss/all.rss",
            match=("Bedrock",),
            note="AWS-wide feed filtered to Bedrock",
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
