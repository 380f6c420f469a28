"""The history's figures: timelines, daily bars, uptime, durations, `--since`, and its outputs (the tables
in English and Italian, in local time; JSON and CSV the same in every language)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from trayapp.core.history.figures import (
    HistoryReport,
    IncidentRecord,
    Period,
    ProviderUptime,
    Uptime,
    day_bars,
    local_date,
    local_percent,
    local_stamp,
    newest_first,
    parse_since,
    percent,
    provider_history,
    timeline,
    uptime,
)
from trayapp.core.history.report import INCIDENT_FIELDS, history_csv, history_json, history_table
from trayapp.i18n import set_language
from trayapp.model import State

T0 = datetime(2026, 2, 4, 0, 0, tzinfo=UTC)
H = timedelta(hours=1)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def p(state: State, start: float, end: float) -> Period:
    return Period(state, at(start), at(end))


# --- the timeline ----------------------------------------------------------------------------


def test_timeline_joins_touching_stretches_and_leaves_gaps_out() -> None:
    line = timeline([p(State.OPERATIONAL, 0, 2), p(State.OPERATIONAL, 2, 3), p(State.MAJOR, 5, 6)])
    assert line == [p(State.OPERATIONAL, 0, 3), p(State.MAJOR, 5, 6)]


def test_the_page_wins_over_unknown_and_the_worst_page_state_wins_an_overlap() -> None:
    page = [p(State.OPERATIONAL, 0, 4), p(State.DEGRADED, 1, 2)]  # two writers overlapping
    unknown = [(at(3), at(6))]
    assert timeline(page, unknown) == [
        p(State.OPERATIONAL, 0, 1),
        p(State.DEGRADED, 1, 2),
        p(State.OPERATIONAL, 2, 4),
        p(State.UNKNOWN, 4, 6),
    ]


def test_zero_length_periods_count_for_nothing() -> None:
    assert timeline([p(State.MAJOR, 1, 1)], [(at(2), at(2))]) == []


# --- uptime ------------------------------------------------------------------------------------


def test_uptime_counts_maintenance_as_up_unknown_apart_and_unwatched_time_not_at_all() -> None:
    # 10 h: 6 h operational, 1 h maintenance, 1 h unreachable, 1 h partial, 1 h not running.
    page = [
        p(State.OPERATIONAL, 0, 4),
        p(State.MAINTENANCE, 4, 5),
        p(State.PARTIAL, 5, 6),
        p(State.OPERATIONAL, 8, 10),
    ]
    figure = uptime(timeline(page, [(at(6), at(7))]), at(0), at(10))
    assert figure.observed == 9 * 3600
    assert figure.up == 7 * 3600
    assert figure.unknown == 3600
    assert figure.operational_pct == 77.78
    assert figure.unknown_pct == 11.11


def test_uptime_is_clipped_to_the_span() -> None:
    figure = uptime([p(State.OPERATIONAL, 0, 10), p(State.MAJOR, 10, 12)], at(9), at(11))
    assert figure.seconds == {State.OPERATIONAL: 3600.0, State.MAJOR: 3600.0}
    assert figure.operational_pct == 50.0


def test_nothing_observed_gives_no_percentages() -> None:
    assert Uptime().operational_pct is None
    assert Uptime().unknown_pct is None


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(1, 2, 50.0), (99_999, 100_000, 99.99), (1, 1_000_000, 0.01), (0, 5, 0.0), (5, 5, 100.0), (1, 0, None)],
)
def test_percent_never_rounds_a_loss_away(part: float, whole: float, expected: float | None) -> None:
    assert percent(part, whole) == expected


# --- daily bars --------------------------------------------------------------------------------


def test_day_bars_take_the_worst_state_of_each_day_and_know_unwatched_days() -> None:
    now = at(24 * 2 + 6)  # 6 Feb, 06:00
    line = timeline(
        [p(State.OPERATIONAL, 0, 23), p(State.PARTIAL, 23, 25), p(State.OPERATIONAL, 25, 30)],
        [(at(30), at(31))],
    )
    bars = day_bars(line, 4, now)
    assert [bar.day for bar in bars] == [
        date(2026, 2, 3),
        date(2026, 2, 4),
        date(2026, 2, 5),
        date(2026, 2, 6),
    ]
    assert [bar.worst for bar in bars] == [None, State.PARTIAL, State.PARTIAL, None]
    assert bars[1].seconds == {State.OPERATIONAL: 23 * 3600.0, State.PARTIAL: 3600.0}
    assert bars[2].seconds == {State.PARTIAL: 3600.0, State.OPERATIONAL: 5 * 3600.0, State.UNKNOWN: 3600.0}
    assert bars[2].unobserved == 17 * 3600
    assert bars[3].span == 6 * 3600, "today counts up to now"


def test_an_unreachable_hour_makes_an_otherwise_green_day_unknown() -> None:
    line = timeline([p(State.OPERATIONAL, 0, 10), p(State.OPERATIONAL, 11, 24)], [(at(10), at(11))])
    (bar,) = day_bars(line, 1, at(23.5))
    assert bar.worst == State.UNKNOWN
    assert bar.seconds[State.UNKNOWN] == 3600


def test_days_follow_the_local_calendar() -> None:
    rome = timezone(timedelta(hours=1))
    # 23:30 UTC on 4 Feb is 00:30 on 5 Feb in Rome.
    line = [p(State.MAJOR, 23.5, 24)]
    utc_bars = day_bars(line, 2, at(30), UTC)
    rome_bars = day_bars(line, 2, at(30), rome)
    assert [(b.day, b.worst) for b in utc_bars] == [(date(2026, 2, 4), State.MAJOR), (date(2026, 2, 5), None)]
    assert [(b.day, b.worst) for b in rome_bars] == [
        (date(2026, 2, 4), None),
        (date(2026, 2, 5), State.MAJOR),
    ]


# --- incidents and durations -------------------------------------------------------------------


def record(
    incident_id: str, start: float, end: float | None, impact: State = State.PARTIAL, **extra: object
) -> IncidentRecord:
    return IncidentRecord(
        provider=str(extra.pop("provider", "openai")),
        id=incident_id,
        name=f"Incident {incident_id}",
        impact=impact,
        started_at=at(start),
        resolved_at=at(end) if end is not None else None,
        url=f"https://status.example/incidents/{incident_id}",
        **extra,  # type: ignore[arg-type]
    )


def test_durations_of_resolved_and_open_incidents() -> None:
    assert record("a", 1, 8.25).duration(at(100)) == 7.25 * 3600
    assert record("b", 1, None).duration(at(3.5)) == 2.5 * 3600, "an open one: its duration so far"
    assert record("c", 5, None).duration(at(4)) == 0


def test_an_incident_overlaps_a_span_when_it_was_open_in_it() -> None:
    incident = record("a", 10, 12)
    assert incident.overlaps(at(11), at(20))
    assert incident.overlaps(at(0), at(10))
    assert not incident.overlaps(at(12.1), at(20))
    assert record("b", 10, None).overlaps(at(50), at(60))


def test_newest_first() -> None:
    ordered = newest_first([record("a", 1, 2), record("c", 5, None), record("b", 3, 4)])
    assert [i.id for i in ordered] == ["c", "b", "a"]


def test_provider_history_bars_uptime_components_and_recent_incidents() -> None:
    now = at(24 * 40)
    page = [p(State.OPERATIONAL, 24 * 30, 24 * 35), p(State.MAJOR, 24 * 35, 24 * 35 + 2)]
    history = provider_history(
        "openai",
        page,
        [(at(24 * 35 + 2), at(24 * 35 + 4))],
        {"API": [p(State.OPERATIONAL, 24 * 30, 24 * 35), p(State.DEGRADED, 24 * 35, 24 * 36)]},
        [record("old", -24 * 100, -24 * 99), record("new", 24 * 35, 24 * 35 + 2)],
        now,
    )
    assert len(history.bars) == 90
    assert history.bars[-1].day == now.date()
    assert [i.id for i in history.incidents] == ["new"], "only the last 90 days"
    assert history.long.seconds == {State.OPERATIONAL: 5 * 86400, State.MAJOR: 7200, State.UNKNOWN: 7200}
    (api,) = history.components
    assert api.name == "API"
    assert api.long.operational_pct == pytest.approx(83.33)


# --- --since -------------------------------------------------------------------------------------

NOW = datetime(2026, 2, 4, 23, 0, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", datetime(2026, 1, 28, tzinfo=UTC)),  # the contract's example
        ("1d", datetime(2026, 2, 3, tzinfo=UTC)),
        ("24h", NOW - timedelta(hours=24)),
        ("36H", NOW - timedelta(hours=36)),
        ("2w", datetime(2026, 1, 21, tzinfo=UTC)),
        ("2026-02-01", datetime(2026, 2, 1, tzinfo=UTC)),
        ("2026-02-04T15:10:00Z", datetime(2026, 2, 4, 15, 10, tzinfo=UTC)),
        ("2026-02-04T16:10:00+01:00", datetime(2026, 2, 4, 15, 10, tzinfo=UTC)),
    ],
)
def test_since_forms(text: str, expected: datetime) -> None:
    assert parse_since(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "takes a span like 7d"),
        ("7", "takes a span like 7d"),
        ("7x", "takes a span like 7d"),
        ("0d", "takes a span like 7d"),
        ("-3d", "takes a span like 7d"),
        ("2026-13-01", "takes a span like 7d"),
        ("yesterday", "takes a span like 7d"),
        ("2026-03-01", "is in the future"),
    ],
)
def test_bad_since_says_why(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_since(text, NOW)


def test_bad_since_in_italian() -> None:
    set_language("it")
    with pytest.raises(ValueError, match="--since vuole un intervallo come 7d o 24h") as error:
        parse_since("ieri", NOW)
    assert "non 'ieri'" in str(error.value)
    with pytest.raises(ValueError, match="--since '2026-03-01' è nel futuro"):
        parse_since("2026-03-01", NOW)


# --- outputs ------------------------------------------------------------------------------------


def report() -> HistoryReport:
    since, until = datetime(2026, 1, 28, tzinfo=UTC), datetime(2026, 2, 4, 23, 0, tzinfo=UTC)
    incidents = (
        IncidentRecord(
            "openai",
            "01KGMZ",
            'Elevated error rates, "quoted"',
            State.PARTIAL,
            datetime(2026, 2, 4, 15, 10, tzinfo=UTC),
            datetime(2026, 2, 4, 22, 14, tzinfo=UTC),
            url="https://status.openai.com/incidents/01KGMZ",
        ),
        IncidentRecord(
            "anthropic",
            "p1",
            "Claude API errors",
            State.MAJOR,
            datetime(2026, 2, 2, 9, 0, tzinfo=UTC),
            None,
            seen_after_the_fact=False,
        ),
        IncidentRecord(
            "anthropic",
            "p0",
            "Console outage",
            State.DEGRADED,
            datetime(2026, 1, 30, 9, 0, tzinfo=UTC),
            datetime(2026, 1, 30, 9, 45, tzinfo=UTC),
            seen_after_the_fact=True,
        ),
    )
    figures = (
        ProviderUptime("anthropic", Uptime({State.OPERATIONAL: 992.0, State.UNKNOWN: 3.0, State.MAJOR: 5.0})),
        ProviderUptime("openai", Uptime({State.OPERATIONAL: 1.0})),
    )
    return HistoryReport(since, until, incidents, figures)


def test_json_has_exactly_the_contracts_shape() -> None:
    data = history_json(report())
    assert list(data) == ["since", "until", "incidents", "suspected", "uptime"]
    assert data["since"] == "2026-01-28T00:00:00Z"
    assert data["until"] == "2026-02-04T23:00:00Z"
    assert data["incidents"][0] == {
        "provider": "openai",
        "id": "01KGMZ",
        "name": 'Elevated error rates, "quoted"',
        "impact": "partial",
        "started_at": "2026-02-04T15:10:00Z",
        "resolved_at": "2026-02-04T22:14:00Z",
        "duration_s": 25440,
        "url": "https://status.openai.com/incidents/01KGMZ",
        "seen_after_the_fact": False,
    }
    assert [list(i) for i in data["incidents"]] == [list(INCIDENT_FIELDS)] * 3
    open_one = data["incidents"][1]
    assert open_one["resolved_at"] is None
    assert open_one["duration_s"] == (2 * 24 + 14) * 3600, "an open incident: its duration so far"
    assert data["incidents"][2]["seen_after_the_fact"] is True
    assert data["uptime"] == [
        {"provider": "anthropic", "operational_pct": 99.2, "unknown_pct": 0.3},
        {"provider": "openai", "operational_pct": 100.0, "unknown_pct": 0.0},
    ]
    json.dumps(data)  # plain JSON values only


def test_json_summary_leaves_the_incidents_out() -> None:
    assert list(history_json(report(), summary=True)) == ["since", "until", "uptime"]


def test_csv_uses_the_json_field_names_as_header() -> None:
    rows = list(csv.reader(io.StringIO(history_csv(report()))))
    assert rows[0] == list(INCIDENT_FIELDS)
    assert rows[1] == [
        "openai",
        "01KGMZ",
        'Elevated error rates, "quoted"',
        "partial",
        "2026-02-04T15:10:00Z",
        "2026-02-04T22:14:00Z",
        "25440",
        "https://status.openai.com/incidents/01KGMZ",
        "false",
    ]
    assert rows[2][5] == "", "null is an empty cell"
    assert rows[2][7] == ""
    assert rows[3][-1] == "true"
    summary = list(csv.reader(io.StringIO(history_csv(report(), summary=True))))
    assert summary == [
        ["provider", "operational_pct", "unknown_pct"],
        ["anthropic", "99.2", "0.3"],
        ["openai", "100.0", "0.0"],
    ]


@pytest.mark.usefixtures("local_zone")
def test_dates_times_and_percentages_as_each_language_writes_them() -> None:
    moment = datetime(2026, 2, 4, 15, 10, tzinfo=UTC)
    assert (local_date(moment.date()), local_stamp(moment), local_percent(98.95)) == (
        "2026-02-04",
        "2026-02-04 16:10",
        "98.95\u00a0%",
    )
    assert local_stamp(datetime(2026, 2, 4, 23, 30)) == "2026-02-05 00:30", "naive is UTC, shown local"
    assert local_percent(None) == "–"
    set_language("it")
    assert (local_date(moment.date()), local_stamp(moment), local_percent(98.95)) == (
        "04/02/2026",
        "04/02/2026 16:10",
        "98,95\u00a0%",
    )


@pytest.mark.usefixtures("local_zone")
def test_table_lists_incidents_newest_first_then_uptime() -> None:
    text = history_table(report())
    lines = text.splitlines()
    assert lines[0] == "History from 2026-01-28 01:00 to 2026-02-05 00:00"
    assert lines[2].split() == ["STARTED", "ENDED", "DURATION", "PROVIDER", "IMPACT", "INCIDENT"]
    assert "2026-02-04 16:10  2026-02-04 23:14  7 h 4 min" in lines[3]
    for words in ("ongoing", "2 d 14 h", "major outage"):
        assert words in lines[4]
    assert "Console outage (seen after the fact)" in lines[5]
    assert "anthropic  99.20\u00a0%      0.30\u00a0%" in text
    summary = history_table(report(), summary=True)
    assert "STARTED" not in summary
    assert "99.20\u00a0%" in summary


@pytest.mark.usefixtures("local_zone")
def test_table_in_italian() -> None:
    set_language("it")
    text = history_table(report())
    lines = text.splitlines()
    assert lines[0] == "Cronologia dal 28/01/2026 01:00 al 05/02/2026 00:00"
    assert lines[2].split() == ["INIZIO", "FINE", "DURATA", "SERVIZIO", "IMPATTO", "INCIDENTE"]
    assert "04/02/2026 16:10  04/02/2026 23:14  7 h 4 min" in lines[3]
    assert "interruzione parziale" in lines[3]
    for words in ("in corso", "2 gg 14 h", "interruzione grave"):
        assert words in lines[4]
    assert "Console outage (rilevato a posteriori)" in lines[5]
    assert "anthropic  99,20\u00a0%    0,30\u00a0%       16 min" in text.splitlines()
    summary = history_table(report(), summary=True)
    assert summary.splitlines()[2].split() == ["SERVIZIO", "OPERATIVO", "SCONOSCIUTO", "OSSERVATO"]
    empty = history_table(HistoryReport(NOW - timedelta(days=7), NOW))
    assert "Nessun incidente registrato in questo periodo." in empty
    assert "Nessuna osservazione in questo periodo." in empty


def test_json_and_csv_are_the_same_in_every_language() -> None:
    english = (json.dumps(history_json(report())), history_csv(report()), history_csv(report(), summary=True))
    set_language("it")
    italian = (json.dumps(history_json(report())), history_csv(report()), history_csv(report(), summary=True))
    assert italian == english


def test_an_empty_report_says_so() -> None:
    text = history_table(HistoryReport(NOW - timedelta(days=7), NOW))
    assert "No incidents recorded in this period." in text
    assert "Nothing observed in this period." in text
    assert history_json(HistoryReport(NOW, NOW))["incidents"] == []
