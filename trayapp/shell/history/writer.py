"""Writes poll records into the history database (one thread only: the recorder's).

Periods are kept as *stretches*: a row whose end moves forward with each poll that sees the
same thing. A change ends the row at the poll that saw it and starts a new one there, so the
rows of one provider tile its time without gaps while trayapp watches it. A stretch is only
continued by a poll at most `gap_for(provider)` seconds after its end (and never across runs:
a new writer starts new rows), so time trayapp was not running, or the machine slept, stays
a gap: not observed.

- The provider's story (`page_states`, one row set for the provider as a whole under the
  component '', one per component) is continued only by polls that read the page.
- trayapp's story: `unknown_periods` while the provider is unknown because its page could not
  be read (it starts where the page was last read, when that is continuous),
  `fetch_failures`, one row per run of failed fetches with the same reason, and
  `suspected_periods`, one row per spell of suspected trouble and probe (from SuspicionRecords):
  opened when the probe's suspicion starts (at its `since`), closed when it ends. A spell
  still under way when trayapp stops is marked "stopped" at its last sight; seen again by the
  next run within `gap_for` of that, it goes on in the same row (a restart neither loses nor
  doubles it).

A poll that only continues its stretches ("still the same") writes nothing: the new ends are
kept in memory and written by `flush_ends`, which the recorder calls with any real change
(a new row, an incident, a failure or a suspicion that starts or ends), every few minutes
and at shutdown.
Anything else opens a transaction (`BEGIN IMMEDIATE`) on the connection when it first
writes; the caller commits.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from trayapp.core.history.limits import MIN_GAP_SECONDS
from trayapp.core.history.record import (
    SUSPECTED_SOURCES,
    HistoryItem,
    IncidentNote,
    PastIncident,
    SuspectedSource,
    SuspicionRecord,
)
from trayapp.model import Incident, State, Suspicion
from trayapp.shell.history.db import WHOLE, to_ms


@dataclass
class _Stretch:
    row: int
    value: str
    start_ms: int
    end_ms: int
    count: int = 1  # fetch failures only: the polls in the run


_SpellKey = tuple[str, SuspectedSource]  # (provider, source)
ONGOING, ENDED, STOPPED = "ongoing", "ended", "stopped"  # suspected_periods.status


def _worse(old: str, new: State) -> str:
    try:
        previous = State.from_label(old)
    except ValueError:
        return new.label
    return max(previous, new).label


def _merged_names(old_json: str, new: Iterable[str]) -> str:
    try:
        names = [str(name) for name in json.loads(old_json)]
    except (ValueError, TypeError):
        names = []
    names += [name for name in new if name not in names]
    return json.dumps(names, ensure_ascii=False)


class HistoryWriter:
    """Applies PollRecords to an open history connection (callers commit)."""

    def __init__(self, connection: sqlite3.Connection, gap_for: Callable[[str], float] | None = None) -> None:
        self._db = connection
        self._gap_for = gap_for or (lambda _provider: MIN_GAP_SECONDS)
        self._page: dict[tuple[str, str], _Stretch] = {}
        self._unknown: dict[str, _Stretch] = {}
        self._failures: dict[str, _Stretch] = {}
        self._read_once: set[str] = set()
        self._unwritten: dict[tuple[str, int], _Stretch] = {}  # continued stretches, by (table, row)
        self._spells: dict[_SpellKey, _Stretch] = {}  # suspected spells under way in this run
        self._spell_ends: dict[_SpellKey, int] = {}  # where this run's last spell of each ended
        # The last spell of each probe an earlier run (or writer) left ongoing or stopped, with its
        # status as value: read at the first record, continued when seen again soon enough.
        self._left: dict[_SpellKey, _Stretch] | None = None

    @property
    def pending(self) -> bool:
        """Whether some stretch was continued in memory only (see `flush_ends`)."""
        return bool(self._unwritten)

    def _write(self, statement: str, parameters: tuple[object, ...]) -> sqlite3.Cursor:
        """Run a write, in a transaction opened by the first one (a real change)."""
        if not self._db.in_transaction:
            self._db.execute("BEGIN IMMEDIATE")
        return self._db.execute(statement, parameters)

    def _news(self) -> None:
        """Something changed that no row of its own says (a failure ended): write soon."""
        if not self._db.in_transaction:
            self._db.execute("BEGIN IMMEDIATE")

    def flush_ends(self) -> None:
        """Write the ends of the stretches continued since the last flush."""
        for (table, row), stretch in self._unwritten.items():
            if table == "fetch_failures":
                self._write(
                    "UPDATE fetch_failures SET last_ms = ?, count = ? WHERE id = ?",
                    (stretch.end_ms, stretch.count, row),
                )
            else:
                self._write(f"UPDATE {table} SET end_ms = ? WHERE id = ?", (stretch.end_ms, row))
        self._unwritten.clear()

    def _gap_ms(self, provider: str) -> int:
        try:
            return round(max(0.0, float(self._gap_for(provider))) * 1000)
        except Exception:  # noqa: BLE001 - a bad callback must not stop the history
            return round(MIN_GAP_SECONDS * 1000)

    # --- stretches ---------------------------------------------------------------------------

    def _continue(self, table: str, stretch: _Stretch | None, at: int, gap: int) -> bool:
        """Move the stretch's end to `at` (in memory) when it is continuous with it; whether it was."""
        if stretch is None or at < stretch.end_ms or at - stretch.end_ms > gap:
            return False
        stretch.end_ms = at
        self._unwritten[(table, stretch.row)] = stretch
        return True

    def _page_state(self, provider: str, component: str, state: State, at: int, gap: int) -> None:
        key = (provider, component)
        stretch = self._page.get(key)
        continued = self._continue("page_states", stretch, at, gap)
        if continued and stretch is not None and stretch.value == state.label:
            return
        cursor = self._write(
            "INSERT INTO page_states (provider, component, state, start_ms, end_ms) VALUES (?, ?, ?, ?, ?)",
            (provider, component, state.label, at, at),
        )
        self._page[key] = _Stretch(int(cursor.lastrowid or 0), state.label, at, at)

    def _end_unknown(self, provider: str, at: int, gap: int) -> None:
        stretch = self._unknown.pop(provider, None)
        self._continue("unknown_periods", stretch, at, gap)

    def _unknown_period(self, provider: str, reason: str, at: int, gap: int) -> None:
        if self._continue("unknown_periods", self._unknown.get(provider), at, gap):
            return
        # Unknown since the page was last read when that read is continuous with now, else
        # since this run of failed fetches began.
        whole = self._page.get((provider, WHOLE))
        failing = self._failures.get(provider)
        if whole is not None and 0 <= at - whole.end_ms <= gap:
            start = whole.end_ms
        elif failing is not None:
            start = min(at, failing.start_ms)
        else:
            start = at
        cursor = self._write(
            "INSERT INTO unknown_periods (provider, reason, start_ms, end_ms) VALUES (?, ?, ?, ?)",
            (provider, reason, start, at),
        )
        self._unknown[provider] = _Stretch(int(cursor.lastrowid or 0), reason, start, at)

    def _failure(self, provider: str, reason: str, at: int, gap: int) -> None:
        stretch = self._failures.get(provider)
        if stretch is not None and stretch.value == reason and 0 <= at - stretch.end_ms <= gap:
            stretch.end_ms = at
            stretch.count += 1
            self._unwritten[("fetch_failures", stretch.row)] = stretch
            return
        cursor = self._write(
            "INSERT INTO fetch_failures (provider, reason, first_ms, last_ms, count) VALUES (?, ?, ?, ?, 1)",
            (provider, reason, at, at),
        )
        self._failures[provider] = _Stretch(int(cursor.lastrowid or 0), reason, at, at)

    def _drop_page(self, provider: str, keep: set[str] | None = None) -> None:
        for key in [key for key in self._page if key[0] == provider]:
            if keep is None or key[1] not in keep:
                del self._page[key]

    # --- one record --------------------------------------------------------------------------

    def apply(self, record: HistoryItem) -> None:
        """Write what one poll (or one change of a suspected problem) adds to the history."""
        provider, at, gap = record.provider_id, to_ms(record.at), self._gap_ms(record.provider_id)
        self._let_go_of_left(at)
        if isinstance(record, SuspicionRecord):
            for source in SUSPECTED_SOURCES:
                found = record.of(source)
                if found is not None:
                    self._spell(provider, source, found, at, gap)
                else:
                    self._spell_over((provider, source), at, gap, unobserved=record.unobserved)
            return
        if record.state is not None:
            if provider not in self._read_once:
                self._read_once.add(provider)
                self._past_incidents(provider, record.past, at)
            if provider in self._unknown or self._failures.pop(provider, None) is not None:
                self._news()  # the end of a failure is written at once
            self._end_unknown(provider, at, gap)
            self._page_state(provider, WHOLE, record.state, at, gap)
            for name, state in record.components:
                self._page_state(provider, name, state, at, gap)
            self._drop_page(provider, keep={WHOLE, *(name for name, _ in record.components)})
        else:
            if record.failure is not None:
                self._failure(provider, record.failure, at, gap)
            if record.unknown_reason is not None:
                self._unknown_period(provider, record.unknown_reason, at, gap)
                self._drop_page(provider)
        for note in record.incidents:
            self._incident(provider, note, at)

    # --- suspected spells ---------------------------------------------------------------------

    def _left_spells(self) -> dict[_SpellKey, _Stretch]:
        if self._left is not None:
            return self._left
        rows = self._db.execute(
            "SELECT id, provider, source, status, start_ms, end_ms FROM suspected_periods"
            " WHERE status != ? AND id IN (SELECT MAX(id) FROM suspected_periods GROUP BY provider, source)",
            (ENDED,),
        ).fetchall()
        left: dict[_SpellKey, _Stretch] = {}
        for row, provider, source, status, start, end in rows:
            key: _SpellKey = (str(provider), "deep" if source == "deep" else "edge")
            left[key] = _Stretch(int(row), str(status), int(start), int(end))
        self._left = left
        return left

    def _let_go_of_left(self, at: int) -> None:
        """Spells an earlier run left that were not seen again soon enough: over where last seen."""
        left = self._left_spells()
        for key in [key for key, spell in left.items() if at - spell.end_ms > self._gap_ms(key[0])]:
            spell = left.pop(key)
            if spell.value == ONGOING:  # left so by a crash
                self._write("UPDATE suspected_periods SET status = ? WHERE id = ?", (STOPPED, spell.row))

    def _end_spell(self, key: _SpellKey, spell: _Stretch, end: int, status: str) -> None:
        self._write(
            "UPDATE suspected_periods SET end_ms = ?, status = ? WHERE id = ?", (end, status, spell.row)
        )
        self._unwritten.pop(("suspected_periods", spell.row), None)
        self._spell_ends[key] = end

    def _spell(self, provider: str, source: SuspectedSource, suspicion: Suspicion, at: int, gap: int) -> None:
        key = (provider, source)
        spell = self._spells.get(key)
        if spell is not None:
            if at <= spell.end_ms or self._continue("suspected_periods", spell, at, gap):
                return  # still the same spell (records of polls and probes may cross)
            # A silence longer than the gap (asleep): the spell is known until it went quiet.
            self._end_spell(key, self._spells.pop(key), spell.end_ms, STOPPED)
            start = at
        else:
            since = to_ms(suspicion.since)
            left = self._left_spells().pop(key, None)
            if left is not None and min(since, at) - left.end_ms <= gap:
                # The spell an earlier run saw, seen again: it goes on in its own row.
                end = max(at, left.end_ms)
                self._write(
                    "UPDATE suspected_periods SET end_ms = ?, status = ? WHERE id = ?",
                    (end, ONGOING, left.row),
                )
                self._spells[key] = _Stretch(left.row, ONGOING, left.start_ms, end)
                return
            if left is not None:
                self._left_spells()[key] = left  # not this one: let go of it in its time
            # From when the probe began failing, unless this run ended a spell of it since then
            # (offline, the page owned up): then from now, never over the time nothing was suspected.
            ended = self._spell_ends.get(key)
            start = min(at, since) if ended is None or since > ended else at
        cursor = self._write(
            "INSERT INTO suspected_periods (provider, source, reason, failed, checks, seen, start_ms, end_ms)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                provider,
                source,
                suspicion.reason,
                suspicion.failed,
                suspicion.checks,
                suspicion.seen,
                start,
                at,
            ),
        )
        self._spells[key] = _Stretch(int(cursor.lastrowid or 0), ONGOING, start, at)

    def _spell_over(self, key: _SpellKey, at: int, gap: int, *, unobserved: bool = False) -> None:
        spell = self._spells.pop(key, None)
        if spell is None:
            return
        if unobserved or at - spell.end_ms > gap:
            self._end_spell(key, spell, spell.end_ms, STOPPED)  # it went quiet: over when last seen
        else:
            self._end_spell(key, spell, max(at, spell.end_ms), ENDED)

    def stop_spells(self) -> None:
        """trayapp stops watching: the spells under way are marked stopped where last seen."""
        for key, spell in list(self._spells.items()):
            self._end_spell(key, spell, spell.end_ms, STOPPED)
        self._spells.clear()

    # --- incidents ---------------------------------------------------------------------------

    def _incident(self, provider: str, note: IncidentNote, at: int) -> None:
        incident = note.incident
        components = json.dumps(list(incident.components), ensure_ascii=False)
        found = self._db.execute(
            "SELECT impact, components FROM incidents WHERE provider = ? AND incident_id = ?",
            (provider, incident.id),
        ).fetchone()
        resolved = note.kind == "resolved"
        status = "resolved" if resolved else incident.status
        if found is None:
            started = to_ms(incident.started_at) if incident.started_at is not None else at
            self._write(
                "INSERT INTO incidents (provider, incident_id, name, impact, status, url, maintenance,"
                " components, started_ms, first_seen_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    provider,
                    incident.id,
                    incident.name,
                    incident.impact.label,
                    status,
                    incident.url,
                    int(incident.is_maintenance),
                    components,
                    min(started, at),
                    at,
                ),
            )
            impact = incident.impact.label
        else:
            impact = _worse(str(found[0]), incident.impact)
            self._write(
                "UPDATE incidents SET name = ?, impact = ?, status = ?, url = COALESCE(?, url),"
                " components = ? WHERE provider = ? AND incident_id = ?",
                (
                    incident.name,
                    impact,
                    status,
                    incident.url,
                    _merged_names(str(found[1]), incident.components),
                    provider,
                    incident.id,
                ),
            )
        if resolved:
            end = to_ms(note.resolved_at) if note.resolved_at is not None else at
            self._write(
                "UPDATE incidents SET resolved_ms = ?, resolved_while_away = ?"
                " WHERE provider = ? AND incident_id = ?",
                (min(end, at), int(note.while_away), provider, incident.id),
            )
        elif note.kind == "started":
            # Seen open again (a reopened incident): it is not over any more.
            self._write(
                "UPDATE incidents SET resolved_ms = NULL, resolved_while_away = 0"
                " WHERE provider = ? AND incident_id = ?",
                (provider, incident.id),
            )
        self._write(
            "INSERT INTO incident_updates (provider, incident_id, at_ms, kind, impact, status, components)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (provider, incident.id, at, note.kind, incident.impact.label, status, components),
        )

    def _last_observed(self, provider: str) -> int | None:
        found = self._db.execute(
            "SELECT MAX(end_ms) FROM (SELECT end_ms FROM page_states WHERE provider = ?"
            " UNION ALL SELECT end_ms FROM unknown_periods WHERE provider = ?)",
            (provider, provider),
        ).fetchone()
        return int(found[0]) if found and found[0] is not None else None

    def _past_incidents(self, provider: str, past: Iterable[PastIncident], at: int) -> None:
        """Incidents that began and ended since trayapp last watched this provider."""
        past = list(past)
        if not past:
            return
        last = self._last_observed(provider)
        if last is None:
            return  # nothing watched before: the page's past is not ours to fill in
        for item in past:
            incident = item.incident
            if incident.started_at is None:
                continue
            started, resolved = to_ms(incident.started_at), to_ms(item.resolved_at)
            if not last < resolved <= at or started > resolved or self._known(provider, incident):
                continue
            self._insert_past(provider, incident, started, resolved, at)

    def _known(self, provider: str, incident: Incident) -> bool:
        return (
            self._db.execute(
                "SELECT 1 FROM incidents WHERE provider = ? AND incident_id = ?", (provider, incident.id)
            ).fetchone()
            is not None
        )

    def _insert_past(self, provider: str, incident: Incident, started: int, resolved: int, at: int) -> None:
        components = json.dumps(list(incident.components), ensure_ascii=False)
        self._write(
            "INSERT INTO incidents (provider, incident_id, name, impact, status, url, maintenance,"
            " components, started_ms, first_seen_ms, resolved_ms, seen_after_the_fact)"
            " VALUES (?, ?, ?, ?, 'resolved', ?, ?, ?, ?, ?, ?, 1)",
            (
                provider,
                incident.id,
                incident.name,
                incident.impact.label,
                incident.url,
                int(incident.is_maintenance),
                components,
                started,
                at,
                resolved,
            ),
        )
        self._write(
            "INSERT INTO incident_updates (provider, incident_id, at_ms, kind, impact, status, components)"
            " VALUES (?, ?, ?, 'resolved', ?, 'resolved', ?)",
            (provider, incident.id, at, incident.impact.label, components),
        )

    # --- retention ---------------------------------------------------------------------------

    def prune(self, before: datetime) -> int:
        """Delete what ended before `before`; the number of rows deleted."""
        cutoff = to_ms(before)
        deleted = 0
        for statement in (
            "DELETE FROM page_states WHERE end_ms < ?",
            "DELETE FROM unknown_periods WHERE end_ms < ?",
            "DELETE FROM fetch_failures WHERE last_ms < ?",
            "DELETE FROM suspected_periods WHERE end_ms < ?",
            "DELETE FROM incident_updates WHERE EXISTS (SELECT 1 FROM incidents AS i"
            " WHERE i.provider = incident_updates.provider AND i.incident_id = incident_updates.incident_id"
            " AND i.resolved_ms < ?)",
            "DELETE FROM incidents WHERE resolved_ms < ?",
        ):
            deleted += self._write(statement, (cutoff,)).rowcount
        return deleted
