"""What the user configured, as plain frozen values, and the scheduling policy that follows from it.

Pure: the config package (`trayapp.config`) reads and checks the TOML file into these types; the
engine, poller and tray only ever see these.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trayapp.catalog import CATALOG, DEFAULT_PROVIDERS, ProviderSpec
from trayapp.core.deep import DeepTarget, deep_target
from trayapp.core.history.limits import RETENTION_DAYS
from trayapp.core.probing import probe_target
from trayapp.core.urls import is_loopback
from trayapp.model import State

MIN_REMOTE_INTERVAL = 30.0
MIN_LOOPBACK_INTERVAL = 0.2
MIN_DEEP_REMOTE_INTERVAL = 60.0
"""Deep probes cost tokens: a remote model is asked at most once a minute."""


@dataclass(frozen=True)
class NotificationSettings:
    """The [notifications] table."""

    enabled: bool = True
    min_severity: State = State.DEGRADED
    maintenance: bool = False
    updates: bool = False


@dataclass(frozen=True)
class ProbeSettings:
    """The [probes] table."""

    enabled: bool = True
    interval: float = 60.0
    notify: bool = False
    deep: bool = False
    deep_interval: float = 300.0


@dataclass(frozen=True)
class HistorySettings:
    """The [history] table: how many days of history to keep."""

    days: int = RETENTION_DAYS


def _default_specs() -> tuple[ProviderSpec, ...]:
    return tuple(CATALOG[provider_id] for provider_id in DEFAULT_PROVIDERS)


@dataclass(frozen=True)
class Config:
    """The whole validated config; `providers` lists every watched provider."""

    poll_interval: float = 60.0
    language: str = "auto"
    builtin: tuple[str, ...] = DEFAULT_PROVIDERS
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    probes: ProbeSettings = field(default_factory=ProbeSettings)
    providers: tuple[ProviderSpec, ...] = field(default_factory=_default_specs)
    history: HistorySettings = field(default_factory=HistorySettings)


def page_is_loopback(spec: ProviderSpec) -> bool:
    """Whether `spec`'s page (and its feed, if any) is on a loopback address."""
    return is_loopback(spec.root) and (spec.source is None or is_loopback(spec.source))


def interval_for(config: Config, spec: ProviderSpec) -> float:
    """Seconds between polls of `spec`: the config's interval, raised to the floor for its kind of host."""
    if page_is_loopback(spec):
        return max(MIN_LOOPBACK_INTERVAL, config.poll_interval)
    return max(MIN_REMOTE_INTERVAL, config.poll_interval)


def probe_plan(config: Config, spec: ProviderSpec) -> tuple[str, float] | None:
    """The API edge probed for `spec` and the seconds between probes, or None (no probe).

    The catalog's edges are probed when `[probes] enabled`; a custom provider's own `probe`
    always is (setting it is the opt-in). The interval has the same floors as pages.
    """
    url = probe_target(spec, config.probes.enabled)
    if url is None:
        return None
    floor = MIN_LOOPBACK_INTERVAL if is_loopback(url) else MIN_REMOTE_INTERVAL
    return url, max(floor, config.probes.interval)


def deep_plan(config: Config, spec: ProviderSpec) -> tuple[DeepTarget, float] | None:
    """The deep probe of `spec` and the seconds between its requests, or None (no deep probe).

    The catalog's default models are asked when `[probes] deep` is on; a custom provider's own
    `deep_probe` always is. A remote model is asked at most once a minute.
    """
    target = deep_target(spec, config.probes.deep)
    if target is None:
        return None
    floor = MIN_LOOPBACK_INTERVAL if is_loopback(target.url) else MIN_DEEP_REMOTE_INTERVAL
    return target, max(floor, config.probes.deep_interval)
