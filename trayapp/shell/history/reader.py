"""Reads the history database into the core's plain values (for the command and the details page).

Reading never creates the file: with no history yet, the answers are empty. A file of an
older schema is migrated on the way (the running app would do the same).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TypeVar

from trayapp.core.history.figures import (
    LONG_DAYS,
    HistoryReport,
    IncidentRecord,
    Period,
    ProviderHistory,
    ProviderUptime,
    SuspectedPeriod,
    day_starts,
    latest_first,
    newest_first,
    provider_history,
    timeline,
    uptime,
)
from trayapp.model import State
from trayapp.shell.history.db import WHOLE, HistoryError, from_ms, open_history, to_ms

T = TypeVar("T")

_SUSPECTED_COLUMNS = "provider, source, reason, failed, checks, seen, start_ms, end_ms, status"
_INCIDENT_COLUMNS = (
    "provider, incident_id, name, impact, status, url, maintenance, components, started_ms, resolved_ms,"
    " seen_after_the_fact, resolved_while_away"
)


def _state(label: str) -> State:
    try:
        return State.from_label(label)
    except ValueError:
        return State.UNKNOWN


def _names(text: str) -> tuple[str, ...]:
    try:
        return tuple(str(name) for name in json.loads(text))
    except (ValueError, TypeError):
        return ()


def _incident(row: Sequence[object]) -> IncidentRecord:
    return IncidentRecord(
        provider=str(row[0]),
        id=str(row[1]),
        name=str(row[2]),
        impact=_state(str(row[3])),
        status=str(row[4]),
        url=str(row[5]) if row[5] is not None else None,
        maintenance=bool(row[6]),
        components=_names(str(row[7])),
        started_at=from_ms(int(str(row[8]))),
        resolved_at=from_ms(int(str(row[9]))) if row[9] is not None else None,
        seen_after_the_fact=bool(row[10]),
        resolved_while_away=bool(row[11]),
    )


def _suspected(row: Sequence[object]) -> SuspectedPeriod:
    return SuspectedPeriod(
        provider=str(row[0]),
        source=str(row[1]),
        reason=str(row[2]),
        failed=int(str(row[3])),
        checks=int(str(row[4])),
        seen=str(row[5]),
        started_at=from_ms(int(str(row[6]))),
        ended_at=None if row[8] == "ongoing" else from_ms(int(str(row[7]))),
    )


class _Reader:
    """Queries over one open connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.db = connection

    def providers(self) -> list[str]:
        rows = self.db.execute(
            "SELECT DISTINCT provider FROM page_states UNION SELECT DISTINCT provider FROM unknown_periods"
            " UNION SELECT DISTINCT provider FROM incidents"
            " UNION SELECT DISTINCT provider FROM suspected_periods ORDER BY 1"
        ).fetchall()
        return [str(row[0]) for row in rows]

    def page_periods(self, provider: str, component: str, since: int, until: int) -> list[Period]:
        rows = self.db.execute(
            "SELECT state, start_ms, end_ms FROM page_states WHERE provider = ? AND component = ?"
            " AND end_ms >= ? AND start_ms <= ?",
            (provider, component, since, until),
        ).fetchall()
        return [Period(_state(str(state)), from_ms(start), from_ms(end)) for state, start, end in rows]

    def component_periods(self, provider: str, since: int, until: int) -> dict[str, list[Period]]:
        rows = self.db.execute(
            "SELECT component, state, start_ms, end_ms FROM page_states WHERE provider = ? AND component != ?"
            " AND end_ms >= ? AND start_ms <= ? ORDER BY id",
            (provider, WHOLE, since, until),
        ).fetchall()
        found: dict[str, list[Period]] = {}
        for component, state, start, end in rows:
            found.setdefault(str(component), []).append(
                Period(_state(str(state)), from_ms(start), from_ms(end))
            )
        return found

    def unknown_periods(self, provider: str, since: int, until: int) -> list[tuple[datetime, datetime]]:
        rows = self.db.execute(
            "SELECT start_ms, end_ms FROM unknown_periods"
            " WHERE provider = ? AND end_ms >= ? AND start_ms <= ?",
            (provider, since, until),
        ).fetchall()
        return [(from_ms(start), from_ms(end)) for start, end in rows]

    def incidents(self, since: int, until: int, provider: str | None = None) -> list[IncidentRecord]:
        query = (
            f"SELECT {_INCIDENT_COLUMNS} FROM incidents WHERE started_ms <= ?"
            " AND (resolved_ms IS NULL OR resolved_ms >= ?)"
        )
        arguments: tuple[object, ...] = (until, since)
        if provider is not None:
            query += " AND provider = ?"
            arguments += (provider,)
        return [_incident(row) for row in self.db.execute(query, arguments).fetchall()]

    def suspected(self, since: int, until: int, provider: str | None = None) -> list[SuspectedPeriod]:
        # An ongoing spell's end on disk may lag (it is written with the next change): it lasts until now.
        query = (
            f"SELECT {_SUSPECTED_COLUMNS} FROM suspected_periods WHERE start_ms <= ?"
            " AND (status = 'ongoing' OR end_ms >= ?)"
        )
        arguments: tuple[object, ...] = (until, since)
        if provider is not None:
            query += " AND provider = ?"
            arguments += (provider,)
        return [_suspected(row) for row in self.db.execute(query, arguments).fetchall()]

    def provider_uptime(self, provider: str, since: datetime, until: datetime) -> ProviderUptime:
        start, end = to_ms(since), to_ms(until)
        line = timeline(
            self.page_periods(provider, WHOLE, start, end), self.unknown_periods(provider, start, end)
        )
        return ProviderUptime(provider, uptime(line, since, until))


def _with_reader(path: Path, use: Callable[[_Reader], T]) -> T | None:
    connection = open_history(path, create=False)
    if connection is None:
        return None
    try:
        return use(_Reader(connection))
    except sqlite3.Error as error:
        raise HistoryError(str(error)) from None
    finally:
        connection.close()


def known_providers(path: Path) -> set[str]:
    """Every provider id the history mentions."""
    return set(_with_reader(path, lambda reader: reader.providers()) or [])


def read_report(path: Path, since: datetime, until: datetime, provider: str | None = None) -> HistoryReport:
    """Incidents open and suspected periods under way at some time in [since, until] (newest
    first), and uptime per provider.

    A provider appears in the uptime list when trayapp observed it in the span. Raises
    HistoryError when the file cannot be read.
    """

    def read(reader: _Reader) -> HistoryReport:
        incidents = reader.incidents(to_ms(since), to_ms(until), provider)
        suspected = reader.suspected(to_ms(since), to_ms(until), provider)
        providers = [provider] if provider is not None else reader.providers()
        figures = [reader.provider_uptime(p, since, until) for p in providers]
        return HistoryReport(
            since,
            until,
            newest_first(incidents),
            tuple(f for f in figures if f.uptime.observed > 0),
            latest_first(suspected),
        )

    return _with_reader(path, read) or HistoryReport(since, until)


def read_page_history(
    path: Path, provider_ids: Iterable[str], now: datetime, zone: tzinfo | None = None
) -> dict[str, ProviderHistory]:
    """The details page's history of each provider (empty when there is no history yet)."""
    zone = zone or datetime.now().astimezone().tzinfo or UTC
    since = day_starts(LONG_DAYS, now, zone)[0]
    start, end = to_ms(since), to_ms(now)

    def read(reader: _Reader) -> dict[str, ProviderHistory]:
        return {
            provider: provider_history(
                provider,
                reader.page_periods(provider, WHOLE, start, end),
                reader.unknown_periods(provider, start, end),
                reader.component_periods(provider, start, end),
                reader.incidents(start, end, provider),
                now,
                zone,
                reader.suspected(start, end, provider),
            )
            for provider in provider_ids
        }

    return _with_reader(path, read) or {}


class PageHistoryCache:
    """read_page_history, re-read at most every `ttl` seconds (the page is rewritten on every poll)."""

    def __init__(self, ttl: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._key: tuple[Path, tuple[str, ...]] | None = None
        self._value: Mapping[str, ProviderHistory] = {}
        self._at = 0.0

    def get(self, path: Path, provider_ids: Sequence[str], now: datetime) -> Mapping[str, ProviderHistory]:
        """The history of these providers, from the cache when it is fresh."""
        key = (path, tuple(provider_ids))
        with self._lock:
            if key == self._key and self._clock() - self._at < self._ttl:
                return self._value
        value = read_page_history(path, provider_ids, now)
        with self._lock:
            self._key, self._value, self._at = key, value, self._clock()
        return value
