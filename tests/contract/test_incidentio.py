"""Contract: every incident.io fixture parses to what tests/fixtures/README.md says it means.

Three sources share the directory: the frontend proxy (`proxy_*`, `edge_proxy_*`), the Widget
API (`widget_*`, `edge_widget_*`) and the Statuspage-compatible shim (`compat_*`), which is read
by the Statuspage parser.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from trayapp.adapters._common import ParseContext, ParseError
from trayapp.adapters.incidentio import parse_proxy, parse_widget
from trayapp.adapters.statuspage import parse_summary
from trayapp.core.rollup import group_states, page_state
from trayapp.model import ParsedPage, State

Parser = Callable[[bytes, ParseContext], ParsedPage]

FIXTURES = Path(__file__).parent.parent / "fixtures" / "incidentio"
CONTEXT = ParseContext(page_url="https://fallback.example", now=datetime(2026, 2, 5, tzinfo=UTC))

OK = State.OPERATIONAL
MAINT = State.MAINTENANCE
UNKNOWN = State.UNKNOWN
DEGRADED = State.DEGRADED
PARTIAL = State.PARTIAL
MAJOR = State.MAJOR

OPENAI = "https://status.openai.com/incidents/"
MAIN = "01KGP4Z7H0ERRRATES0CGPTAP1"
FINETUNE = "01KGPBQ2M0F1NETUNEDELAY00X"
SORA_MAINTENANCE = "01KH00MAINT0SCHEDULED0000A"
REALTIME_MAINTENANCE = "01KH01MAINT0UPC0M1NG00000B"
OWN = "https://status.own-ai.example/incidents/"

ALL_GROUPS_OK = {"ChatGPT": OK, "APIs": OK, "Codex": OK}


@dataclass(frozen=True)
class Inc:
    """What one open incident (or active maintenance) must look like."""

    status: str
    impact: State
    url: str | None
    maintenance: bool = False
    components: tuple[str, ...] | None = None
    latest: str | None = None


@dataclass(frozen=True)
class Case:
    """One fixture, the parser that reads it and its expected parse.

    Components not named in `components` (by name or id) must be operational; `error` means
    the parser must refuse the document with a ParseError starting with that text.
    """

    file: str
    parser: Parser
    state: State = OK
    open: int = 0
    indicator: State | None = None
    components: Mapping[str, State] = field(default_factory=dict)
    count: int | None = None
    names: tuple[str, ...] | None = None
    absent: tuple[str, ...] = ()
    groups: Mapping[str, State] | None = None
    incidents: Mapping[str, Inc] = field(default_factory=dict)
    upcoming: tuple[str, ...] = ()
    closed: frozenset[str] = frozenset()
    unknown: tuple[str, ...] = ()
    error: str | None = None


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
    Case("proxy_all_operational.json", parse_proxy, OK, count=13, absent=PLUGINS, groups=ALL_GROUPS_OK),
    Case(
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
    Case(
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
    Case(
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
    Case(
        "proxy_major_outage.json",
        parse_proxy,
        MAJOR,
        open=1,
        components={"Conversations": MAJOR, "Login": MAJOR, "Responses": PARTIAL},
        count=13,
        groups={"ChatGPT": MAJOR, "APIs": PARTIAL, "Codex": OK},
        incidents={MAIN: _main("investigating", MAJOR, ("Conversations", "Login", "Responses"))},
    ),
    Case(
        "proxy_maintenance_in_progress.json",
        parse_proxy,
        MAINT,
        components={"Sora": MAINT},
        count=13,
        groups=ALL_GROUPS_OK,
        incidents={SORA_MAINTENANCE: SORA},
    ),
    # A history endpoint (/proxy/<host>/component_impacts), not a summary: no provider state.
    Case("proxy_component_impacts.json", parse_proxy, error="not a status page"),
    Case(
        "edge_proxy_unknown_status.json",
        parse_proxy,
        UNKNOWN,
        components={"Chat Completions": UNKNOWN},
        count=13,
        absent=PLUGINS,
        groups={"ChatGPT": OK, "APIs": UNKNOWN, "Codex": OK},
        unknown=("status=elevated_latency",),
    ),
    Case(
        "edge_proxy_empty_structure.json",
        parse_proxy,
        error="not a status page: no components or incidents",
    ),
    Case(
        "edge_proxy_markup_missing_fields.json",
        parse_proxy,
        DEGRADED,
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
    Case("widget_all_operational.json", parse_widget, OK, count=0, groups={}),
    Case(
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
    Case(
        "widget_finetune_lingering.json",
        parse_widget,
        DEGRADED,
        open=1,
        components={"Fine-tuning": DEGRADED},
        count=1,
        incidents={FINETUNE: _finetune("monitoring")},
    ),
    Case(
        "widget_maintenance.json",
        parse_widget,
        MAINT,
        components={"Sora": MAINT},
        count=1,
        incidents={SORA_MAINTENANCE: SORA},
        upcoming=(REALTIME_MAINTENANCE,),
    ),
    Case("widget_scheduled_only.json", parse_widget, OK, count=0, upcoming=(REALTIME_MAINTENANCE,)),
    Case(
        "edge_widget_full_outage_unknown_fields.json",
        parse_widget,
        MAJOR,
        open=1,
        components={"Conversations": MAJOR, "Login": UNKNOWN},
        count=2,
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
    Case(
        "compat_summary_partial.json",
        parse_summary,
        PARTIAL,
        indicator=PARTIAL,
        components={"Conversations": PARTIAL, "Responses": PARTIAL, "Chat Completions": DEGRADED},
        count=13,
        groups={},
    ),
    Case("compat_status_partial.json", parse_summary, PARTIAL, indicator=PARTIAL, count=0),
    # ---- own fixtures: quirks of the real captures in shared/real/incidentio --------------
    # The shim WITH incidents (no shortlink/started_at/components), page.url ending in '/',
    # an impact-none incident that is still open, two components named "Login".
    Case(
        "own_compat_summary_with_incidents.json",
        parse_summary,
        DEGRADED,
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
    Case(
        "own_compat_summary_operational.json",
        parse_summary,
        OK,
        indicator=OK,
        names=("Conversations", "Login", "Login"),
        groups={},
    ),
    # Proxy keys at top level, a hidden group, an affected entry without status, an incident
    # impact only from component_impacts (the ended one ignored), rich-text-only updates listed
    # oldest last, a resolved entry among the ongoing ones, an upcoming maintenance.
    Case(
        "own_proxy_top_level_rich_text.json",
        parse_proxy,
        DEGRADED,
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
    Case(
        "own_widget_missing_impact.json",
        parse_widget,
        PARTIAL,
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


def _parse(case: Case) -> ParsedPage:
    return case.parser((FIXTURES / case.file).read_bytes(), CONTEXT)


@pytest.mark.parametrize("case", CASES, ids=[case.file for case in CASES])
def test_fixture_parses_as_documented(case: Case) -> None:
    """Each fixture's provider state, components, groups and incidents match the README."""
    if case.error is not None:
        with pytest.raises(ParseError, match="^" + case.error):
            _parse(case)
        return
    page = _parse(case)
    assert page_state(page) is case.state
    assert page.indicator is case.indicator
    _check_components(page, case)
    assert sum(not incident.is_maintenance for incident in page.incidents) == case.open
    _check_incidents(page, case.incidents)
    assert tuple(item.id for item in page.upcoming) == case.upcoming
    assert all(item.is_maintenance and item.impact is MAINT for item in page.upcoming)
    assert page.closed_incident_ids == case.closed
    assert page.unknown_values == case.unknown


def _check_components(page: ParsedPage, case: Case) -> None:
    if case.count is not None:
        assert len(page.components) == case.count
    if case.names is not None:
        assert tuple(component.name for component in page.components) == case.names
    for component in page.components:
        expected = case.components.get(component.name, case.components.get(component.id, OK))
        assert component.state is expected, component.name
        assert component.name not in case.absent
    assert set(case.components) <= {c.name for c in page.components} | {c.id for c in page.components}
    if case.groups is not None:
        assert group_states(page.components) == dict(case.groups)


def _check_incidents(page: ParsedPage, expected: Mapping[str, Inc]) -> None:
    assert {incident.id for incident in page.incidents} == set(expected)
    for incident in page.incidents:
        want = expected[incident.id]
        assert (incident.status, incident.impact, incident.url) == (want.status, want.impact, want.url)
        assert incident.is_maintenance is want.maintenance
        if want.components is not None:
            assert incident.components == want.components
        if want.latest is not None:
            assert incident.latest_update == want.latest


def test_table_covers_every_fixture() -> None:
    """No incident.io JSON fixture is left out of the table (feeds belong to the feed adapter)."""
    assert sorted(path.name for path in FIXTURES.glob("*.json")) == sorted(case.file for case in CASES)


def test_proxy_incident_times() -> None:
    """started_at is published_at; updated_at is last_update_at."""
    page = parse_proxy((FIXTURES / "proxy_partial_outage_with_finetune.json").read_bytes(), CONTEXT)
    main = next(incident for incident in page.incidents if incident.id == MAIN)
    assert main.started_at == datetime(2026, 2, 4, 19, 2, 31, 418000, tzinfo=UTC)
    assert main.updated_at == datetime(2026, 2, 4, 21, 5, 55, 61000, tzinfo=UTC)


def test_widget_upcoming_maintenance_window() -> None:
    """A scheduled widget maintenance starts at starts_at and names its components."""
    page = parse_widget((FIXTURES / "widget_scheduled_only.json").read_bytes(), CONTEXT)
    (upcoming,) = page.upcoming
    assert upcoming.started_at == datetime(2026, 2, 12, 6, 0, tzinfo=UTC)
    assert upcoming.components == ("Realtime",)
    assert upcoming.status == "maintenance_scheduled"


def test_proxy_component_impacts_ending_later_still_count() -> None:
    """Before the partial impact's end_at, it is still open and sets the incident's impact."""
    early = ParseContext(page_url=CONTEXT.page_url, now=datetime(2026, 2, 4, 20, 30, tzinfo=UTC))
    page = parse_proxy((FIXTURES / "own_proxy_top_level_rich_text.json").read_bytes(), early)
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
    body = (FIXTURES.parent / "statuspage" / name).read_bytes()
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
