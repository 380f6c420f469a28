"""The details page: one self-contained, script-free HTML document built from a Snapshot.

Everything that comes from a status page (names, updates, errors, URLs) is untrusted: it is
escaped, and a URL becomes a link only when it is plain http(s). The page loads nothing
from anywhere (no fonts, images or styles by URL) and says so in its Content-Security-Policy.

The page is in the user's language (its `lang` attribute says which), translated when it is
rendered; times are in the local time zone, with how long ago they were. The machine-readable
`datetime` attributes stay in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from trayapp.core.healing import Moved
from trayapp.core.history.figures import ProviderHistory
from trayapp.core.history.section import HISTORY_CSS, history_html, legend_html
from trayapp.core.markup import escape, safe_url
from trayapp.core.rollup import group_states
from trayapp.core.text import (
    as_utc,
    at_time,
    date_words,
    duration_words,
    iso_utc,
    since_time,
    state_phrase,
    status_phrase,
    suspected_phrase,
)
from trayapp.i18n import _, current_language, ngettext, pgettext
from trayapp.model import (
    NO_API_KEY,
    STATE_COLOURS,
    Component,
    DeepView,
    Incident,
    ProbeView,
    ProviderView,
    Snapshot,
    State,
    Suspicion,
)

CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

# More operational rows than this are folded into a <details> element.
COLLAPSE_OPERATIONAL_OVER = 8

_CSS = """
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --card: #f6f8fa;
  --border: #d1d9e0; --link: #0969da; --hl: #fff4e5; --hl-border: #f0b36b; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --card: #161b22; --border: #3d444d;
    --link: #58a6ff; --hl: #2b1d0e; --hl-border: #9a5b13; }
}
* { box-sizing: border-box; }
body { margin: 0; padding: 1.5rem; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 60rem; margin: 0 auto; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 0; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
a { color: var(--link); }
p { margin: .3rem 0; }
ul { margin: .2rem 0; padding-left: 1.2rem; }
li { margin: .15rem 0; }
.muted { color: var(--muted); }
.dot { display: inline-block; width: .8em; height: .8em; border-radius: 50%; margin-right: .4em;
  vertical-align: baseline; border: 1px solid rgba(0, 0, 0, .25); }
header { padding-bottom: 1rem; margin-bottom: 1rem; border-bottom: 1px solid var(--border); }
.summary { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .3rem 1.5rem; }
section.provider { background: var(--card); border: 1px solid var(--border); border-radius: 8px;
  padding: 1rem 1.25rem; margin: 0 0 1rem; }
.provider-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: .3rem 1rem; }
.state { font-weight: 600; }
.error { border-left: 4px solid #DC2626; padding: .3rem .6rem; background: var(--hl); }
.components { list-style: none; padding-left: 0; }
.components ul { list-style: none; }
.components li { border-left: 3px solid transparent; padding-left: .4rem; }
.components li.bad { background: var(--hl); border-left-color: var(--hl-border); }
.incident { border-left: 4px solid var(--border); padding: .2rem .8rem; margin: .5rem 0; }
.incident h4 { margin: 0; font-size: 1rem; }
.update { white-space: pre-wrap; margin: .3rem 0; }
.url, .update, .error, h2, h4, li { overflow-wrap: anywhere; }
details summary { cursor: pointer; color: var(--muted); }
.offline { border: 1px solid var(--border); border-left: 6px solid #9CA3AF; padding: .5rem .8rem;
  margin: .6rem 0 0; background: var(--card); }
.suspected { border: 1px dashed #EAB308; border-left: 4px dashed #EAB308; padding: .3rem .6rem;
  background: var(--hl); }
.suspected::before { content: "?"; display: inline-block; width: 1.2em; height: 1.2em; margin-right: .4em;
  border-radius: 50%; background: #EAB308; color: #000; font-weight: 700; text-align: center;
  line-height: 1.2em; }
.probe { font-size: .9rem; }
.moved { border-left: 4px solid var(--link); padding: .3rem .6rem; }
.probe.down { color: var(--fg); }
footer { margin-top: 1.5rem; font-size: .85rem; }
""" + "".join(
    f".s-{state.label} {{ background: {colour}; }}\n"
    f".incident.s-border-{state.label} {{ border-left-color: {colour}; }}\n"
    for state, colour in STATE_COLOURS.items()
)


def _e(text: str) -> str:
    return escape(text)


def _link(url: str | None, text: str) -> str:
    """A link to `url` labelled `text`, or the URL as plain text when it is not http(s)."""
    if url is None or not url:
        return ""
    good = safe_url(url)
    if good is None:
        # Translators: on the details page, instead of a link whose address is not a web address.
        words = _("Not a web link, not opened: {url}").format(url=url)
        return f'<span class="url muted">{_e(words)}</span>'
    return f'<a href="{_e(good)}" rel="noopener noreferrer" target="_blank">{_e(text)}</a>'


def relative_words(moment: datetime, now: datetime) -> str:
    """How long ago `moment` was, or how far ahead: '5 min ago', 'in 3 h', 'just now'."""
    delta = (as_utc(now) - as_utc(moment)).total_seconds()
    if abs(delta) < 1:
        return _("just now")
    if delta > 0:
        # Translators: how long ago something happened; {duration} is "5 min" or "2 h 10 min".
        return _("{duration} ago").format(duration=duration_words(delta))
    # Translators: how far ahead something is; {duration} is "3 h" or "1 d 2 h".
    return _("in {duration}").format(duration=duration_words(-delta))


def when_words(moment: datetime, now: datetime) -> str:
    """When, in local time, and how long ago: 'at 18:20 (47 min ago)', 'tomorrow at 07:00 (in 12 h)'."""
    return f"{at_time(moment, now)} ({relative_words(moment, now)})"


def written_words(now: datetime) -> str:
    """When the page was written, in local time: 'on Wednesday 4 February at 20:02'."""
    # Translators: {date} is "Wednesday 4 February", {at} is "at 20:02".
    return _("on {date} {at}").format(date=date_words(now), at=at_time(now))


def _time(moment: datetime, now: datetime) -> str:
    return f'<time datetime="{iso_utc(as_utc(moment))}">{_e(when_words(moment, now))}</time>'


def _dot(state: State) -> str:
    return f'<span class="dot s-{state.label}" aria-hidden="true"></span>'


def _state(state: State) -> str:
    return f'{_dot(state)}<span class="state">{_e(state_phrase(state, capital=True))}</span>'


def _sentence(template: str, when: str) -> str:
    """`template` (already translated) with its `{when}` replaced by the markup `when`.

    The words around the time come from the catalog and are escaped; the time is a <time>
    element, so the template is split at `{when}` rather than formatted.
    """
    before, marker, after = template.partition("{when}")
    return _e(before) + (when + _e(after) if marker else "")


class _Row:
    """One row of a provider's component list: a component, or a group with its children."""

    def __init__(self, name: str, state: State, children: Sequence[Component] = ()) -> None:
        self.name = name
        self.state = state
        self.children = list(children)


def _rows(components: Iterable[Component]) -> list[_Row]:
    """Components in page order, each group gathered at the place of its first child."""
    components = list(components)
    groups = group_states(components)
    rows: list[_Row] = []
    by_group: dict[str, _Row] = {}
    for component in components:
        if component.group is None:
            rows.append(_Row(component.name, component.state))
            continue
        row = by_group.get(component.group)
        if row is None:
            row = by_group[component.group] = _Row(component.group, groups[component.group])
            rows.append(row)
        row.children.append(component)
    return rows


def _row_html(row: _Row) -> str:
    css = "" if row.state == State.OPERATIONAL else ' class="bad"'
    head = f"{_dot(row.state)}{_e(row.name)} <span class='muted'>— {_e(state_phrase(row.state))}</span>"
    if not row.children:
        return f"<li{css}>{head}</li>"
    children = "".join(_row_html(_Row(c.name, c.state)) for c in row.children)
    return f'<li{css}>{head}<ul aria-label="{_e(row.name)}">{children}</ul></li>'


def _components_html(components: Sequence[Component]) -> str:
    # Translators: a heading on the details page: the parts of a service (API, website, ...).
    heading = "<h3>" + _e(_("Components")) + "</h3>"
    if not components:
        return heading + "<p class='muted'>" + _e(_("This page lists no components.")) + "</p>"
    rows = _rows(components)
    troubled = [row for row in rows if row.state != State.OPERATIONAL]
    fine = [row for row in rows if row.state == State.OPERATIONAL]
    parts = [heading]
    if len(fine) > COLLAPSE_OPERATIONAL_OVER:
        parts.append('<ul class="components">' + "".join(_row_html(r) for r in troubled) + "</ul>")
        more = ngettext(
            "{count} more component operational", "{count} more components operational", len(fine)
        ).format(count=len(fine))
        parts.append(
            f"<details><summary>{_e(more)}</summary>"
            '<ul class="components">' + "".join(_row_html(r) for r in fine) + "</ul></details>"
        )
    else:
        # Few rows: keep the page's own order, troubled rows highlighted in place.
        parts.append('<ul class="components">' + "".join(_row_html(r) for r in rows) + "</ul>")
    return "".join(parts)


def _filled(template: str, **parts: str) -> str:
    """`template` (translated) with each `{name}` replaced by the markup in `parts`, the rest escaped."""
    pieces = re.split(r"\{(\w+)\}", template)
    return "".join(parts.get(piece, "") if index % 2 else _e(piece) for index, piece in enumerate(pieces))


def _scheduled_line(incident: Incident, now: datetime) -> str:
    """'Scheduled maintenance · starts tomorrow at 07:00 (in 12 h), ends …': not under way yet."""
    dot = _dot(State.MAINTENANCE)
    words = _("Scheduled maintenance")
    head = f'<span class="state">{_e(words)}</span>'
    start, end = incident.started_at, incident.scheduled_until
    if start is not None and end is not None:
        # Translators: an upcoming maintenance on the details page; {start} is "tomorrow at
        # 07:00 (in 12 h)", {end} is "tomorrow at 09:00 (in 14 h)".
        when = _filled(_("starts {start}, ends {end}"), start=_time(start, now), end=_time(end, now))
    elif start is not None:
        # Translators: an upcoming maintenance; {start} is "tomorrow at 07:00 (in 12 h)".
        when = _filled(_("starts {start}"), start=_time(start, now))
    elif end is not None:
        # Translators: an upcoming maintenance; {end} is "tomorrow at 09:00 (in 14 h)".
        when = _filled(_("ends {end}"), end=_time(end, now))
    else:
        return f"<p>{dot}{head}</p>"
    return f"<p>{dot}{head} · {when}</p>"


def _incident_html(incident: Incident, now: datetime, upcoming: bool = False) -> str:
    # Translators: after an incident's state on the details page; {status} is "investigating", ...
    status = _("status: {status}").format(status=status_phrase(incident.status))
    lines = [
        f'<article class="incident s-border-{incident.impact.label}">',
        f"<h4>{_e(incident.name)}</h4>",
        # A scheduled maintenance is not happening now: it is not shown as "Under maintenance".
        _scheduled_line(incident, now) if upcoming else f"<p>{_state(incident.impact)} · {_e(status)}</p>",
    ]
    if incident.started_at is not None and not upcoming:
        if incident.is_maintenance:
            # Translators: a maintenance; {when} is "at 18:20 (47 min ago)".
            template = pgettext("maintenance", "Started {when}")
        else:
            # Translators: an incident; {when} is "at 18:20 (47 min ago)".
            template = pgettext("incident", "Started {when}")
        lines.append(f"<p>{_sentence(template, _time(incident.started_at, now))}</p>")
        if incident.is_maintenance and incident.scheduled_until is not None:
            # Translators: a maintenance under way; {when} is "at 20:00 (in 1 h 40 min)".
            ends = _sentence(_("Planned to end {when}"), _time(incident.scheduled_until, now))
            lines.append(f"<p>{ends}</p>")
    if incident.updated_at is not None:
        # Translators: {when} is "at 19:02 (5 min ago)".
        updated = _sentence(_("Last updated {when}"), _time(incident.updated_at, now))
        lines.append(f"<p class='muted'>{updated}</p>")
    if incident.components:
        # Translators: the components an incident affects, e.g. "Affects: API, Login".
        affects = _("Affects: {components}").format(components=", ".join(incident.components))
        lines.append(f"<p>{_e(affects)}</p>")
    if incident.latest_update.strip():
        lines.append(f'<p class="update">{_e(incident.latest_update.strip())}</p>')
    if incident.url:
        # A maintenance is not an incident: its link says so.
        label = _("View maintenance") if incident.is_maintenance or upcoming else _("View incident")
        lines.append(f"<p>{_link(incident.url, label)}</p>")
    lines.append("</article>")
    return "".join(lines)


def _incidents_html(title: str, incidents: Sequence[Incident], now: datetime, upcoming: bool = False) -> str:
    if not incidents:
        return ""
    items = "".join(_incident_html(incident, now, upcoming) for incident in incidents)
    return f"<h3>{_e(title)}</h3>{items}"


def suspicion_words(suspected: Suspicion, now: datetime) -> str:
    """A suspected, unreported problem in two sentences, as the menu and notifications say it.

    'Since 16:10: the API failed 4 of the last 5 checks (timeout). The status page still says
    all is well.' Never called an outage.
    """
    return suspected_phrase(suspected, now, detail=True) + ". " + _("The status page still says all is well.")


def probe_words(probe: ProbeView, now: datetime) -> str:
    """The last probe of a provider's API edge in a line: 'API servers: answering (HTTP 401 in 120 ms)'.

    The detail ('HTTP 401 in 120 ms', 'timeout') is technical and shown as the probe gave it.
    """
    if probe.ok is None:
        # Translators: the provider's API servers have not been probed yet.
        return _("API servers: not checked yet")
    if probe.ok:
        # Translators: the provider's API servers answer; {detail} is "HTTP 401 in 120 ms".
        words = _("API servers: answering ({detail})").format(detail=probe.detail)
    elif probe.latency_ms is None:
        # Translators: the provider's API servers do not answer; {detail} is "timeout", "connection refused".
        words = _("API servers: not answering ({detail})").format(detail=probe.detail)
    else:
        # Translators: the provider's API servers answer with errors or too slowly; {detail} is
        # "HTTP 503 in 80 ms".
        words = _("API servers: answering badly ({detail})").format(detail=probe.detail)
    if probe.failing_since is not None:
        # Translators: {probe} is "API servers: not answering (timeout)", {since} is "since 16:10".
        words = _("{probe}, failing {since}").format(probe=words, since=since_time(probe.failing_since, now))
    return words


def deep_words(deep: DeepView, now: datetime) -> str:
    """The last deep probe (a real model request) in a line: 'Model API: answering (HTTP 200 in 310 ms)'.

    A stopped probe says why and what resumes it, once, here and in the log.
    """
    if deep.stopped == "key":
        # Translators: a deep probe (a minimal request to a real model) got 401/403; {detail} is
        # "HTTP 401". It is not sent again until the key or the config changes.
        return _(
            "Model API: the API key was refused ({detail}); deep probes stopped until the key"
            " or the config changes"
        ).format(detail=deep.detail.split(":")[0])
    if deep.stopped:
        # Translators: a deep probe got 400/404 (a retired model, say); {detail} is "HTTP 404".
        return _(
            "Model API: the request was refused ({detail}; is the model retired? set probe_model);"
            " deep probes stopped until the config changes"
        ).format(detail=deep.detail.split(":")[0])
    if not deep.enabled:
        # Translators: deep probes are on but the provider's API key is not set.
        return _("Model API: not asked (no API key set)")
    if deep.latency_ms is None and deep.ok is None:
        # Translators: the deep probe has not asked the model yet.
        return _("Model API: not checked yet")
    if deep.ok is None:
        # Translators: the model API answered 429 (the user's own rate limit); {detail} is technical.
        words = _("Model API: rate limited, not counted ({detail})").format(detail=deep.detail)
    elif deep.ok:
        # Translators: a real model answered; {detail} is "HTTP 200 in 310 ms".
        words = _("Model API: answering ({detail})").format(detail=deep.detail)
    else:
        # Translators: a real model failed; {detail} is "HTTP 529 in 80 ms" or "timeout".
        words = _("Model API: answering with errors ({detail})").format(detail=deep.detail)
    if deep.failing_since is not None:
        words = _("{probe}, failing {since}").format(probe=words, since=since_time(deep.failing_since, now))
    return words


def _offline_error() -> str:
    # Translators: why a status page could not be read: the computer is not connected.
    return pgettext("error", "offline")


def _provider_html(
    view: ProviderView, now: datetime, history: str = "", offline: bool = False, moved: Moved | None = None
) -> str:
    incidents = [i for i in view.incidents if not i.is_maintenance]
    maintenances = [i for i in view.incidents if i.is_maintenance]
    if view.last_success_at is None:
        checked = _e(_("Not read successfully yet."))
    else:
        # Translators: {when} is "at 19:02 (20 s ago)".
        checked = _sentence(_("Last successful check {when}"), _time(view.last_success_at, now))
    parts = [
        f'<section class="provider" aria-label="{_e(view.name)}">',
        f'<div class="provider-head"><h2>{_e(view.name)}</h2><span>{_state(view.state)}</span>',
        "<span>" + _link(view.page, _("Status page")) + "</span></div>",
        f"<p class='muted'>{checked}</p>",
    ]
    if moved is not None:
        parts.append(f'<p class="moved" role="note">{_e(moved.words())}</p>')
    if view.suspected is not None:
        parts.append(f'<p class="suspected" role="note">{_e(suspicion_words(view.suspected, now))}</p>')
    error = _offline_error() if offline else view.error
    if error:
        # Translators: {error} is a short technical reason: "timeout", "HTTP 503", "offline".
        words = _("Could not read the status page: {error}").format(error=error)
        parts.append(f'<p class="error">{_e(words)}</p>')
    if view.probe.enabled:
        css = "probe" if view.probe.ok is not False else "probe down"
        parts.append(f'<p class="{css} muted">{_e(probe_words(view.probe, now))}</p>')
    deep = view.probe.deep
    if deep.enabled or deep.detail == NO_API_KEY:
        css = "probe" if deep.ok is not False else "probe down"
        parts.append(f'<p class="{css} muted">{_e(deep_words(deep, now))}</p>')
    parts.append(_incidents_html(_("Active incidents"), incidents, now))
    if not incidents:
        parts.append("<p class='muted'>" + _e(_("No active incidents.")) + "</p>")
    parts.append(_incidents_html(_("Maintenance in progress"), maintenances, now))
    parts.append(_incidents_html(_("Scheduled maintenance"), view.upcoming, now, upcoming=True))
    parts.append(_components_html(view.components))
    parts.append(history)
    parts.append("</section>")
    return "".join(parts)


def _history_blocks(
    snapshot: Snapshot, history: Mapping[str, ProviderHistory] | None, now: datetime
) -> list[str]:
    if history is None:
        return [""] * len(snapshot.providers)
    return [
        history_html(view.name, history.get(view.id), now, f"h{index}")
        for index, view in enumerate(snapshot.providers)
    ]


def offline_html() -> str:
    """The banner shown while trayapp is offline."""
    # Translators: the banner of the details page while no page and no API can be reached.
    title = pgettext("banner", "Offline")
    words = _("no status page or API could be reached; checking again when the network is back.")
    return f'<p class="offline" role="status"><strong>{_e(title)}</strong> — {_e(words)}</p>'


def render_details(
    snapshot: Snapshot,
    now: datetime,
    refresh_seconds: int = 30,
    history: Mapping[str, ProviderHistory] | None = None,
    moves: Mapping[str, Moved] | None = None,
) -> str:
    """The whole details page for `snapshot` as seen at `now` (reloads itself every N s).

    In the current language (see `trayapp.i18n`), times in the local zone. With `history`
    (by provider id), each provider also gets its history block: daily bars, uptime and
    recent incidents, as trayapp recorded them. `moves` (by provider id) says which built-in
    pages were found elsewhere, on another platform or host, during this run.
    """
    overall = snapshot.overall
    blocks = _history_blocks(snapshot, history, now)
    refresh = f'<meta http-equiv="refresh" content="{int(refresh_seconds)}">\n' if refresh_seconds > 0 else ""
    summary = "".join(
        f"<li>{_dot(view.state)}{_e(view.name)}: {_e(state_phrase(view.state))}</li>"
        for view in snapshot.providers
    )
    providers = "\n".join(
        _provider_html(view, now, block, snapshot.offline, (moves or {}).get(view.id))
        for view, block in zip(snapshot.providers, blocks, strict=True)
    )
    if not snapshot.providers:
        providers = "<p class='muted'>" + _e(_("No provider is being watched yet.")) + "</p>"
    if snapshot.checked_at is None:
        last_check = _e(_("Not checked yet."))
    else:
        # Translators: at the top of the details page; {when} is "at 19:02 (20 s ago)".
        last_check = _sentence(_("Last check {when}"), _time(snapshot.checked_at, now))
    # Translators: the end of the details page; {when} is "on Wednesday 4 February at 20:02".
    footer = _("Written by trayapp {when}.").format(when=written_words(now))
    if refresh_seconds > 0:
        footer += " " + _("This page reloads itself every {seconds} s.").format(seconds=int(refresh_seconds))
    headline = pgettext("banner", "Offline") if snapshot.offline else state_phrase(overall, capital=True)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_e(current_language())}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="color-scheme" content="light dark">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{refresh}"
        f"<title>trayapp — {_e(headline)}</title>\n"
        f"<style>{_CSS}{HISTORY_CSS if history is not None else ''}</style>\n</head>\n<body>\n<main>\n"
        f'<header><h1>{_state(overall)}</h1><p class="muted">{last_check}</p>'
        f"{offline_html() if snapshot.offline else ''}"
        f'<ul class="summary">{summary}</ul>{legend_html() if history is not None else ""}</header>\n'
        f"{providers}\n"
        f'<footer class="muted">{_e(footer)}</footer>\n'
        "</main>\n</body>\n</html>\n"
    )
