"""The commented default config file, written on first run (in English, like its keys)."""

from __future__ import annotations

import textwrap

from trayapp.catalog import CATALOG, DEFAULT_PROVIDERS
from trayapp.config.check import KINDS
from trayapp.config.messages import show_list
from trayapp.core.history.limits import MAX_RETENTION_DAYS, RETENTION_DAYS


def _catalog_ids_comment() -> str:
    lines = textwrap.wrap(", ".join(CATALOG), width=88)
    return "\n".join(f"#   {line}" for line in lines)


DEFAULT_CONFIG_TEXT = f"""\
# trayapp configuration. Lines starting with # are comments; every value shown is the default.
# `trayapp check-config` checks this file and says what is wrong, with line numbers.

# Seconds between two polls of each provider's status page (decimals allowed).
# Remote pages are polled at most every 30 s; loopback addresses (127.0.0.1, ::1,
# localhost) as often as every 0.2 s.
poll_interval = 60

# Language of the menu, notifications and tables: "auto" (from the system), "en" or "it".
language = "auto"

# Built-in providers to watch, by id. Run `trayapp providers` for the list; the ids are:
{_catalog_ids_comment()}
builtin = {show_list(DEFAULT_PROVIDERS)}

[notifications]
enabled = true
# Incidents below this severity do not notify:
# operational | maintenance | unknown | degraded | partial | major
min_severity = "degraded"
# Notify on scheduled maintenance too.
maintenance = false
# Notify on every incident update, not only when an incident starts and resolves.
updates = false

[probes]
# Probe the providers' API servers (OpenAI, Anthropic, ...) for an early warning.
enabled = true
# Seconds between probes; remote edges at most every 30 s, loopback ones every 0.2 s.
interval = 60
# Notify once when an API server keeps failing while its status page still says all is well.
notify = false
# Deep probes (off by default): where a provider's API key is set, also ask a real model once
# per deep_interval: a prompt of one word and at most 1 output token (OpenAI gpt-6-luna,
# Anthropic claude-haiku-5-5). It costs tokens: about $0.001 a day for both at 300 s.
# `trayapp check-config` says what would be sent where.
deep = false
# Seconds between deep probes; remote model APIs at most every 60 s.
deep_interval = 300

[history]
# Days of history to keep (`trayapp history`, the details page's charts); older records are
# deleted once a day. A whole number from 1 to {MAX_RETENTION_DAYS}.
days = {RETENTION_DAYS}

# Any number of custom status pages, each in its own [[providers]] table. Remove the
# leading "# " to use one.
#
# [[providers]]
# name = "Acme API"                      # shown everywhere; its id is "acme-api"
# url = "https://status.acme.example"    # https:// (plain http:// only on loopback)
# kind = "auto"                          # auto | {" | ".join(KINDS[1:])}
# components = ["API"]                   # optional: watch only these components
# probe = "https://api.acme.example/v1/models"   # optional: the API address to probe
# deep_probe = "https://api.acme.example/v1/chat/completions"   # optional: a real model request,
# probe_api = "openai"                   # in this dialect (openai | anthropic),
# probe_model = "acme-mini"              # to this model; key in TRAYAPP_ACME_API_KEY
#
# A built-in provider watching only some of its components (it need not be in `builtin`):
#
# [[providers]]
# id = "openai"
# components = ["ChatGPT"]
"""
