"""The user's config file: TOML in, a validated frozen `Config` out.

`parse_config` is pure; it reports every problem it finds at once (file, line, what is wrong)
by raising `ConfigError`, and returns warnings (values it will adjust) next to the config.
`load_config` and `ensure_config` are the only functions touching the file system.

Keys are those of the contract's "Config (TOML)" section, plus one extension:

    [[providers]]
    id = "openai"              # a catalog id, and no `url`
    components = ["ChatGPT"]   # optional: watch only these components
    name = "ChatGPT"           # optional: the name shown

An entry with a catalog `id` and no `url` enables that built-in provider (even when it is not
in `builtin`) with the entry's component filter and name; it replaces the built-in entry rather
than adding a second one. On an entry with a `url`, `id` may be given only if it equals the
provider's id, its name slugified ("Acme API" -> "acme-api").

`Config.providers` is every watched provider: the catalog entries named in `builtin` (in that
order, overrides applied), then the [[providers]] entries. `Config.builtin` is the `builtin` key
as written.

Line numbers: tomllib reports none for well-formed but wrong values, so `_Locator` finds them by
scanning the text for table headers and `key =` lines.

Problems and warnings are in the user's language (translated when they are found; the CLI sets
the language from the OS before it reads the file); key names, values and TOML syntax in them
stay as written. The commented default file is written in English, like its keys.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import textwrap
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from trayapp.catalog import CATALOG, DEFAULT_PROVIDERS, ProviderSpec, slugify
from trayapp.core import urls
from trayapp.core.probing import probe_target
from trayapp.i18n import _
from trayapp.model import State

MIN_REMOTE_INTERVAL = 30.0
MIN_LOOPBACK_INTERVAL = 0.2
_MAX_INTERVAL = 86400.0

_LANGUAGES: tuple[str, ...] = ("auto", "en", "it")
# The same tuple as trayapp.adapters.KINDS, kept here so the config needs no adapter import.
_KINDS: tuple[str, ...] = ("auto", "statuspage", "incidentio", "instatus", "betterstack", "google", "feed")
_SEVERITIES: tuple[str, ...] = tuple(state.label for state in State)

_TOP_KEYS = ("poll_interval", "language", "builtin", "notifications", "probes", "history", "providers")
_SECTION_KEYS: dict[str, tuple[str, ...]] = {
    "notifications": ("enabled", "min_severity", "maintenance", "updates"),
    "probes": ("enabled", "interval", "notify"),
    "history": ("days",),
}
HISTORY_DAYS = 180
_MAX_HISTORY_DAYS = 3660
_PROVIDER_KEYS = ("name", "url", "kind", "components", "probe", "id")

_KeyPath = tuple[str | int, ...]


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


@dataclass(frozen=True)
class HistorySettings:
    """The [history] table: how many days of history to keep."""

    days: int = HISTORY_DAYS


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


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with a config file, at a line when known."""

    line: int | None
    message: str


class ConfigError(Exception):
    """A config file that cannot be used; str() is one `PATH:LINE: message` line per problem."""

    def __init__(self, path: str, problems: Iterable[ConfigProblem]) -> None:
        self.path = path
        self.problems = tuple(problems)
        super().__init__("\n".join(_format_problem(path, problem) for problem in self.problems))

    def __reduce__(self) -> tuple[type[ConfigError], tuple[str, tuple[ConfigProblem, ...]]]:
        """Pickle by path and problems (the constructor's arguments)."""
        return (ConfigError, (self.path, self.problems))


def _format_problem(path: str, problem: ConfigProblem) -> str:
    if problem.line is None:
        return f"{path}: {problem.message}"
    return f"{path}:{problem.line}: {problem.message}"


# --- locating keys in the text -------------------------------------------------------------

_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_HEADER_RE = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_KEY_RE = re.compile(rf"^\s*({_DOTTED})\s*=(.*)$")


def _key_path(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip("\"'") for part in re.findall(_KEY_PART, dotted))


def _multiline_opener(value: str) -> str | None:
    """The delimiter of a multi-line string that starts in `value` and stays open, if any."""
    value = value.strip()
    for delimiter in ('"""', "'''"):
        if value.startswith(delimiter) and delimiter not in value[3:]:
            return delimiter
    return None


class _Locator:
    """Line numbers of table headers and keys, by path: ("providers", 2, "url") is the third entry's url."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self._found: dict[_KeyPath, int] = {}
        counts: dict[tuple[str, ...], int] = {}
        table: _KeyPath = ()
        closing: str | None = None
        for number, line in enumerate(self.lines, start=1):
            if closing is not None:
                closing = None if closing in line else closing
                continue
            header = _HEADER_RE.match(line)
            if header:
                name = _key_path(header.group(2))
                if header.group(1) == "[[":
                    counts[name] = counts.get(name, 0) + 1
                    table = (*name, counts[name] - 1)
                else:
                    table = name
                self._found.setdefault(table, number)
                self._found.setdefault(name, number)
                continue
            key = _KEY_RE.match(line)
            if key:
                self._found.setdefault((*table, *_key_path(key.group(1))), number)
                closing = _multiline_opener(key.group(2))
        self._starts = sorted(set(self._found.values()))

    def line(self, path: _KeyPath) -> int | None:
        """The line of `path`, or of its nearest enclosing key or table; None when not found."""
        for end in range(len(path), 0, -1):
            if path[:end] in self._found:
                return self._found[path[:end]]
        return None

    def item_line(self, path: _KeyPath, item: str, occurrence: int = 1) -> int | None:
        """The line of the `occurrence`-th quoted `item` in the value of the key at `path`."""
        start = self.line(path)
        if start is None:
            return None
        end = next((line for line in self._starts if line > start), len(self.lines) + 1)
        pattern = re.compile(rf"""(["']){re.escape(item)}\1""")
        seen = 0
        for number in range(start, end):
            seen += len(pattern.findall(self.lines[number - 1]))
            if seen >= occurrence:
                return number
        return start


# --- values --------------------------------------------------------------------------------


def _show(value: object) -> str:
    """A value as the user wrote it in TOML (roughly)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        # Translators: what a wrong value is, in "builtin must be ..., not an array".
        return _("an array")
    if isinstance(value, dict):
        # Translators: what a wrong value is, in "name must be ..., not a table".
        return _("a table")
    return str(value)


def _show_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(_show(item) for item in items) + "]"


def _quote_hint(value: object) -> str:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "false"):
            return " " + _("(write true or false without quotes)")
        try:
            float(text)
        except ValueError:
            return ""
        return " " + _("(write numbers without quotes)")
    return ""


def _catalog_hint() -> str:
    return _("(see `trayapp providers`)")


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    # Translators: a hint after a config problem, e.g. "; did you mean 'openai'?".
    return "; " + _("did you mean '{word}'?").format(word=close[0]) if close else ""


def _seconds(value: float) -> str:
    return f"{value:g}"


def _section_name(path: _KeyPath) -> str:
    if not path:
        return _("the top level")
    if isinstance(path[-1], int):
        return f"[[{'.'.join(str(part) for part in path[:-1])}]]"
    return f"[{'.'.join(str(part) for part in path)}]"


def _label(path: _KeyPath, key: str) -> str:
    # Translators: a key of the config file and its table, e.g. "interval in [probes]".
    return key if not path else _("{key} in {section}").format(key=key, section=_section_name(path))


def is_loopback(url: str) -> bool:
    """Whether the URL's host is a loopback address (127.0.0.0/8, ::1) or `localhost`."""
    return urls.is_loopback(url)


def _url_problem(url: str) -> str | None:
    """Why `url` cannot be a page or probe URL, or None when it can."""
    problem = urls.url_problem(url, fetched=True)
    if problem is urls.UrlProblem.SPACES:
        return _("must be a URL without spaces")
    if problem is urls.UrlProblem.MALFORMED:
        return _("is not a valid URL: {value}").format(value=_show(url))
    if problem is urls.UrlProblem.NOT_WEB:
        return _("must be an absolute https:// URL with a host, not {value}").format(value=_show(url))
    if problem is urls.UrlProblem.PLAIN_HTTP:
        return _("plain http:// is allowed only for loopback addresses; use https://")
    return None


def _page_is_loopback(spec: ProviderSpec) -> bool:
    return is_loopback(spec.root) and (spec.source is None or is_loopback(spec.source))


def interval_for(config: Config, spec: ProviderSpec) -> float:
    """Seconds between polls of `spec`: the config's interval, raised to the floor for its kind of host."""
    if _page_is_loopback(spec):
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


# --- validation ----------------------------------------------------------------------------


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
        self.where = _Locator(text)
        self.problems: list[ConfigProblem] = []
        self.warnings: list[str] = []

    def problem(self, path: _KeyPath, message: str, line: int | None = None) -> None:
        """Record a problem at `line`, or at the line of `path`."""
        self.problems.append(ConfigProblem(line if line is not None else self.where.line(path), message))

    def unknown_keys(self, table: Mapping[str, object], allowed: Sequence[str], path: _KeyPath) -> None:
        """One problem per key of `table` not in `allowed`."""
        for key in table:
            if key in allowed:
                continue
            if path:
                message = _("unknown key '{key}' in {section}").format(key=key, section=_section_name(path))
            else:
                message = _("unknown key '{key}' at the top level").format(key=key)
            hint = _suggest(key, allowed)
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
            (key,), _("{key} must be a table ([{key}]), not {value}").format(key=key, value=_show(value))
        )
        return {}

    def boolean(self, table: Mapping[str, object], path: _KeyPath, key: str, default: bool) -> bool:
        """A true/false value."""
        value = table.get(key, default)
        if isinstance(value, bool):
            return value
        message = _("{key} must be true or false, not {value}").format(
            key=_label(path, key), value=_show(value)
        )
        message += _quote_hint(value)
        self.problem((*path, key), message)
        return default

    def seconds(self, table: Mapping[str, object], path: _KeyPath, key: str, default: float) -> float:
        """A number of seconds, greater than 0 and at most a day."""
        value = table.get(key, default)
        number = math.nan if isinstance(value, bool) or not isinstance(value, int | float) else float(value)
        if 0 < number <= _MAX_INTERVAL:
            return number
        if number > _MAX_INTERVAL and math.isfinite(number):
            template = _("{key} must be at most {limit} s (one day), not {value}")
        else:
            template = _("{key} must be a number of seconds greater than 0, not {value}")
        message = template.format(key=_label(path, key), limit=_seconds(_MAX_INTERVAL), value=_show(value))
        message += _quote_hint(value)
        self.problem((*path, key), message)
        return default

    def choice(
        self, table: Mapping[str, object], path: _KeyPath, key: str, choices: Sequence[str], default: str
    ) -> str:
        """One of `choices` (`default` when absent or wrong)."""
        value = table.get(key, default)
        if isinstance(value, str) and value in choices:
            return value
        hint = _suggest(value.lower(), choices) if isinstance(value, str) else ""
        message = _("{key} must be one of {choices}, not {value}").format(
            key=_label(path, key), choices=", ".join(choices), value=_show(value)
        )
        message += hint
        self.problem((*path, key), message)
        return default

    def strings(self, table: Mapping[str, object], path: _KeyPath, key: str) -> list[str] | None:
        """An array of strings (None when it is something else)."""
        value = table.get(key, [])
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return list(value)
        message = _('{key} must be an array of strings, like ["a", "b"]').format(key=_label(path, key))
        self.problem((*path, key), message)
        return None

    def no_duplicates(self, items: Sequence[str], path: _KeyPath, template: str) -> None:
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
        )

    def history(self, data: Mapping[str, object]) -> HistorySettings:
        """The [history] table."""
        table, path = self.table(data, "history"), ("history",)
        self.unknown_keys(table, _SECTION_KEYS["history"], path)
        value = table.get("days", HISTORY_DAYS)
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= _MAX_HISTORY_DAYS:
            return HistorySettings(days=value)
        message = _("{key} must be a whole number of days from 1 to {limit}, not {value}").format(
            key=_label(path, "days"), limit=_MAX_HISTORY_DAYS, value=_show(value)
        )
        message += _quote_hint(value)
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
            path: _KeyPath = ("providers", index)
            if not isinstance(table, dict):
                self.problem(path, _("each entry of providers must be a table, like [[providers]]"))
                continue
            entry = self.entry(table, path)
            if entry is not None:
                found.append(entry)
        return found

    def entry(self, table: Mapping[str, object], path: _KeyPath) -> _Entry | None:
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

    def text(self, table: Mapping[str, object], path: _KeyPath, key: str, required: bool) -> str | None:
        """A non-empty string (stripped); None when absent or wrong."""
        if key not in table:
            if required:
                message = _("missing required key '{key}' in {section}")
                self.problem(path, message.format(key=key, section=_section_name(path)))
            return None
        value = table[key]
        if isinstance(value, str) and value.strip():
            return value.strip()
        message = _("{key} must be a non-empty string, not {value}")
        self.problem((*path, key), message.format(key=_label(path, key), value=_show(value)))
        return None

    def url(self, table: Mapping[str, object], path: _KeyPath, key: str, required: bool) -> str | None:
        """An http(s) URL (http only on loopback); None when absent or wrong."""
        value = self.text(table, path, key, required)
        if value is None:
            return None
        reason = _url_problem(value)
        if reason is None:
            return value
        # Translators: {key} is "url in [[providers]]", {reason} says what is wrong with the URL.
        self.problem((*path, key), _("{key}: {reason}").format(key=_label(path, key), reason=reason))
        return None

    def components(self, table: Mapping[str, object], path: _KeyPath) -> tuple[str, ...]:
        """The optional component filter: non-empty strings, each once."""
        names = self.strings(table, path, "components") or []
        if any(not name.strip() for name in names):
            message = _("{key} must not list empty names").format(key=_label(path, "components"))
            self.problem((*path, "components"), message)
        self.no_duplicates(names, (*path, "components"), _("component '{item}' is listed more than once"))
        return tuple(name.strip() for name in names)

    def override(self, table: Mapping[str, object], path: _KeyPath) -> ProviderSpec | None:
        """An entry naming a catalog provider by id: its spec with this entry's filter and name."""
        provider_id = self.text(table, path, "id", required=True)
        for key in ("kind", "probe"):
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
            self.problem((*path, "id"), message.format(id=provider_id, hint=_catalog_hint()))
            return None
        spec = replace(CATALOG[provider_id], components=components)
        return replace(spec, name=name) if name else spec

    def custom(self, table: Mapping[str, object], path: _KeyPath) -> ProviderSpec | None:
        """An entry with its own status page."""
        name = self.text(table, path, "name", required=True)
        url = self.url(table, path, "url", required=True)
        kind = self.choice(table, path, "kind", _KINDS, "auto")
        components = self.components(table, path)
        probe = self.url(table, path, "probe", required=False)
        given_id = self.text(table, path, "id", required=False)
        if name is None or url is None:
            return None
        slug = slugify(name)
        if not slug:
            message = _("name {name} gives an empty id: use at least one letter or digit").format(
                name=_show(name)
            )
            self.problem((*path, "name"), message)
            return None
        if given_id is not None and given_id != slug:
            message = _("id {id} must match the name: {slug} (or leave id out)").format(
                id=_show(given_id), slug=_show(slug)
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
        )

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
            enabled = _("by default (`builtin` = {value})").format(value=_show_list(DEFAULT_PROVIDERS))
        # Translators: {enabled} is "in `builtin` (line 3)" or "by default (`builtin` = [...])".
        message = _(
            "duplicate provider id '{id}': the built-in provider '{id}' is enabled {enabled};"
            " rename this one or remove the built-in one from `builtin`"
        )
        return message.format(id=spec_id, enabled=enabled)

    def warn_intervals(self, config: Config) -> None:
        """Warnings for intervals below the floors of the hosts they apply to."""
        pages = [_page_is_loopback(spec) for spec in config.providers]
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
            probes = [is_loopback(spec.probe) for spec in config.providers if spec.probe]
            self._warn_floors(
                "probes.interval",
                config.probes.interval,
                probes,
                # Translators: {key} is "probes.interval", {value} and {floor} are numbers of seconds.
                _(
                    "{key} {value} s is below the {floor} s minimum for remote API edges;"
                    " they will be probed every {floor} s"
                ),
                _(
                    "{key} {value} s is below the {floor} s minimum for loopback API edges;"
                    " they will be probed every {floor} s"
                ),
            )

    def _warn_floors(self, key: str, value: float, loopback: list[bool], remote: str, local: str) -> None:
        """Warn when `value` is below the floor of remote (`remote` says it) or loopback hosts (`local`)."""
        floors = ((False, MIN_REMOTE_INTERVAL, remote), (True, MIN_LOOPBACK_INTERVAL, local))
        for is_local, floor, template in floors:
            if value < floor and is_local in loopback:
                self.warnings.append(template.format(key=key, value=_seconds(value), floor=_seconds(floor)))

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
    message = _("unknown provider id '{id}' {hint}").format(id=provider_id, hint=_catalog_hint())
    return message + _suggest(provider_id.lower(), CATALOG)


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


def parse_config(text: str, path: str = "config.toml") -> tuple[Config, list[str]]:
    """Validate a config document; (config, warnings), or ConfigError listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, [_syntax_problem(error, text)]) from None
    checker = _Checker(text)
    config = checker.config(data)
    if checker.problems:
        raise ConfigError(path, sorted(checker.problems, key=_problem_order))
    return config, checker.warnings


# --- the file ------------------------------------------------------------------------------


def _catalog_ids_comment() -> str:
    lines = textwrap.wrap(", ".join(CATALOG), width=88)
    return "\n".join(f"#   {line}" for line in lines)


DEFAULT_CONFIG_TEXT = f"""\
# trayapp configuration. Lines starting with # are comments; every value shown is the default.
# `trayapp check-config` checks this file and says what is wrong, with line numbers.

# Seconds between two polls of each provider's status page (decimals allowed).
# Remote pages are polled at most every 30 s; loopback addresses (127.0.0.1, ::1,
# localhost) as often as every 0.2 s.
poll_interval = 60

# Language of the menu, notifications and tables: "auto" (from the system), "en" or "it".
language = "auto"

# Built-in providers to watch, by id. Run `trayapp providers` for the list; the ids are:
{_catalog_ids_comment()}
builtin = {_show_list(DEFAULT_PROVIDERS)}

[notifications]
enabled = true
# Incidents below this severity do not notify:
# operational | maintenance | unknown | degraded | partial | major
min_severity = "degraded"
# Notify on scheduled maintenance too.
maintenance = false
# Notify on every incident update, not only when an incident starts and resolves.
updates = false

[probes]
# Probe the providers' API edges (OpenAI, Anthropic, ...) for an early warning.
enabled = true
# Seconds between probes; remote edges at most every 30 s, loopback ones every 0.2 s.
interval = 60
# Notify once when an API edge keeps failing while its status page still says all is well.
notify = false

[history]
# Days of history to keep (`trayapp history`, the details page's charts); older records are
# deleted once a day. A whole number from 1 to {_MAX_HISTORY_DAYS}.
days = {HISTORY_DAYS}

# Any number of custom status pages, each in its own [[providers]] table. Remove the
# leading "# " to use one.
#
# [[providers]]
# name = "Acme API"                      # shown everywhere; its id is "acme-api"
# url = "https://status.acme.example"    # https:// (plain http:// only on loopback)
# kind = "auto"                          # auto | {" | ".join(_KINDS[1:])}
# components = ["API"]                   # optional: watch only these components
# probe = "https://api.acme.example/v1/models"   # optional: the API edge to probe
#
# A built-in provider watching only some of its components (it need not be in `builtin`):
#
# [[providers]]
# id = "openai"
# components = ["ChatGPT"]
"""


def _read_problem(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return _("cannot read the config: no such file")
    if isinstance(error, IsADirectoryError):
        return _("cannot read the config: it is a directory")
    # Translators: {reason} is the operating system's own words ("permission denied").
    return _("cannot read the config: {reason}").format(reason=(error.strerror or str(error)).lower())


def load_config(path: Path) -> tuple[Config, list[str]]:
    """Read and validate the config file at `path` (UTF-8); ConfigError when it cannot be used."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(str(path), [ConfigProblem(None, _read_problem(error))]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        message = _("the file is not valid UTF-8 (byte 0x{byte}); save it as UTF-8").format(
            byte=f"{data[error.start]:02x}"
        )
        raise ConfigError(str(path), [ConfigProblem(line, message)]) from None
    return parse_config(text.removeprefix("\ufeff"), str(path))


def ensure_config(path: Path) -> bool:
    """Write the commented default config to `path` (mode 0o600) unless it exists; True when written."""
    if path.exists():
        return False
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(DEFAULT_CONFIG_TEXT.encode("utf-8"))
        os.chmod(path, 0o600)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return True
