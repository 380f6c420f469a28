"""Contract: every incident.io fixture parses to what tests/fixtures/README.md says it means.

Three sources share the directory: the frontend proxy (`proxy_*`, `edge_proxy_*`), the Widget
API (`widget_*`, `edge_widget_*`) and the Statuspage-compatible shim (`compat_*`), which is read
by the Statuspage parser.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.contract import (
    CONTEXT,
    DEGRADED,
    FIXTURES,
    MAINT,
    MAJOR,
    OK,
    PARTIAL,
    UNKNOWN,
    Case,
    Inc,
    Parser,
    check_case,
    fixture_files,
)
from trayapp.adapters._common import ParseContext, ParseError
from trayapp.adapters.incidentio import parse_proxy, parse_widget
from trayapp.adapters.statuspage import parse_summary
from trayapp.model import ParsedPage, State

INCIDENTIO = FIXTURES / "incidentio"

OPENAI = "https://status.openai.com/incidents/"
MAIN = "01KGP4Z7H0ERRRATES0CGPTAP1"
FINETUNE = "01KGPBQ2M0F1NETUNEDELAY00X"
SORA_MAINTENANCE = "01KH00MAINT0SCHEDULED0000A"
REALTIME_MAINTENANCE = "01KH01MAINT0UPC0M1NG00000B"
OWN = "https://status.own-ai.example/incidents/"

ALL_GROUPS_OK = {"ChatGPT": OK, "APIs": OK, "Codex": OK}


def openai(file: str, parser: Parser, state: State = OK, **expected: Any) -> Case:
    """A row for an incident.io document, OpenAI's page unless it says."""
    return Case(file, parser, state, **{"page_name": "OpenAI", **expected})


def _main(status: str, impact: State, components: tuple[str, ...], latest: str | None = None) -> Inc:
    """The 2026-02-04 ChatGPT + API incident at one of its stages."""
    return Inc(status, impact, OPENAI + MAIN, components=components, latest=latest)


def _finetune(status: str, latest: str | None = None) -> Inc:
    """The fine-tuning delay notice opened 20:31Z."""
    return Inc(status, DEGRADED, OPENAI + FINETUNE, components=("Fine-tuning",), latest=latest)


SORA = Inc(
    "maintenance_in_progress", MAINT, OPENAI + SORA_MAINTENANCE, maintenance=True, components=("Sora",)
)
PLUGINS = ("Plugins (retired)",)

CASES = [
    # ---- frontend proxy ------------------------------------------------------------------
    openai("proxy_all_operational.json", parse_proxy, OK, count=13, absent=PLUGINS, groups=ALL_GROUPS_OK),
    openai(
        "proxy_partial_outage.json",
        parse_proxy,
        PARTIAL,
        open=1,
        components={"Conversations": PARTIAL, "Responses": PARTIAL, "Chat Completions": PARTIAL},
        count=13,
        absent=PLUGINS,
        groups={"ChatGPT": PARTIAL, "APIs": PARTIAL, "Codex": OK},
        incidents={
            MAIN: _main(
                "investigating",
                PARTIAL,
                ("Conversations", "Responses", "Chat Completions"),
                "We are seeing elevated error rates for ChatGPT and the API and are investigating.",
            )
        },
    ),
    openai(
        "proxy_partial_outage_with_finetune.json",
        parse_proxy,
        DEGRADED,
        open=2,
        components={
            "Conversations": DEGRADED,
            "Responses": DEGRADED,
            "Chat Completions": DEGRADED,
            "Fine-tuning": DEGRADED,
        },
        count=13,
        groups={"ChatGPT": DEGRADED, "APIs": DEGRADED, "Codex": OK},
        incidents={
            MAIN: _main(
                "monitoring",
                DEGRADED,
                ("Conversations", "Responses", "Chat Completions"),
                "A mitigation is in place and error rates are recovering. We are monitoring.",
            ),
            FINETUNE: _finetune(
                "investigating", "Some fine-tuning jobs are taking longer than usual to start."
            ),
        },
    ),
    openai(
        "proxy_finetune_lingering.json",
        parse_proxy,
        DEGRADED,
        open=1,
        components={"Fine-tuning": DEGRADED},
        count=13,
        groups={"ChatGPT": OK, "APIs": DEGRADED, "Codex": OK},
        incidents={
            FINETUNE: _finetune(
                "monitoring",
                "Queued fine-tuning jobs are being processed; new jobs may still see delays while the "
                "backlog clears.",
            )
        },
    ),
    openai(
        "proxy_major_outage.json",
        parse_proxy,
        MAJOR,
        open=1,
        components={"Conversations": MAJOR, "Login": MAJOR, "Responses": PARTIAL},
        count=13,
        groups={"ChatGPT": MAJOR, "APIs": PARTIAL, "Codex": OK},
        incidents={MAIN: _main("investigating", MAJOR, ("Conversations", "Login", "Responses"))},
    ),
    openai(
        "proxy_maintenance_in_progress.json",
        parse_proxy,
        MAINT,
        components={"Sora": MAINT},
        count=13,
        groups=ALL_GROUPS_OK,
        incidents={SORA_MAINTENANCE: SORA},
    ),
    # A history endpoint (/proxy/<host>/component_impacts), not a summary: no provider state.
    openai("proxy_component_impacts.json", parse_proxy, error="not a status page"),
    openai(
        "edge_proxy_unknown_status.json",
        parse_proxy,
        UNKNOWN,
        components={"Chat Completions": UNKNOWN},
        count=13,
        absent=PLUGINS,
        groups={"ChatGPT": OK, "APIs": UNKNOWN, "Codex": OK},
        unknown=("status=elevated_latency",),
    ),
    openai(
        "edge_proxy_empty_structure.json",
        parse_proxy,
        error="not a status page: no components or incidents",
    ),
    openai(
        "edge_proxy_markup_missing_fields.json",
        parse_proxy,
        DEGRADED,
        page_name=None,
        open=1,
        components={"Voice mode": DEGRADED},
        count=13,
        absent=PLUGINS,
        groups={"ChatGPT": DEGRADED, "APIs": OK, "Codex": OK},
        incidents={
            "01KGQ0EDGE0MARKUP00000000A": Inc(
                "investigating", DEGRADED, OPENAI + "01KGQ0EDGE0MARKUP00000000A", components=(), latest=""
            )
        },
    ),
    # ---- Widget API ----------------------------------------------------------------------
    openai("widget_all_operational.json", parse_widget, OK, count=0, groups={}),
    openai(
        "widget_partial_outage.json",
        parse_widget,
        PARTIAL,
        open=1,
        components={"Conversations": PARTIAL, "Responses": PARTIAL, "Chat Completions": DEGRADED},
        count=3,
        groups={"ChatGPT": PARTIAL, "APIs": PARTIAL},
        incidents={
            MAIN: _main(
                "identified",
                PARTIAL,
                ("Conversations", "Responses", "Chat Completions"),
                "We have identified the cause of the elevated error rates and are applying a mitigation.",
            )
        },
    ),
    openai(
        "widget_finetune_lingering.json",
        parse_widget,
        DEGRADED,
        open=1,
        components={"Fine-tuning": DEGRADED},
        count=1,
        groups={"APIs": DEGRADED},
        incidents={FINETUNE: _finetune("monitoring")},
    ),
    openai(
        "widget_maintenance.json",
        parse_widget,
        MAINT,
        components={"Sora": MAINT},
        count=1,
        incidents={SORA_MAINTENANCE: SORA},
        upcoming=(REALTIME_MAINTENANCE,),
    ),
    openai("widget_scheduled_only.json", parse_widget, OK, count=0, upcoming=(REALTIME_MAINTENANCE,)),
    openai(
        "edge_widget_full_outage_unknown_fields.json",
        parse_widget,
        MAJOR,
        open=1,
        components={"Conversations": MAJOR, "Login": UNKNOWN},
        count=2,
        groups={"ChatGPT": MAJOR},
        incidents={
            "01KGQ1EDGE0FULL0UTAGE0000A": Inc(
                "investigating",
                MAJOR,
                OPENAI + "01KGQ1EDGE0FULL0UTAGE0000A",
                components=("Conversations", "Login"),
                latest="",
            )
        },
        unknown=("status=brownout",),
    ),
    # ---- Statuspage-compatible shim (read by the Statuspage parser) ----------------------
    openai(
        "compat_summary_partial.json",
        parse_summary,
        PARTIAL,
        indicator=PARTIAL,
        components={"Conversations": PARTIAL, "Responses": PARTIAL, "Chat Completions": DEGRADED},
        count=13,
        groups={},
    ),
    openai("compat_status_partial.json", parse_summary, PARTIAL, indicator=PARTIAL, count=0),
    # ---- own fixtures: quirks of the real captures in shared/real/incidentio --------------
    # The shim WITH incidents (no shortlink/started_at/components), page.url ending in '/',
    # an impact-none incident that is still open, two components named "Login".
    openai(
        "own_compat_summary_with_incidents.json",
        parse_summary,
        DEGRADED,
        page_name="Own AI",
        open=2,
        indicator=DEGRADED,
        components={
            "Conversations": DEGRADED,
            "01OWNL0G1NCHAT000000000000": DEGRADED,
            "Responses": DEGRADED,
        },
        names=("Conversations", "Login", "Responses", "Login", "Batch"),
        groups={},
        incidents={
            "01OWN1NC1DENTERR0RS0000000": Inc(
                "investigating",
                DEGRADED,
                OWN + "01OWN1NC1DENTERR0RS0000000",
                components=(),
                latest="We're investigating elevated errors across the apps and the API. "
                "Some requests may fail.",
            ),
            "01OWN1NC1DENTSUPP0RT000000": Inc(
                "investigating", OK, OWN + "01OWN1NC1DENTSUPP0RT000000", components=()
            ),
        },
    ),
    # The shim on a quiet day: no `incidents` key at all.
    openai(
        "own_compat_summary_operational.json",
        parse_summary,
        OK,
        page_name="Own AI",
        indicator=OK,
        names=("Conversations", "Login", "Login"),
        groups={},
    ),
    # Proxy keys at top level, a hidden group, an affected entry without status, an incident
    # impact only from component_impacts (the ended one ignored), rich-text-only updates listed
    # oldest last, a resolved entry among the ongoing ones, an upcoming maintenance.
    openai(
        "own_proxy_top_level_rich_text.json",
        parse_proxy,
        DEGRADED,
        page_name="Own AI",
        open=2,
        components={"Training": DEGRADED, "Voice": DEGRADED},
        names=("Training", "Embeddings", "Voice"),
        absent=("Legacy API",),
        groups={"API": DEGRADED},
        incidents={
            "01OWN1NC1DENTTRA1N1NG00000": Inc(
                "monitoring",
                DEGRADED,
                OWN + "01OWN1NC1DENTTRA1N1NG00000",
                components=("Training",),
                latest="Training jobs are queued again. Expect delays <1h.",
            ),
            "01OWN1NC1DENTV01CE0000000": Inc(
                "identified", DEGRADED, OWN + "01OWN1NC1DENTV01CE0000000", components=("Voice",)
            ),
        },
        upcoming=("01OWNMA1NTUPC0M1NG0000000",),
        closed=frozenset({"01OWN1NC1DENTD0NE00000000"}),
    ),
    # Widget incidents without current_worst_impact, one component in two incidents (worst
    # wins), a javascript: url replaced by the page link, `in_progress_maintenances: null`.
    openai(
        "own_widget_missing_impact.json",
        parse_widget,
        PARTIAL,
        page_name="Own AI",
        open=3,
        components={"Images": PARTIAL, "Login": DEGRADED},
        count=2,
        groups={"API": PARTIAL},
        incidents={
            "01OWNW1DGET1NC1DENT000001": Inc(
                "investigating", PARTIAL, OWN + "01OWNW1DGET1NC1DENT000001", components=("Images", "Login")
            ),
            "01OWNW1DGET1NC1DENT000002": Inc(
                "identified", DEGRADED, OWN + "01OWNW1DGET1NC1DENT000002", components=("Images",), latest=""
            ),
            "01OWNW1DGET1NC1DENT000003": Inc(
                "investigating", DEGRADED, OWN + "01OWNW1DGET1NC1DENT000003", components=()
            ),
        },
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.file for case in CASES])
def test_fixture_parses_as_documented(case: Case) -> None:
    """Each fixture's provider state, components, groups and incidents match the README."""
    check_case(case, INCIDENTIO)


def test_table_covers_every_fixture() -> None:
    """No incident.io JSON fixture is left out of the table (feeds belong to the feed adapter)."""
    assert fixture_files(INCIDENTIO) == sorted(case.file for case in CASES)


def test_proxy_incident_times() -> None:
    """started_at is published_at; updated_at is last_update_at."""
    page = parse_proxy((INCIDENTIO / "proxy_partial_outage_with_finetune.json").read_bytes(), CONTEXT)
    main = next(incident for incident in page.incidents if incident.id == MAIN)
    assert main.started_at == datetime(2026, 2, 4, 19, 2, 31, 418000, tzinfo=UTC)
    assert main.updated_at == datetime(2026, 2, 4, 21, 5, 55, 61000, tzinfo=UTC)


def test_widget_upcoming_maintenance_window() -> None:
    """A scheduled widget maintenance starts at starts_at and names its components."""
    page = parse_widget((INCIDENTIO / "widget_scheduled_only.json").read_bytes(), CONTEXT)
    (upcoming,) = page.upcoming
    assert upcoming.started_at == datetime(2026, 2, 12, 6, 0, tzinfo=UTC)
    assert upcoming.components == ("Realtime",)
    assert upcoming.status == "maintenance_scheduled"


def test_proxy_component_impacts_ending_later_still_count() -> None:
    """Before the partial impact's end_at, it is still open and sets the incident's impact."""
    early = ParseContext(page_url=CONTEXT.page_url, now=datetime(2026, 2, 4, 20, 30, tzinfo=UTC))
    page = parse_proxy((INCIDENTIO / "own_proxy_top_level_rich_text.json").read_bytes(), early)
    training = next(incident for incident in page.incidents if incident.id == "01OWN1NC1DENTTRA1N1NG00000")
    assert training.impact is PARTIAL


@pytest.mark.parametrize("parser", [parse_proxy, parse_widget])
@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<!doctype html><title>Not Found</title>",
        b"{]",
        b"[1, 2]",
        b"42",
        b'{"hello": "world"}',
    ],
)
def test_garbage_is_a_parse_error(parser: Parser, body: bytes) -> None:
    """Anything that is not the expected JSON object raises ParseError with a one-line reason."""
    with pytest.raises(ParseError, match=r"^not a status page") as caught:
        parser(body, CONTEXT)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "name",
    ["summary_major_outage.json", "status_critical.json", "incidents_unresolved.json"],
)
def test_statuspage_documents_are_not_proxy_or_widget(name: str) -> None:
    """A genuine Statuspage document is refused by both incident.io parsers (auto-detection)."""
    body = (FIXTURES / "statuspage" / name).read_bytes()
    for parser in (parse_proxy, parse_widget):
        with pytest.raises(ParseError, match=r"^not a status page"):
            parser(body, CONTEXT)


@pytest.mark.parametrize(
    "body",
    [
        b'{"summary": {"structure": null, "ongoing_incidents": [{"id": 5, "updates": [null, 3]}]}}',
        b'{"structure": {"items": [{"group": {"components": [{"hidden": "no"}]}}]}, '
        b'"ongoing_incidents": [1]}',
        b'{"public_url": 7, "ongoing_incidents": [{"id": "a", "message": {"text_node": [[[{"text": 1}]]]}}]}',
        b'{"ongoing_incidents": [{"id": "a", "updates": [{"message": {"text_node": {"content": "x"}}}]}]}',
        b'{"ongoing_incidents": [{"id": "a", "component_impacts": [{"end_at": "soon", "status": null}]}]}',
        b'{"ongoing_incidents": [], "scheduled_maintenances": [{"id": "m", "status": 3, "ends_at": []}]}',
    ],
)
def test_proxy_wrong_types_raise_nothing_but_parse_error(body: bytes) -> None:
    """Nulls and wrong types anywhere in a proxy payload give a page or a ParseError."""
    _check_tolerant(parse_proxy, body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"page_title": null, "ongoing_incidents": {"a": 1}}',
        b'{"ongoing_incidents": [{"id": 1, "affected_components": [null, {"current_status": 5}]}]}',
        b'{"in_progress_maintenances": [{"name": "no id", "url": "javascript:x"}], "page_url": "ftp://x"}',
        b'{"scheduled_maintenances": [{"id": "m", "starts_at": 12}], "page_title": "T"}',
    ],
)
def test_widget_wrong_types_raise_nothing_but_parse_error(body: bytes) -> None:
    """Nulls and wrong types anywhere in a widget payload give a page or a ParseError."""
    _check_tolerant(parse_widget, body)


def _page_or_reason(parser: Parser, body: bytes) -> ParsedPage | str:
    try:
        return parser(body, CONTEXT)
    except ParseError as error:
        return str(error)


def _check_tolerant(parser: Parser, body: bytes) -> None:
    result = _page_or_reason(parser, body)
    if isinstance(result, str):
        assert result.startswith("not a status page")
    else:
        assert all(incident.url is None or incident.url.startswith("http") for incident in result.incidents)


def test_deeply_nested_rich_text_is_cut_off_not_crashing() -> None:
    """A pathological rich-text document neither recurses without bound nor raises."""
    text = '{"type": "doc", "content": [' * 400 + '{"type": "text", "text": "deep"}' + "]}" * 400
    body = (
        '{"ongoing_incidents": [{"id": "a", "updates": [{"message": {"text_node": ' + text + "}}]}]}"
    ).encode()
    (incident,) = parse_proxy(body, CONTEXT).incidents
    assert incident.latest_update == ""
