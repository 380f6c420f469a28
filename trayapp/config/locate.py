"""Line numbers of tables and keys in a TOML text (tomllib reports none for wrong values)."""

from __future__ import annotations

import re

KeyPath = tuple[str | int, ...]

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


class Locator:
    """Line numbers of table headers and keys, by path: ("providers", 2, "url") is the third entry's url."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self._found: dict[KeyPath, int] = {}
        counts: dict[tuple[str, ...], int] = {}
        table: KeyPath = ()
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

    def line(self, path: KeyPath) -> int | None:
        """The line of `path`, or of its nearest enclosing key or table; None when not found."""
        for end in range(len(path), 0, -1):
            if path[:end] in self._found:
                return self._found[path[:end]]
        return None

    def item_line(self, path: KeyPath, item: str, occurrence: int = 1) -> int | None:
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
