"""Built-ins heal themselves: what counts as a miss, three in a row, once an hour, where a redirect
may lead; the Healer's decisions with fake fetches; the move on the details page."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from trayapp.adapters import ParseContext
from trayapp.catalog import ProviderSpec
from trayapp.core.details_page import render_details
from trayapp.core.healing import REDETECT_EVERY, STRIKES, Moved, Strikes, after_poll, is_miss, moved_root
from trayapp.i18n import set_language
from trayapp.model import Failure, ParsedPage, ProviderView, Snapshot, State
from trayapp.shell.healing import Healer

NOW = datetime(2026, 9, 14, 8, 0, tzinfo=UTC)
PAGE = ParsedPage(indicator=State.OPERATIONAL)
NOT_FOUND = Failure("HTTP 404")


@pytest.mark.parametrize(
    ("failure", "miss"),
    [
        (Failure("HTTP 404"), True),
        (Failure("HTTP 410"), True),
        (Failure("HTTP 403"), True),  # OpenRouter's old feed after the move
        (Failure("not a status page: got an HTML page"), True),
        (Failure("not a status page"), True),
        (Failure("redirect refused: not https"), True),
        (Failure("too many redirects"), True),
        (Failure("HTTP 429"), False),  # rate limited: a bad moment, not a move
        (Failure("HTTP 408"), False),
        (Failure("HTTP 404", retry_after=30.0), False),
        (Failure("HTTP 503"), False),
        (Failure("HTTP 500"), False),
        (Failure("timeout", connection=True), False),
        (Failure("connection refused", connection=True), False),
        (Failure("DNS lookup failed", connection=True), False),
        (Failure("TLS error: handshake failed", connection=True), False),
        (Failure("connection dropped", connection=True), False),
        (Failure("response too large (over 8 MB)"), False),
        (Failure("undecodable response"), False),
    ],
)
def test_what_counts_as_a_miss(failure: Failure, miss: bool) -> None:
    assert is_miss(failure) is miss


NO_STRIKES = Strikes()


def polls(
    results: list[ParsedPage | Failure], start: Strikes = NO_STRIKES, reachable: bool = True
) -> list[bool]:
    """Whether each poll (a minute apart) starts a detection."""
    strikes, due = start, []
    for index, result in enumerate(results):
        strikes, now_due = after_poll(strikes, result, reachable, NOW + timedelta(minutes=index))
        due.append(now_due)
    return due


def test_the_third_miss_in_a_row_detects_again() -> None:
    assert polls([NOT_FOUND] * STRIKES) == [False, False, True]


def test_a_good_read_ends_the_row() -> None:
    assert polls([NOT_FOUND, NOT_FOUND, PAGE, NOT_FOUND, NOT_FOUND]) == [False] * 5


def test_network_failures_never_detect_and_never_count() -> None:
    timeout = Failure("timeout", connection=True)
    assert polls([timeout] * 10) == [False] * 10
    assert polls([NOT_FOUND, timeout, NOT_FOUND, timeout, NOT_FOUND]) == [False, False, False, False, True]


def test_a_poll_that_met_a_network_failure_is_no_miss_even_if_its_reason_is() -> None:
    """A richer source answered 404 but a simpler one timed out: the host is not reachable enough."""
    assert polls([NOT_FOUND] * 5, reachable=False) == [False] * 5


def test_at_most_once_an_hour() -> None:
    strikes, due = Strikes(), False
    for minute in range(3):
        strikes, due = after_poll(strikes, NOT_FOUND, True, NOW + timedelta(minutes=minute))
    assert due
    assert strikes.last_try == NOW + timedelta(minutes=2)
    later = [after_poll(strikes, NOT_FOUND, True, NOW + timedelta(minutes=m))[1] for m in range(3, 62)]
    assert not any(later)
    _, due = after_poll(strikes, NOT_FOUND, True, strikes.last_try + REDETECT_EVERY)
    assert due


def test_a_good_read_keeps_the_time_of_the_last_try() -> None:
    tried = Strikes(STRIKES, NOW)
    strikes, _ = after_poll(tried, PAGE, True, NOW + timedelta(minutes=1))
    assert strikes == Strikes(0, NOW)
    assert polls([NOT_FOUND] * 3, start=strikes) == [False, False, False]  # within the hour


@pytest.mark.parametrize(
    ("root", "landed", "moved"),
    [
        (
            "https://replicatestatus.com",
            "https://www.cloudflarestatus.com/",
            "https://www.cloudflarestatus.com",
        ),
        (
            "https://status.acme.ai",
            "https://acme.incident.io/pages/x?utm=1#top",
            "https://acme.incident.io/pages/x",
        ),
        ("https://status.acme.ai", "https://user:pw@status.other.ai/", "https://status.other.ai"),
        ("https://status.acme.ai", "https://status.acme.ai:8443/", "https://status.acme.ai:8443"),
        # plain http across the network: never, whatever the host
        ("https://status.acme.ai", "http://status.other.ai/", None),
        ("http://127.0.0.1:8080", "http://status.other.ai/", None),
        ("https://status.acme.ai", "http://127.0.0.1:9000/", None),
        # loopback to loopback is how the tests serve pages
        ("http://127.0.0.1:8080", "http://127.0.0.1:9000/", "http://127.0.0.1:9000"),
        ("http://localhost:8080", "http://[::1]:9000/", "http://[::1]:9000"),
        # the same host is no move (a path or a scheme upgrade there is the page's own business)
        ("https://status.acme.ai", "https://status.acme.ai/en", None),
        ("https://Status.Acme.ai", "https://status.acme.ai./", None),
        ("http://status.acme.ai", "https://status.acme.ai/", None),
        ("https://status.acme.ai", "https://status.acme.ai:443/", None),
        # not a URL at all
        ("https://status.acme.ai", "javascript:alert(1)", None),
        ("https://status.acme.ai", "https://[::1/", None),
        ("https://status.acme.ai", "", None),
    ],
)
def test_where_a_redirect_may_lead(root: str, landed: str, moved: str | None) -> None:
    assert moved_root(root, landed) == moved


# --- the Healer, with fake fetches -------------------------------------------------------------

SPEC = ProviderSpec(id="acme", name="Acme", page="https://status.acme.ai", kind="instatus", builtin=True)


class Fakes:
    """A fake landing and detection that remember what they were asked."""

    def __init__(self, landed: str | None, found: tuple[str, ParsedPage] | Failure) -> None:
        self.landed, self.found = landed, found
        self.landings: list[str] = []
        self.detections: list[str] = []

    def land(self, url: str) -> str | None:
        self.landings.append(url)
        return self.landed

    def detect(self, spec: ProviderSpec, context: ParseContext) -> tuple[str, ParsedPage] | Failure:
        self.detections.append(spec.root)
        return self.found


def run_polls(
    healer: Healer, fakes: Fakes, results: list[ParsedPage | Failure], spec: ProviderSpec = SPEC
) -> list[tuple[ProviderSpec, ParsedPage] | None]:
    def go() -> list[tuple[ProviderSpec, ParsedPage] | None]:
        out = []
        for index, result in enumerate(results):
            context = ParseContext(page_url=spec.page, now=NOW + timedelta(minutes=index))
            reading = healer.current(spec, spec.root)
            out.append(
                healer.after_poll(
                    spec,
                    reading,
                    result,
                    context=context,
                    reachable=True,
                    home=spec.root,
                    detect=fakes.detect,
                    land=fakes.land,
                )
            )
        return out

    return go()


def test_a_move_on_the_same_host_is_followed_and_saved() -> None:
    detected: dict[str, str] = {}
    healer = Healer(detected)
    fakes = Fakes("https://status.acme.ai/", ("incidentio", PAGE))
    outcomes = run_polls(healer, fakes, [NOT_FOUND] * 3)
    assert outcomes[:2] == [None, None]
    healed = outcomes[2]
    assert healed is not None
    assert healed[1] == PAGE
    assert healed[0] == replace(SPEC, kind="incidentio", url="https://status.acme.ai")
    assert fakes.detections == ["https://status.acme.ai"]
    assert detected == {"acme": "incidentio"}, "the engine saves the reader's detected map"
    assert healer.moves == {"acme": Moved("Acme", "incidentio", "https://status.acme.ai")}
    assert healer.current(SPEC, SPEC.root) == healed[0]
    assert Healer(detected).current(SPEC, SPEC.root).kind == "incidentio", "a restart starts from it"


def test_a_redirect_to_another_https_host_is_followed_but_not_saved_as_a_kind() -> None:
    detected = {"acme": "instatus"}
    healer = Healer(detected)
    fakes = Fakes("https://www.cloudflarestatus.com/", ("statuspage", PAGE))
    healed = run_polls(healer, fakes, [NOT_FOUND] * 3)[2]
    assert healed is not None
    assert (healed[0].kind, healed[0].root) == ("statuspage", "https://www.cloudflarestatus.com")
    assert fakes.detections == ["https://www.cloudflarestatus.com"]
    assert "acme" not in detected, "a kind alone would be read at the old root after a restart"
    assert healer.moves["acme"].url == "https://www.cloudflarestatus.com"


def test_a_redirect_to_plain_http_is_not_followed() -> None:
    healer = Healer({})
    fakes = Fakes("http://status.elsewhere.example/", Failure("not a status page: no known format"))
    assert run_polls(healer, fakes, [NOT_FOUND] * 3) == [None, None, None]
    assert fakes.detections == ["https://status.acme.ai"], "detected at its own root, not the http one"
    assert healer.moves == {}


def test_a_failed_detection_waits_an_hour_and_changes_nothing() -> None:
    healer = Healer({})
    fakes = Fakes(None, Failure("not a status page: no known format"))
    assert run_polls(healer, fakes, [NOT_FOUND] * 30) == [None] * 30
    assert len(fakes.detections) == 1
    assert healer.current(SPEC, SPEC.root) == SPEC


def test_the_same_format_answering_again_is_no_move() -> None:
    healer = Healer({})
    fakes = Fakes("https://status.acme.ai/", ("instatus", PAGE))
    healed = run_polls(healer, fakes, [NOT_FOUND] * 3)[2]
    assert healed == (SPEC, PAGE)
    assert healer.moves == {}


def test_custom_providers_and_auto_are_left_alone() -> None:
    fakes = Fakes("https://elsewhere.example/", ("statuspage", PAGE))
    custom = ProviderSpec(id="mine", name="Mine", page="https://status.mine.example", kind="instatus")
    auto = ProviderSpec(id="a", name="A", page="https://status.a.example", kind="auto", builtin=True)
    for spec in (custom, auto):
        assert run_polls(Healer({}), fakes, [NOT_FOUND] * 5, spec) == [None] * 5
    assert fakes.detections == []
    assert fakes.landings == []


def test_a_changed_catalog_entry_starts_afresh() -> None:
    healer = Healer({})
    healed = run_polls(healer, Fakes(None, ("statuspage", PAGE)), [NOT_FOUND] * 3)[2]
    assert healed is not None
    assert healer.current(SPEC, SPEC.root).kind == "statuspage"
    updated = replace(SPEC, kind="datadog")
    # What was found is still read (saved by kind, it misses and heals again if the entry was right).
    read = healer.current(updated, updated.root)
    assert (read.kind, read.root, read.id) == ("statuspage", "https://status.acme.ai", "acme")
    assert Healer({"acme": "datadog"}).current(updated, updated.root) == updated


# --- said on the details page ------------------------------------------------------------------


def test_the_details_page_says_the_page_moved() -> None:
    view = ProviderView(id="acme", name="Acme", page="https://status.acme.ai", state=State.OPERATIONAL)
    snapshot = Snapshot((view,), NOW)
    moves = {"acme": Moved("Acme", "statuspage", "https://www.cloudflarestatus.com")}
    html = render_details(snapshot, NOW, moves=moves)
    assert "Acme&#x27;s status page moved to statuspage at https://www.cloudflarestatus.com" in html
    assert "moved to" not in render_details(snapshot, NOW)
    set_language("it")
    italian = render_details(snapshot, NOW, moves=moves)
    assert "La pagina di stato di Acme si è spostata su statuspage" in italian
