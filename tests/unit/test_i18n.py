"""Choosing the language (setting, POSIX variables, faked Windows and macOS), switching it, and the words."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.server import StatusServer
from tests.support.watching import wait_until, watching, write_config
from trayapp import i18n
from trayapp.core.text import (
    at_time,
    clock,
    date_words,
    duration_phrase,
    duration_words,
    state_phrase,
    status_phrase,
    until_time,
)
from trayapp.i18n import (
    _,
    current_language,
    macos_preferred_languages,
    match_language,
    ngettext,
    parse_defaults_list,
    pgettext,
    posix_language,
    resolve_language,
    set_language,
    translation,
    windows_locale_name,
    windows_ui_language,
)
from trayapp.model import State


def never_called() -> list[str]:
    raise AssertionError("the platform probe must not run here")


def no_windows() -> str | None:
    raise AssertionError("the Windows probe must not run here")


# --- resolve_language -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "expected"),
    [("en", "en"), ("it", "it"), ("IT", "it"), (" it ", "it"), ("it_IT", "it"), ("fr", "en"), ("", "en")],
)
def test_an_explicit_setting_wins_without_asking_the_os(setting: str, expected: str) -> None:
    environ = {"LANG": "de_DE.UTF-8", "LANGUAGE": "it"}
    for platform in ("linux", "win32", "darwin"):
        chosen = resolve_language(
            setting, environ, platform, windows_language=no_windows, macos_languages=never_called
        )
        assert chosen == expected


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "it_IT.UTF-8"}, "it"),
        ({"LANG": "it_CH.UTF-8"}, "it"),
        ({"LANG": "it_IT@euro"}, "it"),
        ({"LANG": "it"}, "it"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "POSIX"}, "en"),
        # LC_ALL beats LC_MESSAGES beats LANG; an empty variable counts as unset
        ({"LC_ALL": "en_GB.UTF-8", "LC_MESSAGES": "it_IT.UTF-8", "LANG": "it_IT.UTF-8"}, "en"),
        ({"LC_MESSAGES": "it_IT.UTF-8", "LANG": "en_US.UTF-8"}, "it"),
        ({"LC_ALL": "", "LANG": "it_IT.UTF-8"}, "it"),
        # LANGUAGE is a list of preferences, and wins over the locale...
        ({"LANGUAGE": "it:en", "LANG": "en_US.UTF-8"}, "it"),
        ({"LANGUAGE": "fr:it_IT:en", "LANG": "en_US.UTF-8"}, "it"),
        ({"LANGUAGE": "en_GB:it", "LANG": "it_IT.UTF-8"}, "en"),
        ({"LANGUAGE": ":", "LANG": "it_IT.UTF-8"}, "it"),
        # ...but, as in GNU gettext, alone it decides (nothing it names: English)...
        ({"LANGUAGE": "fr", "LANG": "it_IT.UTF-8"}, "en"),
        # ...and the C locale shows untranslated messages whatever LANGUAGE says
        ({"LANGUAGE": "it", "LANG": "C"}, "en"),
        ({"LANGUAGE": "it"}, "en"),
        ({"LANGUAGE": "it", "LC_ALL": "C.UTF-8", "LANG": "it_IT.UTF-8"}, "en"),
    ],
)
def test_auto_on_linux_follows_the_posix_variables(environ: dict[str, str], expected: str) -> None:
    chosen = resolve_language(
        "auto", environ, "linux", windows_language=no_windows, macos_languages=never_called
    )
    assert chosen == expected
    assert resolve_language("auto", environ, "freebsd14") == expected
    assert (posix_language(environ) or "en") == expected


@pytest.mark.parametrize(
    ("answer", "environ", "expected"),
    [
        ("it_IT", {}, "it"),
        ("it_IT", {"LANG": "en_US.UTF-8"}, "it"),
        ("en_US", {"LANG": "it_IT.UTF-8"}, "en"),
        ("de_DE", {"LANG": "it_IT.UTF-8"}, "en"),
        # the probe failed: the POSIX variables (as set by msys or cygwin shells), else English
        (None, {"LANG": "it_IT.UTF-8"}, "it"),
        (None, {}, "en"),
    ],
)
def test_auto_on_windows_follows_the_display_language(
    answer: str | None, environ: dict[str, str], expected: str
) -> None:
    chosen = resolve_language(
        "auto", environ, "win32", windows_language=lambda: answer, macos_languages=never_called
    )
    assert chosen == expected


def test_windows_language_ids_become_locale_names() -> None:
    assert windows_locale_name(0x0410) == "it_IT"
    assert windows_locale_name(0x0810) == "it_CH"
    assert windows_locale_name(0x0409) == "en_US"
    assert windows_locale_name(0x7FFF) is None
    assert match_language(windows_locale_name(0x0410) or "") == "it"


@pytest.mark.parametrize(
    ("answer", "environ", "expected"),
    [
        (["it-IT", "en-US"], {"LANG": "en_US.UTF-8"}, "it"),
        (["en-US", "it-IT"], {"LANG": "it_IT.UTF-8"}, "en"),
        (["fr-FR", "it-IT", "en-US"], {}, "it"),
        (["fr-FR"], {"LANG": "it_IT.UTF-8"}, "en"),
        (["it"], {}, "it"),
        (["zh-Hans-CN", "it-IT"], {}, "it"),
        # defaults could not be read: the POSIX variables Terminal sets, else English
        ([], {"LANG": "it_IT.UTF-8"}, "it"),
        ([], {}, "en"),
    ],
)
def test_auto_on_macos_follows_the_preferred_languages(
    answer: list[str], environ: dict[str, str], expected: str
) -> None:
    chosen = resolve_language(
        "auto", environ, "darwin", windows_language=no_windows, macos_languages=lambda: answer
    )
    assert chosen == expected


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ('(\n    "it-IT",\n    "en-US"\n)\n', ["it-IT", "en-US"]),
        ("(\n    en,\n    it\n)\n", ["en", "it"]),
        ('(\n    "zh-Hans-CN"\n)\n', ["zh-Hans-CN"]),
        ("it_IT\n", ["it_IT"]),
        ("()\n", []),
        ("", []),
    ],
)
def test_defaults_output_is_read(output: str, expected: list[str]) -> None:
    assert parse_defaults_list(output) == expected


def test_the_platform_probes_do_nothing_on_other_platforms() -> None:
    assert windows_ui_language() is None
    assert macos_preferred_languages() == []


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("it_IT.UTF-8", "it"),
        ("it-IT", "it"),
        ("IT_it", "it"),
        ("en", "en"),
        ("C", None),
        ("", None),
        ("pt_BR", None),
    ],
)
def test_match_language(tag: str, expected: str | None) -> None:
    assert match_language(tag) == expected


def test_a_regional_catalog_is_preferred_to_the_plain_language() -> None:
    assert match_language("pt_BR.UTF-8", ("en", "pt", "pt_BR")) == "pt_BR"
    assert match_language("pt_PT.UTF-8", ("en", "pt", "pt_BR")) == "pt"


# --- set_language and the catalogs -------------------------------------------------------------


def test_set_language_switches_every_string_at_once() -> None:
    assert current_language() == "en"
    assert _("Quit") == "Quit"
    assert set_language("it") == "it"
    assert current_language() == "it"
    assert _("Quit") == "Esci"
    assert state_phrase(State.PARTIAL, capital=True) == "Interruzione parziale"
    assert set_language("en") == "en"
    assert _("Quit") == "Quit"
    assert state_phrase(State.PARTIAL, capital=True) == "Partial outage"


def test_set_language_auto_reads_the_environment() -> None:
    assert set_language("auto", {"LANG": "it_IT.UTF-8"}, "linux") == "it"
    assert _("Open details") == "Apri i dettagli"
    assert set_language("auto", {"LANG": "C.UTF-8"}, "linux") == "en"
    assert _("Open details") == "Open details"


def test_an_unknown_setting_is_english() -> None:
    set_language("it")
    assert set_language("klingon") == "en"
    assert _("Quit") == "Quit"


def test_context_and_plurals() -> None:
    set_language("it")
    assert pgettext("incident status", "resolved") == "risolto"
    assert pgettext("incident status", "unknown") == "non indicato"
    assert _("unknown") == "sconosciuto"
    one = ngettext("{count} incident", "{count} incidents", 1).format(count=1)
    many = ngettext("{count} incident", "{count} incidents", 3).format(count=3)
    assert (one, many) == ("1 incidente", "3 incidenti")
    assert ngettext("{count} incident", "{count} incidents", 0).format(count=0) == "0 incidenti"
    set_language("en")
    assert ngettext("{count} incident", "{count} incidents", 1).format(count=1) == "1 incident"


def test_a_missing_catalog_falls_back_to_english_and_says_so_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="trayapp.i18n"):
        first = translation("it", tmp_path)
        second = translation("it", tmp_path)
    assert first.gettext("Quit") == "Quit"
    assert second.ngettext("{count} day", "{count} days", 2) == "{count} days"
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "showing English" in warnings[0].getMessage()


def test_a_broken_catalog_falls_back_to_english(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    catalog = tmp_path / "it" / "LC_MESSAGES" / "trayapp.mo"
    catalog.parent.mkdir(parents=True)
    catalog.write_bytes(b"not a catalog at all")
    with caplog.at_level(logging.WARNING, logger="trayapp.i18n"):
        assert translation("it", tmp_path).gettext("Quit") == "Quit"
    assert len(caplog.records) == 1


def test_set_language_without_its_catalog_keeps_working_in_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    with caplog.at_level(logging.WARNING, logger="trayapp.i18n"):
        assert set_language("it") == "it"
    assert _("Quit") == "Quit"
    assert state_phrase(State.MAJOR) == "major outage"


# --- the words themselves ---------------------------------------------------------------------

ITALIAN_STATES = {
    State.OPERATIONAL: "operativo",
    State.MAINTENANCE: "in manutenzione",
    State.UNKNOWN: "sconosciuto",
    State.DEGRADED: "prestazioni ridotte",
    State.PARTIAL: "interruzione parziale",
    State.MAJOR: "interruzione grave",
}


def test_states_in_italian_read_as_the_contract_says() -> None:
    set_language("it")
    assert {state: state_phrase(state) for state in State} == ITALIAN_STATES
    assert state_phrase(State.DEGRADED, capital=True) == "Prestazioni ridotte"


def test_states_in_english_are_unchanged() -> None:
    assert [state_phrase(state) for state in State] == [
        "operational",
        "under maintenance",
        "unknown",
        "degraded performance",
        "partial outage",
        "major outage",
    ]
    assert [state.label for state in State] == [
        "operational",
        "maintenance",
        "unknown",
        "degraded",
        "partial",
        "major",
    ]
    set_language("it")
    assert [state.label for state in State] == [
        "operational",
        "maintenance",
        "unknown",
        "degraded",
        "partial",
        "major",
    ]


@pytest.mark.parametrize(
    ("status", "english", "italian"),
    [
        ("investigating", "investigating", "in analisi"),
        ("identified", "identified", "causa individuata"),
        ("monitoring", "monitoring", "sotto osservazione"),
        ("in_progress", "in progress", "in corso"),
        ("scheduled", "scheduled", "programmata"),
        ("resolved", "resolved", "risolto"),
        ("", "open", "aperto"),
        ("some_new_word", "some new word", "some new word"),
    ],
)
def test_status_words(status: str, english: str, italian: str) -> None:
    assert status_phrase(status) == english
    set_language("it")
    assert status_phrase(status) == italian


@pytest.mark.parametrize(
    ("seconds", "english", "italian"),
    [
        (0, "0 seconds", "0 secondi"),
        (1, "1 second", "1 secondo"),
        (45, "45 seconds", "45 secondi"),
        (60, "1 minute", "1 minuto"),
        (12 * 60 + 20, "12 minutes", "12 minuti"),
        (3600, "1 hour", "1 ora"),
        (3600 + 60, "1 hour and 1 minute", "1 ora e 1 minuto"),
        (2 * 3600 + 14 * 60, "2 hours and 14 minutes", "2 ore e 14 minuti"),
        (86400, "1 day", "1 giorno"),
        (86400 + 3600 + 120, "1 day and 1 hour", "1 giorno e 1 ora"),
        (3 * 86400 + 2 * 3600, "3 days and 2 hours", "3 giorni e 2 ore"),
        (-5, "0 seconds", "0 secondi"),
    ],
)
def test_durations_in_words(seconds: float, english: str, italian: str) -> None:
    assert duration_phrase(seconds) == english
    set_language("it")
    assert duration_phrase(seconds) == italian


@pytest.mark.parametrize(
    ("seconds", "english", "italian"),
    [
        (45, "45 s", "45 s"),
        (47 * 60, "47 min", "47 min"),
        (3 * 3600, "3 h", "3 h"),
        (7 * 3600 + 4 * 60, "7 h 4 min", "7 h 4 min"),
        (2 * 86400 + 3 * 3600, "2 d 3 h", "2 gg 3 h"),
        (2 * 86400, "2 d", "2 gg"),
    ],
)
def test_short_durations(seconds: float, english: str, italian: str) -> None:
    assert duration_words(seconds) == english
    set_language("it")
    assert duration_words(seconds) == italian


NOW = datetime(2026, 2, 4, 15, 10, tzinfo=UTC)  # 16:10 in Rome, a Wednesday


@pytest.mark.usefixtures("local_zone")
@pytest.mark.parametrize(
    ("moment", "english", "italian"),
    [
        (NOW, "at 16:10", "alle 16:10"),
        (datetime(2026, 2, 4, 0, 5, tzinfo=UTC), "at 01:05", "all'01:05"),
        (datetime(2026, 2, 3, 23, 30, tzinfo=UTC), "at 00:30", "alle 00:30"),
        (datetime(2026, 2, 3, 21, 0, tzinfo=UTC), "yesterday at 22:00", "ieri alle 22:00"),
        (datetime(2026, 2, 5, 7, 0, tzinfo=UTC), "tomorrow at 08:00", "domani alle 08:00"),
        (
            datetime(2026, 2, 2, 8, 45, tzinfo=UTC),
            "on Monday 2 February at 09:45",
            "lunedì 2 febbraio alle 09:45",
        ),
    ],
)
def test_times_in_the_local_zone(moment: datetime, english: str, italian: str) -> None:
    assert at_time(moment, NOW) == english
    set_language("it")
    assert at_time(moment, NOW) == italian


@pytest.mark.usefixtures("local_zone")
def test_times_without_a_reference_day_are_just_the_time() -> None:
    assert at_time(datetime(2026, 2, 2, 8, 45, tzinfo=UTC)) == "at 09:45"
    assert clock(NOW) == "16:10"
    assert clock(NOW.replace(tzinfo=None)) == "16:10", "a naive time is UTC"
    assert date_words(NOW) == "Wednesday 4 February"
    set_language("it")
    assert date_words(NOW) == "mercoledì 4 febbraio"


@pytest.mark.usefixtures("local_zone")
@pytest.mark.parametrize(
    ("moment", "english", "italian"),
    [
        (datetime(2026, 2, 4, 16, 10, tzinfo=UTC), "until 17:10", "fino alle 17:10"),
        (datetime(2026, 2, 4, 0, 30, tzinfo=UTC), "until 01:30", "fino all'01:30"),
        (datetime(2026, 2, 4, 23, 0, tzinfo=UTC), "until tomorrow at 00:00", "fino a domani alle 00:00"),
        (
            datetime(2026, 2, 6, 8, 0, tzinfo=UTC),
            "until Friday 6 February at 09:00",
            "fino a venerdì 6 febbraio alle 09:00",
        ),
    ],
)
def test_until(moment: datetime, english: str, italian: str) -> None:
    assert until_time(moment, NOW) == english
    set_language("it")
    assert until_time(moment, NOW) == italian


# --- a config reload switches the language ------------------------------------------------------


def test_a_config_reload_switches_the_language_of_what_watch_says(
    server: StatusServer, tmp_path: Path
) -> None:
    summary = "/acme/api/v2/summary.json"
    server.set_fixture(summary, "statuspage/summary_all_operational.json")
    providers = [("Acme", server.url + "/acme", "statuspage")]
    config = write_config(tmp_path / "config.toml", providers, extra='language = "en"')
    with watching(config) as w:
        wait_until(lambda: "Acme: operational" in w.lines(), what="the first poll, in English")
        write_config(config, providers, extra='language = "it"  # italiano')
        wait_until(lambda: current_language() == "it", what="the reload")
        server.set_fixture(summary, "statuspage/summary_major_outage.json")
        wait_until(lambda: "Acme: operativo → interruzione grave" in w.lines(), what="a line in Italian")
