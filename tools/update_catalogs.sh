#!/usr/bin/env bash
# Keep the translation catalogs in step with the code (needs Babel: pip install -e '.[test]').
#
#   bash tools/update_catalogs.sh             re-extract trayapp/locale/trayapp.pot from the sources and
#                                             merge it into every trayapp/locale/<lang>/LC_MESSAGES/trayapp.po
#                                             (new strings arrive empty, changed ones marked fuzzy)
#   bash tools/update_catalogs.sh init LANG   start a new language, e.g. `init fr`, from the template
#   bash tools/update_catalogs.sh compile     compile the .po files to .mo in place (pip install does it too)
#
# Then translate what is empty or fuzzy and run the catalog check:
#   .venv/bin/pytest tests/unit/test_translations.py
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -x .venv/bin/python ]; then python=.venv/bin/python; else python=python3; fi
pybabel() { "$python" -m babel.messages.frontend "$@"; }

template=trayapp/locale/trayapp.pot
version=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -n 1)

extract() {
    pybabel extract --mapping-file=babel.cfg --output-file="$template" --add-comments=Translators: \
        --sort-by-file --project=trayapp --version="$version" --width=100 \
        --header-comment="# Translations template for trayapp: every user-facing string (tools/update_catalogs.sh)." .
}

case "${1:-update}" in
    update)
        extract
        pybabel update --input-file="$template" --output-dir=trayapp/locale --domain=trayapp \
            --ignore-obsolete --width=100
        ;;
    init)
        language=${2:?usage: tools/update_catalogs.sh init LANG}
        extract
        pybabel init --input-file="$template" --output-dir=trayapp/locale --domain=trayapp \
            --locale="$language" --width=100
        echo "now add \"$language\" to LANGUAGES in trayapp/i18n.py and to the language choices in trayapp/config.py"
        ;;
    compile)
        pybabel compile --directory=trayapp/locale --domain=trayapp --statistics
        ;;
    *)
        echo "usage: tools/update_catalogs.sh [update | init LANG | compile]" >&2
        exit 2
        ;;
esac
