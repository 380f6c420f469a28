"""The details page in a real browser: headless Chromium reads it, runs nothing, draws it.

Chromium is required (CI installs it): these tests fail, never skip, when it is missing.
`TRAYAPP_DOCS_SCREENSHOT=docs/details-page.png pytest tests/e2e/test_details_browser.py`
also copies the screenshot of the realistic page there, for the README, and
`TRAYAPP_HISTORY_SCREENSHOT=docs/history.png` the history charts, and
`TRAYAPP_DOCS_SCREENSHOT_IT=docs/details-page-it.png` the page in Italian.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import cast

import pytest
from PIL import Image

from tests.support.history_sample import sample_history
from tests.support.server import StatusServer
from trayapp.core.details_page import STATE_COLOURS, render_details
from trayapp.i18n import set_language
from trayapp.model import Component, Incident, ProviderView, Snapshot, State
from trayapp.shell.details import write_details

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
NOW = datetime(2026, 2, 4, 19, 2, 11, tzinfo=UTC)
PWNED_IMG = "<img src=x onerror=\"document.title='pwned'\">"
PWNED_SCRIPT = "<script>document.title='pwned'</script>"
PWNED_SVG = "<svg onload=\"document.title='pwned'\"></svg>"


def realistic_snapshot() -> Snapshot:
    """OpenAI in a partial outage, Anthropic operational: what the README shows."""
    openai = ProviderView(
        id="openai",
        name="OpenAI",
        page="https://status.openai.com",
        state=State.PARTIAL,
        components=(
            Component("Chat Completions", State.OPERATIONAL, group="APIs"),
            Component("Responses", State.DEGRADED, group="APIs"),
            Component("Realtime", State.OPERATIONAL, group="APIs"),
            Component("Embeddings", State.OPERATIONAL, group="APIs"),
            Component("Login", State.OPERATIONAL, group="ChatGPT"),
            Component("Conversations", State.PARTIAL, group="ChatGPT"),
            Component("Voice mode", State.PARTIAL, group="ChatGPT"),
            Component("File uploads", State.OPERATIONAL, group="ChatGPT"),
            Component("Sora", State.OPERATIONAL),
            Component("Playground", State.OPERATIONAL),
        ),
        incidents=(
            Incident(
                id="01KGMZ7Q",
                name="Elevated error rates for ChatGPT conversations",
                impact=State.PARTIAL,
                status="identified",
                url="https://status.openai.com/incidents/01KGMZ7Q",
                started_at=NOW - timedelta(minutes=52),
                updated_at=NOW - timedelta(minutes=9),
                latest_update=(
                    "We have identified the cause of elevated error rates for ChatGPT conversations "
                    "and voice mode, and are rolling out a fix. Some Responses API requests may also "
                    "see increased latency."
                ),
                components=("Conversations", "Voice mode", "Responses"),
            ),
        ),
        checked_at=NOW,
        last_success_at=NOW,
    )
    anthropic = ProviderView(
        id="anthropic",
        name="Anthropic",
        page="https://status.anthropic.com",
        state=State.OPERATIONAL,
        components=(
            Component("claude.ai", State.OPERATIONAL),
            Component("Claude Console", State.OPERATIONAL),
            Component("Claude API", State.OPERATIONAL),
            Component("Claude Code", State.OPERATIONAL),
        ),
        upcoming=(
            Incident(
                id="sched-1",
                name="Scheduled maintenance of the Claude Console",
                impact=State.MAINTENANCE,
                status="scheduled",
                url="https://status.anthropic.com/incidents/sched-1",
                started_at=NOW + timedelta(days=1, hours=3),
                is_maintenance=True,
            ),
        ),
        checked_at=NOW,
        last_success_at=NOW - timedelta(seconds=40),
    )
    return Snapshot((openai, anthropic), NOW)


def hostile_snapshot() -> Snapshot:
    """Markup everywhere a status page can put text."""
    base = realistic_snapshot()
    evil_incident = Incident(
        id="evil",
        name=PWNED_IMG,
        impact=State.MAJOR,
        status="investigating",
        url="javascript:document.title='pwned'",
        started_at=NOW - timedelta(minutes=3),
        latest_update=PWNED_SVG,
    )
    evil = ProviderView(
        id="evil",
        name=PWNED_SCRIPT,
        page="javascript:document.title='pwned'",
        state=State.MAJOR,
        components=(Component(PWNED_IMG, State.MAJOR, group=PWNED_SVG),),
        incidents=(evil_incident,),
        error=PWNED_SVG,
    )
    odd = ProviderView(id="odd", name="Ünïcødé & Co <b>bold</b>", page="https://status.odd.example")
    return Snapshot((*base.providers, evil, odd), NOW)


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.text: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(name for name, _ in attrs)
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_title:
            self.title += data


def chromium(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with no network chatter and a throwaway profile."""
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install chromium"
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        *arguments,
    ]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        env={**os.environ, "LANG": "C.UTF-8"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def dump_dom(tmp_path: Path, page: Path) -> _Dom:
    result = chromium(tmp_path, "--dump-dom", page.as_uri())
    dom = _Dom()
    dom.feed(result.stdout)
    dom.close()
    assert "html" in dom.tags, result.stdout[:500]
    assert "body" in dom.tags, result.stdout[:500]
    return dom


def screenshot(tmp_path: Path, page: Path, *extra: str, size: str = "1200,1600") -> Image.Image:
    shot = tmp_path / f"shot-{len(list(tmp_path.glob('shot-*.png')))}.png"
    chromium(tmp_path, f"--screenshot={shot}", f"--window-size={size}", *extra, page.as_uri())
    assert shot.is_file()
    assert shot.stat().st_size > 5000
    image = Image.open(shot).convert("RGB")
    image.load()
    image.info["path"] = str(shot)
    return image


def pixel(image: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    red, green, blue = cast("tuple[int, int, int]", image.getpixel((x, y)))
    return red, green, blue


def has_colour(image: Image.Image, hex_colour: str, tolerance: int = 12, at_least: int = 20) -> bool:
    target = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    colours = cast("list[tuple[int, tuple[int, int, int]]]", image.getcolors(maxcolors=1 << 22) or [])
    count = sum(
        n for n, rgb in colours if all(abs(a - b) <= tolerance for a, b in zip(rgb, target, strict=True))
    )
    return count >= at_least


def test_hostile_names_stay_text_in_the_browser_and_nothing_runs(tmp_path: Path) -> None:
    page = write_details(hostile_snapshot(), NOW, directory=tmp_path / "cache")
    dom = dump_dom(tmp_path, page)
    text = " ".join(dom.text)
    for name in ("OpenAI", "Anthropic", PWNED_SCRIPT, "Ünïcødé & Co <b>bold</b>"):
        assert name in text, name
    assert PWNED_IMG in text
    assert PWNED_SVG in text
    assert not {"img", "script", "svg", "b", "iframe"} & set(dom.tags)
    assert not {"onerror", "onload", "src"} & set(dom.attributes)
    assert dom.title == "trayapp — Major outage"


def test_escaping_alone_suffices_even_without_the_csp(tmp_path: Path) -> None:
    # Defence in depth: with the Content-Security-Policy removed, nothing may run either.
    html = render_details(hostile_snapshot(), NOW)
    csp = '<meta http-equiv="Content-Security-Policy"'
    assert csp in html
    page = tmp_path / "no-csp.html"
    page.write_text(html.replace(csp, "<meta"), encoding="utf-8")
    dom = dump_dom(tmp_path, page)
    assert dom.title != "pwned"
    assert dom.title.startswith("trayapp")
    assert not {"img", "script", "svg"} & set(dom.tags)


def test_realistic_page_is_drawn_with_the_contract_colours(tmp_path: Path) -> None:
    page = write_details(realistic_snapshot(), NOW, directory=tmp_path / "cache")
    dom = dump_dom(tmp_path, page)
    text = " ".join(dom.text)
    for words in ("OpenAI", "Anthropic", "Elevated error rates for ChatGPT conversations", "Claude Code"):
        assert words in text
    image = screenshot(tmp_path, page)
    assert image.size == (1200, 1600)
    assert len(image.getcolors(maxcolors=1 << 22) or []) > 50  # not blank
    assert pixel(image, 3, 3) == (255, 255, 255)  # light by default
    for state in (State.PARTIAL, State.DEGRADED, State.OPERATIONAL, State.MAINTENANCE):
        assert has_colour(image, STATE_COLOURS[state]), state
    target = os.environ.get("TRAYAPP_DOCS_SCREENSHOT")
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(image.info["path"], target)


def test_dark_mode_is_dark(tmp_path: Path) -> None:
    page = write_details(realistic_snapshot(), NOW, directory=tmp_path / "cache")
    image = screenshot(tmp_path, page, "--force-dark-mode", size="1000,700")
    red, green, blue = pixel(image, 3, 3)
    assert max(red, green, blue) < 60
    assert has_colour(image, STATE_COLOURS[State.PARTIAL])


class _Lang(_Dom):
    """The DOM, plus the <html lang> attribute and the text of each <h3>."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.headings: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        super().handle_starttag(tag, attrs)
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        if tag == "h3":
            self._in_heading = True
            self.headings.append("")

    def handle_endtag(self, tag: str) -> None:
        super().handle_endtag(tag)
        if tag == "h3":
            self._in_heading = False

    def handle_data(self, data: str) -> None:
        super().handle_data(data)
        if self._in_heading:
            self.headings[-1] += data


def test_the_italian_page_renders_with_lang_it_and_italian_headings(tmp_path: Path) -> None:
    set_language("it")
    page = write_details(realistic_snapshot(), NOW, directory=tmp_path / "cache", history=sample_history(NOW))
    result = chromium(tmp_path, "--dump-dom", page.as_uri())
    dom = _Lang()
    dom.feed(result.stdout)
    dom.close()
    assert dom.lang == "it"
    assert dom.title.startswith("trayapp — Interruzione parziale")  # then the charts' <title>s
    headings = [heading.strip() for heading in dom.headings]
    for heading in ("Incidenti in corso", "Manutenzione programmata", "Componenti"):
        assert heading in headings, headings
    assert any(heading.startswith("Cronologia") for heading in headings), headings
    text = " ".join(dom.text)
    assert "Nessun incidente in corso." in text
    assert "prestazioni ridotte" in text
    assert "Incidenti recenti" in text
    for english in ("Active incidents", "Components", "Recent incidents", "Last check"):
        assert english not in text, english
    image = screenshot(tmp_path, page, size="1200,1600")
    assert has_colour(image, STATE_COLOURS[State.PARTIAL])
    target = os.environ.get("TRAYAPP_DOCS_SCREENSHOT_IT")
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(image.info["path"], target)


# --- the history charts --------------------------------------------------------------------------


def history_page(tmp_path: Path) -> Path:
    return write_details(realistic_snapshot(), NOW, directory=tmp_path / "cache", history=sample_history(NOW))


def trapped_chromium(tmp_path: Path, trap: StatusServer, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Chromium whose every request, loopback included, goes to `trap` as a proxy.

    Chromium's own clock check is switched off: only what the page asks for reaches the trap.
    """
    return chromium(
        tmp_path,
        f"--proxy-server={trap.url}",
        "--proxy-bypass-list=<-loopback>",
        "--disable-features=NetworkTimeServiceQuerying",
        *arguments,
    )


def test_history_charts_render_with_text_alternatives_and_no_request(
    tmp_path: Path, server: StatusServer
) -> None:
    page = history_page(tmp_path)
    result = trapped_chromium(tmp_path, server, "--dump-dom", page.as_uri())
    dom = _Dom()
    dom.feed(result.stdout)
    text = " ".join(dom.text)
    assert dom.tags.count("svg") == 7
    assert dom.tags.count("rect") >= 2 * (90 + 30)
    assert "OpenAI: the worst state of each of the last 90 days" in text  # the charts' <title>s
    assert "2026-01-09: not watched" in text
    assert "Operational 98.95\u00a0% of the observed time in the last 90 days" in text
    assert "role" in dom.attributes
    assert "aria-labelledby" in dom.attributes
    assert server.requests == [], "the page asked for nothing"


def test_the_request_trap_would_catch_a_request(tmp_path: Path, server: StatusServer) -> None:
    # The control for the test above: a page that does load something is caught by the trap.
    page = tmp_path / "leaky.html"
    page.write_text('<p>x</p><img src="http://leak.example/pixel.png">', encoding="utf-8")
    trapped_chromium(tmp_path, server, "--dump-dom", page.as_uri())
    assert [request.path for request in server.requests] == ["http://leak.example/pixel.png"]


def history_crop(image: Image.Image) -> Image.Image:
    """The first history block: from above its bars to below its incident list."""
    green = tuple(int(STATE_COLOURS[State.OPERATIONAL][i : i + 2], 16) for i in (1, 3, 5))
    for y in range(image.height):
        row = [pixel(image, x, y) for x in range(0, image.width, 2)]
        if sum(1 for rgb in row if rgb == green) > 150:  # a row through the daily bars
            return image.crop((100, max(0, y - 70), image.width - 100, min(image.height, y + 660)))
    raise AssertionError("no bars on the page")


def test_history_charts_are_drawn_in_the_state_colours_light_and_dark(tmp_path: Path) -> None:
    page = history_page(tmp_path)
    light = screenshot(tmp_path, page, size="1200,2600")
    crop = history_crop(light)
    for state in (
        State.OPERATIONAL,
        State.DEGRADED,
        State.PARTIAL,
        State.MAJOR,
        State.MAINTENANCE,
        State.UNKNOWN,
    ):
        assert has_colour(crop, STATE_COLOURS[state], tolerance=6, at_least=30), state
    assert has_colour(crop, "#d8dee4", tolerance=4, at_least=30), "not-watched days"
    dark = history_crop(screenshot(tmp_path, page, "--force-dark-mode", size="1200,2600"))
    assert max(pixel(dark, 3, 3)) < 60
    assert has_colour(dark, "#30363d", tolerance=4, at_least=30), "not-watched days, dark"
    assert has_colour(dark, STATE_COLOURS[State.OPERATIONAL], tolerance=6, at_least=30)
    narrow = screenshot(tmp_path, page, size="520,2600")
    assert has_colour(narrow, STATE_COLOURS[State.PARTIAL], tolerance=6)
    target = os.environ.get("TRAYAPP_HISTORY_SCREENSHOT")
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        crop.save(target, optimize=True)
