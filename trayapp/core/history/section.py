"""The history part of the details page: per provider, daily bars, uptime, recent incidents and
suspected problems.

Wide windows show LONG_DAYS days, narrow ones SHORT_DAYS (CSS picks one; no script). Every
chart is said again in text next to it: the uptime figures, the components' table and the list
of incidents with their durations. Suspected problems (trayapp's probes failing while the page
said all was well) are listed apart, in text only: they are not the page's story and take
nothing off its uptime. Every word is translated when the page is rendered.
"""

from __future__ import annotations

from datetime import datetime

from trayapp.core.history.chart import CHART_CSS, NOT_WATCHED, bars_svg, incident_words, timeline_svg
from trayapp.core.history.figures import LONG_DAYS, SHORT_DAYS, ProviderHistory, local_percent
from trayapp.core.history.suspected import suspected_line
from trayapp.core.markup import escape, safe_url
from trayapp.core.text import state_phrase
from trayapp.i18n import N_, _, ngettext
from trayapp.model import STATE_COLOURS, State

# Components beyond this many are folded into a <details> element.
FOLD_COMPONENTS_OVER = 8
MAX_LISTED_INCIDENTS = 10

# User-facing words (translated where they are shown).
# Translators: the heading of a provider's history on the details page.
HEADING = N_("History")
# Translators: after the "History" heading: the history is trayapp's own record, not the page's.
HEADING_NOTE = N_("what trayapp itself saw")
NOTHING_YET = N_("Nothing recorded yet: the history fills in while trayapp runs.")
# Translators: the right end of a chart's time axis.
TODAY = N_("today")
COMPONENTS_CAPTION = N_(
    "Uptime per component (operational, counting only the time its status page could be read)"
)
# Translators: a column heading of the uptime table.
COMPONENT_COLUMN = N_("Component")
INCIDENTS_HEADING = N_("Recent incidents")
# Translators: the heading of the list of spells when trayapp's probes failed while the status
# page said all was well (never call them outages).
SUSPECTED_HEADING = N_("Possible unreported problems")
VIEW_INCIDENT = N_("View incident")
LEGEND_TITLE = N_("History bars: one per day, the worst state trayapp saw that day.")
LEGEND_NOT_WATCHED = NOT_WATCHED

HISTORY_CSS = (
    CHART_CSS
    + """
.history { margin-top: 1rem; border-top: 1px solid var(--border); padding-top: .5rem; }
.axis { display: flex; justify-content: space-between; font-size: .8rem; color: var(--muted); }
.span-short { display: none; }
@media (max-width: 40rem) { .span-long { display: none; } .span-short { display: block; } }
table.uptime { border-collapse: collapse; margin: .4rem 0; font-size: .9rem; }
table.uptime { min-width: min(100%, 30rem); }
table.uptime caption { text-align: left; color: var(--muted); padding-bottom: .2rem; }
table.uptime th, table.uptime td { padding: .15rem .8rem .15rem 0; text-align: left; }
table.uptime td.pct, table.uptime th.pct { text-align: right; font-variant-numeric: tabular-nums; }
ol.past { padding-left: 1.4rem; }
.legend { display: flex; flex-wrap: wrap; gap: .2rem 1rem; font-size: .85rem; list-style: none; padding: 0; }
.swatch { display: inline-block; width: .7em; height: 1em; margin-right: .3em; vertical-align: -0.1em;
  border-radius: 2px; }
.swatch.nodata { background: var(--nodata); }
"""
)


def uptime_words(history: ProviderHistory) -> str:
    """The provider's uptime in a sentence: the long span, its unknown share, the short span."""
    long, short = history.long, history.short
    if long.observed <= 0:
        return ngettext(
            "Nothing observed in the last day.", "Nothing observed in the last {days} days.", LONG_DAYS
        ).format(days=LONG_DAYS)
    pct, days = local_percent(long.operational_pct), LONG_DAYS
    if long.unknown > 0:
        # Translators: {pct} is "98.95 %", {unknown} is "0.10 %", {days} is 90.
        words = ngettext(
            "Operational {pct} of the observed time in the last day (unknown {unknown})",
            "Operational {pct} of the observed time in the last {days} days (unknown {unknown})",
            days,
        ).format(pct=pct, days=days, unknown=local_percent(long.unknown_pct))
    else:
        # Translators: {pct} is "98.95 %", {days} is 90.
        words = ngettext(
            "Operational {pct} of the observed time in the last day",
            "Operational {pct} of the observed time in the last {days} days",
            days,
        ).format(pct=pct, days=days)
    if short.observed > 0:
        # Translators: follows "Operational 98.95 % of the observed time in the last 90 days";
        # {pct} is "98.23 %", {days} is 30.
        words = ngettext(
            "{before}, {pct} in the last day", "{before}, {pct} in the last {days} days", SHORT_DAYS
        ).format(before=words, pct=local_percent(short.operational_pct), days=SHORT_DAYS)
    return words + "."


def _days_column(days: int) -> str:
    # Translators: a column heading of the uptime table: the last {days} days.
    return ngettext("{days} day", "{days} days", days).format(days=days)


def _days_ago(days: int) -> str:
    # Translators: the left end of a chart's time axis.
    return ngettext("{days} day ago", "{days} days ago", days).format(days=days)


def legend_html() -> str:
    """The colours of the bars, in words (shown once, above the providers)."""
    items = "".join(
        f'<li><span class="swatch" style="background: {STATE_COLOURS[state]}" aria-hidden="true"></span>'
        f"{escape(state_phrase(state))}</li>"
        for state in State
    )
    items += f'<li><span class="swatch nodata" aria-hidden="true"></span>{escape(_(LEGEND_NOT_WATCHED))}</li>'
    return f'<p class="muted">{escape(_(LEGEND_TITLE))}</p><ul class="legend">{items}</ul>'


def _span(days: int, css: str, chart: str) -> str:
    axis = f"<span>{escape(_days_ago(days))}</span><span>{escape(_(TODAY))}</span>"
    return f'<div class="{css}">{chart}<div class="axis" aria-hidden="true">{axis}</div></div>'


def _components_html(history: ProviderHistory) -> str:
    if not history.components:
        return ""
    rows = "".join(
        f'<tr><td>{escape(part.name)}</td><td class="pct">{local_percent(part.short.operational_pct)}</td>'
        f'<td class="pct">{local_percent(part.long.operational_pct)}</td></tr>'
        for part in history.components
    )
    table = (
        f'<table class="uptime"><caption>{escape(_(COMPONENTS_CAPTION))}</caption><thead><tr>'
        f'<th scope="col">{escape(_(COMPONENT_COLUMN))}</th>'
        f'<th scope="col" class="pct">{escape(_days_column(SHORT_DAYS))}</th>'
        f'<th scope="col" class="pct">{escape(_days_column(LONG_DAYS))}</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )
    if len(history.components) > FOLD_COMPONENTS_OVER:
        count = len(history.components)
        summary = escape(
            ngettext("Uptime of {count} component", "Uptime of {count} components", count).format(count=count)
        )
        return f"<details><summary>{summary}</summary>{table}</details>"
    return table


def _incident_item(history: ProviderHistory, index: int, now: datetime) -> str:
    incident = history.incidents[index]
    dot = f'<span class="dot s-{incident.impact.label}" aria-hidden="true"></span>'
    link = ""
    url = safe_url(incident.url)
    if url is not None:
        label = escape(_(VIEW_INCIDENT))
        link = f' <a href="{escape(url)}" rel="noopener noreferrer" target="_blank">{label}</a>'
    return f"<li>{dot}{escape(incident_words(incident, now))}{link}</li>"


def _incidents_html(name: str, history: ProviderHistory, now: datetime, chart_id: str) -> str:
    head = f"<h4>{escape(_(INCIDENTS_HEADING))}</h4>"
    if not history.incidents:
        none = ngettext("No incidents in the last day.", "No incidents in the last {days} days.", LONG_DAYS)
        return f"{head}<p class='muted'>{escape(none.format(days=LONG_DAYS))}</p>"
    charts = []
    for days, css, since in (
        (LONG_DAYS, "span-long", history.long_since),
        (SHORT_DAYS, "span-short", history.short_since),
    ):
        # Translators: the title of a chart; {name} is the provider's name.
        title = ngettext(
            "{name}: incidents of the last day", "{name}: incidents of the last {days} days", days
        ).format(name=name, days=days)
        chart = timeline_svg(history.incidents, since or now, now, f"{chart_id}-i{days}", title)
        if chart:
            charts.append(_span(days, css, chart))
    listed = min(len(history.incidents), MAX_LISTED_INCIDENTS)
    items = "".join(_incident_item(history, index, now) for index in range(listed))
    more = _more_html(history, len(history.incidents) - listed) if len(history.incidents) > listed else ""
    return f'{head}{"".join(charts)}<ol class="past">{items}</ol>{more}'


def _more_html(history: ProviderHistory, more_count: int) -> str:
    # Translators: below a list of recent incidents or suspected problems; keep the command as it is.
    words = ngettext(
        "{count} more: see `trayapp history --provider {provider} --since {days}d`.",
        "{count} more: see `trayapp history --provider {provider} --since {days}d`.",
        more_count,
    ).format(count=more_count, provider=history.provider, days=LONG_DAYS)
    return f"<p class='muted'>{escape(words)}</p>"


def _suspected_html(history: ProviderHistory, now: datetime) -> str:
    """The suspected problems of the long span, newest first ('' when there were none)."""
    if not history.suspected:
        return ""
    listed = history.suspected[:MAX_LISTED_INCIDENTS]
    items = "".join(f"<li>{escape(suspected_line(period, now))}</li>" for period in listed)
    more = (
        _more_html(history, len(history.suspected) - len(listed))
        if len(history.suspected) > len(listed)
        else ""
    )
    return f'<h4>{escape(_(SUSPECTED_HEADING))}</h4><ol class="past suspected-past">{items}</ol>{more}'


def history_html(name: str, history: ProviderHistory | None, now: datetime, chart_id: str) -> str:
    """One provider's history block; `chart_id` makes its charts' ids unique on the page."""
    heading = f'<h3>{escape(_(HEADING))} <span class="muted">— {escape(_(HEADING_NOTE))}</span></h3>'
    block = f'<div class="history" id="{escape(chart_id)}">{heading}'
    if history is None or not history.observed_anything:
        return f'{block}<p class="muted">{escape(_(NOTHING_YET))}</p></div>'
    spans = []
    for days, css in ((LONG_DAYS, "span-long"), (SHORT_DAYS, "span-short")):
        # Translators: the title of a chart; {name} is the provider's name.
        title = ngettext(
            "{name}: the worst state of the last day",
            "{name}: the worst state of each of the last {days} days",
            days,
        ).format(name=name, days=days)
        spans.append(_span(days, css, bars_svg(history.bars[-days:], f"{chart_id}-b{days}", title)))
    figures = escape(uptime_words(history))
    return (
        f"{block}{''.join(spans)}<p>{figures}</p>"
        f"{_components_html(history)}{_incidents_html(name, history, now, chart_id)}"
        f"{_suspected_html(history, now)}</div>"
    )
