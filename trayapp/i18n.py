"""The user's language: one process-wide translation, gettext catalogs, and how "auto" finds it.

Every user-facing string goes through `_()` (or `ngettext()`, `pgettext()`) when it is shown,
never at import time: a module-level table holds msgids marked with `N_()` and translates them
where they are used, so `set_language()` takes effect everywhere at once. English is the
msgids themselves; each other language is `trayapp/locale/<lang>/LC_MESSAGES/trayapp.mo`,
compiled by Babel from the `.po` next to it at build or install time. A missing or broken
catalog means English, with one warning in the log.

`set_language()` is called by the application (start-up, each CLI command, a config reload);
the pure modules only call the translation functions. The platform probes (`ctypes` on
Windows, `defaults` on macOS) run only from `set_language("auto")`, on their own platform.
"""

from __future__ import annotations

import gettext
import logging
import os
import struct
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

DOMAIN = "trayapp"
DEFAULT_LANGUAGE = "en"
#: Every language trayapp speaks. A new one is added here and as locale/<lang>/LC_MESSAGES/trayapp.po.
LANGUAGES: tuple[str, ...] = ("en", "it")
#: Where the compiled catalogs are: next to this module, in a checkout, a wheel or a PyInstaller bundle.
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


@dataclass
class _Current:
    """The language in use and its catalog (rebinding an attribute is atomic for readers)."""

    language: str = DEFAULT_LANGUAGE
    translation: gettext.NullTranslations = field(default_factory=gettext.NullTranslations)


_current = _Current()
_catalogs: dict[str, gettext.NullTranslations] = {}
_warned: set[str] = set()


def _(message: str) -> str:
    """`message` in the current language."""
    return _current.translation.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for `count`, in the current language (still to be formatted)."""
    return _current.translation.ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """`message` in the current language, told apart from the same English words by `context`."""
    return _current.translation.pgettext(context, message)


def N_(message: str) -> str:
    """Mark `message` for extraction only; translate it with `_()` where it is shown."""
    return message


def current_language() -> str:
    """The language in use: `en`, `it`, ..."""
    return _current.language


def set_language(setting: str, environ: Mapping[str, str] | None = None, platform: str | None = None) -> str:
    """Use the language of the `language` setting (`auto`, `en`, `it`); returns the one chosen.

    `auto` follows the operating system (see `resolve_language`); anything unknown is English.
    """
    language = resolve_language(
        setting, os.environ if environ is None else environ, sys.platform if platform is None else platform
    )
    _current.translation = translation(language)
    _current.language = language
    return language


def translation(language: str, locale_dir: Path | None = None) -> gettext.NullTranslations:
    """The catalog of `language` (English: none needed); English, logged once, when it cannot be read."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    directory = LOCALE_DIR if locale_dir is None else locale_dir
    path = directory / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    key = str(path)
    cached = _catalogs.get(key)
    if cached is not None:
        return cached
    loaded: gettext.NullTranslations
    try:
        with path.open("rb") as source:
            loaded = gettext.GNUTranslations(source)
    except (OSError, ValueError, struct.error) as error:
        if key not in _warned:
            _warned.add(key)
            log.warning("no usable %s translation at %s (%s); showing English", language, path, error)
        loaded = gettext.NullTranslations()
    _catalogs[key] = loaded
    return loaded


def resolve_language(
    setting: str,
    environ: Mapping[str, str],
    platform: str,
    *,
    windows_language: Callable[[], str | None] | None = None,
    macos_languages: Callable[[], list[str]] | None = None,
    available: Iterable[str] = LANGUAGES,
) -> str:
    """The language to speak for a `language` setting: one of `available`, English when in doubt.

    `en`, `it`, ... force that language. `auto` asks the OS: on Windows the user's display
    language, on macOS the preferred languages of System Settings (in order); when that
    cannot be read, and on Linux and the BSDs, the POSIX variables as GNU gettext reads them
    (see `posix_language`). The probes are parameters so tests can fake them.
    """
    supported = tuple(available)
    wanted = setting.strip()
    if wanted.lower() != "auto":
        return match_language(wanted, supported) or DEFAULT_LANGUAGE
    if platform == "win32":
        tag = (windows_language or windows_ui_language)()
        if tag:
            return match_language(tag, supported) or DEFAULT_LANGUAGE
    elif platform == "darwin":
        tags = (macos_languages or macos_preferred_languages)()
        if tags:
            return first_supported(tags, supported) or DEFAULT_LANGUAGE
    return posix_language(environ, supported) or DEFAULT_LANGUAGE


def posix_language(environ: Mapping[str, str], available: Iterable[str] = LANGUAGES) -> str | None:
    """The language the POSIX variables ask for, as GNU gettext reads them; None for English.

    The locale is the first set of LC_ALL, LC_MESSAGES and LANG. In the C or POSIX locale
    (or none at all) messages are untranslated, whatever LANGUAGE says. Otherwise LANGUAGE,
    a colon-separated list of preferences, wins when set; then the locale's own language.
    """
    supported = tuple(available)
    locale_name = next((environ[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(name)), "")
    if _is_c_locale(locale_name):
        return None
    preferences = [entry for entry in environ.get("LANGUAGE", "").split(":") if entry.strip()]
    if preferences:
        return first_supported(preferences, supported)
    return match_language(locale_name, supported)


def first_supported(tags: Iterable[str], available: Iterable[str] = LANGUAGES) -> str | None:
    """The first of `tags` (in order of preference) that names an available language."""
    supported = tuple(available)
    for tag in tags:
        language = match_language(tag, supported)
        if language is not None:
            return language
    return None


def match_language(tag: str, available: Iterable[str] = LANGUAGES) -> str | None:
    """The available language a locale name or language tag names: `it_IT.UTF-8@euro` → `it`.

    A regional catalog (`pt_BR`) is preferred to the plain language (`pt`) when both exist.
    """
    supported = {language.lower(): language for language in available}
    name = tag.strip().split(".")[0].split("@")[0].replace("-", "_")
    if not name or _is_c_locale(name):
        return None
    parts = name.split("_")
    language = parts[0].lower()
    if len(parts) > 1:
        regional = f"{language}_{parts[-1].lower()}"
        if regional in supported:
            return supported[regional]
    return supported.get(language)


def _is_c_locale(name: str) -> bool:
    base = name.strip().split(".")[0].split("@")[0]
    return base in {"", "C", "POSIX"}


def windows_ui_language() -> str | None:
    """The Windows user's display language as a locale name (`it_IT`); None elsewhere or on failure."""
    if sys.platform == "win32":
        import ctypes

        try:
            langid = int(ctypes.windll.kernel32.GetUserDefaultUILanguage())
        except (AttributeError, OSError) as error:
            log.debug("GetUserDefaultUILanguage failed: %s", error)
            return None
        return windows_locale_name(langid)
    return None


def windows_locale_name(langid: int) -> str | None:
    """The locale name of a Windows LANGID: 0x0410 → `it_IT`, 0x0409 → `en_US`; None when unknown."""
    import locale

    return locale.windows_locale.get(langid)


def macos_preferred_languages() -> list[str]:
    """The macOS user's preferred languages (`AppleLanguages`, else `AppleLocale`); [] elsewhere."""
    if sys.platform != "darwin":
        return []
    import subprocess

    for key in ("AppleLanguages", "AppleLocale"):
        try:
            done = subprocess.run(
                ["defaults", "read", "-g", key], capture_output=True, text=True, timeout=3, check=False
            )
        except (OSError, subprocess.SubprocessError) as error:
            log.debug("defaults read -g %s failed: %s", key, error)
            continue
        tags = parse_defaults_list(done.stdout) if done.returncode == 0 else []
        if tags:
            return tags
    return []


def parse_defaults_list(output: str) -> list[str]:
    """The values `defaults read` printed: a plist array `("it-IT", en)` or one bare value."""
    text = output.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    values = (item.strip().strip('"').strip() for item in text.replace("\n", ",").split(","))
    return [value for value in values if value]
