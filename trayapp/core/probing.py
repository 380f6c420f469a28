"""Early warning from an API edge: probe outcomes, confirmation, and being offline.

A probe is one unauthenticated request to a cheap endpoint of a provider's API (its model
list). The normal answer is fast and says "not without a key" (401/403) or, with a key,
lists the models (200): either way the edge is up. Timeouts, connection errors and 5xx
answers mean trouble at the edge; a very slow answer is half a sign of trouble.

One bad answer proves little, so a probe becomes *failing* only when most of the last
few attempts went wrong, and stops failing only after two good answers in a row. A
failing probe while the page still says operational is a *suspected* problem: shown as
what was observed, never called an outage.

A failed answer is confirmed at once by a few extra probes at short spacing (a *burst*, at
most `CONFIRM_BURST` per failing spell), so an edge that starts failing is suspected within
about 1.5 intervals; a healthy edge is still asked once per interval.

Pure: plain values in, plain values out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from trayapp.catalog import ProviderSpec
from trayapp.model import ProbeView, Suspicion

WINDOW = 4
"""How many recent attempts the decision looks at."""
CONFIRM_SCORE = 3.0
"""Trouble score over the window that makes a probe failing (a failed attempt scores 1, a slow one ½)."""
CONFIRM_ATTEMPTS = 3
"""A probe needs at least this many attempts before it can be failing."""
RECOVER_AFTER = 2
"""Good answers in a row that end a failing spell."""
SLOW_AFTER = 5.0
"""Seconds after which an otherwise good answer counts as slow."""


class Outcome(Enum):
    """What one probe attempt says about the edge."""

    UP = "up"
    SLOW = "slow"
    DOWN = "down"

    @property
    def trouble(self) -> float:
        """How much this attempt counts towards failing."""
        return {Outcome.UP: 0.0, Outcome.SLOW: 0.5, Outcome.DOWN: 1.0}[self]


@dataclass(frozen=True)
class Attempt:
    """One probe request and its result.

    `status` is the HTTP status when there was an answer; `error` the one-line reason when
    there was none; `connection` marks failures that never reached a server (refused,
    DNS, unreachable network, timeout) — the signs of being offline.
    """

    at: datetime
    outcome: Outcome
    latency_s: float | None
    status: int | None = None
    error: str | None = None
    connection: bool = False

    @property
    def detail(self) -> str:
        """What was observed, in a few words: 'HTTP 401 in 120 ms', 'timeout'."""
        if self.error is not None:
            return self.error
        latency = f" in {round(self.latency_s * 1000)} ms" if self.latency_s is not None else ""
        return f"HTTP {self.status}{latency}"


def classify(status: int | None, latency_s: float | None, error: str | None) -> Outcome:
    """The outcome of one attempt from its status, latency and transport error."""
    if error is not None or status is None:
        return Outcome.DOWN
    if status >= 500:
        return Outcome.DOWN
    if latency_s is not None and latency_s > SLOW_AFTER:
        return Outcome.SLOW
    return Outcome.UP


@dataclass(frozen=True)
class ProbeTrack:
    """A probe's recent attempts and its confirmed verdict."""

    attempts: tuple[Attempt, ...] = ()
    failing_since: datetime | None = None

    @property
    def last(self) -> Attempt | None:
        """The latest attempt, if any."""
        return self.attempts[-1] if self.attempts else None

    @property
    def failing(self) -> bool:
        """Whether the edge is confirmed to be in trouble."""
        return self.failing_since is not None


def _confirms_trouble(attempts: tuple[Attempt, ...]) -> bool:
    if len(attempts) < CONFIRM_ATTEMPTS or attempts[-1].outcome is Outcome.UP:
        return False
    return sum(a.outcome.trouble for a in attempts) >= CONFIRM_SCORE


def _recovered(attempts: tuple[Attempt, ...]) -> bool:
    recent = attempts[-RECOVER_AFTER:]
    return len(recent) == RECOVER_AFTER and all(a.outcome is Outcome.UP for a in recent)


def observe_attempt(track: ProbeTrack, attempt: Attempt) -> ProbeTrack:
    """The track after one more attempt: the window moves, the verdict follows with hysteresis."""
    attempts = (*track.attempts, attempt)[-WINDOW:]
    failing_since = track.failing_since
    if failing_since is None and _confirms_trouble(attempts):
        failing_since = _trouble_started(attempts) or attempt.at
    elif failing_since is not None and _recovered(attempts):
        failing_since = None
    return replace(track, attempts=attempts, failing_since=failing_since)


CONFIRM_BURST = 3
"""Extra probes at most per failing spell, to confirm a failed answer sooner."""
CONFIRM_SPACING_REMOTE = 5.0
"""Seconds at least between the probes of a burst to a host that is not loopback."""
CONFIRM_FRACTION = 0.1
"""The spacing of a burst as a part of the interval (so that three fit well within half of it)."""


@dataclass(frozen=True)
class Cadence:
    """A probe's pace: its track, and how many confirmations the current failing spell has used.

    The spell ends (and the budget is whole again) when the track has recovered: `RECOVER_AFTER`
    good answers in a row.
    """

    track: ProbeTrack = ProbeTrack()
    confirmations: int = 0


def confirm_spacing(interval: float, loopback: bool) -> float:
    """Seconds between the probes of a burst: a tenth of the interval, at least 5 s for a remote host."""
    return max(0.0 if loopback else CONFIRM_SPACING_REMOTE, interval * CONFIRM_FRACTION)


def next_probe(
    cadence: Cadence, attempt: Attempt, interval: float, loopback: bool
) -> tuple[Cadence, float, bool]:
    """The pace after `attempt`: the new cadence, the seconds until the next probe, and whether that
    probe is a confirmation (sent at short spacing, without jitter).

    A failed (or slow) answer while the probe is not failing yet asks again soon, while the spell's
    budget lasts; everything else waits a whole interval.
    """
    track = observe_attempt(cadence.track, attempt)
    used = 0 if _recovered(track.attempts) else cadence.confirmations
    if attempt.outcome is not Outcome.UP and not track.failing and used < CONFIRM_BURST:
        return Cadence(track, used + 1), confirm_spacing(interval, loopback), True
    return Cadence(track, used), interval, False


def _trouble_started(attempts: tuple[Attempt, ...]) -> datetime | None:
    """When the current run of bad attempts began (the first after the last good one)."""
    start: datetime | None = None
    for attempt in reversed(attempts):
        if attempt.outcome is Outcome.UP:
            break
        start = attempt.at
    return start


def suspicion(track: ProbeTrack, page_says_operational: bool) -> Suspicion | None:
    """A suspected problem when the probe is failing while the page still says all is well."""
    if not page_says_operational or track.failing_since is None:
        return None
    bad = [a for a in track.attempts if a.outcome is not Outcome.UP]
    seen = ", ".join(dict.fromkeys(a.detail if a.error else _status_word(a) for a in bad))
    return Suspicion(track.failing_since, len(bad), len(track.attempts), seen)


def _status_word(attempt: Attempt) -> str:
    if attempt.outcome is Outcome.SLOW:
        return "slow answers"
    return f"HTTP {attempt.status}"


OFFLINE_EVIDENCE = 2
"""Connection failures needed in all before trayapp says offline (one blip of one page is not enough)."""


def all_offline(failure_runs: Iterable[int], evidence: int = OFFLINE_EVIDENCE) -> bool:
    """True when every signal's latest tries failed without reaching a server, with enough evidence.

    `failure_runs` holds, for each page and probe, how many of its latest tries in a row
    failed at the connection level (0 when the latest reached a server).
    """
    runs = list(failure_runs)
    return bool(runs) and all(run > 0 for run in runs) and sum(runs) >= evidence


def connection_failure_run(track: ProbeTrack) -> int:
    """How many of the probe's latest attempts in a row never reached a server."""
    run = 0
    for attempt in reversed(track.attempts):
        if not attempt.connection:
            break
        run += 1
    return run


def probe_view(track: ProbeTrack | None) -> ProbeView:
    """The contract's `probe` object for a track (disabled when there is no probe)."""
    if track is None:
        return ProbeView()
    last = track.last
    if last is None:
        return ProbeView(enabled=True, detail="not checked yet")
    latency = round(last.latency_s * 1000, 1) if last.latency_s is not None else None
    return ProbeView(True, last.outcome is Outcome.UP, latency, track.failing_since, last.detail)


def probe_target(spec: ProviderSpec, catalog_probes: bool) -> str | None:
    """The API edge to probe for a provider: the catalog's when probes are on, a custom page's own."""
    if not spec.probe:
        return None
    return spec.probe if catalog_probes or not spec.builtin else None
