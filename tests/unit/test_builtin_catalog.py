"""The built-in catalog as checked in 2026-09 (docs/providers.md), and what "no status feed" means."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from trayapp.adapters import FORMATS, KINDS
from trayapp.catalog import CATALOG, NO_FEED
from trayapp.model import NO_STATUS_FEED, Failure, ProviderView, Snapshot, State, Suspicion
from trayapp.shell.fetch import Fetcher
from trayapp.shell.reader import PageReader

# id -> (kind, page) as docs/providers.md records them.
EXPECTED = {
    "openai": ("incidentio", "https://status.openai.com"),
    "anthropic": ("statuspage", "https://status.claude.com"),
    "gemini": ("google", "https://status.cloud.google.com"),
    "mistral": (NO_FEED, "https://status.mistral.ai"),
    "cohere": ("incidentio", "https://status.cohere.com"),
    "groq": ("incidentio", "https://groqstatus.com"),
    "perplexity": ("incidentio", "https://status.perplexity.com"),
    "xai": ("feed", "https://status.x.ai"),
    "deepseek": ("feed", "https://status.deepseek.com"),
    "huggingface": ("betterstack", "https://status.huggingface.co"),
    "openrouter": ("datadog", "https://status.openrouter.ai"),
    "together": ("betterstack", "https://status.together.ai"),
    "replicate": ("statuspage", "https://www.cloudflarestatus.com"),
    "fireworks": ("incidentio", "https://status.fireworks.ai"),
    "elevenlabs": ("incidentio", "https://status.elevenlabs.io"),
    "stability": ("incidentio", "https://status.stability.ai"),
    "github": ("statuspage", "https://www.githubstatus.com"),
    "cursor": ("statuspage", "https://status.cursor.com"),
    "azure": ("feed", "https://azure.status.microsoft/en-us/status"),
    "aws-bedrock": ("feed", "https://health.aws.amazon.com/health/status"),
    "cloudflare": ("statuspage", "https://www.cloudflarestatus.com"),
    "vercel": ("statuspage", "https://www.vercel-status.com"),
}


def test_every_entry_as_checked() -> None:
    """22 entries, each with the platform and page the 2026-09 evidence gives."""
    assert {spec.id: (spec.kind, spec.page) for spec in CATALOG.values()} == EXPECTED
    assert all(spec.builtin for spec in CATALOG.values())


def test_every_kind_is_a_format_or_no_feed() -> None:
    """Each entry's kind is a registered format, or the catalog's own "none"; "none" is no config kind."""
    assert {spec.kind for spec in CATALOG.values()} <= set(FORMATS) | {NO_FEED}
    assert NO_FEED not in KINDS


@pytest.mark.parametrize(
    ("provider_id", "source"),
    [
        ("deepseek", "https://status.deepseek.com/feed.rss"),
        ("aws-bedrock", "https://status.aws.amazon.com/rss/bedrock-us-east-1.rss"),
        ("xai", "https://status.x.ai/feed.xml"),
        ("openrouter", None),
    ],
)
def test_named_documents(provider_id: str, source: str | None) -> None:
    """Feeds named directly: DeepSeek's feed.rss, Bedrock's own regional feed; OpenRouter's RSS is gone."""
    assert CATALOG[provider_id].source == source


def test_replicate_is_a_component_of_cloudflare() -> None:
    """Replicate is watched as the one component of Cloudflare's page."""
    replicate = CATALOG["replicate"]
    assert replicate.components == ("Replicate",)
    assert replicate.root == CATALOG["cloudflare"].root


def test_gemini_matches_the_product_id() -> None:
    """The Vertex Gemini API product id is matched, so the rename does not lose it."""
    assert "Z0FZJAMvEB4j3NbCJs6B" in CATALOG["gemini"].match


def test_mistral_keeps_its_page_and_probe() -> None:
    """No status feed, but the page link and the API probe stay."""
    mistral = CATALOG["mistral"]
    assert mistral.probe == "https://api.mistral.ai/v1/models"
    assert "no status feed" in mistral.note


def test_reader_says_no_status_feed_without_a_request() -> None:
    """A kind "none" provider is answered at once with the contract's one-line reason."""

    def go() -> tuple[object, int]:
        fetcher = Fetcher()
        try:
            result = PageReader(fetcher).read(CATALOG["mistral"])
            return result, fetcher.requests
        finally:
            fetcher.close()

    result, requests = go()
    assert result == Failure(NO_STATUS_FEED)
    assert requests == 0


NOW = datetime(2026, 9, 22, 7, 0, tzinfo=UTC)
NO_FEED_VIEW = ProviderView(
    "mistral", "Mistral AI", "https://status.mistral.ai", State.UNKNOWN, error=NO_STATUS_FEED
)
OK_VIEW = ProviderView("openai", "OpenAI", "https://status.openai.com", State.OPERATIONAL)


def test_no_feed_alone_does_not_make_the_icon_grey() -> None:
    """Beside a readable provider, a provider without a feed leaves the overall state to the others."""
    assert Snapshot((OK_VIEW, NO_FEED_VIEW), NOW).overall is State.OPERATIONAL
    unreadable = ProviderView("x", "X", "https://x", State.UNKNOWN, error="timeout")
    assert Snapshot((OK_VIEW, unreadable), NOW).overall is State.UNKNOWN  # a broken page still is


def test_no_feed_counts_through_its_probe() -> None:
    """A failing API probe on a provider without a feed is what raises the icon (as suspected)."""
    suspected = Suspicion(NOW, 3, 3, "timeout")
    snapshot = Snapshot((OK_VIEW, ProviderView(**{**NO_FEED_VIEW.__dict__, "suspected": suspected})), NOW)
    assert snapshot.overall is State.DEGRADED
    assert snapshot.badge == "suspected"


def test_only_no_feed_providers_is_unknown() -> None:
    """When nothing watched has a feed and no probe complains, nothing is known: unknown, not green."""
    assert Snapshot((NO_FEED_VIEW,), NOW).overall is State.UNKNOWN


def test_an_override_without_a_filter_keeps_the_catalog_component() -> None:
    """Renaming Replicate in the config keeps it scoped to its component of Cloudflare's page."""
    from trayapp.config import parse_config

    config, _ = parse_config('[[providers]]\nid = "replicate"\nname = "Replicate (Cloudflare)"\n')
    (replicate,) = [spec for spec in config.providers if spec.id == "replicate"]
    assert (replicate.name, replicate.components) == ("Replicate (Cloudflare)", ("Replicate",))
    config, _ = parse_config('[[providers]]\nid = "replicate"\ncomponents = ["API"]\n')
    (replicate,) = [spec for spec in config.providers if spec.id == "replicate"]
    assert replicate.components == ("API",)
