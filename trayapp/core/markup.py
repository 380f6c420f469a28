"""Untrusted text made safe for the HTML pages: cleaned of control characters, cut, escaped."""

from __future__ import annotations

import html
import re

from trayapp.core.urls import safe_url

# `safe_url` is the one URL rule (core/urls.py), offered here beside `escape` for the page builders.
__all__ = ["MAX_TEXT", "clean", "escape", "safe_url"]

# Page text longer than this (a runaway incident update) is cut, with an ellipsis.
MAX_TEXT = 4000

# C0/C1 control characters other than tab and newline: never useful on a page.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """Text fit for a page: no control characters, no lone surrogates, not endless."""
    text = _CONTROL.sub("", text)
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def escape(text: str) -> str:
    """`text` cleaned and escaped for HTML text and quoted attribute values."""
    return html.escape(clean(text), quote=True)
