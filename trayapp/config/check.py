"""Validation: a parsed TOML document in, a `Config` and warnings out, or every problem at once."""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from trayapp.catalog import CATALOG, DEFAULT_PROVIDERS, ProviderSpec, slugify
from trayapp.config.locate import KeyPath, Locator
from trayapp.config.messages import (
    ConfigError,
    ConfigProblem,
    catalog_hint,
    label,
    quote_hint,
    seconds_text,
    section_name,
    show,
    show_list,
    suggest,
)
from trayapp.core import urls
from trayapp.core.deep import API_DIALECTS
from trayapp.core.history.limits import MAX_RETENTION_DAYS, RETENTION_DAYS
from trayapp.core.safe_text import first_control
from trayapp.i18n import _
from trayapp.model import State
from trayapp.settings import (
    MIN_DEEP_REMOTE_INTERVAL,
    MIN_LOOPBACK_INTERVAL,
    MIN_REMOTE_INTERVAL,
    Config,
    HistorySettings,
    NotificationSettings,
    ProbeSettings,
    deep_plan,
    page_is_loopback,
)

_MAX_INTERVAL = 86400.0

_LANGUAGES: tuple[str, ...] = ("auto", "en", "it")
# The same tuple as trayapp.adapters.KINDS, kept here so the config needs no adapter import.
KINDS: tuple[str, ...] = (
    "auto",
    "statuspage",
    "incidentio",
    "instatus",
    "betterstack",
    "datadog",
    "google",
    "feed",
)
_SEVERITIES: tuple[str, ...] = tuple(state.label for state in State)

_TOP_KEYS = ("poll_interval", "language", "builtin", "notifications", "probes", "history", "providers")
_SECTION_KEYS: dict[str, tuple[str, ...]] = {
    "notifications": ("enabled", "min_severity", "maintenance", "updates"),
    "probes": ("enabled", "interval", "notify", "deep", "deep_interval"),
    "history": ("days",),
}
_DEEP_KEYS = ("deep_probe", "probe_api", "probe_model")
_PROVIDER_KEYS = ("name", "url", "kind", "components", "probe", "id", *_DEEP_KEYS)


def _url_problem(url: str) -> str | None:
    """Why `url` cannot be a page or probe URL, or None when it can."""
    problem = urls.url_problem(url, fetched=True)
    if problem is urls.UrlProblem.SPACES:
        return _("must be a URL without spaces")
    if problem is urls.UrlProblem.MALFORMED:
        return _("is not a valid URL: {value}").format(value=show(url))
    if problem is urls.UrlProblem.NOT_WEB:
        return _("must be an absolute https:// URL with a host, not {value}").format(value=show(url))
    if problem is urls.UrlProblem.PLAIN_HTTP:
        return _("plain http:// is allowed only for loopback addresses; use https://")
    return None


@dataclass(frozen=True)
class _Entry:
    """One valid [[providers]] entry: its spec, its header line, whether it overrides the catalog."""

    spec: ProviderSpec
    index: int
    line: int | None
    override: bool


class _Checker:
    """Turns parsed TOML into a Config, collecting every problem and warning on the way."""

    def __init__(self, text: str) -> None:
        self.where = Locator(text)
        self.problems: list[ConfigProblem] = []
        self.warnings: list[str] = []

    def problem(self, path: KeyPath, message: str, line: int | None = None) -> None:
        """Record a problem at `line`, or at the line of `path`."""
        self.problems.append(ConfigProblem(line if line is not None else self.where.line(path), message))

    def unknown_keys(self, table: Mapping[str, object], allowed: Sequence[str], path: KeyPath) -> None:
        """One problem per key of `table` not in `allowed`."""
        for key in table:
            if key in allowed:
                continue
            if path:
                message = _("unknown key '{key}' in {section}").format(key=key, section=section_name(path))
            else:
                message = _("unknown key '{key}' at the top level").format(key=key)
            hint = suggest(key, allowed)
            if not hint and path and key in _TOP_KEYS:
                hint = "; " + _("top-level keys must come before the first [table] header")
            if not hint and not path:
                home = next((name for name, keys in _SECTION_KEYS.items() if key in keys), None)
                hint = "; " + _("did you mean to put it under [{table}]?").format(table=home) if home else ""
            self.problem((*path, key), message + hint)

    def table(self, data: Mapping[str, object], key: str) -> dict[str, object]:
        """The sub-table `key` of the top level ({} when absent or not a table)."""
        value = data.get(key, {})
        if isinstance(value, dict):
            return value
        self.problem(
            (key,), _("{key} must be a table ([{key}]), not {value}").format(key=key, value=show(value))
        )
        return {}

    def boolean(self, table: Mapping[str, object], path: KeyPath, key: str, default: bool) -> bool:
        """A true/false value."""
        value = table.get(key, default)
        if isinstance(value, bool):
            return value
        message = _("{key} must be true or false, not {value}").format(
            key=label(path, key), value=show(value)
        )
        message += quote_hint(value)
        self.problem((*path, key), message)
        return default

    def seconds(self, table: Mapping[str, object], path: KeyPath, key: str, default: float) -> float:
        """A number of seconds, greater than 0 and at most a day."""
        value = table.get(key, default)
        number = math.nan if isinstance(value, bool) or not isinstance(value, int | float) else float(value)
        if 0 < number <= _MAX_INTERVAL:
            return number
        if number > _MAX_INTERVAL and math.isfinite(number):
            template = _("{key} must be at most {limit} s (one day), not {value}")
        else:
            template = _("{key} must be a number of seconds greater than 0, not {value}")
        message = template.format(key=label(path, key), limit=seconds_text(_MAX_INTERVAL), value=show(value))
        message += quote_hint(value)
        self.problem((*path, key), message)
        return default

    def choice(
        self, table: Mapping[str, object], path: KeyPath, key: str, choices: Sequence[str], default: str
    ) -> str:
        """One of `choices` (`default` when absent or wrong)."""
        value = table.get(key, default)
        if isinstance(value, str) and value in choices:
            return value
        hint = suggest(value.lower(), choices) if isinstance(value, str) else ""
        message = _("{key} must be one of {choices}, not {value}").format(
            key=label(path, key), choices=", ".join(choices), value=show(value)
        )
        message += hint
        self.problem((*path, key), message)
        return default

    def strings(self, table: Mapping[str, object], path: KeyPath, key: str) -> list[str] | None:
        """An array of strings (None when it is something else)."""
        value = table.get(key, [])
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            if any(self.controls(item, path, key) for item in value):
                return None
            return list(value)
        message = _('{key} must be an array of strings, like ["a", "b"]').format(key=label(path, key))
        self.problem((*path, key), message)
        return None

    def no_duplicates(self, items: Sequence[str], path: KeyPath, template: str) -> None:
        """One problem per item listed twice; `template` (translated) says it with `{item}`."""
        for item in dict.fromkeys(items):
            if items.count(item) > 1:
                line = self.where.item_line(path, item, occurrence=2)
                self.problem(path, template.format(item=item), line)

    def builtin(self, data: Mapping[str, object]) -> tuple[str, ...]:
        """The `builtin` key: catalog ids, each once."""
        if "builtin" not in data:
            return DEFAULT_PROVIDERS
        ids = self.strings(data, (), "builtin")
        if ids is None:
            return ()
        self.no_duplicates(ids, ("builtin",), _("provider id '{item}' is listed more than once"))
        for provider_id in ids:
            if provider_id not in CATALOG:
                line = self.where.item_line(("builtin",), provider_id)
                self.problem(("builtin",), _unknown_id(provider_id), line)
        return tuple(dict.fromkeys(provider_id for provider_id in ids if provider_id in CATALOG))

    def notifications(self, data: Mapping[str, object]) -> NotificationSettings:
        """The [notifications] table."""
        table, path = self.table(data, "notifications"), ("notifications",)
        self.unknown_keys(table, _SECTION_KEYS["notifications"], path)
        severity = self.choice(table, path, "min_severity", _SEVERITIES, "degraded")
        return NotificationSettings(
            enabled=self.boolean(table, path, "enabled", True),
            min_severity=State.from_label(severity),
            maintenance=self.boolean(table, path, "maintenance", False),
            updates=self.boolean(table, path, "updates", False),
        )

    def probes(self, data: Mapping[str, object]) -> ProbeSettings:
        """The [probes] table."""
        table, path = self.table(data, "probes"), ("probes",)
        self.unknown_keys(table, _SECTION_KEYS["probes"], path)
        return ProbeSettings(
            enabled=self.boolean(table, path, "enabled", True),
            interval=self.seconds(table, path, "interval", 60.0),
            notify=self.boolean(table, path, "notify", False),
            deep=self.boolean(table, path, "deep", False),
            deep_interval=self.seconds(table, path, "deep_interval", 300.0),
        )

    def history(self, data: Mapping[str, object]) -> HistorySettings:
        """The [history] table."""
        table, path = self.table(data, "history"), ("history",)
        self.unknown_keys(table, _SECTION_KEYS["history"], path)
        value = table.get("days", RETENTION_DAYS)
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_RETENTION_DAYS:
            return HistorySettings(days=value)
        message = _("{key} must be a whole number of days from 1 to {limit}, not {value}").format(
            key=label(path, "days"), limit=MAX_RETENTION_DAYS, value=show(value)
        )
        message += quote_hint(value)
        self.problem((*path, "days"), message)
        return HistorySettings()

    def entries(self, data: Mapping[str, object]) -> list[_Entry]:
        """The valid [[providers]] entries (problems recorded for the others)."""
        value = data.get("providers", [])
        if not isinstance(value, list):
            self.problem(("providers",), _("providers must be written as [[providers]] tables"))
            return []
        found = []
        for index, table in enumerate(value):
            path: KeyPath = ("providers", index)
            if not isinstance(table, dict):
                self.problem(path, _("each entry of providers must be a table, like [[providers]]"))
                continue
            entry = self.entry(table, path)
            if entry is not None:
                found.append(entry)
        return found

    def entry(self, table: Mapping[str, object], path: KeyPath) -> _Entry | None:
        """One [[providers]] entry: a custom page (with `url`) or a catalog override (`id`, no url)."""
        before = len(self.problems)
        self.unknown_keys(table, _PROVIDER_KEYS, path)
        if "url" not in table and "id" in table:
            spec = self.override(table, path)
        else:
            spec = self.custom(table, path)
        if spec is None or len(self.problems) > before:
            return None
        return _Entry(spec, int(path[-1]), self.where.line(path), override="url" not in table)

    def text(self, table: Mapping[str, object], path: KeyPath, key: str, required: bool) -> str | None:
        """A non-empty string (stripped); None when absent or wrong."""
        if key not in table:
            if required:
                message = _("missing required key '{key}' in {section}")
                self.problem(path, message.format(key=key, section=section_name(path)))
            return None
        value = table[key]
        if isinstance(value, str) and value.strip():
            return None if self.controls(value, path, key) else value.strip()
        message = _("{key} must be a non-empty string, not {value}")
        self.problem((*path, key), message.format(key=label(path, key), value=show(value)))
        return None

    def controls(self, value: str, path: KeyPath, key: str) -> bool:
        """Whether `value` holds a control character (a problem then).

        Names and words from the config reach the menu, notifications and terminals: an escape
        sequence, a line break or a bidi override there would be obeyed or forge a line.
        """
        found = first_control(value)
        if found is None:
            return False
        # Translators: {key} is "name in [[providers]]", {char} a character shown as \x1b or \u202e.
        message = _("{key} must not contain control characters (found {char})")
        self.problem((*path, key), message.format(key=label(path, key), char=found))
        return True

    def url(self, table: Mapping[str, object], path: KeyPath, key: str, required: bool) -> str | None:
        """An http(s) URL (http only on loopback); None when absent or wrong."""
        value = self.text(table, path, key, required)
        if value is None:
            return None
        reason = _url_problem(value)
        if reason is None:
            return value
        # Translators: {key} is "url in [[providers]]", {reason} says what is wrong with the URL.
        self.problem((*path, key), _("{key}: {reason}").format(key=label(path, key), reason=reason))
        return None

    def components(self, table: Mapping[str, object], path: KeyPath) -> tuple[str, ...]:
        """The optional component filter: non-empty strings, each once."""
        names = self.strings(table, path, "components") or []
        if any(not name.strip() for name in names):
            message = _("{key} must not list empty names").format(key=label(path, "components"))
            self.problem((*path, "components"), message)
        self.no_duplicates(names, (*path, "components"), _("component '{item}' is listed more than once"))
        return tuple(name.strip() for name in names)

    def override(self, table: Mapping[str, object], path: KeyPath) -> ProviderSpec | None:
        """An entry naming a catalog provider by id: its spec with this entry's filter and name."""
        provider_id = self.text(table, path, "id", required=True)
        for key in ("kind", "probe", "deep_probe", "probe_api"):
            if key in table:
                message = _("'{key}' can be set only on a provider with a url, not on a built-in one").format(
                    key=key
                )
                self.problem((*path, key), message)
        name = self.text(table, path, "name", required=False)
        components = self.components(table, path)
        if provider_id is None:
            return None
        if provider_id not in CATALOG:
            message = _("unknown provider id '{id}'; a custom provider needs a url {hint}")
            self.problem((*path, "id"), message.format(id=provider_id, hint=catalog_hint()))
            return None
        # An entry without a filter keeps the catalog's own (Replicate is one component of a page).
        spec = replace(CATALOG[provider_id], components=components or CATALOG[provider_id].components)
        model = self.text(table, path, "probe_model", required=False)
        if model is not None and spec.deep_probe is None:
            message = _("'{key}' can be set only on a provider with a deep probe; {id} has none").format(
                key="probe_model", id=provider_id
            )
            self.problem((*path, "probe_model"), message)
        elif model is not None:
            spec = replace(spec, probe_model=model)
        return replace(spec, name=name) if name else spec

    def custom(self, table: Mapping[str, object], path: KeyPath) -> ProviderSpec | None:
        """An entry with its own status page."""
        name = self.text(table, path, "name", required=True)
        url = self.url(table, path, "url", required=True)
        kind = self.choice(table, path, "kind", KINDS, "auto")
        components = self.components(table, path)
        probe = self.url(table, path, "probe", required=False)
        deep_probe, probe_api, probe_model = self.deep_probe(table, path)
        given_id = self.text(table, path, "id", required=False)
        if name is None or url is None:
            return None
        slug = slugify(name)
        if not slug:
            message = _("name {name} gives an empty id: use at least one letter or digit").format(
                name=show(name)
            )
            self.problem((*path, "name"), message)
            return None
        if given_id is not None and given_id != slug:
            message = _("id {id} must match the name: {slug} (or leave id out)").format(
                id=show(given_id), slug=show(slug)
            )
            self.problem((*path, "id"), message)
        return ProviderSpec(
            id=slug,
            name=name,
            page=url.rstrip("/"),
            kind=kind,
            components=components,
            probe=probe,
            builtin=False,
            deep_probe=deep_probe,
            probe_api=probe_api,
            probe_model=probe_model,
        )

    def deep_probe(self, table: Mapping[str, object], path: KeyPath) -> tuple[str | None, ...]:
        """A custom provider's deep probe: `deep_probe`, `probe_api` and `probe_model`, all or none."""
        if not any(key in table for key in _DEEP_KEYS):
            return None, None, None
        url = self.url(table, path, "deep_probe", required=False)
        api = self.choice(table, path, "probe_api", API_DIALECTS, "openai") if "probe_api" in table else None
        model = self.text(table, path, "probe_model", required=False)
        for key in _DEEP_KEYS:
            if key not in table:
                # Translators: {key} is "probe_model"; the three keys of a deep probe go together.
                message = _("missing key '{key}': deep_probe, probe_api and probe_model go together")
                self.problem(path, message.format(key=key))
        return url, api, model

    def assemble(self, builtin: tuple[str, ...], entries: list[_Entry]) -> tuple[ProviderSpec, ...]:
        """Built-in providers in `builtin` order (overrides applied), then the other entries."""
        overrides = {entry.spec.id: entry.spec for entry in entries if entry.override}
        specs = [overrides.get(provider_id, CATALOG[provider_id]) for provider_id in builtin]
        seen: dict[str, _Entry] = {}
        for entry in entries:
            spec_id = entry.spec.id
            if spec_id in seen:
                message = _("duplicate provider id '{id}' ({where})")
                self.problem((), message.format(id=spec_id, where=_both(seen[spec_id], entry)), entry.line)
                continue
            seen[spec_id] = entry
            if entry.override and spec_id in builtin:
                continue
            if spec_id in builtin:
                self.problem((), self._clash(spec_id), entry.line)
                continue
            specs.append(entry.spec)
        return tuple(specs)

    def _clash(self, spec_id: str) -> str:
        line = self.where.line(("builtin",))
        if line:
            # Translators: how a built-in provider is enabled: "in `builtin` (line 3)".
            enabled = _("in `builtin` (line {line})").format(line=line)
        else:
            # Translators: how a built-in provider is enabled: "by default (`builtin` = [...])".
            enabled = _("by default (`builtin` = {value})").format(value=show_list(DEFAULT_PROVIDERS))
        # Translators: {enabled} is "in `builtin` (line 3)" or "by default (`builtin` = [...])".
        message = _(
            "duplicate provider id '{id}': the built-in provider '{id}' is enabled {enabled};"
            " rename this one or remove the built-in one from `builtin`"
        )
        return message.format(id=spec_id, enabled=enabled)

    def warn_intervals(self, config: Config) -> None:
        """Warnings for intervals below the floors of the hosts they apply to."""
        pages = [page_is_loopback(spec) for spec in config.providers]
        self._warn_floors(
            "poll_interval",
            config.poll_interval,
            pages,
            # Translators: {key} is "poll_interval", {value} and {floor} are numbers of seconds.
            _(
                "{key} {value} s is below the {floor} s minimum for remote pages;"
                " they will be polled every {floor} s"
            ),
            _(
                "{key} {value} s is below the {floor} s minimum for loopback pages;"
                " they will be polled every {floor} s"
            ),
        )
        if config.probes.enabled:
            probes = [urls.is_loopback(spec.probe) for spec in config.providers if spec.probe]
            self._warn_floors(
                "probes.interval",
                config.probes.interval,
                probes,
                # Translators: {key} is "probes.interval", {value} and {floor} are numbers of seconds.
                _(
                    "{key} {value} s is below the {floor} s minimum for remote API servers;"
                    " they will be probed every {floor} s"
                ),
                _(
                    "{key} {value} s is below the {floor} s minimum for API servers on this computer;"
                    " they will be probed every {floor} s"
                ),
            )

        deep = [
            urls.is_loopback(plan[0].url) for spec in config.providers if (plan := deep_plan(config, spec))
        ]
        self._warn_floors(
            "probes.deep_interval",
            config.probes.deep_interval,
            deep,
            # Translators: {key} is "probes.deep_interval", {value} and {floor} are numbers of seconds.
            _(
                "{key} {value} s is below the {floor} s minimum for remote model APIs;"
                " they will be asked every {floor} s"
            ),
            _(
                "{key} {value} s is below the {floor} s minimum for model APIs on this computer;"
                " they will be asked every {floor} s"
            ),
            remote_floor=MIN_DEEP_REMOTE_INTERVAL,
        )

    def _warn_floors(
        self,
        key: str,
        value: float,
        loopback: list[bool],
        remote: str,
        local: str,
        remote_floor: float = MIN_REMOTE_INTERVAL,
    ) -> None:
        """Warn when `value` is below the floor of remote (`remote` says it) or loopback hosts (`local`)."""
        floors = ((False, remote_floor, remote), (True, MIN_LOOPBACK_INTERVAL, local))
        for is_local, floor, template in floors:
            if value < floor and is_local in loopback:
                self.warnings.append(
                    template.format(key=key, value=seconds_text(value), floor=seconds_text(floor))
                )

    def config(self, data: Mapping[str, object]) -> Config:
        """The whole Config from the parsed TOML document."""
        self.unknown_keys(data, _TOP_KEYS, ())
        builtin = self.builtin(data)
        config = Config(
            poll_interval=self.seconds(data, (), "poll_interval", 60.0),
            language=self.choice(data, (), "language", _LANGUAGES, "auto"),
            builtin=builtin,
            notifications=self.notifications(data),
            probes=self.probes(data),
            providers=self.assemble(builtin, self.entries(data)),
            history=self.history(data),
        )
        self.warn_intervals(config)
        if not config.providers and not self.problems:
            self.warnings.append(_("no provider is enabled: add ids to `builtin` or [[providers]] entries"))
        return config


def _both(first: _Entry, second: _Entry) -> str:
    if first.line is not None and first.line != second.line:
        return _("entries at lines {first} and {second}").format(first=first.line, second=second.line)
    return _("[[providers]] entries {first} and {second}").format(
        first=first.index + 1, second=second.index + 1
    )


def _unknown_id(provider_id: str) -> str:
    message = _("unknown provider id '{id}' {hint}").format(id=provider_id, hint=catalog_hint())
    return message + suggest(provider_id.lower(), CATALOG)


def _syntax_problem(error: tomllib.TOMLDecodeError, text: str) -> ConfigProblem:
    message = str(error)
    where = re.search(r" \(at line (\d+), column (\d+)\)$", message)
    if where:
        reason = message[: where.start()]
        # Translators: {reason} is the TOML reader's own words, in English.
        problem = _("invalid TOML: {reason} (column {column})").format(reason=reason, column=where.group(2))
        return ConfigProblem(int(where.group(1)), problem)
    reason = message.removesuffix(" (at end of document)")
    # Translators: {reason} is the TOML reader's own words, in English.
    problem = _("invalid TOML: {reason} (at the end of the file)").format(reason=reason)
    return ConfigProblem(text.rstrip().count("\n") + 1, problem)


def _problem_order(problem: ConfigProblem) -> tuple[bool, int]:
    return (problem.line is not None, problem.line or 0)


_LANGUAGE_LINE = re.compile(r"""^\s*language\s*=\s*(?:"([a-z]+)"|'([a-z]+)')\s*(?:#.*)?$""")


def declared_language(text: str) -> str | None:
    """The `language` a config's text sets on a line of its own before any table, even when
    other lines are broken; None when there is no such valid line.

    Config errors are then worded in the language the file asks for.
    """
    for line in text.splitlines():
        if line.lstrip().startswith("["):
            return None
        match = _LANGUAGE_LINE.match(line)
        if match:
            value = match.group(1) or match.group(2)
            return value if value in _LANGUAGES else None
    return None


def parse_config(text: str, path: str = "config.toml") -> tuple[Config, list[str]]:
    """Validate a config document; (config, warnings), or ConfigError listing every problem."""
    try:
        data = tomllib.loads(text)
        checker = _Checker(text)
        config = checker.config(data)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, [_syntax_problem(error, text)]) from None
    except RecursionError:
        # Hundreds of nested arrays or tables: no config needs them, and Python's stack ends.
        raise ConfigError(path, [ConfigProblem(None, _("invalid TOML: nested too deeply"))]) from None
    if checker.problems:
        raise ConfigError(path, sorted(checker.problems, key=_problem_order))
    return config, checker.warnings
