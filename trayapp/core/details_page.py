"""The details page: one self-contained, script-free HTML document built from a Snapshot.

Everything that comes from a status page (names, updates, errors, URLs) is untrusted: it is
escaped, and a URL becomes a link only when it is plain http(s). The page loads nothing
from anywhere (no fonts, images or styles by URL) and says so in its Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from trayapp.core.history import ProviderHistory
from trayapp.core.history_section import HISTORY_CSS, history_html, legend_html
from trayapp.core.markup import escape, safe_url
from trayapp.core.rollup import group_states
from trayapp.core.text import duration_words, iso_utc, state_phrase
from trayapp.model import STATE_COLOURS, Component, Incident, ProviderView, Snapshot, State

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
        return f'<span class="url muted">Not a web link, not opened: {_e(url)}</span>'
    return f'<a href="{_e(good)}" rel="noopener noreferrer" target="_blank">{_e(text)}</a>'


def _utc(moment: datetime) -> datetime:
    # A naive time is taken as UTC, so the page never depends on the local zone.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utc_stamp(moment: datetime) -> str:
    """`2026-02-04 19:02 UTC`."""
    return _utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def when_words(moment: datetime, now: datetime) -> str:
    """`2026-02-04 19:02 UTC (5 min ago)` or `... (in 3 h)` for the future."""
    moment, now = _utc(moment), _utc(now)
    stamp = utc_stamp(moment)
    delta = (now - moment).total_seconds()
    if abs(delta) < 1:
        relative = "just now"
    elif delta > 0:
        relative = f"{duration_words(delta)} ago"
    else:
        relative = f"in {duration_words(-delta)}"
    return f"{stamp} ({relative})"


def _time(moment: datetime | None, now: datetime, missing: str = "never") -> str:
    if moment is None:
        return _e(missing)
    return f'<time datetime="{iso_utc(_utc(moment))}">{_e(when_words(moment, now))}</time>'


def _dot(state: State) -> str:
    return f'<span class="dot s-{state.label}" aria-hidden="true"></span>'


def _state(state: State) -> str:
    return f'{_dot(state)}<span class="state">{_e(state_phrase(state, capital=True))}</span>'


def _status_words(status: str) -> str:
    return status.replace("_", " ").strip() or "open"


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
    if not components:
        return "<h3>Components</h3><p class='muted'>This page lists no components.</p>"
    rows = _rows(components)
    troubled = [row for row in rows if row.state != State.OPERATIONAL]
    fine = [row for row in rows if row.state == State.OPERATIONAL]
    parts = ["<h3>Components</h3>"]
    if len(fine) > COLLAPSE_OPERATIONAL_OVER:
        parts.append('<ul class="components">' + "".join(_row_html(r) for r in troubled) + "</ul>")
        noun = "component" if len(fine) == 1 else "components"
        parts.append(
            f"<details><summary>{len(fine)} more {noun} operational</summary>"
            '<ul class="components">' + "".join(_row_html(r) for r in fine) + "</ul></details>"
        )
    else:
        # Few rows: keep the page's own order, troubled rows highlighted in place.
        parts.append('<ul class="components">' + "".join(_row_html(r) for r in rows) + "</ul>")
    return "".join(parts)


def _incident_html(incident: Incident, now: datetime, upcoming: bool = False) -> str:
    lines = [
        f'<article class="incident s-border-{incident.impact.label}">',
        f"<h4>{_e(incident.name)}</h4>",
        f"<p>{_state(incident.impact)} · status: {_e(_status_words(incident.status))}</p>",
    ]
    if incident.started_at is not None:
        label = "Scheduled for" if upcoming else "Started"
        lines.append(f"<p>{label} {_time(incident.started_at, now)}</p>")
    if incident.updated_at is not None:
        lines.append(f"<p class='muted'>Last updated {_time(incident.updated_at, now)}</p>")
    if incident.components:
        lines.append(f"<p>Affects: {_e(', '.join(incident.components))}</p>")
    if incident.latest_update.strip():
        lines.append(f'<p class="update">{_e(incident.latest_update.strip())}</p>')
    if incident.url:
        lines.append(f"<p>{_link(incident.url, 'View incident')}</p>")
    lines.append("</article>")
    return "".join(lines)


def _incidents_html(title: str, incidents: Sequence[Incident], now: datetime, upcoming: bool = False) -> str:
    if not incidents:
        return ""
    items = "".join(_incident_html(incident, now, upcoming) for incident in incidents)
    return f"<h3>{_e(title)}</h3>{items}"


def _provider_html(view: ProviderView, now: datetime, history: str = "") -> str:
    incidents = [i for i in view.incidents if not i.is_maintenance]
    maintenances = [i for i in view.incidents if i.is_maintenance]
    parts = [
        f'<section class="provider" aria-label="{_e(view.name)}">',
        f'<div class="provider-head"><h2>{_e(view.name)}</h2><span>{_state(view.state)}</span>',
        f"<span>{_link(view.page, 'Status page')}</span></div>",
        f"<p class='muted'>Last successful check: {_time(view.last_success_at, now)}</p>",
    ]
    if view.error:
        parts.append(f'<p class="error">Could not read the status page: {_e(view.error)}</p>')
    parts.append(_incidents_html("Active incidents", incidents, now))
    if not incidents:
        parts.append("<p class='muted'>No active incidents.</p>")
    parts.append(_incidents_html("Maintenance in progress", maintenances, now))
    parts.append(_incidents_html("Scheduled maintenance", view.upcoming, now, upcoming=True))
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


def render_details(
    snapshot: Snapshot,
    now: datetime,
    refresh_seconds: int = 30,
    history: Mapping[str, ProviderHistory] | None = None,
) -> str:
    """The whole details page for `snapshot` as seen at `now` (reloads itself every N s).

    With `history` (by provider id), each provider also gets its history block: daily bars,
    uptime and recent incidents, as trayapp recorded them.
    """
    overall = snapshot.overall
    blocks = _history_blocks(snapshot, history, now)
    refresh = f'<meta http-equiv="refresh" content="{int(refresh_seconds)}">\n' if refresh_seconds > 0 else ""
    summary = "".join(
        f"<li>{_dot(view.state)}{_e(view.name)}: {_e(state_phrase(view.state))}</li>"
        for view in snapshot.providers
    )
    providers = "\n".join(
        _provider_html(view, now, block) for view, block in zip(snapshot.providers, blocks, strict=True)
    )
    if not snapshot.providers:
        providers = "<p class='muted'>No provider is being watched yet.</p>"
    reload_note = f" This page reloads itself every {int(refresh_seconds)} s." if refresh_seconds > 0 else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="color-scheme" content="light dark">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{refresh}"
        f"<title>trayapp — {_e(state_phrase(overall, capital=True))}</title>\n"
        f"<style>{_CSS}{HISTORY_CSS if history is not None else ''}</style>\n</head>\n<body>\n<main>\n"
        f'<header><h1>{_state(overall)}</h1><p class="muted">Last check: '
        f"{_time(snapshot.checked_at, now, 'not yet')}</p>"
        f'<ul class="summary">{summary}</ul>{legend_html() if history is not None else ""}</header>\n'
        f"{providers}\n"
        f'<footer class="muted">Written by trayapp at {_e(utc_stamp(now))}.'
        f"{reload_note}</footer>\n"
        "</main>\n</body>\n</html>\n"
    )
