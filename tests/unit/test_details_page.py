"""The details page: complete, escaped, self-contained, in English and Italian; and the shell that writes
and opens it."""

from __future__ import annotations

import re
import stat
import webbrowser
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.support.history_sample import HOSTILE_NAME, hostile_history, sample_history
from trayapp import paths
from trayapp.core.details_page import STATE_COLOURS, render_details, safe_url, when_words
from trayapp.core.history.record import PollRecord
from trayapp.core.text import since_time
from trayapp.i18n import set_language
from trayapp.model import Component, Incident, ProbeView, ProviderView, Snapshot, State, Suspicion
from trayapp.shell import details
from trayapp.shell.history.recorder import HistoryRecorder

NOW = datetime(2026, 2, 4, 19, 7, 30, tzinfo=UTC)  # 20:07 in Rome
HOSTILE_INCIDENT = "<img src=x onerror=alert(1)>"
HOSTILE_PROVIDER = "<script>alert(1)</script>"
OWN_LINKS = {
    "https://status.openai.com",
    "https://status.openai.com/incidents/01JABC",
    "https://status.anthropic.com",
    "https://status.anthropic.com/incidents/maint-1",
    "https://status.anthropic.com/incidents/maint-2",
    "http://127.0.0.1:8080/status",
}


def _openai() -> ProviderView:
    return ProviderView(
        id="openai",
        name="OpenAI",
        page="https://status.openai.com",
        state=State.PARTIAL,
        components=(
            Component("ChatGPT", State.PARTIAL, group="Apps"),
            Component("Sora", State.OPERATIONAL, group="Apps"),
            Component("Chat Completions", State.DEGRADED, group="API"),
            Component("Embeddings", State.OPERATIONAL, group="API"),
            Component("Playground", State.OPERATIONAL),
        ),
        incidents=(
            Incident(
                id="01JABC",
                name="Elevated error rates on ChatGPT",
                impact=State.PARTIAL,
                status="investigating",
                url="https://status.openai.com/incidents/01JABC",
                started_at=NOW - timedelta(minutes=47),
                updated_at=NOW - timedelta(minutes=5),
                latest_update="We are investigating elevated error rates & timeouts.",
                components=("ChatGPT",),
            ),
            Incident(
                id="evil",
                name=HOSTILE_INCIDENT,
                impact=State.DEGRADED,
                status="identified",
                url="javascript:alert(document.cookie)",
                started_at=NOW - timedelta(hours=2),
                latest_update='"quoted" <b>bold</b> & more',
            ),
        ),
        checked_at=NOW - timedelta(seconds=20),
        last_success_at=NOW - timedelta(seconds=20),
    )


def _anthropic() -> ProviderView:
    return ProviderView(
        id="anthropic",
        name="Anthropic",
        page="https://status.anthropic.com",
        state=State.MAINTENANCE,
        components=(Component("Claude API", State.MAINTENANCE), Component("claude.ai", State.OPERATIONAL)),
        incidents=(
            Incident(
                id="maint-1",
                name="Database upgrade",
                impact=State.MAINTENANCE,
                status="in_progress",
                url="https://status.anthropic.com/incidents/maint-1",
                started_at=NOW - timedelta(minutes=10),
                is_maintenance=True,
            ),
        ),
        upcoming=(
            Incident(
                id="maint-2",
                name="Network maintenance window",
                impact=State.MAINTENANCE,
                status="scheduled",
                url="https://status.anthropic.com/incidents/maint-2",
                started_at=NOW + timedelta(hours=3),
                scheduled_until=NOW + timedelta(hours=5),
                is_maintenance=True,
            ),
        ),
        last_success_at=NOW - timedelta(minutes=1),
    )


def _hostile() -> ProviderView:
    return ProviderView(
        id="script-alert-1-script",
        name=HOSTILE_PROVIDER,
        page="data:text/html,<script>alert(1)</script>",
        state=State.UNKNOWN,
        components=(Component("Edge \"API\" <i>'x'</i>", State.MAJOR),),
        error="not a status page: <html onload=alert(1)>",
        last_success_at=None,
    )


def _local() -> ProviderView:
    return ProviderView(id="local", name="Local mirror", page="http://127.0.0.1:8080/status")


pytestmark = pytest.mark.usefixtures("local_zone")  # times on the page are local


def full_snapshot() -> Snapshot:
    return Snapshot((_openai(), _anthropic(), _hostile(), _local()), NOW - timedelta(seconds=20))


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text outside tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> _Elements:
    parser = _Elements()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture
def page() -> str:
    return render_details(full_snapshot(), NOW)


def test_every_provider_component_incident_maintenance_and_error_is_on_the_page(page: str) -> None:
    text = " ".join(parse(page).text)
    for name in ("OpenAI", "Anthropic", HOSTILE_PROVIDER, "Local mirror"):
        assert name in text
    for name in ("ChatGPT", "Sora", "Chat Completions", "Embeddings", "Playground", "Apps", "API"):
        assert name in text
    assert "Claude API" in text
    assert "claude.ai" in text
    assert "Edge \"API\" <i>'x'</i>" in text
    assert "Elevated error rates on ChatGPT" in text
    assert HOSTILE_INCIDENT in text
    assert "We are investigating elevated error rates & timeouts." in text
    assert "Database upgrade" in text
    assert "Maintenance in progress" in text
    assert "Network maintenance window" in text
    assert "Scheduled maintenance" in text
    assert "not a status page: <html onload=alert(1)>" in text
    assert "Partial outage" in text
    assert "Degraded performance" in text
    assert "Under maintenance" in text


def test_hostile_names_are_escaped_text_never_markup(page: str) -> None:
    assert HOSTILE_INCIDENT not in page
    assert HOSTILE_PROVIDER not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    tags = {tag for tag, _ in parse(page).tags}
    assert not tags & {"script", "img", "iframe", "object", "embed", "b", "i", "link"}
    assert "onerror" not in {name for _, attrs in parse(page).tags for name in attrs}
    assert "<b>" not in page
    assert "<html onload" not in page


def test_javascript_and_data_urls_are_plain_text_not_links(page: str) -> None:
    hrefs = [attrs.get("href") or "" for tag, attrs in parse(page).tags if tag == "a"]
    assert not any(h.lower().startswith(("javascript:", "data:")) for h in hrefs)
    text = " ".join(parse(page).text)
    assert "javascript:alert(document.cookie)" in text
    assert "data:text/html,<script>alert(1)</script>" in text


def test_links_are_only_the_pages_own_and_open_safely(page: str) -> None:
    elements = parse(page).tags
    links = [attrs for tag, attrs in elements if tag == "a"]
    assert {attrs["href"] for attrs in links} == OWN_LINKS
    for attrs in links:
        assert attrs.get("rel") == "noopener noreferrer"
    # No other element points anywhere: no src, no href outside <a>, no external resource.
    for tag, attrs in elements:
        assert "src" not in attrs
        assert "srcset" not in attrs
        assert "action" not in attrs
        if tag != "a":
            assert "href" not in attrs, tag
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls <= OWN_LINKS
    assert "url(" not in page
    assert "@import" not in page


def test_page_is_self_contained_with_strict_csp_refresh_and_dark_mode(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in page
    metas = [attrs for tag, attrs in parse(page).tags if tag == "meta"]
    by_equiv = {attrs.get("http-equiv"): attrs.get("content") for attrs in metas if "http-equiv" in attrs}
    assert by_equiv["refresh"] == "30"
    assert by_equiv["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    )
    assert "@media (prefers-color-scheme: dark)" in page
    assert "<style>" in page
    assert "<script" not in page
    assert render_details(full_snapshot(), NOW, refresh_seconds=90).count('content="90"') == 1


def test_overall_state_uses_the_contract_colours_and_words(page: str) -> None:
    for state, colour in STATE_COLOURS.items():
        assert f".s-{state.label} {{ background: {colour}; }}" in page
    header = page.split("<header>", 1)[1].split("</header>", 1)[0]
    assert 'class="dot s-partial"' in header
    assert "Partial outage" in header
    assert "Last check <time" in header
    assert "<title>trayapp — Partial outage</title>" in page


def plain(page: str) -> str:
    """The page's text with the tags taken out (a <time> inside a sentence reads as one sentence)."""
    return "".join(parse(page).text)


def test_times_are_local_and_relative_and_machine_readable_in_utc(page: str) -> None:
    text = plain(page)
    assert "Started at 19:20 (47 min ago)" in text
    assert "Last updated at 20:02 (5 min ago)" in text
    # Not under way yet: neither "Under maintenance" nor a status, and its end is given.
    assert "Scheduled maintenance · starts at 23:07 (in 3 h), ends tomorrow at 01:07 (in 5 h)" in text
    upcoming = text.split("Network maintenance window", 1)[1]
    assert upcoming.split("Components", 1)[0].endswith("View maintenance"), "a maintenance is no incident"
    assert "status: scheduled" not in text
    assert "Last successful check at 20:07 (20 s ago)" in text
    assert 'datetime="2026-02-04T18:20:30Z"' in page
    assert "Not read successfully yet." in text
    assert "Written by trayapp on Wednesday 4 February at 20:07." in text
    assert when_words(datetime(2026, 2, 4, 19, 7, 30), NOW) == "at 20:07 (just now)"
    assert when_words(NOW - timedelta(days=1, hours=2), NOW) == "yesterday at 18:07 (1 d 2 h ago)"
    assert since_time(NOW - timedelta(hours=4), NOW) == "since 16:07"
    assert since_time(datetime(2026, 2, 4, 0, 30, tzinfo=UTC), NOW) == "since 01:30"
    assert since_time(NOW - timedelta(days=1), NOW) == "since yesterday at 20:07"
    assert since_time(NOW - timedelta(days=3), NOW) == "since Sunday 1 February at 20:07"


def test_groups_take_the_worst_child_and_troubled_rows_are_highlighted(page: str) -> None:
    assert '<li class="bad"><span class="dot s-partial" aria-hidden="true"></span>Apps' in page
    assert '<li class="bad"><span class="dot s-degraded" aria-hidden="true"></span>API' in page
    assert '<li><span class="dot s-operational" aria-hidden="true"></span>Playground' in page


def test_a_long_operational_list_is_folded_but_troubles_stay_visible() -> None:
    components = tuple(Component(f"Region {n}", State.OPERATIONAL) for n in range(20))
    view = ProviderView(
        id="big",
        name="Big",
        page="https://status.big.example",
        state=State.MAJOR,
        components=(Component("Login", State.MAJOR), *components),
    )
    page = render_details(Snapshot((view,), NOW), NOW)
    before, folded = page.split("<details>", 1)
    assert "Login" in before
    assert "Region 0" not in before
    assert "20 more components operational" in folded
    assert "Region 19" in folded


def test_an_empty_snapshot_still_renders() -> None:
    page = render_details(Snapshot(), NOW)
    assert "No provider is being watched yet." in page
    assert "Unknown" in page


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://status.openai.com", True),
        ("HTTP://example.com/x", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("data:text/html,x", False),
        ("/relative/path", False),
        ("//example.com", False),
        ("https://", False),
        ("https://ex ample.com", False),
        (" https://example.com", False),
        ("https://example.com/\nx", False),
        ("file:///etc/passwd", False),
        ("", False),
        (None, False),
    ],
)
def test_safe_url(url: str | None, ok: bool) -> None:
    assert (safe_url(url) is not None) is ok


def test_lone_surrogates_and_control_characters_never_break_writing(tmp_path: Path) -> None:
    view = ProviderView(id="x", name="Bad \ud800 name\x00\x1b[31m", page="https://x.example")
    path = details.write_details(Snapshot((view,), NOW), NOW, directory=tmp_path)
    text = path.read_text(encoding="utf-8")
    assert "Bad ? name[31m" in text
    assert "\x00" not in text
    assert "\x1b" not in text


# --- in Italian ----------------------------------------------------------------------------------


def test_the_page_in_italian_has_lang_it_italian_headings_and_local_times() -> None:
    set_language("it")
    page = render_details(full_snapshot(), NOW)
    assert '<html lang="it">' in page
    assert "<title>trayapp — Interruzione parziale</title>" in page
    for heading in ("Incidenti in corso", "Manutenzione in corso", "Manutenzione programmata", "Componenti"):
        assert f"<h3>{heading}</h3>" in page
    text = plain(page)
    assert "Ultimo controllo alle 20:07 (20 s fa)" in text
    assert "Iniziato alle 19:20 (47 min fa)" in text
    assert "Iniziata alle 19:57 (10 min fa)" in text, "a maintenance is feminine in Italian"
    assert (
        "Manutenzione programmata · inizia alle 23:07 (tra 3 h), termina domani all'01:07 (tra 5 h)" in text
    )
    assert "Ultimo aggiornamento alle 20:02 (5 min fa)" in text
    assert "Interruzione parziale · stato: in analisi" in text
    assert "Componenti coinvolti: ChatGPT" in text
    assert "Vedi l'incidente" in text
    assert "Vedi la manutenzione" in text
    assert "Pagina di stato" in text
    assert "Nessun incidente in corso." in text
    assert "Nessuna lettura riuscita finora." in text
    assert "Impossibile leggere la pagina di stato: not a status page: <html onload=alert(1)>" in text
    assert "Prestazioni ridotte" in text
    assert "In manutenzione" in text
    assert "Pagina creata da trayapp mercoledì 4 febbraio alle 20:07." in text
    assert "La pagina si aggiorna da sola ogni 30 s." in text
    for english in (
        "Active incidents",
        "Components",
        "Started",
        " ago",
        "Last check",
        "Status page",
        "Written",
    ):
        assert english not in text, english
    assert HOSTILE_INCIDENT not in page, "escaped in every language"


def test_the_folded_components_and_empty_page_in_italian() -> None:
    set_language("it")
    components = tuple(Component(f"Region {n}", State.OPERATIONAL) for n in range(20))
    view = ProviderView(id="big", name="Big", page="https://status.big.example", components=components)
    assert "altri 20 componenti operativi" in render_details(Snapshot((view,), NOW), NOW)
    empty = render_details(Snapshot(), NOW)
    assert "Ancora nessun servizio monitorato." in empty
    assert "Nessun controllo ancora eseguito." in empty


def test_the_history_in_italian() -> None:
    set_language("it")
    page = render_details(full_snapshot(), NOW, history=sample_history(NOW))
    text = plain(page)
    assert "Cronologia — ciò che ha rilevato trayapp" in text
    assert "Barre della cronologia: una per giorno" in text
    assert (
        "Operativo: 98,95\u00a0% del tempo osservato negli ultimi 90 giorni (stato sconosciuto: 0,10\u00a0%),"
        " 98,23\u00a0% negli ultimi 30 giorni." in text
    )
    assert "<title>04/02/2026: interruzione parziale (interruzione parziale: 52 min)</title>" in page
    assert "<title>09/01/2026: non monitorato</title>" in page
    assert "OpenAI: lo stato peggiore di ciascuno degli ultimi 90 giorni" in page
    assert "rilevato a posteriori" in text
    assert "04/02/2026 19:15 → in corso" in text
    assert "90 giorni fa" in text
    assert "Ancora nessuna registrazione" in text
    assert "not watched" not in page


# --- offline, suspected problems and the API edge ------------------------------------------------


def test_offline_is_a_banner_and_every_error_reads_offline() -> None:
    snapshot = Snapshot((replace(_openai(), error="connection refused"), _local()), NOW, offline=True)
    page = render_details(snapshot, NOW)
    text = plain(page)
    assert '<p class="offline" role="status">' in page
    assert (
        "Offline — no status page or API could be reached; checking again when the network is back." in text
    )
    assert text.count("Could not read the status page: offline") == 2
    assert "connection refused" not in text
    assert "<title>trayapp — Offline</title>" in page
    set_language("it")
    italian = plain(render_details(snapshot, NOW))
    assert (
        "Offline — impossibile raggiungere le pagine di stato e le API;"
        " nuovo controllo al ritorno della rete." in italian
    )
    assert italian.count("Impossibile leggere la pagina di stato: offline") == 2
    online = render_details(full_snapshot(), NOW)
    assert 'class="offline"' not in online
    assert "Could not read the status page: offline" not in online


def _suspected(seen: str = "timeout, HTTP 503") -> ProviderView:
    return replace(
        _local(),
        state=State.OPERATIONAL,
        last_success_at=NOW,
        suspected=Suspicion(NOW - timedelta(minutes=57), 4, 5, seen),
    )


def test_a_suspected_problem_is_its_own_line_and_never_an_outage() -> None:
    page = render_details(Snapshot((_suspected(),), NOW), NOW)
    line = (
        "Since 19:10: the API failed 4 of the last 5 checks"
        " (timeout, HTTP 503). The status page still says all is well."
    )
    assert f'<p class="suspected" role="note">{line}</p>' in page
    assert "outage" not in line
    assert ".suspected {" in page, "styled apart from errors and incidents"
    assert "the API failed" not in render_details(full_snapshot(), NOW)
    set_language("it")
    italian = plain(render_details(Snapshot((_suspected(),), NOW), NOW))
    assert (
        "Dalle 19:10: falliti 4 degli ultimi 5 controlli dell'API (timeout, HTTP 503)."
        " La pagina di stato indica ancora che è tutto regolare." in italian
    )


def test_a_suspected_problem_is_escaped() -> None:
    page = render_details(Snapshot((_suspected(HOSTILE_INCIDENT),), NOW), NOW)
    assert HOSTILE_INCIDENT not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def _probed(probe: ProbeView) -> str:
    return plain(render_details(Snapshot((replace(_local(), probe=probe),), NOW), NOW))


def test_the_api_edge_line_says_what_the_probe_saw() -> None:
    failing = NOW - timedelta(minutes=3)
    assert "API servers: answering (HTTP 401 in 120 ms)" in _probed(
        ProbeView(True, True, 120.0, None, "HTTP 401 in 120 ms")
    )
    assert "API servers: not answering (timeout), failing since 20:04" in _probed(
        ProbeView(True, False, None, failing, "timeout")
    )
    assert "API servers: answering badly (HTTP 503 in 80 ms)" in _probed(
        ProbeView(True, False, 80.0, None, "HTTP 503 in 80 ms")
    )
    assert "API servers: not checked yet" in _probed(ProbeView(True, detail="not checked yet"))
    assert "API servers" not in _probed(ProbeView())
    page = render_details(
        Snapshot((replace(_local(), probe=ProbeView(True, False, None, None, "<b>x</b>")),), NOW), NOW
    )
    assert "<b>x</b>" not in page
    set_language("it")
    assert "Server API: rispondono (HTTP 401 in 120 ms)" in _probed(
        ProbeView(True, True, 120.0, None, "HTTP 401 in 120 ms")
    )
    assert "Server API: non rispondono (timeout), in errore dalle 20:04" in _probed(
        ProbeView(True, False, None, failing, "timeout")
    )
    assert "Server API: non ancora controllati" in _probed(ProbeView(True, detail="not checked yet"))


# --- shell/details.py ----------------------------------------------------------------------------


def test_write_details_goes_to_the_cache_dir_atomically_and_privately() -> None:
    path = details.write_details(full_snapshot(), NOW)
    assert path == paths.cache_dir() / "details.html"
    assert str(path).startswith(str(Path.home()))  # conftest's tmp home, never the real one
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "OpenAI" in path.read_text(encoding="utf-8")
    details.write_details(Snapshot(), NOW)
    assert "No provider is being watched yet." in path.read_text(encoding="utf-8")
    assert [p.name for p in path.parent.iterdir()] == ["details.html"]


class _FakeBrowser:
    def __init__(self, result: bool = True) -> None:
        self.opened: list[str] = []
        self.result = result

    def __call__(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        self.opened.append(url)
        return self.result


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> _FakeBrowser:
    fake = _FakeBrowser()
    monkeypatch.setattr(webbrowser, "open", fake)
    return fake


def test_open_url_opens_http_links(browser: _FakeBrowser) -> None:
    assert details.open_url("https://status.openai.com/incidents/1")
    assert browser.opened == ["https://status.openai.com/incidents/1"]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "/tmp/details.html",
        "mailto:a@b.example",
        "smb://host/share",
        "https://",
    ],
)
def test_open_url_refuses_everything_else(
    url: str, browser: _FakeBrowser, caplog: pytest.LogCaptureFixture
) -> None:
    assert not details.open_url(url)
    assert browser.opened == []
    assert "refused to open" in caplog.text


def test_open_details_opens_the_page_in_the_cache_dir(browser: _FakeBrowser) -> None:
    path = details.write_details(full_snapshot(), NOW)
    assert details.open_details(path)
    assert browser.opened == [path.resolve().as_uri()]


def test_open_url_refuses_files_outside_the_cache_dir_even_via_dotdot(
    browser: _FakeBrowser, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.html"
    outside.write_text("<p>hi</p>", encoding="utf-8")
    sneaky = (paths.cache_dir() / ".." / ".." / ".." / "outside.html").as_uri()
    assert not details.open_details(outside)
    assert not details.open_url(sneaky)
    assert not details.open_url((paths.cache_dir() / "missing.html").as_uri())
    assert browser.opened == []


def test_open_url_reports_when_no_browser_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webbrowser, "open", _FakeBrowser(result=False))
    assert not details.open_url("https://status.openai.com")


# --- the history on the page ---------------------------------------------------------------------


@pytest.fixture
def history_page() -> str:
    return render_details(full_snapshot(), NOW, history=sample_history(NOW))


def test_history_charts_are_images_with_titles_descriptions_and_unique_ids(history_page: str) -> None:
    elements = parse(history_page).tags
    ids = [attrs["id"] for _, attrs in elements if "id" in attrs]
    assert len(ids) == len(set(ids)), "ids are unique on the page"
    labelled = {attrs["id"]: tag for tag, attrs in elements if "id" in attrs}
    charts = [attrs for tag, attrs in elements if tag == "svg"]
    # OpenAI: bars (90 and 30 days) and incidents (90 and 30 days); Anthropic: its only incident is
    # older than 30 days, so three charts; the two providers without history: none.
    assert len(charts) == 7
    for attrs in charts:
        assert attrs["role"] == "img"
        title_id, desc_id = (attrs["aria-labelledby"] or "").split()
        assert (labelled[title_id], labelled[desc_id]) == ("title", "desc")
    bars = [attrs for attrs in charts if attrs["class"] == "bars"]
    assert [attrs["viewbox"] for attrs in bars] == ["0 0 898 32", "0 0 298 32"] * 2


def test_every_day_and_incident_in_a_chart_has_its_own_tooltip(history_page: str) -> None:
    openai = history_page.split('aria-label="OpenAI"', 1)[1].split("</section>", 1)[0]
    long_bars = openai.split('<svg class="bars"', 2)[1]
    assert long_bars.count("<rect ") == 90
    assert long_bars.count("<title>") == 90
    assert "<title>2026-02-04: partial outage (partial outage: 52 min)</title>" in long_bars
    assert "<title>2026-01-09: not watched</title>" in long_bars
    assert "<title>2026-01-08: operational (not watched: 4 h 52 min)</title>" in long_bars
    assert "<title>2026-01-23: unknown (unknown: 2 h)</title>" in long_bars
    assert f'fill="{STATE_COLOURS[State.PARTIAL]}"' in long_bars
    assert 'class="nodata"' in long_bars
    timeline = openai.split('<svg class="timeline"', 1)[1].split("</svg>", 1)[0]
    assert "Elevated error rates for ChatGPT conversations — partial outage — 2026-02-04 19:15 → ongoing" in (
        timeline
    )
    assert 'class="incident open"' in timeline


def test_the_charts_are_said_in_text_too(history_page: str) -> None:
    text = " ".join(parse(history_page).text)
    assert "History bars: one per day, the worst state trayapp saw that day." in text
    # 19.9 h of trouble and 2 h unreachable in 2083 h observed (89 days and 19 h, less 3 days away)
    assert (
        "Operational 98.95\u00a0% of the observed time in the last 90 days (unknown 0.10\u00a0%),"
        " 98.23\u00a0% in the last 30 days." in text
    )
    assert "Uptime per component (operational, counting only the time its status page could be read)" in text
    assert "APIs / Chat Completions" in text
    assert "Increased latency for the Responses API — partial outage — 2026-01-27 08:07 → " in text
    assert "2026-01-27 09:37 (1 h 30 min)" in text
    assert "Degraded performance of file uploads" in text
    assert "seen after the fact" in text
    assert text.count("Nothing recorded yet: the history fills in while trayapp runs.") == 2


def test_history_adds_only_safe_links_and_loads_nothing(history_page: str) -> None:
    elements = parse(history_page).tags
    hrefs = {attrs["href"] or "" for tag, attrs in elements if tag == "a"}
    assert "https://status.openai.com/incidents/01K77" in hrefs
    assert all(href.startswith(("https://", "http://127.0.0.1")) for href in hrefs)
    for tag, attrs in elements:
        assert "src" not in attrs
        assert "xlink:href" not in attrs
        if tag != "a":
            assert "href" not in attrs, tag
    assert "url(" not in history_page
    assert "<script" not in history_page
    assert "<foreignobject" not in history_page.lower()


def test_history_follows_dark_mode(history_page: str) -> None:
    dark = history_page.split("@media (prefers-color-scheme: dark)")
    assert any("--nodata" in part.split("}", 2)[0] + part.split("}", 2)[1] for part in dark[1:])
    assert "svg .nodata { fill: var(--nodata); }" in history_page


def test_hostile_text_in_the_history_stays_text() -> None:
    hostile = ProviderView(id="evil", name=HOSTILE_PROVIDER, page="https://evil.example", state=State.MAJOR)
    page = render_details(Snapshot((hostile,), NOW), NOW, history=hostile_history(NOW))
    assert HOSTILE_NAME not in page
    assert "&lt;img src=x onerror=" in page
    tags = {tag for tag, _ in parse(page).tags}
    assert "img" not in tags
    assert "script" not in tags
    hrefs = [attrs.get("href") or "" for tag, attrs in parse(page).tags if tag == "a"]
    assert not any(href.startswith("javascript:") for href in hrefs)


def test_without_history_the_page_has_no_history_block(page: str) -> None:
    assert "<svg" not in page
    assert "History bars" not in page


def test_write_details_reads_the_recorded_history() -> None:
    recorder = HistoryRecorder(paths.history_file())
    for minute in range(0, 60, 5):
        recorder.record(PollRecord("openai", NOW - timedelta(minutes=60 - minute), State.OPERATIONAL))
    recorder.close()
    path = details.write_details(full_snapshot(), NOW)
    text = path.read_text(encoding="utf-8")
    openai = text.split('aria-label="OpenAI"', 1)[1].split("</section>", 1)[0]
    assert '<svg class="bars"' in openai
    assert "Operational 100.00\u00a0% of the observed time in the last 90 days" in openai
    anthropic = text.split('aria-label="Anthropic"', 1)[1].split("</section>", 1)[0]
    assert "Nothing recorded yet" in anthropic


def test_an_unreadable_history_never_stops_the_page(caplog: pytest.LogCaptureFixture) -> None:
    history = paths.history_file()
    history.parent.mkdir(parents=True, exist_ok=True)
    history.write_bytes(b"garbage " * 200)
    path = details.write_details(full_snapshot(), NOW)
    assert "OpenAI" in path.read_text(encoding="utf-8")
    assert "the details page shows no history" in caplog.text
    assert history.read_bytes() == b"garbage " * 200, "the page only reads the history"
