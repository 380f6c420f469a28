"""`trayapp history` output: the contract's JSON, CSV with the same field names, readable tables.

JSON and CSV are language-neutral (labels, ISO times in UTC, numbers, the contract's field
names); the tables are for people: in the user's language, times in the local time zone.
Suspected periods are in the JSON (`suspected`) and the table, not in the CSV (incidents only).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from trayapp.core.history.chart import AFTER_THE_FACT, ONGOING
from trayapp.core.history.figures import (
    HistoryReport,
    IncidentRecord,
    ProviderUptime,
    SuspectedPeriod,
    local_percent,
    local_stamp,
)
from trayapp.core.history.suspected import end_words, observed_words, source_words
from trayapp.core.safe_text import printable
from trayapp.core.text import duration_words, iso_utc, state_phrase
from trayapp.i18n import N_, _

INCIDENT_FIELDS = (
    "provider",
    "id",
    "name",
    "impact",
    "started_at",
    "resolved_at",
    "duration_s",
    "url",
    "seen_after_the_fact",
)
UPTIME_FIELDS = ("provider", "operational_pct", "unknown_pct")

# User-facing words of the tables (translated where they are shown).
# Translators: the first line of `trayapp history`; {since} and {until} are "2026-01-28 01:00".
TITLE = N_("History from {since} to {until}")
NO_INCIDENTS = N_("No incidents recorded in this period.")
NO_UPTIME = N_("Nothing observed in this period.")
# Translators: after an incident's name in `trayapp history`: trayapp saw it open, and it ended
# while trayapp was not running.
RESOLVED_WHILE_AWAY = N_("resolved while trayapp was not running")
# Translators: the column headings of the incidents in `trayapp history` (capitals, like the status table).
INCIDENT_HEADER = (N_("STARTED"), N_("ENDED"), N_("DURATION"), N_("PROVIDER"), N_("IMPACT"), N_("INCIDENT"))
# Translators: the column headings of the uptime in `trayapp history`: the share of the observed
# time operational and unknown, and how long trayapp observed.
UPTIME_HEADER = (N_("PROVIDER"), N_("OPERATIONAL"), N_("UNKNOWN"), N_("OBSERVED"))
# Translators: above the suspected problems in `trayapp history` ("suspected": trayapp's own
# probes failed; never call it an outage).
SUSPECTED_TITLE = N_(
    "Possible unreported problems, seen by trayapp's probes while the status page said all was well:"
)
# Translators: the column headings of the suspected problems in `trayapp history`: PROBE is
# "API servers" or "model API", SEEN what the probe saw ("the API failed the last 3 checks").
SUSPECTED_HEADER = (N_("STARTED"), N_("ENDED"), N_("DURATION"), N_("PROVIDER"), N_("PROBE"), N_("SEEN"))


def incident_json(incident: IncidentRecord, now: datetime) -> dict[str, Any]:
    """One incident as the contract's JSON object (an open one: no end, its duration so far)."""
    return {
        "provider": incident.provider,
        "id": incident.id,
        "name": incident.name,
        "impact": incident.impact.label,
        "started_at": iso_utc(incident.started_at),
        "resolved_at": iso_utc(incident.resolved_at),
        "duration_s": round(incident.duration(now)),
        "url": incident.url,
        "seen_after_the_fact": incident.seen_after_the_fact,
    }


def suspected_json(period: SuspectedPeriod, now: datetime) -> dict[str, Any]:
    """One suspected period as the contract's JSON object (one under way: no end, its duration so far)."""
    return {
        "provider": period.provider,
        "source": period.source,
        "reason": period.reason,
        "started_at": iso_utc(period.started_at),
        "ended_at": iso_utc(period.ended_at),
        "duration_s": round(period.duration(now)),
    }


def uptime_json(figure: ProviderUptime) -> dict[str, Any]:
    """One provider's uptime as the contract's JSON object."""
    return {
        "provider": figure.provider,
        "operational_pct": figure.uptime.operational_pct,
        "unknown_pct": figure.uptime.unknown_pct,
    }


def history_json(report: HistoryReport, summary: bool = False) -> dict[str, Any]:
    """`history --json`: the contract's object (`--summary`: without the incidents and suspected periods)."""
    data: dict[str, Any] = {"since": iso_utc(report.since), "until": iso_utc(report.until)}
    if not summary:
        data["incidents"] = [incident_json(incident, report.until) for incident in report.incidents]
        data["suspected"] = [suspected_json(period, report.until) for period in report.suspected]
    data["uptime"] = [uptime_json(figure) for figure in report.uptime]
    return data


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        # A spreadsheet would run it as a formula (=HYPERLINK, @SUM): a leading quote keeps it text.
        return "'" + value
    return str(value)


def history_csv(report: HistoryReport, summary: bool = False) -> str:
    """`history --csv`: the incidents (`--summary`: the uptime) with the JSON's field names as header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if summary:
        writer.writerow(UPTIME_FIELDS)
        for figure in report.uptime:
            row = uptime_json(figure)
            writer.writerow([_csv_value(row[name]) for name in UPTIME_FIELDS])
    else:
        writer.writerow(INCIDENT_FIELDS)
        for incident in report.incidents:
            row = incident_json(incident, report.until)
            writer.writerow([_csv_value(row[name]) for name in INCIDENT_FIELDS])
    return out.getvalue()


def _columns(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    header = tuple(_(heading) for heading in header)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(f"{cell:<{widths[i]}}" for i, cell in enumerate(row)).rstrip() for row in [header, *rows]
    ]


def incident_table(report: HistoryReport, names: Mapping[str, str] | None = None) -> list[str]:
    """The incidents as table lines, newest first; providers by their names (`names`: id → name)."""
    names = names or {}
    if not report.incidents:
        return [_(NO_INCIDENTS)]
    rows = []
    for incident in report.incidents:
        notes = [_(AFTER_THE_FACT)] if incident.seen_after_the_fact else []
        notes += [_(RESOLVED_WHILE_AWAY)] if incident.resolved_while_away else []
        name = printable(incident.name) + (f" ({'; '.join(notes)})" if notes else "")
        rows.append(
            (
                local_stamp(incident.started_at),
                local_stamp(incident.resolved_at) if incident.resolved_at is not None else _(ONGOING),
                duration_words(incident.duration(report.until)),
                printable(names.get(incident.provider, incident.provider)),
                state_phrase(incident.impact),
                name,
            )
        )
    return _columns(INCIDENT_HEADER, rows)


def suspected_table(report: HistoryReport, names: Mapping[str, str] | None = None) -> list[str]:
    """The suspected periods under a title, newest first; none at all when there were none."""
    names = names or {}
    if not report.suspected:
        return []
    rows = [
        (
            local_stamp(period.started_at),
            end_words(period),
            duration_words(period.duration(report.until)),
            printable(names.get(period.provider, period.provider)),
            source_words(period.source),
            printable(observed_words(period)),
        )
        for period in report.suspected
    ]
    return [_(SUSPECTED_TITLE), *_columns(SUSPECTED_HEADER, rows)]


def uptime_table(report: HistoryReport, names: Mapping[str, str] | None = None) -> list[str]:
    """Uptime per provider as table lines; providers by their names (`names`: id → name)."""
    names = names or {}
    if not report.uptime:
        return [_(NO_UPTIME)]
    rows = [
        (
            names.get(figure.provider, figure.provider),
            local_percent(figure.uptime.operational_pct),
            local_percent(figure.uptime.unknown_pct),
            duration_words(figure.uptime.observed),
        )
        for figure in report.uptime
    ]
    return _columns(UPTIME_HEADER, rows)


def history_table(
    report: HistoryReport, summary: bool = False, names: Mapping[str, str] | None = None
) -> str:
    """`trayapp history` for people: a title, the incidents, the suspected problems if any, then
    uptime (`--summary`: uptime only).

    In the current language, times in the local time zone, providers by their names as
    `status` shows them (`names`: id → name; an id without a name is shown as it is).
    """
    lines = [_(TITLE).format(since=local_stamp(report.since), until=local_stamp(report.until)), ""]
    if not summary:
        lines += [*incident_table(report, names), ""]
        suspected = suspected_table(report, names)
        lines += [*suspected, ""] if suspected else []
    lines += uptime_table(report, names)
    return "\n".join(lines)
