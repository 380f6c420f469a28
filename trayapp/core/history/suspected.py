"""Suspected periods in words, for the `trayapp history` table and the details page.

A suspected period is what trayapp's own probes saw while the status page said all was well,
never an outage the provider reported: the words say what was observed, by which probe. They
are in the user's language; the JSON keeps the verdict's own English reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from trayapp.core.history.chart import ONGOING
from trayapp.core.history.figures import SuspectedPeriod, local_stamp
from trayapp.core.text import duration_words, observed_phrase
from trayapp.i18n import N_, _
from trayapp.model import Suspicion

# Translators: which probe saw a suspected problem: the API's servers (asked for the list of
# models, as on the details page), or a real request to a model.
SOURCE_WORDS = {"edge": N_("API servers"), "deep": N_("model API")}


def source_words(source: str) -> str:
    """The probe behind a suspected period, in words: 'API servers' or 'model API'."""
    words = SOURCE_WORDS.get(source)
    return _(words) if words is not None else source


def observed_words(period: SuspectedPeriod, capital: bool = False) -> str:
    """What the probe saw, in the user's language: 'the model API failed the last 3 requests (HTTP 529)'.

    A row without the counts says the verdict's own words.
    """
    if period.checks <= 0:
        return period.reason
    source: Literal["edge", "model"] = "model" if period.source == "deep" else "edge"
    suspicion = Suspicion(period.started_at, period.failed, period.checks, period.seen, source)
    return observed_phrase(suspicion, detail=True, capital=capital)


def end_words(period: SuspectedPeriod) -> str:
    """When it ended, in local time, or 'ongoing'."""
    return local_stamp(period.ended_at) if period.ended_at is not None else _(ONGOING)


def suspected_line(period: SuspectedPeriod, now: datetime) -> str:
    """A suspected period in one line: probe, start → end (local time), duration, what was seen."""
    return (
        f"{source_words(period.source)} — {local_stamp(period.started_at)} → {end_words(period)} "
        f"({duration_words(period.duration(now))}) — {observed_words(period)}"
    )
