"""A realistic 90-day history for two providers, built from periods as the database holds them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from trayapp.core.history.figures import IncidentRecord, Period, ProviderHistory, provider_history
from trayapp.model import State

HOSTILE_NAME = "<img src=x onerror=\"document.title='pwned'\">"


def _periods(
    now: datetime, troubles: list[tuple[float, float, State]], gaps: list[tuple[float, float]]
) -> list[Period]:
    """Operational for 95 days up to `now`, with `troubles` (days ago, hours, state), and gaps
    (from, to days ago) when the page was not read."""
    start = now - timedelta(days=95)
    marks: list[tuple[datetime, datetime, State]] = []
    for days_ago, hours, state in sorted(troubles, reverse=True):
        begin = now - timedelta(days=days_ago)
        marks.append((begin, begin + timedelta(hours=hours), state))
    periods: list[Period] = []
    cursor = start
    for begin, end, state in marks:
        periods.append(Period(State.OPERATIONAL, cursor, begin))
        periods.append(Period(state, begin, end))
        cursor = end
    periods.append(Period(State.OPERATIONAL, cursor, now))
    # Cut the not-watched gaps out.
    for gap_from, gap_to in gaps:
        cut_from, cut_to = now - timedelta(days=gap_from), now - timedelta(days=gap_to)
        kept: list[Period] = []
        for period in periods:
            if period.end <= cut_from or period.start >= cut_to:
                kept.append(period)
                continue
            if period.start < cut_from:
                kept.append(Period(period.state, period.start, cut_from))
            if period.end > cut_to:
                kept.append(Period(period.state, cut_to, period.end))
        periods = kept
    return periods


def sample_history(now: datetime) -> dict[str, ProviderHistory]:
    """OpenAI: a rough quarter (the partial outage now open); Anthropic: calm, one unreachable night."""
    openai_troubles = [
        (81.3, 3.0, State.DEGRADED),
        (62.6, 5.5, State.MAJOR),
        (40.2, 2.0, State.PARTIAL),
        (33.9, 1.0, State.MAINTENANCE),
        (19.4, 7.0, State.DEGRADED),
        (8.5, 1.5, State.PARTIAL),
        (52 / 1440, 1.0, State.PARTIAL),
    ]
    # Not running for three days; the page unreachable for two hours twelve days ago.
    openai_page = _periods(now, openai_troubles, gaps=[(27.0, 24.0), (12 + 3 / 24, 12 + 1 / 24)])
    openai_unknown = [(now - timedelta(days=12, hours=3), now - timedelta(days=12, hours=1))]
    openai_incidents = [
        IncidentRecord(
            "openai",
            "01KGMZ7Q",
            "Elevated error rates for ChatGPT conversations",
            State.PARTIAL,
            now - timedelta(minutes=52),
            None,
            url="https://status.openai.com/incidents/01KGMZ7Q",
        ),
        IncidentRecord(
            "openai",
            "01KF2",
            "Increased latency for the Responses API",
            State.PARTIAL,
            now - timedelta(days=8, hours=12),
            now - timedelta(days=8, hours=10, minutes=30),
            url="https://status.openai.com/incidents/01KF2",
        ),
        IncidentRecord(
            "openai",
            "01KD9",
            "Degraded performance of file uploads",
            State.DEGRADED,
            now - timedelta(days=25, hours=6),
            now - timedelta(days=25, hours=4),
            url="https://status.openai.com/incidents/01KD9",
            seen_after_the_fact=True,
        ),
        IncidentRecord(
            "openai",
            "01KA1",
            "Sora video generation unavailable",
            State.DEGRADED,
            now - timedelta(days=19, hours=9),
            now - timedelta(days=19, hours=2),
            url="https://status.openai.com/incidents/01KA1",
        ),
        IncidentRecord(
            "openai",
            "01K77",
            "ChatGPT unavailable for most users",
            State.MAJOR,
            now - timedelta(days=62, hours=14),
            now - timedelta(days=62, hours=8, minutes=30),
            url="https://status.openai.com/incidents/01K77",
        ),
    ]
    openai_components = {
        "APIs / Chat Completions": _periods(now, [(62.6, 5.5, State.MAJOR)], gaps=[(27.0, 24.0)]),
        "APIs / Responses": _periods(now, [(8.5, 1.5, State.PARTIAL), (52 / 1440, 1.0, State.DEGRADED)], []),
        "ChatGPT / Conversations": _periods(
            now, [(62.6, 5.5, State.MAJOR), (52 / 1440, 1.0, State.PARTIAL)], gaps=[(27.0, 24.0)]
        ),
        "Sora": _periods(now, [(19.4, 7.0, State.DEGRADED)], gaps=[(27.0, 24.0)]),
    }
    anthropic_page = _periods(
        now, [(45.5, 0.75, State.DEGRADED)], gaps=[(27.0, 24.0), (95, 70), (5 + 22 / 24, 5 + 17 / 24)]
    )
    anthropic_unknown = [(now - timedelta(days=5, hours=22), now - timedelta(days=5, hours=17))]
    anthropic_incidents = [
        IncidentRecord(
            "anthropic",
            "p1",
            "Elevated errors on Claude Opus",
            State.DEGRADED,
            now - timedelta(days=45, hours=12),
            now - timedelta(days=45, hours=11, minutes=15),
            url="https://status.anthropic.com/incidents/p1",
        )
    ]
    anthropic_components = {
        name: _periods(now, [], gaps=[(27.0, 24.0), (95, 70)])
        for name in ("claude.ai", "Claude Console", "Claude API", "Claude Code")
    }
    return {
        "openai": provider_history(
            "openai", openai_page, openai_unknown, openai_components, openai_incidents, now, UTC
        ),
        "anthropic": provider_history(
            "anthropic",
            anthropic_page,
            anthropic_unknown,
            anthropic_components,
            anthropic_incidents,
            now,
            UTC,
        ),
    }


def hostile_history(now: datetime) -> dict[str, ProviderHistory]:
    """Markup in every place a status page can put text into the history."""
    incident = IncidentRecord(
        "evil",
        HOSTILE_NAME,
        HOSTILE_NAME,
        State.MAJOR,
        now - timedelta(hours=5),
        now - timedelta(hours=1),
        url="javascript:document.title='pwned'",
    )
    page = [Period(State.MAJOR, now - timedelta(days=2), now)]
    history = provider_history("evil", page, [], {HOSTILE_NAME: page}, [incident], now, UTC)
    return {"evil": history}


NOW = datetime(2026, 2, 4, 19, 2, 11, tzinfo=UTC)
