"""The config file: every rule, its message and line, the defaults, and the two file helpers."""

from __future__ import annotations

import pickle
import re
import stat
import textwrap
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from trayapp.catalog import CATALOG, DEFAULT_PROVIDERS, ProviderSpec
from trayapp.config import (
    DEFAULT_CONFIG_TEXT,
    KINDS,
    ConfigError,
    ConfigProblem,
    Locator,
    ensure_config,
    load_config,
    parse_config,
)
from trayapp.i18n import set_language
from trayapp.model import State
from trayapp.settings import (
    MIN_LOOPBACK_INTERVAL,
    MIN_REMOTE_INTERVAL,
    Config,
    HistorySettings,
    NotificationSettings,
    ProbeSettings,
    interval_for,
    is_loopback,
    probe_plan,
)


def _doc(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _problems(text: str) -> tuple[ConfigProblem, ...]:
    with pytest.raises(ConfigError) as caught:
        parse_config(_doc(text))
    return caught.value.problems


ACME = 'name = "Acme API"\nurl = "https://status.acme.example"\n'

# (config text, line of the problem, fragment of its message); each text has exactly one problem.
BAD: list[tuple[str, int | None, str]] = [
    # syntax
    ("poll_interval = 60\nlanguage = en\n", 2, "invalid TOML: Invalid value"),
    ("poll_interval = 60\npoll_interval = 30\n", 2, "invalid TOML: Cannot overwrite a value"),
    ("builtin = [\n  'openai',\n", 2, "invalid TOML: "),
    # unknown keys, with suggestions and hints
    (
        "poll_intervall = 60\n",
        1,
        "unknown key 'poll_intervall' at the top level; did you mean 'poll_interval'?",
    ),
    ("x = 1\n", 1, "unknown key 'x' at the top level"),
    ("min_severity = 'major'\n", 1, "did you mean to put it under [notifications]?"),
    (
        "[notifications]\nenabled = true\nmin_severty = 'major'\n",
        3,
        "unknown key 'min_severty' in [notifications]",
    ),
    ("[notifications]\nmin_severty = 'major'\n", 2, "did you mean 'min_severity'?"),
    ("[notifications]\npoll_interval = 5\n", 2, "top-level keys must come before the first [table] header"),
    (
        "[probes]\ninterval = 60\ninterva = 1\n",
        3,
        "unknown key 'interva' in [probes]; did you mean 'interval'?",
    ),
    (
        f"[[providers]]\n{ACME}\n[[providers]]\n{ACME}compnents = ['API']\n",
        8,
        "unknown key 'compnents' in [[providers]]; did you mean 'components'?",
    ),
    # top-level values
    ("poll_interval = 0\n", 1, "poll_interval must be a number of seconds greater than 0, not 0"),
    ("poll_interval = -5\n", 1, "greater than 0, not -5"),
    ("poll_interval = true\n", 1, "greater than 0, not true"),
    ("poll_interval = '60'\n", 1, 'not "60" (write numbers without quotes)'),
    ("poll_interval = nan\n", 1, "greater than 0, not nan"),
    ("poll_interval = inf\n", 1, "greater than 0, not inf"),
    ("poll_interval = 100000\n", 1, "poll_interval must be at most 86400 s (one day)"),
    ("language = 'fr'\n", 1, 'language must be one of auto, en, it, not "fr"'),
    ("language = 'EN'\n", 1, "did you mean 'en'?"),
    ("builtin = 'openai'\n", 1, "builtin must be an array of strings"),
    ("builtin = ['openai', 3]\n", 1, "builtin must be an array of strings"),
    ("builtin = ['openai', 'chatgpt']\n", 1, "unknown provider id 'chatgpt' (see `trayapp providers`)"),
    ("builtin = ['open-ai']\n", 1, "did you mean 'openai'?"),
    ("builtin = [\n  'openai',\n  'nope',\n]\n", 3, "unknown provider id 'nope'"),
    ("builtin = ['groq', 'groq', 'groq']\n", 1, "provider id 'groq' is listed more than once"),
    (
        "builtin = [\n  'openai',\n  'groq',\n  'openai',\n]\n",
        4,
        "provider id 'openai' is listed more than once",
    ),
    ("notifications = 3\n", 1, "notifications must be a table ([notifications]), not 3"),
    ("probes = 'on'\n", 1, "probes must be a table ([probes])"),
    # [notifications]
    ("[notifications]\nenabled = 'yes'\n", 2, 'enabled in [notifications] must be true or false, not "yes"'),
    ("[notifications]\nenabled = 1\n", 2, "must be true or false, not 1"),
    ("[notifications]\nmaintenance = 'true'\n", 2, "(write true or false without quotes)"),
    ("[notifications]\nupdates = []\n", 2, "updates in [notifications] must be true or false, not an array"),
    (
        "[notifications]\nmin_severity = 'critical'\n",
        2,
        "min_severity in [notifications] must be one of operational,",
    ),
    (
        "[notifications]\nmin_severity = 3\n",
        2,
        "must be one of operational, maintenance, unknown, degraded, partial, major",
    ),
    ("[notifications]\nmin_severity = 'Major'\n", 2, "did you mean 'major'?"),
    # [probes]
    ("[probes]\nenabled = 'no'\n", 2, "enabled in [probes] must be true or false"),
    ("[probes]\ninterval = 0\n", 2, "interval in [probes] must be a number of seconds greater than 0"),
    ("[probes]\ninterval = {a = 1}\n", 2, "greater than 0, not a table"),
    # [[providers]]: shape
    ("providers = 'acme'\n", 1, "providers must be written as [[providers]] tables"),
    ("providers = [1]\n", 1, "each entry of providers must be a table"),
    (
        "[[providers]]\nurl = 'https://status.acme.example'\n",
        1,
        "missing required key 'name' in [[providers]]",
    ),
    ("[[providers]]\nname = 'Acme'\n", 1, "missing required key 'url' in [[providers]]"),
    (
        "[[providers]]\nname = ''\nurl = 'https://a.example'\n",
        2,
        "name in [[providers]] must be a non-empty string",
    ),
    ("[[providers]]\nname = '  '\nurl = 'https://a.example'\n", 2, "must be a non-empty string"),
    ("[[providers]]\nname = 5\nurl = 'https://a.example'\n", 2, "must be a non-empty string, not 5"),
    ("[[providers]]\nname = '!!!'\nurl = 'https://a.example'\n", 2, 'name "!!!" gives an empty id'),
    # [[providers]]: urls
    (
        "[[providers]]\nname = 'Acme'\nurl = 'status.acme.example'\n",
        3,
        "must be an absolute https:// URL with a host",
    ),
    (
        "[[providers]]\nname = 'Acme'\nurl = 'ftp://status.acme.example'\n",
        3,
        "url in [[providers]]: must be an absolute",
    ),
    ("[[providers]]\nname = 'Acme'\nurl = 'https://'\n", 3, "with a host"),
    ("[[providers]]\nname = 'Acme'\nurl = '/status'\n", 3, "with a host"),
    (
        "[[providers]]\nname = 'Acme'\nurl = 'https://status acme.example'\n",
        3,
        "must be a URL without spaces",
    ),
    ("[[providers]]\nname = 'Acme'\nurl = 'https://a.example:port/'\n", 3, "is not a valid URL"),
    ("[[providers]]\nname = 'Acme'\nurl = 'https://[::1/'\n", 3, "is not a valid URL"),
    ("[[providers]]\nname = 'Acme'\nurl = 3\n", 3, "url in [[providers]] must be a non-empty string"),
    (
        "[[providers]]\nname = 'Acme'\nurl = 'http://status.acme.example'\n",
        3,
        "url in [[providers]]: plain http:// is allowed only for loopback addresses; use https://",
    ),
    (
        "[[providers]]\nname = 'Acme'\nurl = 'http://10.0.0.1/'\n",
        3,
        "plain http:// is allowed only for loopback",
    ),
    (
        f"[[providers]]\n{ACME}probe = 'http://api.acme.example/'\n",
        4,
        "probe in [[providers]]: plain http://",
    ),
    (f"[[providers]]\n{ACME}probe = 'api.acme.example'\n", 4, "probe in [[providers]]: must be an absolute"),
    (f"[[providers]]\n{ACME}probe = ''\n", 4, "probe in [[providers]] must be a non-empty string"),
    # [[providers]]: kind, components, id
    (f"[[providers]]\n{ACME}kind = 'statuspag'\n", 4, "did you mean 'statuspage'?"),
    (
        f"[[providers]]\n{ACME}kind = 'rss'\n",
        4,
        "kind in [[providers]] must be one of auto, statuspage, incidentio",
    ),
    (
        f"[[providers]]\n{ACME}components = 'API'\n",
        4,
        "components in [[providers]] must be an array of strings",
    ),
    (f"[[providers]]\n{ACME}components = ['API', 1]\n", 4, "must be an array of strings"),
    (f"[[providers]]\n{ACME}components = ['API', '']\n", 4, "must not list empty names"),
    (
        f"[[providers]]\n{ACME}components = [\n  'API',\n  'API',\n]\n",
        6,
        "component 'API' is listed more than once",
    ),
    (f"[[providers]]\n{ACME}id = 'acme'\n", 4, 'id "acme" must match the name: "acme-api"'),
    (f"[[providers]]\n{ACME}id = 7\n", 4, "id in [[providers]] must be a non-empty string"),
    # duplicates
    (
        f"[[providers]]\n{ACME}\n[[providers]]\n{ACME}",
        5,
        "duplicate provider id 'acme-api' (entries at lines 1 and 5)",
    ),
    (
        f"[[providers]]\n{ACME}[[providers]]\nname = 'ACME  api'\nurl = 'https://b.example'\n",
        4,
        "duplicate provider id 'acme-api' (entries at lines 1 and 4)",
    ),
    (
        "providers = [{name = 'A', url = 'https://a.example'}, {name = 'a', url = 'https://b.example'}]\n",
        1,
        "duplicate provider id 'a' ([[providers]] entries 1 and 2)",
    ),
    (
        "builtin = ['openai']\n[[providers]]\nname = 'OpenAI'\nurl = 'https://mirror.example'\n",
        2,
        "duplicate provider id 'openai': the built-in provider 'openai' is enabled in `builtin` (line 1)",
    ),
    (
        "[[providers]]\nname = 'Anthropic'\nurl = 'https://mirror.example'\n",
        1,
        "duplicate provider id 'anthropic': the built-in provider 'anthropic' is enabled by default"
        ' (`builtin` = ["openai", "anthropic"])',
    ),
    (
        "[[providers]]\nid = 'groq'\n[[providers]]\nid = 'groq'\ncomponents = ['API']\n",
        3,
        "duplicate provider id 'groq' (entries at lines 1 and 3)",
    ),
    (
        "[[providers]]\nid = 'groq'\n[[providers]]\nname = 'Groq'\nurl = 'https://mirror.example'\n",
        3,
        "duplicate provider id 'groq' (entries at lines 1 and 3)",
    ),
    # catalog overrides
    ("[[providers]]\nid = 'chatgpt'\n", 2, "unknown provider id 'chatgpt'; a custom provider needs a url"),
    ("[[providers]]\nid = ''\n", 2, "id in [[providers]] must be a non-empty string"),
    ("[[providers]]\nid = 'openai'\nkind = 'feed'\n", 3, "'kind' can be set only on a provider with a url"),
    (
        "[[providers]]\nid = 'openai'\nprobe = 'https://x.example'\n",
        3,
        "'probe' can be set only on a provider",
    ),
    ("[[providers]]\nid = 'openai'\nname = ''\n", 3, "name in [[providers]] must be a non-empty string"),
    (
        "[[providers]]\nid = 'openai'\ncomponents = [1]\n",
        3,
        "components in [[providers]] must be an array of strings",
    ),
    # line numbers with comments, blank lines, dotted keys and inline tables
    ("# hello\n\n[notifications]  # the table\n\n  enabled = 'x'  # bad\n", 5, "must be true or false"),
    ("notifications.enabled = 'x'\n", 1, "enabled in [notifications] must be true or false"),
    ("notifications = { enabled = true, updates = 'x' }\n", 1, "updates in [notifications]"),
    # [history]
    ("[history]\ndays = 0\n", 2, "days in [history] must be a whole number of days from 1 to 3660, not 0"),
    ("[history]\n\ndays = 99999\n", 3, "days in [history] must be a whole number of days from 1 to 3660"),
    ("[history]\ndays = 1.5\n", 2, "days in [history] must be a whole number of days"),
    ("[history]\ndays = '30'\n", 2, 'not "30" (write numbers without quotes)'),
    ("[history]\ndays = true\n", 2, "must be a whole number of days from 1 to 3660, not true"),
    ("[history]\nkeep = 30\n", 2, "unknown key 'keep' in [history]"),
    ("history = 30\n", 1, "history must be a table ([history]), not 30"),
    ("days = 30\n", 1, "unknown key 'days' at the top level; did you mean to put it under [history]?"),
    # control characters in names and words that reach the menu, notifications and terminals
    (
        '[[providers]]\nname = "Acme\\u001b]0;x\\u0007"\nurl = "https://status.acme.example"\n',
        2,
        "name in [[providers]] must not contain control characters (found \\x1b)",
    ),
    (
        '[[providers]]\nname = "Acme\\nForged"\nurl = "https://status.acme.example"\n',
        2,
        "(found \\x0a)",
    ),
    ('[[providers]]\nid = "openai"\nname = "Open\\u202eAI"\n', 3, "(found \\u202e)"),
    (
        '[[providers]]\nid = "openai"\ncomponents = ["API", "Chat\\u0085"]\n',
        3,
        "components in [[providers]] must not contain control characters (found \\x85)",
    ),
]

# Texts with more than one problem: every problem is reported, ordered by line.
MULTI = """\
poll_interval = "fast"
language = "fr"

[notifications]
min_severity = "worst"

[[providers]]
name = "Acme"
url = "http://acme.example"
"""


def test_a_config_problem_shows_control_characters_never_obeys_them() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config('language = "\\u001b[2J"\n', "/tmp/con\x1bfig.toml")
    assert "\x1b" not in str(caught.value)
    assert "\\x1b[2J" in str(caught.value)
    assert str(caught.value).startswith("/tmp/con\\x1bfig.toml:1: ")


@pytest.mark.parametrize(("text", "line", "fragment"), BAD)
def test_a_bad_config_names_the_problem_and_its_line(text: str, line: int | None, fragment: str) -> None:
    (problem,) = _problems(text)
    assert fragment in problem.message
    assert problem.line == line


# (config text, line, the whole message in Italian): the messages follow the language in use.
BAD_IN_ITALIAN: list[tuple[str, int | None, str]] = [
    (
        "poll_intervall = 60\n",
        1,
        "chiave sconosciuta 'poll_intervall' al livello principale; forse intendevi 'poll_interval'?",
    ),
    (
        '[notifications]\nenabled = "true"\n',
        2,
        'enabled in [notifications] deve essere true o false, non "true"'
        " (scrivi true o false senza virgolette)",
    ),
    (
        '[[providers]]\nname = "Acme"\nurl = "http://status.acme.example"\n',
        3,
        "url in [[providers]]: http:// senza cifratura è ammesso solo per indirizzi"
        " di questo computer (loopback); usa https://",
    ),
    (
        'language = "fr"\n',
        1,
        'language deve essere uno di questi valori: auto, en, it (non "fr")',
    ),
    (
        'builtin = ["openai", "opneai"]\n',
        1,
        "id di servizio sconosciuto 'opneai' (vedi `trayapp providers`); forse intendevi 'openai'?",
    ),
    ("poll_interval = = 3\n", 1, "TOML non valido: Invalid value (colonna 17)"),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD_IN_ITALIAN)
def test_problems_are_told_in_italian(text: str, line: int | None, message: str) -> None:
    set_language("it")
    [problem] = _problems(text)
    assert (problem.line, problem.message) == (line, message)


def test_warnings_and_file_problems_in_italian(tmp_path: Path) -> None:
    set_language("it")
    _config, warnings = parse_config('poll_interval = 5\nbuiltin = ["openai"]\n')
    assert warnings == [
        "poll_interval 5 s è sotto il minimo di 30 s per le pagine remote; verranno controllate ogni 30 s"
    ]
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "missing.toml")
    assert (
        str(caught.value)
        == f"{tmp_path / 'missing.toml'}: impossibile leggere la configurazione: il file non esiste"
    )


def test_keys_inside_a_multiline_string_are_not_taken_for_keys() -> None:
    problems = _problems('text = """\nlanguage = 1\n"""\nlanguage = "xx"\n')
    assert [problem.line for problem in problems] == [1, 4]
    assert problems[0].message.startswith("unknown key 'text'")
    assert problems[1].message.startswith("language must be one of")


def test_every_problem_is_reported_in_line_order() -> None:
    problems = _problems(MULTI)
    assert [problem.line for problem in problems] == [1, 2, 5, 9]
    assert "poll_interval" in problems[0].message
    assert "language" in problems[1].message
    assert "min_severity" in problems[2].message
    assert "plain http://" in problems[3].message


def test_config_error_prints_one_path_line_message_per_problem() -> None:
    error = ConfigError("/c.toml", [ConfigProblem(3, "bad thing"), ConfigProblem(None, "no file")])
    assert str(error) == "/c.toml:3: bad thing\n/c.toml: no file"
    assert error.path == "/c.toml"
    assert error.problems == (ConfigProblem(3, "bad thing"), ConfigProblem(None, "no file"))


def test_config_error_survives_pickling() -> None:
    error = ConfigError("c.toml", [ConfigProblem(1, "x")])
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.path, copy.problems, str(copy)) == (error.path, error.problems, str(error))


def test_parse_config_uses_the_given_path_in_messages() -> None:
    with pytest.raises(ConfigError, match=r"^/home/u/trayapp\.toml:1: unknown key 'x'"):
        parse_config("x = 1\n", "/home/u/trayapp.toml")


def test_syntax_error_at_the_end_of_the_file_points_at_the_last_line() -> None:
    (problem,) = _problems("poll_interval = 60\nlanguage =\n\n\n")
    assert problem.line == 2
    assert problem.message.startswith("invalid TOML: Invalid value")


# --- good configs ----------------------------------------------------------------------------

CUSTOM = ProviderSpec(id="acme-api", name="Acme API", page="https://status.acme.example", kind="auto")
OPENAI, ANTHROPIC, GROQ = CATALOG["openai"], CATALOG["anthropic"], CATALOG["groq"]

GOOD: list[tuple[str, dict[str, object]]] = [
    ("", {}),
    ("# only a comment\n", {}),
    ("poll_interval = 90\n", {"poll_interval": 90.0}),
    ("poll_interval = 45.5\n", {"poll_interval": 45.5}),
    ("poll_interval = 86400\n", {"poll_interval": 86400.0}),
    ("language = 'it'\n", {"language": "it"}),
    ("language = 'en'\n", {"language": "en"}),
    (
        "builtin = ['groq', 'openai']\n",
        {"builtin": ("groq", "openai"), "providers": (GROQ, OPENAI)},
    ),
    ("builtin = []\n[[providers]]\n" + ACME, {"builtin": (), "providers": (CUSTOM,)}),
    (
        "[notifications]\nenabled = false\nmin_severity = 'major'\nmaintenance = true\nupdates = true\n",
        {"notifications": NotificationSettings(False, State.MAJOR, True, True)},
    ),
    (
        "[notifications]\nmin_severity = 'maintenance'\n",
        {"notifications": NotificationSettings(min_severity=State.MAINTENANCE)},
    ),
    ("[probes]\nenabled = false\ninterval = 120\n", {"probes": ProbeSettings(False, 120.0)}),
    ("[probes]\ninterval = 30.5\n", {"probes": ProbeSettings(True, 30.5)}),
    ("[[providers]]\n" + ACME, {"providers": (OPENAI, ANTHROPIC, CUSTOM)}),
    (
        "[[providers]]\nname = ' Acme API '\nurl = 'https://status.acme.example///'\nid = 'acme-api'\n",
        {"providers": (OPENAI, ANTHROPIC, CUSTOM)},
    ),
    (
        "[[providers]]\n" + ACME + "kind = 'statuspage'\ncomponents = ['API', 'Dashboard']\n"
        "probe = 'https://api.acme.example/v1/models'\n",
        {
            "providers": (
                OPENAI,
                ANTHROPIC,
                replace(
                    CUSTOM,
                    kind="statuspage",
                    components=("API", "Dashboard"),
                    probe="https://api.acme.example/v1/models",
                ),
            )
        },
    ),
    (
        "[[providers]]\nname = 'Local'\nurl = 'http://127.0.0.1:8080/status/'\n",
        {
            "providers": (
                OPENAI,
                ANTHROPIC,
                ProviderSpec(id="local", name="Local", page="http://127.0.0.1:8080/status", kind="auto"),
            )
        },
    ),
    (
        "builtin = []\n[[providers]]\nname = 'L'\nurl = 'http://localhost:9/'\nprobe = 'http://[::1]:9/x'\n",
        {
            "builtin": (),
            "providers": (
                ProviderSpec(
                    id="l", name="L", page="http://localhost:9", kind="auto", probe="http://[::1]:9/x"
                ),
            ),
        },
    ),
    (
        "builtin = ['anthropic']\n[[providers]]\nname = 'OpenAI'\nurl = 'https://mirror.example'\n",
        {
            "builtin": ("anthropic",),
            "providers": (
                ANTHROPIC,
                ProviderSpec(id="openai", name="OpenAI", page="https://mirror.example", kind="auto"),
            ),
        },
    ),
    (
        "providers = [{name = 'Acme API', url = 'https://status.acme.example'}]\n",
        {"providers": (OPENAI, ANTHROPIC, CUSTOM)},
    ),
    (
        "[[providers]]\nname = 'Acme API'\nurl = 'https://status.acme.example'\n"
        "[[providers]]\nname = 'Beta'\nurl = 'https://beta.example'\n",
        {
            "providers": (
                OPENAI,
                ANTHROPIC,
                CUSTOM,
                ProviderSpec(id="beta", name="Beta", page="https://beta.example", kind="auto"),
            )
        },
    ),
]


@pytest.mark.parametrize(("text", "expected"), GOOD)
def test_a_good_config_gives_these_fields(text: str, expected: dict[str, object]) -> None:
    config, warnings = parse_config(text)
    assert config == replace(Config(), **expected)  # type: ignore[arg-type]
    assert warnings == []


def test_history_retention() -> None:
    config, warnings = parse_config("[history]\ndays = 30\n")
    assert config.history == HistorySettings(30)
    assert warnings == []
    assert parse_config("[history]\ndays = 3660\n")[0].history.days == 3660
    assert parse_config("[history]\n")[0].history == HistorySettings(180)


def test_the_defaults() -> None:
    config = Config()
    assert config.poll_interval == 60.0
    assert config.language == "auto"
    assert config.builtin == DEFAULT_PROVIDERS
    assert config.notifications == NotificationSettings(True, State.DEGRADED, False, False)
    assert config.probes == ProbeSettings(True, 60.0)
    assert config.history == HistorySettings(180)
    assert config.providers == tuple(CATALOG[provider_id] for provider_id in DEFAULT_PROVIDERS)


# --- the catalog-override extension ---------------------------------------------------------


def test_an_id_entry_filters_a_builtin_provider_in_place() -> None:
    config, _ = parse_config("[[providers]]\nid = 'openai'\ncomponents = ['ChatGPT']\n")
    assert config.providers == (replace(OPENAI, components=("ChatGPT",)), ANTHROPIC)
    assert config.builtin == DEFAULT_PROVIDERS


def test_an_id_entry_keeps_the_builtin_order() -> None:
    text = "builtin = ['groq', 'anthropic', 'openai']\n[[providers]]\nid = 'anthropic'\nname = 'Claude'\n"
    config, _ = parse_config(text)
    assert [spec.id for spec in config.providers] == ["groq", "anthropic", "openai"]
    assert config.providers[1] == replace(ANTHROPIC, name="Claude")


def test_an_id_entry_enables_a_provider_missing_from_builtin() -> None:
    text = _doc(
        """
        [[providers]]
        name = "Acme API"
        url = "https://status.acme.example"

        [[providers]]
        id = "gemini"
        components = ["Vertex Gemini API"]
        """
    )
    config, _ = parse_config(text)
    gemini = replace(CATALOG["gemini"], components=("Vertex Gemini API",))
    assert config.providers == (OPENAI, ANTHROPIC, CUSTOM, gemini)
    assert gemini.builtin
    assert gemini.match == ("Gemini", "Vertex", "Z0FZJAMvEB4j3NbCJs6B")


def test_an_id_entry_without_components_watches_everything() -> None:
    config, _ = parse_config("builtin = []\n[[providers]]\nid = 'groq'\n")
    assert config.providers == (GROQ,)


def test_a_custom_entry_may_reuse_a_catalog_id_that_is_not_enabled() -> None:
    config, _ = parse_config("builtin = []\n[[providers]]\nname = 'Groq'\nurl = 'https://mirror.example'\n")
    assert config.providers == (
        ProviderSpec(id="groq", name="Groq", page="https://mirror.example", kind="auto"),
    )


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_accepted(kind: str) -> None:
    config, _ = parse_config(f"builtin = []\n[[providers]]\n{ACME}kind = '{kind}'\n")
    assert config.providers[0].kind == kind


def test_kinds_match_the_adapter_registry() -> None:
    from trayapp.adapters import KINDS as ADAPTER_KINDS

    assert KINDS == ADAPTER_KINDS


# --- warnings --------------------------------------------------------------------------------

LOCAL = "[[providers]]\nname = 'Local'\nurl = 'http://127.0.0.1:8080'\n"
REMOTE_FLOOR = "poll_interval {} s is below the 30 s minimum for remote pages; they will be polled every 30 s"
LOOPBACK_FLOOR = (
    "poll_interval {} s is below the 0.2 s minimum for loopback pages; they will be polled every 0.2 s"
)

PROBE_FLOOR = "probes.interval {0} s is below the {1} s minimum for {2}; they will be probed every {1} s"

WARNINGS: list[tuple[str, list[str]]] = [
    ("poll_interval = 30\n", []),
    ("poll_interval = 5\n", [REMOTE_FLOOR.format(5)]),
    ("poll_interval = 29.5\n", [REMOTE_FLOOR.format(29.5)]),
    (f"poll_interval = 5\nbuiltin = []\n{LOCAL}", []),
    (f"poll_interval = 0.2\nbuiltin = []\n{LOCAL}", []),
    (f"poll_interval = 0.1\nbuiltin = []\n{LOCAL}", [LOOPBACK_FLOOR.format(0.1)]),
    (f"poll_interval = 0.1\n{LOCAL}", [REMOTE_FLOOR.format(0.1), LOOPBACK_FLOOR.format(0.1)]),
    (f"poll_interval = 5\n{LOCAL}", [REMOTE_FLOOR.format(5)]),
    (
        "[probes]\ninterval = 10\n",
        [PROBE_FLOOR.format(10, 30, "remote API servers")],
    ),
    ("[probes]\nenabled = false\ninterval = 10\n", []),
    (f"builtin = []\n{LOCAL}\n[probes]\ninterval = 10\n", []),
    (
        f"builtin = []\n{LOCAL}probe = 'http://localhost:1/'\n[probes]\ninterval = 0.05\n",
        [PROBE_FLOOR.format(0.05, 0.2, "API servers on this computer")],
    ),
    ("builtin = []\n", ["no provider is enabled: add ids to `builtin` or [[providers]] entries"]),
    (
        "builtin = []\npoll_interval = 1\n",
        ["no provider is enabled: add ids to `builtin` or [[providers]] entries"],
    ),
]


@pytest.mark.parametrize(("text", "expected"), WARNINGS)
def test_warnings(text: str, expected: list[str]) -> None:
    config, warnings = parse_config(text)
    assert warnings == expected
    assert config.poll_interval == tomllib.loads(text).get("poll_interval", 60.0)  # kept as written


def test_a_low_poll_interval_is_kept_as_written() -> None:
    config, _ = parse_config("poll_interval = 5\n")
    assert config.poll_interval == 5.0


# --- the default text -----------------------------------------------------------------------


def test_the_default_text_parses_to_the_defaults_without_warnings() -> None:
    assert parse_config(DEFAULT_CONFIG_TEXT) == (Config(), [])


@pytest.mark.parametrize(
    "key",
    ["poll_interval", "language", "builtin", "[notifications]", "enabled", "min_severity", "maintenance",
     "updates", "[probes]", "interval", "[history]", "days", "[[providers]]", "name", "url", "kind",
     "components", "probe", "id", "trayapp providers"],
)  # fmt: skip
def test_the_default_text_mentions_every_key(key: str) -> None:
    assert key in DEFAULT_CONFIG_TEXT


def test_the_default_text_lists_every_catalog_id() -> None:
    for provider_id in CATALOG:
        assert provider_id in DEFAULT_CONFIG_TEXT


def test_the_commented_provider_examples_are_valid_once_uncommented() -> None:
    lines = DEFAULT_CONFIG_TEXT.split("\n")
    start = next(index for index, line in enumerate(lines) if line == "# [[providers]]")
    example = re.compile(r"# (\[\[providers\]\]|\w+ = .*)$")
    uncommented = [line[2:] if example.match(line) else line for line in lines[start:]]
    config, warnings = parse_config("\n".join([*lines[:start], *uncommented]))
    assert warnings == []
    assert [spec.id for spec in config.providers] == ["openai", "anthropic", "acme-api"]
    assert config.providers[0].components == ("ChatGPT",)
    assert config.providers[2].probe == "https://api.acme.example/v1/models"


# --- files -----------------------------------------------------------------------------------


def test_ensure_config_creates_the_file_private_with_its_parents(tmp_path: Path) -> None:
    path = tmp_path / "xdg" / "trayapp" / "config.toml"
    assert ensure_config(path) is True
    assert path.read_text(encoding="utf-8") == DEFAULT_CONFIG_TEXT
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_config(path) == (Config(), [])


def test_ensure_config_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("language = 'it'\n", encoding="utf-8")
    assert ensure_config(path) is False
    assert path.read_text(encoding="utf-8") == "language = 'it'\n"
    assert ensure_config(tmp_path) is False


def test_ensure_config_a_second_time_does_nothing(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert ensure_config(path) is True
    path.write_text("language = 'en'\n", encoding="utf-8")
    assert ensure_config(path) is False
    assert load_config(path)[0].language == "en"


def test_load_config_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("language = 'it'  # è italiano\n", encoding="utf-8")
    assert load_config(path) == (Config(language="it"), [])


def test_load_config_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes("\ufefflanguage = 'it'\n".encode())
    assert load_config(path)[0].language == "it"


def test_load_config_names_the_file_and_line_of_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("poll_interval = 60\nlanguage = 'xx'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}:2: language must be one of")
    assert caught.value.path == str(path)


@pytest.mark.parametrize(
    ("make", "line", "fragment"),
    [
        (lambda path: None, None, "cannot read the config: no such file"),
        (lambda path: path.mkdir(), None, "cannot read the config: it is a directory"),
        (lambda path: path.write_bytes(b"language = 'it'\n# caf\xe9\n"), 2, "not valid UTF-8 (byte 0xe9)"),
    ],
    ids=["missing", "directory", "latin-1"],
)
def test_load_config_on_an_unusable_file(
    make: object, line: int | None, fragment: str, tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    make(path)  # type: ignore[operator]
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    (problem,) = caught.value.problems
    assert (problem.line, fragment in problem.message) == (line, True)
    assert str(caught.value).startswith(str(path))


# --- loopback and intervals -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8080/", True),
        ("http://127.1.2.3/", True),
        ("http://[::1]:9/", True),
        ("http://localhost/", True),
        ("https://LOCALHOST:443/x", True),
        ("http://[::ffff:127.0.0.1]/", True),
        ("http://128.0.0.1/", False),
        ("http://10.0.0.1/", False),
        ("http://[::2]/", False),
        ("http://localhost.example/", False),
        ("http://mylocalhost/", False),
        ("https://status.openai.com", False),
        ("not a url", False),
        ("http://[::1/", False),
        ("", False),
    ],
)
def test_is_loopback(url: str, expected: bool) -> None:
    assert is_loopback(url) is expected


LOOP = ProviderSpec(id="l", name="L", page="http://127.0.0.1:9", kind="auto")
FAR = ProviderSpec(id="f", name="F", page="https://status.example", kind="auto")


@pytest.mark.parametrize(
    ("poll", "spec", "expected"),
    [
        (60.0, FAR, 60.0),
        (5.0, FAR, MIN_REMOTE_INTERVAL),
        (5.0, LOOP, 5.0),
        (0.01, LOOP, MIN_LOOPBACK_INTERVAL),
        (0.5, LOOP, 0.5),
        (120.0, LOOP, 120.0),
        (5.0, replace(LOOP, url="https://status.example"), MIN_REMOTE_INTERVAL),
        (5.0, replace(FAR, url="http://localhost:9"), 5.0),
        (5.0, replace(LOOP, source="https://status.example/feed.xml"), MIN_REMOTE_INTERVAL),
        (5.0, replace(LOOP, source="http://127.0.0.1:9/feed.xml"), 5.0),
    ],
)
def test_interval_for(poll: float, spec: ProviderSpec, expected: float) -> None:
    assert interval_for(Config(poll_interval=poll), spec) == expected


# --- the line locator ------------------------------------------------------------------------

LOCATOR_TEXT = """\
poll_interval = 5   # line 1
"quoted key" = 1
builtin = [
  "openai",
  "groq",
  "openai",
]
notifications.updates = true

[notifications]
enabled = true
note = '''
enabled = false
[probes]
'''
min_severity = "major"

[[providers]]
name = "A"
[[ providers ]]  # second
name = "B"
url = "https://b"
[probes]
interval = 3
"""


@pytest.mark.parametrize(
    ("path", "line"),
    [
        (("poll_interval",), 1),
        (("quoted key",), 2),
        (("builtin",), 3),
        (("notifications", "updates"), 8),
        (("notifications",), 10),
        (("notifications", "enabled"), 11),
        (("notifications", "note"), 12),
        (("notifications", "min_severity"), 16),
        (("notifications", "missing"), 10),
        (("providers",), 18),
        (("providers", 0), 18),
        (("providers", 0, "name"), 19),
        (("providers", 0, "url"), 18),
        (("providers", 1), 20),
        (("providers", 1, "url"), 22),
        (("providers", 2, "url"), 18),
        (("probes", "interval"), 24),
        (("probes",), 23),
        (("language",), None),
    ],
)
def test_locator_lines(path: tuple[str | int, ...], line: int | None) -> None:
    assert Locator(LOCATOR_TEXT).line(path) == line


def test_locator_items() -> None:
    locator = Locator(LOCATOR_TEXT)
    assert locator.item_line(("builtin",), "openai") == 4
    assert locator.item_line(("builtin",), "groq") == 5
    assert locator.item_line(("builtin",), "openai", occurrence=2) == 6
    assert locator.item_line(("builtin",), "absent") == 3
    assert locator.item_line(("language",), "x") is None


def test_locator_handles_crlf_line_ends() -> None:
    locator = Locator("a = 1\r\n[probes]\r\ninterval = 2\r\n")
    assert locator.line(("probes", "interval")) == 3
    (problem,) = _problems("[probes]\r\ninterval = 0\r\n")
    assert problem.line == 2


def test_probe_plan_catalog_edges_follow_the_setting_custom_ones_are_opt_in() -> None:
    text = (
        "builtin = ['openai', 'github']\n[probes]\ninterval = 5\nnotify = true\n"
        "[[providers]]\nname = 'Acme'\nurl = 'https://status.acme.example'\n"
        "probe = 'https://api.acme.example/v1/models'\n"
        "[[providers]]\nname = 'Local'\nurl = 'http://127.0.0.1:9/x'\nprobe = 'http://127.0.0.1:9/edge'\n"
        "[[providers]]\nname = 'Plain'\nurl = 'https://status.plain.example'\n"
    )
    config, _warnings = parse_config(text)
    assert config.probes.notify is True
    plans = {spec.id: probe_plan(config, spec) for spec in config.providers}
    assert plans["openai"] == ("https://api.openai.com/v1/models", 30.0), "remote edges: 30 s at most"
    assert plans["github"] is None, "no API edge in the catalog"
    assert plans["acme"] == ("https://api.acme.example/v1/models", 30.0)
    assert plans["local"] == ("http://127.0.0.1:9/edge", 5.0)
    assert plans["plain"] is None, "custom pages are not probed unless asked"
    off, _warnings = parse_config(text.replace("notify = true", "enabled = false"))
    assert off.probes.notify is False
    off_plans = {spec.id: probe_plan(off, spec) for spec in off.providers}
    assert off_plans["openai"] is None, "catalog probes off"
    assert off_plans["acme"] is not None, "a custom probe is the user's own choice"
