"""The history as figures: a timeline from recorded periods, daily bars, uptime, durations, `--since`.

Pure: it works on the plain values the history database gives back (shell/history/reader.py).

What counts, and why:

- A *page period* is a stretch of time in one state as the status page told it; an *unknown
  period* is a stretch when trayapp could not read the page and showed the provider unknown
  (three failed polls in a row): from the last successful read until the next one. At any
  instant the page's story wins: if a page period covers it, the instant is in
  the worst state of those that do (two trayapp processes may both have recorded it); else, if
  an unknown period covers it, it is unknown; else trayapp was not watching (not running,
  asleep, or the provider not configured) and the instant is not *observed* at all.
- Uptime is measured over observed time only. `operational_pct` is the share spent operational
  or under maintenance (scheduled maintenance is not downtime, as on the pages themselves);
  `unknown_pct` the share spent unknown. The rest was degraded, partial or major.
- Uptime is what the page said: a *suspected period* (trayapp's probes failing while the page
  said all was well) is listed on its own and takes nothing off `operational_pct`.
- A day's bar is the worst state observed that day, in the local calendar (the time zone is a
  parameter); a day with nothing observed has no state.

Dates and times shown to people (`local_date`, `local_stamp`) are in the local time zone and
the user's language; the JSON and CSV use `trayapp.core.text.iso_utc`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from trayapp.core.text import as_utc, clock, or_unknown_time
from trayapp.i18n import N_, _, pgettext
from trayapp.model import State

#: States that count as "up" for uptime.
UP_STATES = frozenset({State.OPERATIONAL, State.MAINTENANCE})

#: Days of history shown on the details page, and the shorter span of narrow screens.
LONG_DAYS = 90
SHORT_DAYS = 30

# User-facing messages (the command line prints them), translated where they are raised.
# Translators: {text} is what the user wrote after --since, quoted.
SINCE_FORMAT_ERROR = N_("--since takes a span like 7d or 24h, or a date like 2026-02-01, not {text}")
# Translators: {text} is what the user wrote after --since, quoted.
SINCE_FUTURE_ERROR = N_("--since {text} is in the future")

_SPAN = re.compile(r"^\s*(\d{1,5})\s*([dhw])\s*$", re.IGNORECASE)
_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")


def local_date(day: date) -> str:
    """A calendar day, short, as the user's language writes it: '2026-02-04' (Italian '04/02/2026')."""
    # Translators: a date in tables and charts, e.g. "2026-02-04"; reorder and change the separators
    # as your language writes dates (Italian: "{day}/{month}/{year}").
    return _("{year}-{month}-{day}").format(
        year=f"{day.year:04}", month=f"{day.month:02}", day=f"{day.day:02}"
    )


def local_percent(value: float | None) -> str:
    """A percentage with two decimals as the user's language writes it: '98.95 %' (Italian '98,95 %').

    The space before '%' is a no-break space, so a number never wraps away from its sign.
    """
    if value is None:
        return "–"
    # Translators: the decimal separator of numbers shown to people ("," in Italian).
    separator = pgettext("decimal separator", ".")
    return f"{value:.2f}".replace(".", separator) + "\u00a0%"


@or_unknown_time
def local_stamp(moment: datetime) -> str:
    """A moment in the local time zone, short: '2026-02-04 16:10' (Italian '04/02/2026 16:10')."""
    return f"{local_date(as_utc(moment).astimezone().date())} {clock(moment)}"


@dataclass(frozen=True)
class Period:
    """A stretch of time in one state, from `start` to `end`."""

    state: State
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        """Its length in seconds (0 when it ends before it starts)."""
        return max(0.0, (self.end - self.start).total_seconds())


def timeline(page: Iterable[Period], unknown: Iterable[tuple[datetime, datetime]] = ()) -> list[Period]:
    """One sorted, non-overlapping list of observed stretches (see the module's rules).

    Touching stretches in the same state are joined; time nobody observed is left out.
    """
    changes: list[tuple[datetime, int, State | None]] = []
    for period in page:
        if period.end > period.start:
            changes += [(period.start, 1, period.state), (period.end, -1, period.state)]
    for start, end in unknown:
        if end > start:
            changes += [(start, 1, None), (end, -1, None)]
    changes.sort(key=lambda change: change[0])
    covering: dict[State | None, int] = {}
    result: list[Period] = []
    index = 0
    while index < len(changes):
        moment = changes[index][0]
        while index < len(changes) and changes[index][0] == moment:
            _moment, delta, key = changes[index]
            covering[key] = covering.get(key, 0) + delta
            index += 1
        if index == len(changes):
            break
        state = _covering_state(covering)
        if state is None:
            continue
        following = changes[index][0]
        if result and result[-1].state == state and result[-1].end == moment:
            result[-1] = Period(state, result[-1].start, following)
        else:
            result.append(Period(state, moment, following))
    return result


def _covering_state(covering: Mapping[State | None, int]) -> State | None:
    page_states = [key for key, count in covering.items() if key is not None and count > 0]
    if page_states:
        return max(page_states)
    return State.UNKNOWN if covering.get(None, 0) > 0 else None


def seconds_by_state(periods: Iterable[Period], since: datetime, until: datetime) -> dict[State, float]:
    """Observed seconds per state of `periods` (a timeline) between `since` and `until`."""
    totals: dict[State, float] = {}
    for period in periods:
        start, end = max(period.start, since), min(period.end, until)
        if end > start:
            totals[period.state] = totals.get(period.state, 0.0) + (end - start).total_seconds()
    return totals


def percent(part: float, whole: float) -> float | None:
    """`part` as a percentage of `whole`, two decimals; None when `whole` is 0.

    Never rounds a loss away: anything short of all is at most 99.99, anything above none
    at least 0.01.
    """
    if whole <= 0:
        return None
    value = round(100.0 * part / whole, 2)
    if part < whole and value >= 100.0:
        return 99.99
    if part > 0 and value <= 0.0:
        return 0.01
    return value


@dataclass(frozen=True)
class Uptime:
    """Observed seconds per state over a span, and the contract's two percentages."""

    seconds: Mapping[State, float] = field(default_factory=dict)

    @property
    def observed(self) -> float:
        """Seconds observed (page read or trayapp unable to read it)."""
        return sum(self.seconds.values())

    @property
    def up(self) -> float:
        """Seconds operational or under maintenance."""
        return sum(seconds for state, seconds in self.seconds.items() if state in UP_STATES)

    @property
    def unknown(self) -> float:
        """Seconds unknown."""
        return self.seconds.get(State.UNKNOWN, 0.0)

    @property
    def operational_pct(self) -> float | None:
        """Share of observed time up, in percent (None when nothing was observed)."""
        return percent(self.up, self.observed)

    @property
    def unknown_pct(self) -> float | None:
        """Share of observed time unknown, in percent (None when nothing was observed)."""
        return percent(self.unknown, self.observed)


def uptime(periods: Iterable[Period], since: datetime, until: datetime) -> Uptime:
    """The uptime of a timeline between `since` and `until`."""
    return Uptime(seconds_by_state(periods, since, until))


@dataclass(frozen=True)
class DayBar:
    """One day of a bar chart: observed seconds per state, out of `span` seconds of the day."""

    day: date
    seconds: Mapping[State, float]
    span: float

    @property
    def worst(self) -> State | None:
        """The worst state observed that day; None when nothing was observed."""
        return max((state for state, seconds in self.seconds.items() if seconds > 0), default=None)

    @property
    def observed(self) -> float:
        """Seconds observed that day."""
        return sum(self.seconds.values())

    @property
    def unobserved(self) -> float:
        """Seconds of the day (so far) nobody observed."""
        return max(0.0, self.span - self.observed)


def day_starts(days: int, now: datetime, zone: tzinfo) -> list[datetime]:
    """The UTC instants where the last `days` local days start, oldest first, and the next midnight."""
    today = as_utc(now).astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    return [as_utc(datetime.combine(first + timedelta(days=n), time(), tzinfo=zone)) for n in range(days + 1)]


def day_bars(periods: Sequence[Period], days: int, now: datetime, zone: tzinfo = UTC) -> tuple[DayBar, ...]:
    """One bar per local day for the last `days` days, oldest first; today counts up to `now`."""
    now = as_utc(now)
    starts = day_starts(days, now, zone)
    totals: list[dict[State, float]] = [{} for _day in range(days)]
    for period in periods:
        first = max(0, bisect.bisect_right(starts, period.start) - 1)
        for index in range(first, days):
            start, end = max(period.start, starts[index]), min(period.end, starts[index + 1], now)
            if starts[index] >= period.end:
                break
            if end > start:
                bucket = totals[index]
                bucket[period.state] = bucket.get(period.state, 0.0) + (end - start).total_seconds()
    bars = []
    for index in range(days):
        span = max(0.0, (min(starts[index + 1], now) - starts[index]).total_seconds())
        local_day = starts[index].astimezone(zone).date()
        bars.append(DayBar(local_day, totals[index], span))
    return tuple(bars)


@dataclass(frozen=True)
class IncidentRecord:
    """One incident as the history holds it.

    `impact` is the worst impact it had; `started_at` is the page's start time when the page
    gave one, else when trayapp first saw it; `resolved_at` is None while it is open.
    `seen_after_the_fact`: it started and ended while trayapp was not running (read from the
    page's list of past incidents). `resolved_while_away`: trayapp saw it open, and it was over
    at the next start (its end is the page's time when the page gave one, else that start).
    """

    provider: str
    id: str
    name: str
    impact: State
    started_at: datetime
    resolved_at: datetime | None = None
    url: str | None = None
    status: str = ""
    components: tuple[str, ...] = ()
    maintenance: bool = False
    seen_after_the_fact: bool = False
    resolved_while_away: bool = False

    def duration(self, now: datetime) -> float:
        """Seconds from start to resolution, or to `now` while it is open (never negative)."""
        end = self.resolved_at if self.resolved_at is not None else now
        return max(0.0, (as_utc(end) - as_utc(self.started_at)).total_seconds())

    def overlaps(self, since: datetime, until: datetime) -> bool:
        """Whether it was open at some time between `since` and `until`."""
        end = self.resolved_at if self.resolved_at is not None else until
        return as_utc(self.started_at) <= as_utc(until) and as_utc(end) >= as_utc(since)


@dataclass(frozen=True)
class SuspectedPeriod:
    """A spell of suspected trouble as the history holds it: a probe failing while the page said all is well.

    `source` is "edge" (the API edge) or "deep" (the model API); `reason` the verdict's own words
    (English, as `status --json` gives them) and `failed`, `checks`, `seen` the same in parts,
    for the user's language. `ended_at` is None while the spell lasts; a spell trayapp stopped
    watching ends where it was last seen.
    """

    provider: str
    source: str
    reason: str
    started_at: datetime
    ended_at: datetime | None = None
    failed: int = 0
    checks: int = 0
    seen: str = ""

    def duration(self, now: datetime) -> float:
        """Seconds from start to end, or to `now` while it lasts (never negative)."""
        end = self.ended_at if self.ended_at is not None else now
        return max(0.0, (as_utc(end) - as_utc(self.started_at)).total_seconds())

    def overlaps(self, since: datetime, until: datetime) -> bool:
        """Whether it lasted at some time between `since` and `until`."""
        end = self.ended_at if self.ended_at is not None else until
        return as_utc(self.started_at) <= as_utc(until) and as_utc(end) >= as_utc(since)


def latest_first(periods: Iterable[SuspectedPeriod]) -> tuple[SuspectedPeriod, ...]:
    """Suspected periods by start time, newest first (provider and source break ties)."""
    ordered = sorted(periods, key=lambda p: (p.provider, p.source))
    return tuple(sorted(ordered, key=lambda p: as_utc(p.started_at), reverse=True))


def newest_first(incidents: Iterable[IncidentRecord]) -> tuple[IncidentRecord, ...]:
    """Incidents by start time, newest first (provider and id break ties)."""
    ordered = sorted(incidents, key=lambda i: (i.provider, i.id))
    return tuple(sorted(ordered, key=lambda i: as_utc(i.started_at), reverse=True))


def _local_midnight(day: date) -> datetime:
    """The first moment of `day` in the local time zone, in UTC."""
    # A naive local time placed in the zone: the zone's offset on that day, DST included.
    return as_utc(datetime.combine(day, time()).astimezone())


def parse_since(text: str, now: datetime) -> datetime:
    """The start of a `--since` span: `7d` (local midnight seven days ago), `24h`, `2w`,
    a date `2026-02-01` (its local midnight) or an ISO time; ValueError with the reason.

    Days start at the local midnight, as the tables show times in the local zone.
    """
    now = as_utc(now)
    span = _SPAN.match(text)
    if span:
        count, unit = int(span.group(1)), span.group(2).lower()
        if count < 1:
            raise ValueError(_(SINCE_FORMAT_ERROR).format(text=repr(text)))
        if unit == "h":
            return now - timedelta(hours=count)
        days = count * (7 if unit == "w" else 1)
        return _local_midnight(now.astimezone().date() - timedelta(days=days))
    try:
        if _DATE.match(text):
            moment = _local_midnight(date.fromisoformat(text.strip()))
        else:
            moment = as_utc(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))
    except ValueError:
        raise ValueError(_(SINCE_FORMAT_ERROR).format(text=repr(text))) from None
    if moment > now:
        raise ValueError(_(SINCE_FUTURE_ERROR).format(text=repr(text)))
    return moment


@dataclass(frozen=True)
class ProviderUptime:
    """One provider's uptime over a report's span."""

    provider: str
    uptime: Uptime


@dataclass(frozen=True)
class HistoryReport:
    """What `trayapp history` prints: incidents and suspected periods newest first, uptime per provider."""

    since: datetime
    until: datetime
    incidents: tuple[IncidentRecord, ...] = ()
    uptime: tuple[ProviderUptime, ...] = ()
    suspected: tuple[SuspectedPeriod, ...] = ()


@dataclass(frozen=True)
class ComponentUptime:
    """One component's uptime over the short and the long span (of the time its page was read)."""

    name: str
    short: Uptime
    long: Uptime


@dataclass(frozen=True)
class ProviderHistory:
    """One provider's history as the details page shows it."""

    provider: str
    bars: tuple[DayBar, ...]
    short: Uptime
    long: Uptime
    components: tuple[ComponentUptime, ...] = ()
    incidents: tuple[IncidentRecord, ...] = ()
    short_since: datetime | None = None
    long_since: datetime | None = None
    suspected: tuple[SuspectedPeriod, ...] = ()

    @property
    def observed_anything(self) -> bool:
        """Whether anything at all was recorded in the long span."""
        return self.long.observed > 0 or bool(self.incidents) or bool(self.suspected)


def provider_history(
    provider: str,
    page: Sequence[Period],
    unknown: Sequence[tuple[datetime, datetime]],
    components: Mapping[str, Sequence[Period]],
    incidents: Iterable[IncidentRecord],
    now: datetime,
    zone: tzinfo = UTC,
    suspected: Iterable[SuspectedPeriod] = (),
) -> ProviderHistory:
    """Bars, uptime, recent incidents and suspected periods of one provider over the last LONG_DAYS days."""
    now = as_utc(now)
    starts = day_starts(LONG_DAYS, now, zone)
    long_since, short_since = starts[0], starts[LONG_DAYS - SHORT_DAYS]
    line = timeline(page, unknown)
    parts = []
    for name, periods in components.items():
        component_line = timeline(periods)
        parts.append(
            ComponentUptime(
                name, uptime(component_line, short_since, now), uptime(component_line, long_since, now)
            )
        )
    recent = newest_first(i for i in incidents if i.overlaps(long_since, now))
    return ProviderHistory(
        provider=provider,
        bars=day_bars(line, LONG_DAYS, now, zone),
        short=uptime(line, short_since, now),
        long=uptime(line, long_since, now),
        components=tuple(parts),
        incidents=recent,
        short_since=short_since,
        long_since=long_since,
        suspected=latest_first(p for p in suspected if p.overlaps(long_since, now)),
    )
