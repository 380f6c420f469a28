"""Text from outside made safe: for the model (once, where pages are read) and for output.

A status page is untrusted. Its text may hold lone UTF-16 surrogates (valid JSON, yet no
UTF-8 encoder takes them), control characters (a terminal obeys ESC sequences, a newline
forges a line of output or a log entry) and bidirectional overrides (which make text read
differently from what it is). `clean_text` is applied once to everything a page says;
`printable` to every line written for a person or a log, whatever its origin.
"""

from __future__ import annotations

import re
from dataclasses import replace

from trayapp.model import Incident, ParsedPage

# Embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI) and the Arabic
# letter mark: invisible, and they reorder what follows.
_BIDI = "\u202a-\u202e\u2066-\u2069\u061c"
_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 controls (but tab and newline), DEL and C1 controls, and the bidi controls.
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_LINE_BREAK = re.compile("[\t\n\u2028\u2029]")
_ANY_CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
REPLACEMENT = "\ufffd"


def _no_lone_surrogates(text: str) -> str:
    """`text` with proper pairs joined and lone surrogates replaced by U+FFFD."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def clean_text(text: str, *, one_line: bool = False) -> str:
    """Text from a page, safe to keep: no lone surrogates, no controls but tab and newline, no bidi.

    Carriage returns become newlines; with `one_line` (names, ids, words) every line break
    and tab becomes a space, so a name can never forge a line.
    """
    text = _no_lone_surrogates(text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    if one_line:
        text = _LINE_BREAK.sub(" ", text)
    return text


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """One line for a terminal or a log: every control shown as a visible escape, never obeyed."""
    text = _no_lone_surrogates(text)
    if not _ANY_CONTROL.search(text):
        return text
    return _ANY_CONTROL.sub(_escape, text)


def first_control(text: str) -> str | None:
    """The first control, line break, bidi control or lone surrogate in `text`, shown as an escape.

    None when there is none: the text can be shown as it is, on one line.
    """
    found = _ANY_CONTROL.search(text) or _SURROGATE.search(text)
    return _escape(found) if found else None


def _line(text: str) -> str:
    return clean_text(text, one_line=True)


def _clean_incident(incident: Incident) -> Incident:
    return replace(
        incident,
        id=_line(incident.id),
        name=_line(incident.name),
        status=_line(incident.status),
        url=_line(incident.url) if incident.url is not None else None,
        latest_update=clean_text(incident.latest_update),
        components=tuple(_line(name) for name in incident.components),
    )


def clean_page(page: ParsedPage) -> ParsedPage:
    """Every text of a parsed page made safe with `clean_text` (names and words on one line)."""
    return replace(
        page,
        components=tuple(
            replace(c, name=_line(c.name), id=_line(c.id), group=_line(c.group) if c.group else c.group)
            for c in page.components
        ),
        incidents=tuple(_clean_incident(i) for i in page.incidents),
        upcoming=tuple(_clean_incident(i) for i in page.upcoming),
        closed_incidents=tuple(_clean_incident(i) for i in page.closed_incidents),
        closed_incident_ids=frozenset(_line(key) for key in page.closed_incident_ids),
        unknown_values=tuple(_line(value) for value in page.unknown_values),
        page_name=_line(page.page_name) if page.page_name is not None else None,
    )


def escape_markup(text: str) -> str:
    """`text` with `&`, `<` and `>` escaped, as `html.escape(text, quote=False)` does.

    Written out so that a notification does not import `html`, whose entity table is a
    third of a megabyte that only the feed parser and the details page need.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
