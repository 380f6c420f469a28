"""The translation catalogs keep up with the code: every string in it is translated, in every language.

The strings are extracted from the whole package with Babel, as `tools/update_catalogs.sh` does.
A new or changed string fails here until the template and each `.po` are updated (run the tool)
and the new entries translated; a wrong placeholder or a fuzzy entry fails too.
"""

from __future__ import annotations

import ast
import gettext
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from trayapp.i18n import DEFAULT_LANGUAGE, DOMAIN, LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "trayapp"
SOURCE_LOCALE = PACKAGE / "locale"
TEMPLATE = SOURCE_LOCALE / f"{DOMAIN}.pot"
TRANSLATED = [language for language in LANGUAGES if language != DEFAULT_LANGUAGE]
UPDATE = "run `bash tools/update_catalogs.sh`, translate what is new or fuzzy, and run this test again"

Key = tuple[str, str | None]  # (msgid, context)


@dataclass(frozen=True)
class Extracted:
    """One string found in the code."""

    key: Key
    plural: str | None
    files: frozenset[str]


@cache
def extracted() -> dict[Key, Extracted]:
    """Every translatable string in trayapp/, with the files it is in (paths relative to trayapp/)."""
    found: dict[Key, Extracted] = {}
    for filename, _line, message, _comments, context in extract_from_dir(
        str(PACKAGE),
        method_map=[("**.py", "python")],
        keywords=DEFAULT_KEYWORDS,
        comment_tags=("Translators:",),
    ):
        msgid, plural = (message[0], message[1]) if isinstance(message, tuple) else (message, None)
        key = (msgid, context)
        known = found.get(key)
        files = frozenset({Path(filename).as_posix()}) | (known.files if known else frozenset())
        found[key] = Extracted(key, plural, files)
    return found


def required() -> dict[Key, Extracted]:
    """The strings that must be translated: every one in the package."""
    return extracted()


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, domain=DOMAIN)


def po_path(language: str) -> Path:
    return SOURCE_LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def entries(catalog: Catalog) -> dict[Key, Message]:
    result: dict[Key, Message] = {}
    for message in catalog:
        if not message.id:
            continue  # the header
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        result[(str(msgid), message.context)] = message
    return result


def brace_fields(text: str) -> set[str]:
    """The `{name}` fields of a str.format template."""
    return {name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name is not None}


def placeholder_problems(message: Message) -> list[str]:
    """Where a translation's placeholders differ from its msgid's."""
    sources = list(message.id) if isinstance(message.id, tuple) else [message.id]
    targets = list(message.string) if isinstance(message.string, tuple) else [message.string]
    try:
        wanted = set().union(*(brace_fields(text) for text in sources))
        found = [brace_fields(text) for text in targets]
    except ValueError as error:
        return [f"not a valid format template: {error}"]
    problems: list[str] = []
    if isinstance(message.id, tuple):
        # A plural form may leave out the number ("… e un altro"), never add a field.
        for index, fields in enumerate(found):
            if not fields <= wanted:
                problems.append(f"msgstr[{index}] has unknown fields {sorted(fields - wanted)}")
        if set().union(*found) != wanted:
            problems.append(
                f"the plural forms together use {sorted(set().union(*found))}, not {sorted(wanted)}"
            )
    elif found[0] != wanted:
        problems.append(f"fields {sorted(found[0])} instead of {sorted(wanted)}")
    return problems


def describe(key: Key) -> str:
    msgid, context = key
    return f"{msgid!r}" + (f" (context {context!r})" if context else "")


def report(problems: Iterable[str]) -> str:
    return "\n  ".join(["", *problems, UPDATE])


def test_there_are_strings_to_translate() -> None:
    assert len(required()) >= 200
    assert ("Quit", None) in required()
    assert ("resolved", "incident status") in required()
    # The whole package is covered: the details page, the history, the command line, the config.
    for file in ("core/details_page.py", "core/history/report.py", "cli.py", "config/check.py", "watch.py"):
        assert any(file in item.files for item in required().values()), file


def test_every_language_has_a_catalog_and_every_catalog_is_a_language() -> None:
    catalogs = {path.parent.parent.name for path in SOURCE_LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    assert catalogs == set(TRANSLATED)


def test_the_template_is_up_to_date() -> None:
    template = entries(read_catalog(TEMPLATE))
    missing = [describe(key) for key in required() if key not in template]
    stale = [describe(key) for key in template if key not in extracted()]
    assert not missing, "not in trayapp.pot yet:" + report(missing)
    assert not stale, "in trayapp.pot but no longer in the code:" + report(stale)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_is_translated(language: str) -> None:
    catalog = read_catalog(po_path(language))
    translations = entries(catalog)
    problems: list[str] = []
    for key, item in required().items():
        message = translations.get(key)
        if message is None:
            problems.append(f"missing: {describe(key)}")
            continue
        plural = message.id[1] if isinstance(message.id, tuple) else None
        if plural != item.plural:
            problems.append(f"plural form {plural!r} instead of {item.plural!r}: {describe(key)}")
        if message.fuzzy:
            problems.append(f"fuzzy: {describe(key)}")
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(texts) or len(texts) != (catalog.num_plurals if plural else 1):
            problems.append(f"untranslated: {describe(key)}")
    assert not problems, f"{language}.po is behind the code:" + report(problems)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_catalog_has_no_stale_entries(language: str) -> None:
    stale = [describe(key) for key in entries(read_catalog(po_path(language))) if key not in extracted()]
    assert not stale, f"{language}.po has strings no longer in the code:" + report(stale)


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_and_plural_forms_match(language: str) -> None:
    catalog = read_catalog(po_path(language))
    assert not catalog.fuzzy, "the header is marked fuzzy"
    assert catalog.plural_forms, "the header has no Plural-Forms"
    problems = [
        f"{describe((str(message.id), message.context))}: {error}"
        for message, errors in catalog.check()
        for error in errors
    ]
    for key, message in entries(catalog).items():
        problems.extend(f"{describe(key)}: {problem}" for problem in placeholder_problems(message))
    assert not problems, report(problems)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalog_matches_its_source(language: str) -> None:
    """The `.mo` trayapp loads is the `.po` compiled (`pip install -e .` compiles it)."""
    compiled = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    assert compiled.is_file(), (
        f"{compiled} is missing: run `pip install -e .` (or tools/update_catalogs.sh compile)"
    )
    with compiled.open("rb") as source:
        loaded = gettext.GNUTranslations(source)
    stale: list[str] = []
    for key, message in entries(read_catalog(po_path(language))).items():
        msgid, context = key
        if isinstance(message.id, tuple):
            got = tuple(
                loaded.npgettext(context, message.id[0], message.id[1], n)
                if context
                else loaded.ngettext(message.id[0], message.id[1], n)
                for n in (1, 2)
            )
            want: object = (message.string[0], message.string[1])
        else:
            got = loaded.pgettext(context, msgid) if context else loaded.gettext(msgid)
            want = message.string
        if got != want:
            stale.append(describe(key))
    assert not stale, f"{compiled} is older than its .po: run `pip install -e .` again" + report(stale)


def test_the_checks_catch_bad_entries() -> None:
    """The placeholder check itself: a missing, renamed or invented field is an error."""
    good = Message("Started {start}, resolved {end}.", "Iniziato {start}, risolto {end}.")
    renamed = Message("Started {start}, resolved {end}.", "Iniziato {inizio}, risolto {end}.")
    dropped = Message("{provider}: {incident}", "{provider}")
    plural_ok = Message(("… and {count} more", "… and {count} more"), ("… e un altro", "… e altri {count}"))
    plural_bad = Message(("{count} day", "{count} days"), ("{n} giorno", "{n} giorni"))
    broken = Message("at {time}", "alle {time")
    assert placeholder_problems(good) == []
    assert placeholder_problems(renamed)
    assert placeholder_problems(dropped)
    assert placeholder_problems(plural_ok) == []
    assert placeholder_problems(plural_bad)
    assert placeholder_problems(broken)


TRANSLATING = frozenset({"_", "N_", "ngettext", "pgettext"})


def hidden_in_f_strings(source: str) -> list[int]:
    """Lines where a literal is translated inside an f-string: Babel cannot extract it there."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.JoinedStr):
            continue
        for inner in ast.walk(node):
            if (
                isinstance(inner, ast.Call)
                and isinstance(inner.func, ast.Name)
                and inner.func.id in TRANSLATING
                and any(isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in inner.args)
            ):
                lines.append(inner.lineno)
    return lines


def test_no_string_is_translated_inside_an_f_string() -> None:
    """`f"<p>{_('Hello')}</p>"` would show English forever: the extractor never sees the msgid."""
    problems = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line in hidden_in_f_strings(path.read_text(encoding="utf-8"))
    ]
    assert not problems, "translate outside the f-string, then format:\n  " + "\n  ".join(problems)
    assert hidden_in_f_strings("x = f\"<p>{_('Hello')}</p>\"\n") == [1]
    assert hidden_in_f_strings("x = f\"<p>{_(HELLO)}</p>\"\ny = _('Hi')\n") == []


# --- Italian wording rules a machine can hold --------------------------------------------------------


def italian_pairs() -> list[tuple[str, str]]:
    """Every (msgid, msgstr) of the Italian catalog, plural forms joined."""
    pairs = []
    for message in read_catalog(po_path("it")):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs.append((" | ".join(ids), " | ".join(s or "" for s in strings)))
    return pairs


def italian_wording_problems(pairs: Iterable[tuple[str, str]]) -> list[str]:
    """Where the Italian breaks a rule: "il {pct}" (wrong for 80 %, 8 %, 1 %), "predefinito" for
    built-in (that is "incluso"), and a word other than "controllo" for a check."""
    problems = []
    for msgid, msgstr in pairs:
        if re.search(r"\b(il|l')\s*\{pct\}", msgstr):
            problems.append(f"{msgid!r}: no article before {{pct}} (it reads wrong for 80 %, 8 %, 1 %)")
        if "built-in" in msgid and "predefinit" in msgstr:
            problems.append(f"{msgid!r}: built-in is 'incluso', not 'predefinito'")
        check = re.search(r"\bcheck(s|ed|ing)?\b(?!-config)", msgid, re.IGNORECASE)
        if check and "controll" not in msgstr.lower():
            problems.append(f"{msgid!r}: a check is 'controllo' in Italian")
        if re.search(r"\bverific", msgstr, re.IGNORECASE) and "verif" not in msgid.lower():
            problems.append(f"{msgid!r}: one word for a check ('controllo'), not 'verifica'")
    return problems


def test_the_italian_wording_rules_hold() -> None:
    assert not italian_wording_problems(italian_pairs()), report(italian_wording_problems(italian_pairs()))


def test_the_italian_wording_rules_catch_bad_entries() -> None:
    bad = [
        ("Operational {pct} of the time", "Operativo per il {pct} del tempo"),
        ("list the built-in providers", "elenca i servizi predefiniti"),
        ("Last checked {when}", "Ultima verifica {when}"),
        ("validate the config file", "verifica il file di configurazione"),
    ]
    assert len(italian_wording_problems(bad)) == 5
    good = [("Operational {pct}", "Operativo: {pct}"), ("Checking…", "Controllo in corso…")]
    assert italian_wording_problems(good) == []
