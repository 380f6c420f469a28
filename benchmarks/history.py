"""What the history costs: database size after a simulated year, and the time of its queries.

Twenty providers with eight components each are polled for a simulated year. Each provider
has about six incidents a month (30 min to 6 h, one to three updates, one to three components
affected), a flapping component now and then, a page unreachable twice a month (10 to 60 min)
and a transient failed fetch about once a day. The polls go through the real writer
(`HistoryWriter.apply`, one transaction per simulated day) into a real WAL database; then
200 more polls go through the recorder thread one at a time, each its own commit, as in a
quiet running app.

Then it measures what reading costs: the details page's history of all twenty providers
(90-day bars, uptime per component, recent incidents), one provider's 90-day bars, and
`trayapp history --json` over 7 and 90 days.

The size depends on the changes, not on the poll rate (a poll that sees no change only moves
the end of a row); `--poll-minutes` trades the simulation's run time for realism.

    python -m benchmarks.history [--providers 20] [--days 365] [--poll-minutes 10]
"""

from __future__ import annotations

import argparse
import itertools
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from trayapp.core.history.record import IncidentNote, PollRecord
from trayapp.model import Incident, State
from trayapp.shell.history.db import open_history
from trayapp.shell.history.reader import read_page_history, read_report
from trayapp.shell.history.recorder import HistoryRecorder
from trayapp.shell.history.writer import HistoryWriter

START = datetime(2025, 2, 4, tzinfo=UTC)
COMPONENTS = 8
IMPACTS = (State.DEGRADED, State.DEGRADED, State.PARTIAL, State.PARTIAL, State.MAJOR, State.MAINTENANCE)


@dataclass
class _Trouble:
    """Something wrong with one provider for a while."""

    start: datetime
    end: datetime
    kind: str  # incident | unreachable | flap
    incident: Incident | None = None
    components: tuple[int, ...] = ()
    updates: list[datetime] = field(default_factory=list)


def _troubles(rng: random.Random, provider: int, days: int) -> list[_Trouble]:
    span = days * 86400
    found: list[_Trouble] = []

    def when(length_min: float, length_max: float) -> tuple[datetime, datetime]:
        start = START + timedelta(seconds=rng.uniform(0, span))
        return start, start + timedelta(minutes=rng.uniform(length_min, length_max))

    for number in range(round(days / 30 * 6)):
        start, end = when(30, 360)
        impact = rng.choice(IMPACTS)
        affected = tuple(sorted(rng.sample(range(COMPONENTS), rng.randint(1, 3))))
        incident = Incident(
            id=f"p{provider}-i{number}",
            name=f"Elevated error rates on component {affected[0]}",
            impact=impact,
            status="investigating",
            url=f"https://status.provider{provider}.example/incidents/p{provider}-i{number}",
            started_at=start,
            components=tuple(f"Component {c}" for c in affected),
            is_maintenance=impact == State.MAINTENANCE,
        )
        updates = sorted(start + (end - start) * rng.random() for _ in range(rng.randint(1, 3)))
        found.append(_Trouble(start, end, "incident", incident, affected, updates))
    for _ in range(round(days / 30 * 2)):
        found.append(_Trouble(*when(10, 60), "unreachable"))
    for _ in range(round(days / 30 * 3)):
        found.append(_Trouble(*when(5, 30), "flap", components=(rng.randrange(COMPONENTS),)))
    return found


def _records(rng: random.Random, provider: int, days: int, step: timedelta) -> Iterator[PollRecord]:
    """Every poll of one provider over the simulated span, as the engine would record it."""
    provider_id = f"provider-{provider:02d}"
    troubles = _troubles(rng, provider, days)
    open_ids: dict[str, _Trouble] = {}
    moment, end = START, START + timedelta(days=days)
    failures = 0
    while moment < end:
        active = [t for t in troubles if t.start <= moment < t.end]
        if any(t.kind == "unreachable" for t in active) or rng.random() < step / timedelta(days=1):
            failures += 1
            reason = "timeout" if failures % 2 else "HTTP 503"
            yield PollRecord(
                provider_id, moment, failure=reason, unknown_reason=reason if failures >= 3 else None
            )
            moment += step
            continue
        failures = 0
        notes: list[IncidentNote] = []
        now_open = {t.incident.id: t for t in active if t.incident is not None}
        for incident_id, trouble in now_open.items():
            assert trouble.incident is not None
            if incident_id not in open_ids:
                notes.append(IncidentNote("started", trouble.incident))
            elif any(moment - step < update <= moment for update in trouble.updates):
                notes.append(IncidentNote("updated", trouble.incident))
        for incident_id, trouble in open_ids.items():
            if incident_id not in now_open and trouble.incident is not None:
                notes.append(IncidentNote("resolved", trouble.incident))
        open_ids = now_open
        components = [State.OPERATIONAL] * COMPONENTS
        for trouble in active:
            impact = trouble.incident.impact if trouble.incident is not None else State.DEGRADED
            for index in trouble.components:
                components[index] = max(components[index], impact)
        state = max([*components, *(t.incident.impact for t in active if t.incident is not None)])
        labels = tuple((f"Component {index}", components[index]) for index in range(COMPONENTS))
        yield PollRecord(provider_id, moment, state, labels, incidents=tuple(notes))
        moment += step


def simulate(path: Path, providers: int, days: int, step: timedelta) -> tuple[int, float]:
    """Write the simulated year; (records written, seconds spent writing)."""
    connection = open_history(path)
    assert connection is not None
    writer = HistoryWriter(connection, gap_for=lambda _provider: 3 * step.total_seconds() + 900)
    streams = [_records(random.Random(provider), provider, days, step) for provider in range(providers)]
    written, spent = 0, 0.0
    day = timedelta(days=1)
    pending = [next(stream, None) for stream in streams]
    cut = START + day
    while any(record is not None for record in pending):
        batch = []
        for index, stream in enumerate(streams):
            record = pending[index]
            while record is not None and record.at < cut:
                batch.append(record)
                record = next(stream, None)
            pending[index] = record
        started = time.perf_counter()
        connection.execute("BEGIN")
        for record in batch:
            writer.apply(record)
        writer.flush_ends()
        connection.execute("COMMIT")
        spent += time.perf_counter() - started
        written += len(batch)
        cut += day
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return written, spent


def commit_alone(path: Path, count: int) -> float:
    """Milliseconds for one poll recorded and committed on its own through the recorder (a quiet app)."""
    recorder = HistoryRecorder(path)
    records = _records(random.Random(99), 99, 1, timedelta(minutes=1))
    times = []
    try:
        for record in itertools.islice(records, count):
            started = time.perf_counter()
            recorder.record(record)
            recorder.sync()
            times.append((time.perf_counter() - started) * 1000)
    finally:
        recorder.close()
    return statistics.median(times)


def _timed(action: Callable[[], object], repeat: int) -> float:
    """The median wall time of `action`, in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    """Run the simulation and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--poll-minutes", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    step = timedelta(minutes=args.poll_minutes)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "history.sqlite3"
        written, spent = simulate(path, args.providers, args.days, step)
        now = START + timedelta(days=args.days)
        connection = sqlite3.connect(path)
        counts = {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("page_states", "unknown_periods", "fetch_failures", "incidents", "incident_updates")
        }
        connection.close()
        size = path.stat().st_size
        yearly = size / args.providers * 365 / args.days
        ids = [f"provider-{n:02d}" for n in range(args.providers)]
        page_ms = _timed(lambda: read_page_history(path, ids, now, UTC), args.repeat)
        bars_ms = _timed(lambda: read_page_history(path, ids[:1], now, UTC), args.repeat)
        week_ms = _timed(lambda: read_report(path, now - timedelta(days=7), now), args.repeat)
        quarter_ms = _timed(lambda: read_report(path, now - timedelta(days=90), now), args.repeat)
        alone_ms = commit_alone(path, 200)
    rows = [
        ("simulated", f"{args.providers} providers × {COMPONENTS} components, {args.days} days"),
        ("poll records written", f"{written:,} (one every {args.poll_minutes:g} min per provider)"),
        ("write cost, in bursts", f"{spent / written * 1e6:.0f} µs per poll record ({spent:.1f} s in all)"),
        ("write cost, one poll alone", f"{alone_ms:.1f} ms (recorder thread, its own commit and fsync)"),
        ("rows", ", ".join(f"{table} {count:,}" for table, count in counts.items())),
        ("database size", f"{size / 1e6:.2f} MB ({yearly / 1e3:.0f} kB a year per provider)"),
        ("90-day bars, one provider", f"{bars_ms:.1f} ms (with its uptime per component and incidents)"),
        (
            f"details page history, all {args.providers}",
            f"{page_ms:.1f} ms (bars, uptime per component, incidents)",
        ),
        ("`trayapp history --json`, 7 days", f"{week_ms:.1f} ms"),
        ("`trayapp history --json`, 90 days", f"{quarter_ms:.1f} ms"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 40}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
