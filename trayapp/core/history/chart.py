"""Inline SVG charts of the history: daily bars and an incident timeline.

No script, no external reference: plain shapes with the contract's state colours, shapes for
"not watched" and the tracks drawn with the page's CSS variables (so they follow light and dark
mode). Every chart is an `img` with a <title> and a <desc> for assistive technology, and every
bar or incident carries its own <title> (a tooltip); the page also says it all in text.
All words are in the user's language, dates and times in the local time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from trayapp.core.history.figures import DayBar, IncidentRecord, local_date, local_stamp
from trayapp.core.markup import escape
from trayapp.core.text import as_utc, duration_words, state_phrase
from trayapp.i18n import N_, _, ngettext
from trayapp.model import STATE_COLOURS, State

BAR_WIDTH = 8
BAR_GAP = 2
BAR_HEIGHT = 32
TIMELINE_WIDTH = 1000
ROW_HEIGHT = 12
ROW_GAP = 5
MIN_INCIDENT_WIDTH = 3.0
MAX_TIMELINE_ROWS = 12

# User-facing words (translated where they are shown).
# Translators: a day or a stretch of time when trayapp was not running or not watching a provider.
NOT_WATCHED = N_("not watched")
# Translators: the end of an incident that is still open.
ONGOING = N_("ongoing")
# Translators: an incident that started and ended while trayapp was not running.
AFTER_THE_FACT = N_("seen after the fact")

CHART_CSS = """
:root { --nodata: #d8dee4; --track: #eaeef2; }
@media (prefers-color-scheme: dark) { :root { --nodata: #30363d; --track: #21262d; } }
svg.bars { display: block; width: 100%; height: 2.2rem; }
svg.timeline { display: block; width: 100%; }
svg .nodata { fill: var(--nodata); }
svg .track { fill: var(--track); }
svg .grid { stroke: var(--border); stroke-width: 1; }
svg .open { stroke: var(--fg); stroke-width: 1; stroke-dasharray: 3 2; }
"""


def _days(count: int) -> str:
    return ngettext("{count} day", "{count} days", count).format(count=count)


def _for(what: str, amount: str) -> str:
    # Translators: a state and for how long, e.g. "partial outage: 1 h 5 min", "operational: 85 days".
    return _("{state}: {amount}").format(state=what, amount=amount)


def day_words(bar: DayBar) -> str:
    """A day in words: `2026-02-03: partial outage (partial outage: 1 h 5 min, not watched: 8 h)`."""
    worst = bar.worst
    head = f"{local_date(bar.day)}: {state_phrase(worst) if worst is not None else _(NOT_WATCHED)}"
    parts = [
        _for(state_phrase(state), duration_words(seconds))
        for state, seconds in sorted(bar.seconds.items(), key=lambda item: item[0], reverse=True)
        if state != State.OPERATIONAL and seconds >= 1
    ]
    if worst is not None and bar.unobserved >= 60:
        parts.append(_for(_(NOT_WATCHED), duration_words(bar.unobserved)))
    return f"{head} ({', '.join(parts)})" if parts else head


def bars_summary(bars: Sequence[DayBar]) -> str:
    """How many days were in each worst state: `operational: 85 days, not watched: 2 days`."""
    counts: dict[State | None, int] = {}
    for bar in bars:
        counts[bar.worst] = counts.get(bar.worst, 0) + 1
    parts = [_for(state_phrase(state), _days(counts[state])) for state in State if counts.get(state)]
    if counts.get(None):
        parts.append(_for(_(NOT_WATCHED), _days(counts[None])))
    return ", ".join(parts)


def _fill(state: State | None) -> str:
    if state is None:
        return 'class="nodata"'
    return f'fill="{STATE_COLOURS[state]}" class="s-fill-{state.label}"'


def bars_svg(bars: Sequence[DayBar], chart_id: str, title: str) -> str:
    """One bar per day in the colour of its worst state; `chart_id` must be unique on the page."""
    width = max(1, len(bars) * (BAR_WIDTH + BAR_GAP) - BAR_GAP)
    rects = "".join(
        f'<rect x="{index * (BAR_WIDTH + BAR_GAP)}" y="0" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" '
        f'rx="1.5" {_fill(bar.worst)}><title>{escape(day_words(bar))}</title></rect>'
        for index, bar in enumerate(bars)
    )
    chart = escape(chart_id)
    return (
        f'<svg class="bars" viewBox="0 0 {width} {BAR_HEIGHT}" preserveAspectRatio="none" role="img" '
        f'aria-labelledby="{chart}-t {chart}-d">'
        f'<title id="{chart}-t">{escape(title)}</title>'
        f'<desc id="{chart}-d">{escape(bars_summary(bars))}</desc>'
        f"{rects}</svg>"
    )


def incident_words(incident: IncidentRecord, now: datetime) -> str:
    """An incident in one line: name, impact, start → end (local time) and duration."""
    end = local_stamp(incident.resolved_at) if incident.resolved_at is not None else _(ONGOING)
    words = (
        f"{incident.name} — {state_phrase(incident.impact)} — {local_stamp(incident.started_at)} → {end} "
        f"({duration_words(incident.duration(now))})"
    )
    return f"{words} — {_(AFTER_THE_FACT)}" if incident.seen_after_the_fact else words


def timeline_description(count: int) -> str:
    """The text alternative of an incident timeline of `count` incidents."""
    return ngettext(
        "{count} incident; the list below gives its start, end and duration.",
        "{count} incidents; the list below gives each one's start, end and duration.",
        count,
    ).format(count=count)


def timeline_svg(
    incidents: Sequence[IncidentRecord], since: datetime, until: datetime, chart_id: str, title: str
) -> str:
    """One row per incident (newest first) over [since, until], weekly grid lines; '' when none."""
    since, until = as_utc(since), as_utc(until)
    span = (until - since).total_seconds()
    shown = [i for i in incidents if i.overlaps(since, until)][:MAX_TIMELINE_ROWS]
    if not shown or span <= 0:
        return ""

    def x(moment: datetime) -> float:
        seconds = (min(max(as_utc(moment), since), until) - since).total_seconds()
        return round(TIMELINE_WIDTH * seconds / span, 2)

    height = len(shown) * (ROW_HEIGHT + ROW_GAP) - ROW_GAP
    weeks = int(span // (7 * 86400))
    grid = "".join(
        f'<line class="grid" x1="{x1}" x2="{x1}" y1="0" y2="{height}" vector-effect="non-scaling-stroke"/>'
        for x1 in (
            round(TIMELINE_WIDTH - TIMELINE_WIDTH * 7 * 86400 * n / span, 2) for n in range(1, weeks + 1)
        )
    )
    tracks = "".join(
        f'<rect class="track" x="0" y="{row * (ROW_HEIGHT + ROW_GAP)}" width="{TIMELINE_WIDTH}" '
        f'height="{ROW_HEIGHT}"/>'
        for row in range(len(shown))
    )
    rows = []
    for row, incident in enumerate(shown):
        y = row * (ROW_HEIGHT + ROW_GAP)
        start = x(incident.started_at)
        end = x(incident.resolved_at or until)
        width = max(MIN_INCIDENT_WIDTH, end - start)
        start = min(start, TIMELINE_WIDTH - width)
        open_class = " open" if incident.resolved_at is None else ""
        rows.append(
            f'<rect x="{start}" y="{y}" width="{round(width, 2)}" height="{ROW_HEIGHT}" '
            f'fill="{STATE_COLOURS[incident.impact]}" class="incident{open_class}" '
            f'vector-effect="non-scaling-stroke">'
            f"<title>{escape(incident_words(incident, until))}</title></rect>"
        )
    chart = escape(chart_id)
    return (
        f'<svg class="timeline" viewBox="0 0 {TIMELINE_WIDTH} {height}" height="{height}" '
        f'preserveAspectRatio="none" role="img" aria-labelledby="{chart}-t {chart}-d">'
        f'<title id="{chart}-t">{escape(title)}</title>'
        f'<desc id="{chart}-d">{escape(timeline_description(len(shown)))}</desc>'
        f"{tracks}{grid}{''.join(rows)}</svg>"
    )
