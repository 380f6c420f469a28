"""Words for states, statuses, durations and times, as a person reads them, in the user's language.

Everything here is translated when called (see `trayapp.i18n`). Times are shown on a 24-hour
clock in the local time zone; `iso_utc` is the one language-neutral form, for JSON and files.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import ParamSpec

from trayapp.i18n import N_, _, ngettext, pgettext
from trayapp.model import Incident, State, Suspicion

_STATE_PHRASES: dict[State, str] = {
    State.OPERATIONAL: N_("operational"),
    State.MAINTENANCE: N_("under maintenance"),
    State.UNKNOWN: N_("unknown"),
    State.DEGRADED: N_("degraded performance"),
    State.PARTIAL: N_("partial outage"),
    State.MAJOR: N_("major outage"),
}

_MONTHS: tuple[str, ...] = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)

_WEEKDAYS: tuple[str, ...] = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


def _capitalised(phrase: str, capital: bool) -> str:
    return phrase[:1].upper() + phrase[1:] if capital else phrase


def state_phrase(state: State, capital: bool = False) -> str:
    """A state in words: 'partial outage', 'degraded performance', ..."""
    return _capitalised(_(_STATE_PHRASES[state]), capital)


def impact_phrase(incident: Incident, capital: bool = False) -> str:
    """What an incident does: its impact in words, or 'scheduled maintenance' for a maintenance."""
    if incident.is_maintenance and incident.impact <= State.UNKNOWN:
        return _capitalised(_("scheduled maintenance"), capital)
    return state_phrase(incident.impact, capital)


def status_phrase(status: str) -> str:
    """A page's status word for an incident in words: 'investigating', 'in progress', ...; '' → 'open'."""
    # Built per call, so each word is translated in the language of the moment.
    known = {
        "investigating": pgettext("incident status", "investigating"),
        "identified": pgettext("incident status", "identified"),
        "monitoring": pgettext("incident status", "monitoring"),
        "update": pgettext("incident status", "update"),
        "resolved": pgettext("incident status", "resolved"),
        "postmortem": pgettext("incident status", "postmortem"),
        "scheduled": pgettext("incident status", "scheduled"),
        "in_progress": pgettext("incident status", "in progress"),
        "verifying": pgettext("incident status", "verifying"),
        "completed": pgettext("incident status", "completed"),
        "ongoing": pgettext("incident status", "ongoing"),
        "unknown": pgettext("incident status", "unknown"),
        "": pgettext("incident status", "open"),
    }
    word = status.strip().lower()
    phrase = known.get(word.replace(" ", "_"))
    return phrase if phrase is not None else word.replace("_", " ")


def incident_phrase(incident: Incident) -> str:
    """An incident on one line: 'Elevated error rates (partial outage, investigating)'."""
    return _("{incident} ({impact}, {status})").format(
        incident=incident.name, impact=impact_phrase(incident), status=status_phrase(incident.status)
    )


def duration_words(seconds: float) -> str:
    """A duration, short: '45 s', '12 min', '7 h 4 min', '2 d 3 h' (for tight places)."""
    total = max(0, round(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        if hours:
            return _("{days} d {hours} h").format(days=days, hours=hours)
        return _("{days} d").format(days=days)
    if hours:
        if minutes:
            return _("{hours} h {minutes} min").format(hours=hours, minutes=minutes)
        return _("{hours} h").format(hours=hours)
    if minutes:
        return _("{minutes} min").format(minutes=minutes)
    return _("{seconds} s").format(seconds=secs)


def duration_phrase(seconds: float) -> str:
    """A duration in words: '45 seconds', '12 minutes', '7 hours and 4 minutes', '2 days and 3 hours'.

    The two largest units are given, and seconds only under a minute.
    """
    total = max(0, round(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        parts = [ngettext("{count} day", "{count} days", days).format(count=days)]
        if hours:
            parts.append(ngettext("{count} hour", "{count} hours", hours).format(count=hours))
    elif hours:
        parts = [ngettext("{count} hour", "{count} hours", hours).format(count=hours)]
        if minutes:
            parts.append(ngettext("{count} minute", "{count} minutes", minutes).format(count=minutes))
    elif minutes:
        parts = [ngettext("{count} minute", "{count} minutes", minutes).format(count=minutes)]
    else:
        parts = [ngettext("{count} second", "{count} seconds", secs).format(count=secs)]
    if len(parts) == 1:
        return parts[0]
    # Translators: two parts of a duration, e.g. "2 hours" and "14 minutes".
    return _("{first} and {second}").format(first=parts[0], second=parts[1])


_P = ParamSpec("_P")


def unknown_time() -> str:
    """What is shown for a time that cannot be placed on the local clock (Go's zero time, say)."""
    return _("unknown time")


def or_unknown_time(phrase: Callable[_P, str]) -> Callable[_P, str]:
    """`phrase`, but "unknown time" for a moment out of the local calendar's range.

    Year 1 (Go's zero time) west of UTC falls before the year 1 that datetime can hold; no odd
    timestamp from a page or a file may stop what shows it.
    """

    @wraps(phrase)
    def safe(*args: _P.args, **kwargs: _P.kwargs) -> str:
        try:
            return phrase(*args, **kwargs)
        except (OverflowError, ValueError, OSError):
            return unknown_time()

    return safe


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive time is taken as UTC (as everywhere in trayapp)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _local(moment: datetime) -> datetime:
    """`moment` in the local time zone, where it is shown."""
    return as_utc(moment).astimezone()


@or_unknown_time
def clock(moment: datetime) -> str:
    """The local time of day on a 24-hour clock: '16:10'."""
    return _local(moment).strftime("%H:%M")


@or_unknown_time
def date_words(moment: datetime) -> str:
    """The local date in words: 'Wednesday 4 February'."""
    local = _local(moment)
    # Translators: a date, e.g. "Wednesday 4 February"; reorder the parts as your language does.
    return _("{weekday} {day} {month}").format(
        weekday=_(_WEEKDAYS[local.weekday()]), day=local.day, month=_(_MONTHS[local.month - 1])
    )


def _days_from(moment: datetime, now: datetime | None) -> int:
    if now is None:
        return 0
    return (_local(moment).date() - _local(now).date()).days


def _at_clock(moment: datetime) -> str:
    time = clock(moment)
    if _local(moment).hour == 1:
        # Translators: like "at {time}", for times from 01:00 to 01:59 (Italian: "all'01:05").
        return pgettext("hour one", "at {time}").format(time=time)
    # Translators: a time of day, e.g. "at 16:10".
    return _("at {time}").format(time=time)


@or_unknown_time
def at_time(moment: datetime, now: datetime | None = None) -> str:
    """When something happened or will: 'at 16:10', 'yesterday at 16:10', 'on Monday 2 February at 16:10'.

    The day is named only when it is not the day of `now` (never when `now` is None).
    """
    at = _at_clock(moment)
    days = _days_from(moment, now)
    if days == 0:
        return at
    if days == -1:
        # Translators: {at} is "at 16:10".
        return _("yesterday {at}").format(at=at)
    if days == 1:
        # Translators: {at} is "at 16:10".
        return _("tomorrow {at}").format(at=at)
    # Translators: {date} is "Monday 2 February", {at} is "at 16:10".
    return _("on {date} {at}").format(date=date_words(moment), at=at)


@or_unknown_time
def until_time(moment: datetime, now: datetime | None = None) -> str:
    """Until when: 'until 16:10', 'until tomorrow at 00:00', 'until Friday 6 February at 09:00'."""
    days = _days_from(moment, now)
    if days == 0:
        time = clock(moment)
        if _local(moment).hour == 1:
            # Translators: like "until {time}", for times from 01:00 to 01:59 (Italian: "fino all'01:05").
            return pgettext("hour one", "until {time}").format(time=time)
        return _("until {time}").format(time=time)
    at = _at_clock(moment)
    if days == 1:
        # Translators: {at} is "at 00:00".
        return _("until tomorrow {at}").format(at=at)
    # Translators: {date} is "Friday 6 February", {at} is "at 09:00".
    return _("until {date} {at}").format(date=date_words(moment), at=at)


@or_unknown_time
def since_time(moment: datetime, now: datetime | None = None) -> str:
    """Since when, in local time: 'since 16:10', 'since yesterday at 16:10', 'since Monday 2 February …'."""
    days = _days_from(moment, now)
    if days == 0:
        time = clock(moment)
        if _local(moment).hour == 1:
            # Translators: like "since {time}", for times from 01:00 to 01:59 (Italian: "dall'01:05").
            return pgettext("hour one", "since {time}").format(time=time)
        # Translators: e.g. "since 16:10".
        return _("since {time}").format(time=time)
    at = _at_clock(moment)
    if days == -1:
        # Translators: {at} is "at 16:10".
        return _("since yesterday {at}").format(at=at)
    # Translators: {date} is "Monday 2 February", {at} is "at 16:10".
    return _("since {date} {at}").format(date=date_words(moment), at=at)


def iso_utc(moment: datetime | None) -> str | None:
    """`2026-02-04T18:02:11Z`, or None (language-neutral: JSON, files)."""
    if moment is None:
        return None
    # isoformat, not strftime: "%Y" is not zero-padded, and year 1 (Go's zero time) must read back.
    return as_utc(moment).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _model_observed(suspicion: Suspicion) -> str:
    """What the deep probe saw: 'the model API failed 3 of the last 4 requests'."""
    if suspicion.failed >= suspicion.checks:
        return ngettext(
            "the model API failed the last request",
            "the model API failed the last {count} requests",
            suspicion.checks,
        ).format(count=suspicion.checks)
    return ngettext(
        "the model API failed {failed} of the last {count} request",
        "the model API failed {failed} of the last {count} requests",
        suspicion.checks,
    ).format(failed=suspicion.failed, count=suspicion.checks)


def suspected_phrase(suspicion: Suspicion, now: datetime | None = None, detail: bool = False) -> str:
    """A suspected problem as seen, short for a menu: 'Since 16:10: the API failed 4 of the last 5 checks'.

    With `detail`, what came back follows in brackets: '… checks (timeout, HTTP 503)'.
    """
    observed = observed_phrase(suspicion, detail)
    # Translators: {since} is "since 16:10" or "since yesterday at 16:10"; never call this an
    # outage: it is what trayapp observed.
    return _capitalised(
        _("{since}: {observed}").format(since=since_time(suspicion.since, now), observed=observed), True
    )


def observed_phrase(suspicion: Suspicion, detail: bool = False, capital: bool = False) -> str:
    """What the probes saw: 'the API failed 4 of the last 5 checks'.

    With `detail`, what came back follows in brackets: '… checks (timeout, HTTP 503)'.
    """
    if suspicion.source == "model":
        observed = _model_observed(suspicion)
    elif suspicion.failed >= suspicion.checks:
        observed = ngettext(
            "the API failed the last check",
            "the API failed the last {checks} checks",
            suspicion.checks,
        ).format(checks=suspicion.checks)
    else:
        observed = ngettext(
            "the API failed {failed} of the last {checks} check",
            "the API failed {failed} of the last {checks} checks",
            suspicion.checks,
        ).format(failed=suspicion.failed, checks=suspicion.checks)
    if detail and suspicion.seen:
        observed += f" ({suspicion.seen})"
    return _capitalised(observed, capital)
