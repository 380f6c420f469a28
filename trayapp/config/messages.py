"""How config problems are put into words: values shown as written, hints, and the error type."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from trayapp.config.locate import KeyPath
from trayapp.core.safe_text import printable
from trayapp.i18n import _


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
    # A message may quote what the file says: its controls are shown, never obeyed.
    message = printable(problem.message)
    if problem.line is None:
        return f"{printable(path)}: {message}"
    return f"{printable(path)}:{problem.line}: {message}"


def show(value: object) -> str:
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


def show_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(show(item) for item in items) + "]"


def quote_hint(value: object) -> str:
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


def catalog_hint() -> str:
    return _("(see `trayapp providers`)")


def suggest(word: str, choices: Iterable[str]) -> str:
    import difflib  # only for a misspelt word: not loaded by a good config

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    # Translators: a hint after a config problem, e.g. "; did you mean 'openai'?".
    return "; " + _("did you mean '{word}'?").format(word=close[0]) if close else ""


def seconds_text(value: float) -> str:
    return f"{value:g}"


def section_name(path: KeyPath) -> str:
    if not path:
        return _("the top level")
    if isinstance(path[-1], int):
        return f"[[{'.'.join(str(part) for part in path[:-1])}]]"
    return f"[{'.'.join(str(part) for part in path)}]"


def label(path: KeyPath, key: str) -> str:
    # Translators: a key of the config file and its table, e.g. "interval in [probes]".
    return key if not path else _("{key} in {section}").format(key=key, section=section_name(path))
