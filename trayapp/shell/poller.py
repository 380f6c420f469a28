"""The background poller: a scheduler thread, a few worker threads, one shared HTTP client.

The scheduler sleeps until the next poll or probe is due and hands it to a worker, which
sends the (blocking) request and passes the answer on; answers are passed on one at a time.
Every provider is fetched on its own schedule, concurrently. After a success the next
poll is one interval away (with ±10 % jitter); after a failure the wait doubles from the
interval up to 10 × the interval (at most 10 minutes), and a Retry-After is honoured.

Probes keep their own pace (`core.probing.next_probe`): once per interval, with a short burst
of confirmations after a failed answer. A page whose page or probe starts saying trouble is
read at half its interval for a while (`core.pace`), never below the floor for its host.
"""

from __future__ import annotations

import hashlib
import logging
import math
import queue
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from trayapp.catalog import ProviderSpec
from trayapp.core.deep import DeepTarget, Judgement, judge
from trayapp.core.healing import Moved
from trayapp.core.pace import HURRY_FOR, Pace, page_in_trouble, page_interval, with_trouble
from trayapp.core.probing import Attempt, Cadence, next_probe
from trayapp.core.urls import is_loopback
from trayapp.model import Failure, ParsedPage
from trayapp.settings import MIN_LOOPBACK_INTERVAL, MIN_REMOTE_INTERVAL, page_is_loopback
from trayapp.shell.fetch import Fetcher
from trayapp.shell.prober import find_key, probe_edge, probe_headers, probe_model
from trayapp.shell.reader import PageReader

log = logging.getLogger(__name__)

MAX_BACKOFF = 600.0
JITTER = 0.1
SLEEP_GAP = 30.0
WAKE_DELAY = 5.0
OFFLINE_RECHECK = 15.0
MAX_WORKERS = 16  # requests in flight at once; more due wait for a free worker

ResultHandler = Callable[[ProviderSpec, ParsedPage | Failure], None]
ProbeHandler = Callable[[ProviderSpec, Attempt], None]
ProbePlan = Callable[[ProviderSpec], tuple[str, float] | None]
"""A provider's probe: the API edge URL and the seconds between probes, or None for no probe."""


DeepHandler = Callable[[ProviderSpec, Attempt | None], None]
"""Takes a deep probe's answer; None when no key is set (nothing was sent)."""
DeepPlan = Callable[[ProviderSpec], tuple[DeepTarget, float] | None]
"""A provider's deep probe and the seconds between its requests, or None."""


def no_probes(spec: ProviderSpec) -> tuple[str, float] | None:
    """The probe plan that probes nothing."""
    return None


def no_deep_probes(spec: ProviderSpec) -> tuple[DeepTarget, float] | None:
    """The deep probe plan that asks no model."""
    return None


def _fingerprint(key: str) -> str:
    """A key's digest: enough to tell that it changed, without keeping it twice."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def backoff_delay(interval: float, failures: int, retry_after: float | None = None) -> float:
    """The wait before the next poll after `failures` failures in a row (0 = success)."""
    if failures <= 0:
        return interval
    cap = max(interval, min(10 * interval, MAX_BACKOFF))
    delay = min(interval * 2.0 ** (failures - 1), cap)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


class Workers:
    """Daemon threads that run jobs; one more starts only when every one is busy, up to `limit`.

    Daemon threads: a request that hangs never holds up the app's exit.
    """

    def __init__(self, limit: int, name: str) -> None:
        self._limit = limit
        self._name = name
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)  # one release per worker waiting for a job
        self._count = 0

    def submit(self, job: Callable[[], None]) -> None:
        """Run `job` on a free worker (a new one if none is free and the limit allows)."""
        self._jobs.put(job)
        if not self._idle.acquire(blocking=False) and self._count < self._limit:
            self._count += 1
            thread = threading.Thread(target=self._work, name=f"{self._name}-{self._count}", daemon=True)
            thread.start()

    def stop(self) -> None:
        """Let every worker end once its current job is done."""
        for _ in range(self._count):
            self._jobs.put(None)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                job()
            except Exception:
                log.exception("unexpected error in a poller worker")
            self._idle.release()


@dataclass
class _Schedule:
    spec: ProviderSpec
    interval: float
    due: float
    failures: int = 0
    in_flight: bool = False
    started: float | None = None  # when the latest poll was sent (monotonic)
    pace: Pace = field(default_factory=Pace)


@dataclass
class _ProbeSchedule:
    spec: ProviderSpec
    url: str
    interval: float
    due: float
    headers: dict[str, str] | None = None  # looked up once, in the poller's thread
    in_flight: bool = False
    cadence: Cadence = field(default_factory=Cadence)


@dataclass
class _DeepSchedule:
    spec: ProviderSpec
    target: DeepTarget
    interval: float
    due: float
    in_flight: bool = False
    cadence: Cadence = field(default_factory=Cadence)
    told_no_key: bool = False
    refused_key: str | None = None  # the fingerprint of a key the API refused (401/403)


class Poller:
    """Polls providers in a background thread and hands every result to `on_result`."""

    def __init__(
        self,
        specs: Sequence[ProviderSpec],
        interval_of: Callable[[ProviderSpec], float],
        on_result: ResultHandler,
        *,
        detected: dict[str, str] | None = None,
        fetcher_factory: Callable[[], Fetcher] = Fetcher,
        jitter: float = JITTER,
        wall_clock: Callable[[], float] = time.time,
        wake_delay: float = WAKE_DELAY,
        probe_plan: ProbePlan = no_probes,
        on_probe: ProbeHandler | None = None,
        offline_recheck: float = OFFLINE_RECHECK,
        hurry_for: float = HURRY_FOR,
        deep_plan: DeepPlan = no_deep_probes,
        on_deep: DeepHandler | None = None,
        workers: int = MAX_WORKERS,
    ) -> None:
        self._deep_plan = deep_plan
        self._on_deep = on_deep
        self._deep_schedules: dict[str, _DeepSchedule] = {}
        self._hurry_for = hurry_for
        self._probe_plan = probe_plan
        self._on_probe = on_probe
        self._offline_recheck = offline_recheck
        self._offline = False
        self._probe_schedules: dict[str, _ProbeSchedule] = {}
        self._interval_of = interval_of
        self._on_result = on_result
        self._fetcher_factory = fetcher_factory
        self._jitter = jitter
        self._wall_clock = wall_clock
        self._wake_delay = wake_delay
        self._detected = dict(detected or {})
        self._schedules: dict[str, _Schedule] = {}
        self._lock = threading.Lock()
        # The scheduler sleeps on this until `_wake_at`; whoever brings a due time before
        # that forward (or changes what is watched) wakes it.
        self._changed = threading.Condition(self._lock)
        self._wake_at = -math.inf
        self._handling = threading.Lock()  # answers are passed on one at a time
        self._workers = Workers(workers, "trayapp-fetch")
        self._stopping = threading.Event()
        self._started = threading.Event()
        self._thread: threading.Thread | None = None
        self.reader: PageReader | None = None
        self.set_specs(specs)

    def set_specs(self, specs: Sequence[ProviderSpec]) -> None:
        """Watch these providers from now on (new ones are polled at once)."""
        now = time.monotonic()
        with self._lock:
            old = self._schedules
            self._schedules = {}
            for spec in specs:
                previous = old.get(spec.id)
                interval = self._interval_of(spec)
                if previous is not None and previous.spec == spec:
                    previous.interval = interval
                    self._schedules[spec.id] = previous
                else:
                    self._schedules[spec.id] = _Schedule(spec, interval, now)
            old_probes = self._probe_schedules
            self._probe_schedules = {}
            for spec in specs:
                plan = self._probe_plan(spec) if self._on_probe is not None else None
                if plan is None:
                    continue
                url, every = plan
                kept = old_probes.get(spec.id)
                if kept is not None and kept.url == url and kept.spec == spec:
                    kept.interval = every
                    self._probe_schedules[spec.id] = kept
                else:
                    # The first probe waits a little, so that the page answers first.
                    first = now + min(every, 2.0) * random.uniform(0.5, 1.0)
                    self._probe_schedules[spec.id] = _ProbeSchedule(spec, url, every, first)
            old_deep = self._deep_schedules
            self._deep_schedules = {}
            for spec in specs:
                deep = self._deep_plan(spec) if self._on_deep is not None else None
                if deep is None:
                    continue
                target, every = deep
                previous_deep = old_deep.get(spec.id)
                if (
                    previous_deep is not None
                    and previous_deep.spec == spec
                    and previous_deep.target == target
                ):
                    previous_deep.interval = every
                    self._deep_schedules[spec.id] = previous_deep
                else:
                    # A new or changed provider (a config change) starts afresh, stopped or not.
                    first = now + min(every, 3.0) * random.uniform(0.5, 1.0)
                    self._deep_schedules[spec.id] = _DeepSchedule(spec, target, every, first)
        self._poke()

    def set_offline(self, offline: bool) -> None:
        """Nothing can be reached (probes pause, pages are rechecked often) or the network is back."""
        with self._lock:
            if offline == self._offline:
                return
            self._offline = offline
            now = time.monotonic()
            if offline:
                for schedule in self._schedules.values():
                    schedule.due = min(schedule.due, now + self._offline_recheck)
            else:
                log.info("network back: checking every provider now")
                for schedule in self._schedules.values():
                    schedule.due = min(schedule.due, now)
                    schedule.failures = 0
                for probe in self._probe_schedules.values():
                    probe.due = min(probe.due, now)
                for deep in self._deep_schedules.values():
                    if deep.due != math.inf:  # a refused request stays stopped until the config changes
                        deep.due = min(deep.due, now)
        self._poke()

    def start(self) -> None:
        """Start the background thread."""
        self._thread = threading.Thread(target=self._run, name="trayapp-poller", daemon=True)
        self._thread.start()
        self._started.wait(5)

    def refresh_now(self) -> None:
        """Poll every provider as soon as possible."""
        now = time.monotonic()
        with self._lock:
            for schedule in self._schedules.values():
                schedule.due = min(schedule.due, now)
        self._poke()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop polling and wait (up to `timeout` s) for the thread to end.

        Once it returns, no answer is being passed on and none will be: a worker whose request
        ends later finds the poller stopping when its turn comes.
        """
        deadline = time.monotonic() + timeout
        self._stopping.set()
        self._poke()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._handling.acquire(timeout=max(0.0, deadline - time.monotonic())):
            self._handling.release()

    def _hand_on(self, what: str, spec: ProviderSpec, call: Callable[[], None]) -> None:
        """Pass one answer on, one at a time, unless the poller is stopping by then."""
        try:
            with self._handling:
                if not self._stopping.is_set():
                    call()
        except Exception:
            log.exception("%s: error while handling %s", spec.name, what)

    def _poke(self) -> None:
        with self._lock:
            self._changed.notify()

    def _replanned(self, due: float) -> None:
        """Wake the scheduler when `due` comes before its next look (called with the lock held)."""
        if due < self._wake_at:
            self._changed.notify()

    def _run(self) -> None:
        try:
            self._schedule()
        except Exception:
            log.exception("the poller stopped unexpectedly")

    def _schedule(self) -> None:
        """Hand every due poll and probe to a worker, then sleep until the next one is due."""
        fetcher = self._fetcher_factory()
        self.reader = PageReader(fetcher, self._detected)
        self._started.set()
        last_wall, last_mono = self._wall_clock(), time.monotonic()
        try:
            with self._lock:
                while not self._stopping.is_set():
                    now = time.monotonic()
                    wall = self._wall_clock()
                    if (wall - last_wall) - (now - last_mono) > SLEEP_GAP:
                        self._after_sleep(now)
                    last_wall, last_mono = wall, now
                    for schedule in [s for s in self._schedules.values() if s.due <= now and not s.in_flight]:
                        schedule.in_flight = True
                        schedule.started = now
                        self._workers.submit(partial(self._poll, schedule))
                    if not self._offline:
                        for probe in self._due_probes(now):
                            self._workers.submit(partial(self._probe, fetcher, probe))
                        for deep in self._due_deep(now):
                            self._workers.submit(partial(self._deep, fetcher, deep))
                    waiting = [s.due for s in self._schedules.values() if not s.in_flight]
                    if not self._offline:
                        waiting += [p.due for p in self._probe_schedules.values() if not p.in_flight]
                        waiting += [d.due for d in self._deep_schedules.values() if not d.in_flight]
                    waiting = [due for due in waiting if due != math.inf]
                    timeout = max(0.0, min(waiting) - now) if waiting else 3600.0
                    self._wake_at = now + timeout
                    self._changed.wait(timeout)
                    self._wake_at = -math.inf  # awake: every change is seen at the next look
        finally:
            self._workers.stop()
            try:
                fetcher.close()
            except Exception:
                log.debug("closing the HTTP client", exc_info=True)

    def _after_sleep(self, now: float) -> None:
        """The machine slept: poll everything shortly, once the network is likely back (lock held)."""
        log.info("woke from sleep; checking every provider in %.0f s", self._wake_delay)
        for schedule in self._schedules.values():
            schedule.due = min(schedule.due, now + self._wake_delay)
            schedule.failures = 0

    def _due_probes(self, now: float) -> list[_ProbeSchedule]:
        due = [p for p in self._probe_schedules.values() if p.due <= now and not p.in_flight]
        for probe in due:
            probe.in_flight = True
        return due

    def _probe(self, fetcher: Fetcher, probe: _ProbeSchedule) -> None:
        attempt: Attempt | None = None
        try:
            if probe.headers is None:
                # The keyring may be slow: asked once per provider, on the worker.
                probe.headers = probe_headers(probe.spec, find_key(probe.spec))
            attempt = probe_edge(fetcher, probe.url, probe.headers)
        except Exception:
            log.exception("%s: unexpected error while probing", probe.spec.name)
        on_probe = self._on_probe
        if attempt is not None and on_probe is not None:
            self._hand_on("a probe", probe.spec, partial(on_probe, probe.spec, attempt))
        with self._lock:
            delay = probe.interval * (1 + random.uniform(-self._jitter, self._jitter))
            if attempt is not None:
                probe.cadence, delay, confirming = next_probe(
                    probe.cadence, attempt, probe.interval, is_loopback(probe.url)
                )
                if not confirming:
                    delay *= 1 + random.uniform(-self._jitter, self._jitter)
                self._probe_signal(probe.spec.id)
            probe.due = time.monotonic() + delay
            probe.in_flight = False
            self._replanned(probe.due)

    def _due_deep(self, now: float) -> list[_DeepSchedule]:
        due = [d for d in self._deep_schedules.values() if d.due <= now and not d.in_flight]
        for deep in due:
            deep.in_flight = True
        return due

    def _deep(self, fetcher: Fetcher, deep: _DeepSchedule) -> None:
        """One deep probe when a key is set; a stopped one only checks whether the key changed.

        The key is looked up each time (on the worker: the keyring may be slow), so that a new
        key resumes a probe the API had refused.
        """
        attempt: Attempt | None = None
        report = False
        try:
            key = find_key(deep.spec)
            if not key:
                report = not deep.told_no_key
                deep.told_no_key = True
            elif deep.refused_key is None or deep.refused_key != _fingerprint(key):
                deep.told_no_key = False
                deep.refused_key = None
                attempt = probe_model(fetcher, deep.target, key)
                report = True
                if judge(attempt.status, attempt.error) is Judgement.BAD_KEY:
                    deep.refused_key = _fingerprint(key)
        except Exception:
            log.exception("%s: unexpected error while asking the model API", deep.spec.name)
            report = False
        on_deep = self._on_deep
        if report and on_deep is not None:
            self._hand_on("a deep probe", deep.spec, partial(on_deep, deep.spec, attempt))
        with self._lock:
            delay = deep.interval * (1 + random.uniform(-self._jitter, self._jitter))
            if attempt is not None:
                judgement = judge(attempt.status, attempt.error)
                if judgement is Judgement.REFUSED:
                    delay = math.inf  # a retired model or a refused request: until the config changes
                elif judgement in (Judgement.HEALTHY, Judgement.FAILING):
                    deep.cadence, delay, confirming = next_probe(
                        deep.cadence, attempt, deep.interval, is_loopback(deep.target.url)
                    )
                    if not confirming:
                        delay *= 1 + random.uniform(-self._jitter, self._jitter)
                    self._probe_signal(deep.spec.id)
            deep.due = time.monotonic() + delay
            deep.in_flight = False
            self._replanned(deep.due)

    def _probe_signal(self, provider_id: str) -> None:
        """Tell the provider's page pace what its probes say (called with the lock held).

        Its page hurries while either probe fails: the API edge or the model API behind it.
        When a hurry begins, the next read is brought forward to one hurried interval after the
        latest one, so that the page is asked soon but never more often than the hurried pace.
        """
        schedule = self._schedules.get(provider_id)
        if schedule is None:
            return
        edge = self._probe_schedules.get(provider_id)
        deep = self._deep_schedules.get(provider_id)
        failing = any(probe is not None and probe.cadence.track.failing for probe in (edge, deep))
        now = time.monotonic()
        before = schedule.pace
        schedule.pace = with_trouble(before, now, probe=failing, hurry_for=self._hurry_for)
        began = schedule.pace.hurry_until != before.hurry_until
        if began and not schedule.in_flight and not schedule.failures:
            last = schedule.started if schedule.started is not None else now
            schedule.due = min(schedule.due, last + self._page_interval(schedule, now))
            self._replanned(schedule.due)

    def _page_interval(self, schedule: _Schedule, now: float) -> float:
        """The seconds between regular reads of a page at `now` (shorter while it hurries)."""
        floor = MIN_LOOPBACK_INTERVAL if page_is_loopback(schedule.spec) else MIN_REMOTE_INTERVAL
        return page_interval(schedule.pace, schedule.interval, floor, now)

    def _poll(self, schedule: _Schedule) -> None:
        assert self.reader is not None
        result: ParsedPage | Failure
        try:
            result = self.reader.read(schedule.spec)
        except Exception as error:
            log.exception("%s: unexpected error while polling", schedule.spec.name)
            result = Failure(f"internal error: {type(error).__name__}")
        if self._stopping.is_set():
            return
        self._hand_on("a poll result", schedule.spec, partial(self._on_result, schedule.spec, result))
        with self._lock:
            retry_after = None
            now = time.monotonic()
            if isinstance(result, Failure):
                schedule.failures += 1
                retry_after = result.retry_after
                delay = backoff_delay(schedule.interval, schedule.failures)
            else:
                schedule.failures = 0
                schedule.pace = with_trouble(
                    schedule.pace, now, page=page_in_trouble(result), hurry_for=self._hurry_for
                )
                delay = self._page_interval(schedule, now)
            delay *= 1 + random.uniform(-self._jitter, self._jitter)
            if self._offline:
                # Offline, the tries never reach a server: try often, to notice the network is back.
                delay = min(delay, self._offline_recheck)
            delay = max(delay, retry_after or 0.0)
            schedule.due = time.monotonic() + delay
            schedule.in_flight = False
            self._replanned(schedule.due)

    @property
    def moves(self) -> Mapping[str, Moved]:
        """Built-in pages found elsewhere during this run (by provider id), for the details page."""
        return self.reader.healer.moves if self.reader else {}

    @property
    def detected(self) -> dict[str, str]:
        """Formats found by `kind = "auto"` so far."""
        return dict(self.reader.detected) if self.reader else dict(self._detected)
