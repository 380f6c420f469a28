"""The probe verdict a running tray or `watch` shares with `trayapp status`.

One probe proves nothing, so `status` (which sends one) cannot confirm a failing edge on its
own. A running instance writes its verdict — per provider, since when its edge has been
failing and what it suspects — into a small file next to the state file; `status` reads it
and reports it when it is younger than twice the probe interval, merged with its own probe.

The file is written when the verdict changes, and while an edge keeps failing at most once
per probe interval (so that it stays young for as long as it is true); a healthy steady edge
writes nothing.

Pure: plain values in, plain values out (the shell reads and writes the file).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from trayapp.core.text import iso_utc
from trayapp.model import DeepView, Snapshot, Suspicion

VERDICT_VERSION = 1
FRESH_FOR_INTERVALS = 2.0
"""A shared verdict counts while it is younger than this many probe intervals."""


@dataclass(frozen=True)
class EdgeVerdict:
    """One provider's probe verdict: failing since when, and the suspected problem, if any.

    `deep_failing_since` is the same for its deep probe (real model requests), and
    `deep_stopped` why that probe stopped ("key" or "refused"; "" while it runs).
    """

    failing_since: datetime | None = None
    suspected: Suspicion | None = None
    deep_failing_since: datetime | None = None
    deep_stopped: str = ""


@dataclass(frozen=True)
class SharedVerdict:
    """Every probed provider's verdict as a running instance held it at `at`."""

    at: datetime
    offline: bool = False
    providers: Mapping[str, EdgeVerdict] = field(default_factory=dict)

    @property
    def failing(self) -> bool:
        """Whether any edge or model API is failing or stopped (the verdict is then kept young)."""
        return any(
            verdict.failing_since is not None
            or verdict.deep_failing_since is not None
            or bool(verdict.deep_stopped)
            for verdict in self.providers.values()
        )

    def same_as(self, other: SharedVerdict | None) -> bool:
        """Whether `other` says the same (its time aside)."""
        return other is not None and (self.offline, self.providers) == (other.offline, other.providers)


def verdict_of(snapshot: Snapshot, at: datetime) -> SharedVerdict:
    """The verdict a snapshot holds: each probed provider's failing spell and suspicion."""
    providers = {
        view.id: EdgeVerdict(
            view.probe.failing_since,
            view.suspected,
            view.probe.deep.failing_since,
            view.probe.deep.stopped,
        )
        for view in snapshot.providers
        if view.probe.enabled or view.probe.deep.enabled
    }
    return SharedVerdict(at, snapshot.offline, providers)


def due_to_write(new: SharedVerdict, written: SharedVerdict | None, refresh_after: float) -> bool:
    """Whether to write `new`: it changed, or an edge keeps failing and the file is `refresh_after` s old."""
    if not new.same_as(written):
        return True
    assert written is not None
    return new.failing and (new.at - written.at).total_seconds() >= refresh_after


def _fresh(age: float, interval: float | None) -> bool:
    return interval is not None and -interval <= age <= FRESH_FOR_INTERVALS * interval


def _with_deep(deep: DeepView, verdict: EdgeVerdict) -> DeepView:
    """The deep probe's view (never asked by `status` itself) with the running instance's verdict."""
    if verdict.deep_stopped:
        why = "key refused" if verdict.deep_stopped == "key" else "request refused"
        return replace(deep, ok=False, detail=f"{why}, stopped", stopped=verdict.deep_stopped)
    if verdict.deep_failing_since is not None:
        return replace(deep, ok=False, failing_since=verdict.deep_failing_since, detail="failing")
    return deep


def merge_verdict(
    snapshot: Snapshot,
    shared: SharedVerdict | None,
    now: datetime,
    interval_of: Callable[[str], float | None],
    says_operational: Callable[[str], bool],
    deep_interval_of: Callable[[str], float | None] = lambda provider_id: None,
) -> Snapshot:
    """`snapshot` (one `status` run) with the running instance's verdict where it is fresh.

    `interval_of` gives a provider's probe interval (None when it is not probed), and
    `deep_interval_of` its deep probe's; `says_operational` whether its page says all is well —
    a suspicion needs that here too.
    """
    if shared is None:
        return snapshot
    views = []
    age = (now - shared.at).total_seconds()
    for view in snapshot.providers:
        verdict = shared.providers.get(view.id)
        if verdict is None:
            views.append(view)
            continue
        edge_fresh = view.probe.enabled and _fresh(age, interval_of(view.id))
        deep_fresh = view.probe.deep.enabled and _fresh(age, deep_interval_of(view.id))
        probe = view.probe
        if edge_fresh and probe.failing_since is None and verdict.failing_since is not None:
            probe = replace(probe, failing_since=verdict.failing_since)
        if deep_fresh:
            probe = replace(probe, deep=_with_deep(probe.deep, verdict))
        suspected = view.suspected
        from_model = verdict.suspected is not None and verdict.suspected.source == "model"
        if (
            suspected is None
            and (deep_fresh if from_model else edge_fresh)
            and not snapshot.offline
            and says_operational(view.id)
        ):
            suspected = verdict.suspected
        views.append(replace(view, probe=probe, suspected=suspected))
    return replace(snapshot, providers=tuple(views))


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("bad timestamp")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("timestamp without a zone")
    return parsed


def encode_verdict(shared: SharedVerdict) -> dict[str, Any]:
    """The shared verdict as JSON-ready values."""
    return {
        "version": VERDICT_VERSION,
        "at": iso_utc(shared.at),
        "offline": shared.offline,
        "providers": {
            provider_id: {
                "failing_since": iso_utc(verdict.failing_since),
                "deep_failing_since": iso_utc(verdict.deep_failing_since),
                "deep_stopped": verdict.deep_stopped,
                "suspected": None
                if verdict.suspected is None
                else {
                    "since": iso_utc(verdict.suspected.since),
                    "failed": verdict.suspected.failed,
                    "checks": verdict.suspected.checks,
                    "seen": verdict.suspected.seen,
                    "source": verdict.suspected.source,
                },
            }
            for provider_id, verdict in shared.providers.items()
        },
    }


def _suspicion_in(data: Any) -> Suspicion | None:
    if data is None:
        return None
    since = _time(data["since"])
    if since is None:
        raise ValueError("a suspicion without its start")
    source: Literal["edge", "model"] = "model" if data.get("source") == "model" else "edge"
    return Suspicion(since, int(data["failed"]), int(data["checks"]), str(data["seen"]), source)


def _stopped_in(value: Any) -> str:
    return value if value in ("key", "refused") else ""


def decode_verdict(data: Any) -> SharedVerdict | None:
    """The shared verdict from JSON values; None when it is not one this version reads."""
    try:
        if not isinstance(data, dict) or data.get("version") != VERDICT_VERSION:
            return None
        at = _time(data["at"])
        if at is None:
            return None
        providers = {
            str(provider_id): EdgeVerdict(
                _time(entry.get("failing_since")),
                _suspicion_in(entry.get("suspected")),
                _time(entry.get("deep_failing_since")),
                _stopped_in(entry.get("deep_stopped")),
            )
            for provider_id, entry in data.get("providers", {}).items()
        }
        return SharedVerdict(at, bool(data.get("offline", False)), providers)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
