"""Deep probes, the pure parts: targets, request bodies, judging answers, the track, the verdict."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from trayapp.catalog import CATALOG, ProviderSpec
from trayapp.config import ConfigError, parse_config
from trayapp.core.deep import (
    DeepTarget,
    DeepTrack,
    Judgement,
    deep_headers,
    deep_suspicion,
    deep_target,
    deep_view,
    judge,
    observe_deep,
    request_body,
)
from trayapp.core.details_page import deep_words, render_details
from trayapp.core.probing import Attempt, Cadence, classify, next_probe
from trayapp.core.step import deep_step, start_state, with_deep_enabled
from trayapp.core.text import suspected_phrase
from trayapp.core.verdict import SharedVerdict, decode_verdict, encode_verdict, merge_verdict, verdict_of
from trayapp.i18n import set_language
from trayapp.model import DeepView, ProbeView, ProviderView, Snapshot, State
from trayapp.settings import NotificationSettings, deep_plan

T0 = datetime(2026, 2, 4, 15, 0, tzinfo=UTC)
CUSTOM = ProviderSpec(
    "acme",
    "Acme",
    "https://status.acme.example",
    "statuspage",
    deep_probe="https://api.acme.example/v1/chat/completions",
    probe_api="openai",
    probe_model="acme-mini",
)


def answer(status: int | None, at: datetime = T0, error: str | None = None) -> Attempt:
    latency = 0.2 if status is not None else None
    return Attempt(at, classify(status, latency, error), latency, status, error, connection=error is not None)


def test_the_catalog_defaults_ask_the_cheapest_current_models_when_deep_is_on() -> None:
    openai = deep_target(CATALOG["openai"], enabled=True)
    anthropic = deep_target(CATALOG["anthropic"], enabled=True)
    assert openai == DeepTarget("https://api.openai.com/v1/chat/completions", "openai", "gpt-6-luna")
    assert anthropic == DeepTarget("https://api.anthropic.com/v1/messages", "anthropic", "claude-haiku-5-5")
    assert deep_target(CATALOG["openai"], enabled=False) is None, "off by default"
    assert deep_target(CATALOG["gemini"], enabled=True) is None, "no default without solid evidence"
    assert deep_target(CATALOG["groq"], enabled=True) is None


def test_a_custom_deep_probe_is_its_own_opt_in() -> None:
    assert deep_target(CUSTOM, enabled=False) == DeepTarget(
        "https://api.acme.example/v1/chat/completions", "openai", "acme-mini"
    )
    assert deep_target(replace(CUSTOM, probe_model=None), enabled=True) is None


def test_each_dialect_spells_an_output_limit_of_one_and_nothing_else() -> None:
    hi = [{"role": "user", "content": "hi"}]
    openai = request_body(DeepTarget("https://api.openai.com/v1/chat/completions", "openai", "gpt-6-luna"))
    assert openai == {"model": "gpt-6-luna", "messages": hi, "max_completion_tokens": 1}
    compatible = request_body(DeepTarget("https://api.groq.com/openai/v1/chat/completions", "openai", "m"))
    assert compatible == {"model": "m", "messages": hi, "max_tokens": 1}
    anthropic = request_body(DeepTarget("https://api.anthropic.com/v1/messages", "anthropic", "h"))
    assert anthropic == {"model": "h", "messages": hi, "max_tokens": 1}
    assert deep_headers("anthropic", "k") == {"x-api-key": "k", "anthropic-version": "2023-06-01"}
    assert deep_headers("openai", "k") == {"Authorization": "Bearer k"}


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (200, None, Judgement.HEALTHY),
        (204, None, Judgement.HEALTHY),
        (500, None, Judgement.FAILING),
        (503, None, Judgement.FAILING),
        (529, None, Judgement.FAILING),
        (None, "timeout", Judgement.FAILING),
        (None, "connection refused", Judgement.FAILING),
        (429, None, Judgement.NOT_COUNTED),
        (401, None, Judgement.BAD_KEY),
        (403, None, Judgement.BAD_KEY),
        (404, None, Judgement.REFUSED),
        (400, None, Judgement.REFUSED),
        (402, None, Judgement.REFUSED),
        (302, None, Judgement.REFUSED),
    ],
)
def test_answers_are_judged_as_an_operator_would(
    status: int | None, error: str | None, expected: Judgement
) -> None:
    assert judge(status, error) is expected
    assert expected.stops == (expected in (Judgement.BAD_KEY, Judgement.REFUSED))


def test_three_failures_of_four_make_the_model_api_suspected_naming_it() -> None:
    deep = DeepTrack()
    for minute, status in enumerate((200, 529, 529, 529)):
        deep = observe_deep(deep, answer(status, T0 + timedelta(minutes=minute)))
    assert deep.failing
    found = deep_suspicion(deep, page_says_operational=True)
    assert found is not None
    assert found.source == "model"
    assert found.reason == "the model API failed 3 of the last 4 requests (HTTP 529)"
    assert suspected_phrase(found, T0, detail=True).endswith(
        "the model API failed 3 of the last 4 requests (HTTP 529)"
    )
    assert deep_suspicion(deep, page_says_operational=False) is None
    assert deep_view(deep) == DeepView(True, False, 200.0, T0 + timedelta(minutes=1), "HTTP 529 in 200 ms")


def test_the_suspicion_is_said_in_italian() -> None:
    deep = DeepTrack()
    for minute in range(3):
        deep = observe_deep(deep, answer(529, T0 + timedelta(minutes=minute)))
    found = deep_suspicion(deep, True)
    assert found is not None
    set_language("it")
    assert "fallite le ultime 3 richieste all'API del modello" in suspected_phrase(found, T0)


def test_rate_limits_leave_the_verdict_as_it_was() -> None:
    deep = DeepTrack()
    for minute in range(3):
        deep = observe_deep(deep, answer(529, T0 + timedelta(minutes=minute)))
    failing = deep.track
    for minute in range(3, 10):
        deep = observe_deep(deep, answer(429, T0 + timedelta(minutes=minute)))
    assert deep.track == failing, "429 counts for nothing, either way"
    view = deep_view(deep)
    assert view.ok is None
    assert view.detail == "HTTP 429 in 200 ms: rate limited, not counted"


@pytest.mark.parametrize(
    ("status", "stopped"), [(401, "key"), (403, "key"), (404, "refused"), (400, "refused")]
)
def test_a_refused_key_or_request_stops_and_clears_the_verdict(status: int, stopped: str) -> None:
    deep = DeepTrack()
    for minute in range(3):
        deep = observe_deep(deep, answer(529, T0 + timedelta(minutes=minute)))
    deep = observe_deep(deep, answer(status, T0 + timedelta(minutes=4)))
    assert not deep.failing
    assert deep_suspicion(deep, True) is None
    view = deep_view(deep)
    assert (view.enabled, view.ok, view.stopped) == (True, False, stopped)
    assert view.detail.startswith(f"HTTP {status} in 200 ms: ")
    resumed = observe_deep(deep, answer(200, T0 + timedelta(minutes=9)))
    assert deep_view(resumed).stopped == ""
    assert deep_view(resumed).ok is True


def test_no_key_sends_nothing_and_says_so() -> None:
    assert deep_view(observe_deep(DeepTrack(), None)) == DeepView(enabled=False, detail="no API key")
    assert deep_view(None) == DeepView()
    assert deep_view(DeepTrack()) == DeepView(enabled=True, detail="not checked yet")


def test_a_failing_model_api_is_confirmed_by_a_burst_within_half_an_interval() -> None:
    interval = 300.0
    cadence, waited = Cadence(), 0.0
    cadence, delay, _ = next_probe(cadence, answer(200), interval, loopback=False)
    attempts = 0
    while not cadence.track.failing:
        attempts += 1
        cadence, delay, confirming = next_probe(cadence, answer(529), interval, loopback=False)
        if not cadence.track.failing:
            assert confirming
            waited += delay
    assert attempts == 3
    assert waited <= 0.5 * interval


def test_the_engine_joins_the_deep_verdict_to_the_edge_verdict() -> None:
    state = with_deep_enabled(start_state([CUSTOM], NotificationSettings(), None), False)
    assert deep_step(state, replace(CUSTOM, id="other"), answer(200)) is None
    for minute in range(3):
        outcome = deep_step(state, CUSTOM, answer(529, T0 + timedelta(minutes=minute)))
        assert outcome is not None
        state = outcome.state
    view = state.snapshot.provider("acme")
    assert view is not None
    assert view.probe.deep.ok is False
    # The page was never read: it does not say operational, so nothing is suspected yet.
    assert view.suspected is None
    builtin = with_deep_enabled(start_state([CATALOG["openai"]], NotificationSettings(), None), False)
    assert deep_step(builtin, CATALOG["openai"], answer(200)) is None, "off unless [probes] deep"


def test_the_shared_verdict_carries_the_deep_probe_for_status() -> None:
    deep = DeepTrack()
    for minute in range(3):
        deep = observe_deep(deep, answer(529, T0 + timedelta(minutes=minute)))
    suspected = deep_suspicion(deep, True)
    probe = ProbeView(deep=deep_view(deep))
    running = Snapshot(
        (ProviderView("acme", "Acme", "p", State.OPERATIONAL, probe=probe, suspected=suspected),)
    )
    shared = verdict_of(running, T0 + timedelta(minutes=3))
    assert shared.failing
    again = decode_verdict(encode_verdict(shared))
    assert again == shared
    fresh = ProviderView(
        "acme", "Acme", "p", State.OPERATIONAL, probe=ProbeView(deep=DeepView(True, detail="not checked yet"))
    )
    merged = merge_verdict(
        Snapshot((fresh,)),
        again,
        T0 + timedelta(minutes=5),
        lambda provider_id: None,
        lambda provider_id: True,
        lambda provider_id: 300.0,
    )
    view = merged.providers[0]
    assert view.suspected == suspected
    assert view.probe.deep.ok is False
    assert view.probe.deep.failing_since == T0
    stale = merge_verdict(
        Snapshot((fresh,)), again, T0 + timedelta(hours=1), lambda p: None, lambda p: True, lambda p: 300.0
    )
    assert stale.providers[0] == fresh, "an old verdict says nothing"
    assert decode_verdict({**encode_verdict(SharedVerdict(T0)), "version": 99}) is None


def test_the_config_reads_deep_probes_with_their_floors() -> None:
    config, warnings = parse_config("[probes]\ndeep = true\ndeep_interval = 30\n")
    assert config.probes.deep
    assert config.probes.deep_interval == 30
    assert warnings == [
        "probes.deep_interval 30 s is below the 60 s minimum for remote model APIs;"
        " they will be asked every 60 s"
    ]
    assert [plan[1] for spec in config.providers if (plan := deep_plan(config, spec))] == [60.0, 60.0]
    default, no_warnings = parse_config("")
    assert (default.probes.deep, default.probes.deep_interval, no_warnings) == (False, 300.0, [])
    assert all(deep_plan(default, spec) is None for spec in default.providers)
    _quiet, none = parse_config("[probes]\ndeep_interval = 30\n")
    assert none == [], "no warning when nothing is asked"


def test_a_custom_deep_probe_needs_all_three_keys_and_a_known_dialect() -> None:
    base = '[[providers]]\nname = "Acme"\nurl = "https://status.acme.example"\n'
    config, _ = parse_config(
        base
        + 'deep_probe = "https://api.acme.example/v1/messages"\nprobe_api = "anthropic"\nprobe_model = "m"\n'
    )
    assert deep_target(config.providers[-1], False) == DeepTarget(
        "https://api.acme.example/v1/messages", "anthropic", "m"
    )
    with pytest.raises(ConfigError) as missing:
        parse_config(base + 'deep_probe = "https://api.acme.example/v1/messages"\n')
    assert "missing key 'probe_api'" in str(missing.value)
    assert "missing key 'probe_model'" in str(missing.value)
    with pytest.raises(ConfigError) as dialect:
        parse_config(base + 'deep_probe = "https://a.example/x"\nprobe_api = "gemini"\nprobe_model = "m"\n')
    assert "probe_api" in str(dialect.value)
    assert "openai, anthropic" in str(dialect.value)
    with pytest.raises(ConfigError) as plain:
        parse_config(base + 'deep_probe = "http://a.example/x"\nprobe_api = "openai"\nprobe_model = "m"\n')
    assert "plain http://" in str(plain.value), "the key never travels over plain http across the network"


def test_a_built_in_provider_can_name_another_model_but_not_another_url() -> None:
    config, _ = parse_config('[[providers]]\nid = "openai"\nprobe_model = "gpt-6-sol"\n')
    openai = next(spec for spec in config.providers if spec.id == "openai")
    assert openai.probe_model == "gpt-6-sol"
    assert openai.deep_probe == CATALOG["openai"].deep_probe
    with pytest.raises(ConfigError):
        parse_config('[[providers]]\nid = "openai"\ndeep_probe = "https://evil.example/v1"\n')
    with pytest.raises(ConfigError):
        parse_config('[[providers]]\nid = "github"\nprobe_model = "x"\n')


def test_the_details_page_says_a_stop_once_with_what_resumes_it() -> None:
    stopped = DeepView(True, False, 120.0, None, "HTTP 401 in 120 ms: key refused, stopped", "key")
    assert deep_words(stopped, T0) == (
        "Model API: the API key was refused (HTTP 401 in 120 ms); deep probes stopped until the key"
        " or the config changes"
    )
    retired = DeepView(True, False, 80.0, None, "HTTP 404 in 80 ms: request refused, stopped", "refused")
    assert "is the model retired? set probe_model" in deep_words(retired, T0)
    assert deep_words(DeepView(detail="no API key"), T0) == "Model API: not asked (no API key set)"
    failing = DeepView(True, False, 80.0, T0, "HTTP 529 in 80 ms")
    assert deep_words(failing, T0 + timedelta(minutes=5)).startswith(
        "Model API: answering with errors (HTTP 529 in 80 ms), failing since "
    )
    view = ProviderView(
        "acme", "Acme", "https://status.acme.example", State.OPERATIONAL, probe=ProbeView(deep=stopped)
    )
    page = render_details(Snapshot((view,), T0), T0)
    assert "deep probes stopped until the key or the config changes" in page
    set_language("it")
    assert deep_words(stopped, T0).startswith("API del modello: chiave API rifiutata")
