"""The user's config file: TOML in, a validated frozen `Config` (trayapp.settings) out.

`parse_config` is pure; it reports every problem it finds at once (file, line, what is wrong)
by raising `ConfigError`, and returns warnings (values it will adjust) next to the config.
`load_config` and `ensure_config` (files.py) are the only functions touching the file system.

Keys are those of the contract's "Config (TOML)" section, plus one extension:

    [[providers]]
    id = "openai"              # a catalog id, and no `url`
    components = ["ChatGPT"]   # optional: watch only these components
    name = "ChatGPT"           # optional: the name shown

An entry with a catalog `id` and no `url` enables that built-in provider (even when it is not
in `builtin`) with the entry's component filter and name; it replaces the built-in entry rather
than adding a second one. On an entry with a `url`, `id` may be given only if it equals the
provider's id, its name slugified ("Acme API" -> "acme-api").

`Config.providers` is every watched provider: the catalog entries named in `builtin` (in that
order, overrides applied), then the [[providers]] entries. `Config.builtin` is the `builtin` key
as written.

Line numbers: tomllib reports none for well-formed but wrong values, so `Locator` (locate.py) finds them by
scanning the text for table headers and `key =` lines.

Problems and warnings are in the user's language (translated when they are found; the CLI sets
the language from the OS before it reads the file); key names, values and TOML syntax in them
stay as written. The commented default file is written in English, like its keys.
"""

from __future__ import annotations

from trayapp.config.check import KINDS, parse_config
from trayapp.config.default_text import DEFAULT_CONFIG_TEXT
from trayapp.config.files import ensure_config, load_config
from trayapp.config.locate import Locator
from trayapp.config.messages import ConfigError, ConfigProblem

__all__ = [
    "DEFAULT_CONFIG_TEXT",
    "KINDS",
    "ConfigError",
    "ConfigProblem",
    "Locator",
    "ensure_config",
    "load_config",
    "parse_config",
]
