"""The commands' bodies: one-shot status, the watch loop, config reloading.

A reloaded config's `language` is spoken from the reload on (`Watch._apply`); log lines stay
English, for bug reports, while what is printed for the user is translated.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TextIO

from trayapp import paths
from trayapp.catalog import NO_FEED, ProviderSpec
from trayapp.config import ConfigError, load_config
from trayapp.core.console import event_line
from trayapp.core.diff import Event, StateChanged
from trayapp.core.history.limits import continuity_limit
from trayapp.core.notices import Notice, Notifier
from trayapp.core.probing import Attempt
from trayapp.core.safe_text import printable
from trayapp.core.verdict import merge_verdict
from trayapp.engine import Clock, Engine, utc_now
from trayapp.i18n import _, set_language
from trayapp.model import Failure, ParsedPage, Snapshot, State
from trayapp.settings import Config, NotificationSettings, deep_plan, interval_for, probe_plan
from trayapp.shell.fetch import Fetcher
from trayapp.shell.history.recorder import HistoryRecorder
from trayapp.shell.poller import Poller
from trayapp.shell.prober import find_key, probe_edge, probe_headers
from trayapp.shell.reader import PageReader
from trayapp.shell.store import StateStore
from trayapp.shell.verdict_file import VerdictWriter, read_verdict, verdict_path

log = logging.getLogger(__name__)

CONFIG_CHECK_SECONDS = 1.0


READ_WORKERS = 8


def _read_all(
    specs: Sequence[ProviderSpec], probes: Sequence[tuple[ProviderSpec, str]]
) -> tuple[list[ParsedPage | Failure], list[Attempt]]:
    """Read every page and probe every edge once, a few at a time, in the order given."""
    fetcher = Fetcher()
    try:
        reader = PageReader(fetcher)
        # The keys first, one after another: a locked keyring asks to be unlocked once, not in parallel.
        headers = [probe_headers(spec, find_key(spec)) for spec, _url in probes]
        with ThreadPoolExecutor(READ_WORKERS, thread_name_prefix="trayapp-read") as pool:
            pages = pool.map(reader.read, specs)
            edges = pool.map(lambda probe, sent: probe_edge(fetcher, probe[1], sent), probes, headers)
            return list(pages), list(edges)
    finally:
        fetcher.close()


class _Silent:
    """A notifier for one-shot commands: `status` never notifies."""

    def send(self, notice: Notice) -> None:
        """Drop the notice."""


def fetch_snapshot(config: Config) -> Snapshot:
    """Fetch every watched provider (and probe its API edge) once: what each says right now.

    Offline when every page and every probe failed without reaching a server.
    """
    specs = list(config.providers)
    probes = [(spec, plan[0]) for spec in specs if (plan := probe_plan(config, spec)) is not None]
    results, attempts = _read_all(specs, probes)
    engine = Engine(specs, NotificationSettings(enabled=False), _Silent())
    engine.set_probe_settings(config.probes.enabled, notify=False)
    # `status` asks no model itself (one request proves nothing and costs tokens): its deep probe
    # verdict is the running instance's, when there is one.
    engine.set_deep(config.probes.deep)
    for spec, result in zip(specs, results, strict=True):
        engine.handle(spec, result)
    for (spec, _url), attempt in zip(probes, attempts, strict=True):
        engine.handle_probe(spec, attempt)
    return with_running_verdict(config, engine.snapshot(), utc_now())


def with_running_verdict(config: Config, snapshot: Snapshot, now: datetime) -> Snapshot:
    """`snapshot` with the probe verdict of a tray or `watch` running beside it, when it is fresh.

    One probe confirms nothing; the running instance's verdict is formed over many.
    """
    specs = {spec.id: spec for spec in config.providers}

    def interval_of(provider_id: str) -> float | None:
        spec = specs.get(provider_id)
        plan = probe_plan(config, spec) if spec is not None else None
        return plan[1] if plan is not None else None

    def says_operational(provider_id: str) -> bool:
        view = snapshot.provider(provider_id)
        spec = specs.get(provider_id)
        no_feed = spec is not None and spec.kind == NO_FEED
        return view is not None and (view.state is State.OPERATIONAL or no_feed)

    def deep_interval_of(provider_id: str) -> float | None:
        spec = specs.get(provider_id)
        plan = deep_plan(config, spec) if spec is not None else None
        return plan[1] if plan is not None else None

    shared = read_verdict(verdict_path(paths.state_file()))
    return merge_verdict(snapshot, shared, now, interval_of, says_operational, deep_interval_of)


class ConfigWatcher:
    """Re-reads the config file when it changes; a bad edit keeps the last good config."""

    def __init__(self, path: Path, config: Config, on_change: Callable[[Config], None], err: TextIO) -> None:
        self.path = path
        self.config = config
        self._on_change = on_change
        self._err = err
        self._stamp = self._current_stamp()

    def _current_stamp(self) -> tuple[float, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return (stat.st_mtime, stat.st_size)

    def changed(self) -> bool:
        """Whether the file changed since it was last read (one stat; nothing is read)."""
        return self._current_stamp() != self._stamp

    def check(self) -> bool:
        """Reload if the file changed; True when a new config was taken."""
        stamp = self._current_stamp()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        try:
            config, warnings = load_config(self.path)
        except ConfigError as error:
            log.error("config not reloaded, keeping the last good one:\n%s", error)
            # Translators: followed by one line per problem, "PATH:LINE: what is wrong".
            message = _("config not reloaded, keeping the last good one:")
            print(f"trayapp: {message}\n{error}", file=self._err)
            return False
        for warning in warnings:
            log.warning(warning)
            print("trayapp: " + _("warning: {warning}").format(warning=warning), file=self._err)
        log.info("config reloaded from %s", self.path)
        self.config = config
        self._on_change(config)
        return True


class Watch:
    """The engine, poller and history without a tray: what `trayapp watch` and the tray share.

    The history goes next to the state file (`history_path` overrides it).
    """

    def __init__(
        self,
        config: Config,
        config_path: Path,
        notifier: Notifier,
        state_path: Path,
        err: TextIO,
        history_path: Path | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.history = HistoryRecorder(
            history_path or state_path.with_name(paths.HISTORY_NAME),
            config.history.days,
            gap_for=self._gap_for,
        )
        self.engine = Engine(
            config.providers,
            config.notifications,
            notifier,
            StateStore(state_path),
            clock=clock,
            history=self.history,
        )
        self.watcher = ConfigWatcher(config_path, config, self._apply, err)
        self.engine.set_probe_settings(config.probes.enabled, config.probes.notify)
        self.engine.set_deep(config.probes.deep)
        self.poller = Poller(
            config.providers,
            lambda spec: interval_for(self.watcher.config, spec),
            self._on_result,
            detected=self.engine.detected,
            probe_plan=lambda spec: probe_plan(self.watcher.config, spec),
            on_probe=self.engine.handle_probe,
            deep_plan=lambda spec: deep_plan(self.watcher.config, spec),
            on_deep=self.engine.handle_deep,
        )
        # Offline, probes pause and pages are rechecked often; back online, everything at once.
        self.engine.add_listener(lambda snapshot, _events: self.poller.set_offline(snapshot.offline))
        # The probe verdict, for `trayapp status` run beside this instance.
        self.engine.add_listener(VerdictWriter(verdict_path(state_path), self._verdict_refresh, clock))

    def _verdict_refresh(self) -> float:
        """How often a failing verdict is rewritten: often enough for `status` to take it as fresh."""
        probes = self.watcher.config.probes
        return min(probes.interval, probes.deep_interval) if probes.deep else probes.interval

    def _on_result(self, spec: ProviderSpec, result: ParsedPage | Failure) -> None:
        self.engine.handle(spec, result, self.poller.detected)

    def _gap_for(self, provider_id: str) -> float:
        """Called from the history's thread: reads the current config only."""
        config = self.watcher.config
        spec = next((spec for spec in config.providers if spec.id == provider_id), None)
        return continuity_limit(interval_for(config, spec) if spec is not None else config.poll_interval)

    def _apply(self, config: Config) -> None:
        # First: everything shown from now on (notifications, watch lines, the tray) speaks it.
        set_language(config.language)
        self.engine.set_settings(config.notifications)
        self.engine.set_probe_settings(config.probes.enabled, config.probes.notify)
        self.engine.set_deep(config.probes.deep)
        self.engine.set_specs(config.providers)
        self.poller.set_specs(config.providers)
        self.history.set_retention(config.history.days)

    def start(self) -> None:
        """Start polling."""
        self.poller.start()

    def stop(self) -> None:
        """Stop polling, save the state and write the last of the history."""
        self.poller.stop()
        self.engine.flush()
        self.history.close(timeout=1.0)


class EventPrinter:
    """`watch`'s listener: one line per change, a provider's state only when it changes.

    The engine reports the state of a provider that has not answered yet with every other
    provider's poll; it is printed once its first answer is in, and then only when it differs
    from the line printed last.
    """

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._shown: dict[str, tuple[State, str | None]] = {}

    def __call__(self, snapshot: Snapshot, events: Sequence[Event]) -> None:
        """Print the lines for one poll's events (never more than one per change)."""
        stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
        for event in events:
            if isinstance(event, StateChanged) and not self._is_news(snapshot, event):
                continue
            print(f"{stamp}  {printable(event_line(event))}", file=self._out, flush=True)

    def _is_news(self, snapshot: Snapshot, event: StateChanged) -> bool:
        view = snapshot.provider(event.provider_id)
        if view is None or view.checked_at is None:
            return False  # not answered yet: its "unknown" is no change
        line = (event.current, event.error)
        if self._shown.get(event.provider_id) == line:
            return False
        self._shown[event.provider_id] = line
        return True


def run_watch(
    config: Config,
    config_path: Path,
    notifier: Notifier,
    state_path: Path,
    out: TextIO,
    stop: threading.Event,
    on_watch: Callable[[Watch], None] | None = None,
) -> int:
    """Poll until `stop` is set, printing one line per change; returns the exit code.

    `on_watch` gets the Watch once made (the notifier's "Open details" reads its snapshot).
    """

    watch = Watch(config, config_path, notifier, state_path, sys.stderr)
    watch.engine.add_listener(EventPrinter(out))
    if on_watch is not None:
        on_watch(watch)
    watch.start()
    try:
        while not stop.wait(CONFIG_CHECK_SECONDS):
            watch.watcher.check()
    finally:
        watch.stop()
    return 0
