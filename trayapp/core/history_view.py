"""`trayapp history` output: the contract's JSON, CSV with the same field names, readable tables.

JSON and CSV are language-neutral (labels, ISO times, numbers); the tables are for people.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from trayapp.core.history import HistoryReport, IncidentRecord, ProviderUptime, as_utc
from trayapp.core.text import duration_words, iso_utc, state_phrase

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

# User-facing words of the tables.
TITLE = "History from {since} to {until} (times in UTC)"
NO_INCIDENTS = "No incidents recorded in this period."
NO_UPTIME = "Nothing observed in this period."
ONGOING = "ongoing"
AFTER_THE_FACT = "seen after the fact"
RESOLVED_WHILE_AWAY = "resolved while trayapp was not running"
INCIDENT_HEADER = ("STARTED", "ENDED", "DURATION", "PROVIDER", "IMPACT", "INCIDENT")
UPTIME_HEADER = ("PROVIDER", "OPERATIONAL", "UNKNOWN", "OBSERVED")


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


def uptime_json(figure: ProviderUptime) -> dict[str, Any]:
    """One provider's uptime as the contract's JSON object."""
    return {
        "provider": figure.provider,
        "operational_pct": figure.uptime.operational_pct,
        "unknown_pct": figure.uptime.unknown_pct,
    }


def history_json(report: HistoryReport, summary: bool = False) -> dict[str, Any]:
    """`history --json`: the contract's object (`--summary`: without the incidents)."""
    data: dict[str, Any] = {"since": iso_utc(report.since), "until": iso_utc(report.until)}
    if not summary:
        data["incidents"] = [incident_json(incident, report.until) for incident in report.incidents]
    data["uptime"] = [uptime_json(figure) for figure in report.uptime]
    return data


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
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


def _stamp(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%d %H:%M")


def _columns(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(f"{cell:<{widths[i]}}" for i, cell in enumerate(row)).rstrip() for row in [header, *rows]
    ]


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} %"


def incident_table(report: HistoryReport) -> list[str]:
    """The incidents as table lines, newest first."""
    if not report.incidents:
        return [NO_INCIDENTS]
    rows = []
    for incident in report.incidents:
        notes = [AFTER_THE_FACT] if incident.seen_after_the_fact else []
        notes += [RESOLVED_WHILE_AWAY] if incident.resolved_while_away else []
        name = incident.name + (f" ({'; '.join(notes)})" if notes else "")
        rows.append(
            (
                _stamp(incident.started_at),
                _stamp(incident.resolved_at) if incident.resolved_at is not None else ONGOING,
                duration_words(incident.duration(report.until)),
                incident.provider,
                state_phrase(incident.impact),
                name,
            )
        )
    return _columns(INCIDENT_HEADER, rows)


def uptime_table(report: HistoryReport) -> list[str]:
    """Uptime per provider as table lines."""
    if not report.uptime:
        return [NO_UPTIME]
    rows = [
        (
            figure.provider,
            _pct(figure.uptime.operational_pct),
            _pct(figure.uptime.unknown_pct),
            duration_words(figure.uptime.observed),
        )
        for figure in report.uptime
    ]
    return _columns(UPTIME_HEADER, rows)


def history_table(report: HistoryReport, summary: bool = False) -> str:
    """`trayapp history` for people: a title, the incidents, then uptime (`--summary`: uptime only)."""
    lines = [TITLE.format(since=_stamp(report.since), until=_stamp(report.until)), ""]
    if not summary:
        lines += [*incident_table(report), ""]
    lines += uptime_table(report)
    return "\n".join(lines)
