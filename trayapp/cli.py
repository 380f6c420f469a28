"""The command line: parse arguments, load the config, delegate.

What it prints for people is in the user's language: the OS language until the config is
read (help, usage and config errors), then the config's `language`. JSON and CSV output never
change with the language. argparse's own words ("usage:", "options:", its error messages)
come from Python and stay English.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from trayapp import __version__, paths
from trayapp.catalog import CATALOG
from trayapp.config import ConfigError, ensure_config, load_config
from trayapp.config.check import declared_language
from trayapp.i18n import N_, _, ngettext, set_language
from trayapp.logs import setup_logging
from trayapp.settings import Config

EXIT_USAGE = 3
EXIT_BROKEN_PIPE = 141  # what a shell reports for a command ended by SIGPIPE

# Translators: the description of `trayapp --help`; keep the command names and the column layout.
DESCRIPTION = N_("""\
trayapp shows in the system tray whether the AI services you use are up.

With no command it runs the tray indicator. The other commands need no display:
  status        fetch every watched provider once; exit 0 ok, 1 degraded, 2 major, 3 unknown
  watch         poll and print one line per change (and notify, when a desktop is there)
  providers     list the built-in providers
  check-config  validate the config file
  history       what trayapp recorded: incidents, durations and uptime per provider
""")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error exits 3 as the contract says (not argparse's 2), and -h is translated."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """As argparse's, with our own -h/--help (its help text in the current language)."""
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self.add_argument("-h", "--help", action="help", help=_("show this help and exit"))

    def error(self, message: str) -> NoReturn:
        """Print the usage and the error, exit 3."""
        self.print_usage(sys.stderr)
        # Translators: a usage error; {message} is argparse's own words, in English.
        self.exit(EXIT_USAGE, _("{prog}: error: {message}").format(prog=self.prog, message=message) + "\n")


def _add_common(parser: argparse.ArgumentParser, top: bool) -> None:
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--config", metavar="PATH", type=Path, default=default, help=_("read this config file")
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0 if top else argparse.SUPPRESS,
        help=_("log to stderr too"),
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command (its help in the current language)."""
    parser = _Parser(
        prog="trayapp", description=_(DESCRIPTION), formatter_class=argparse.RawDescriptionHelpFormatter
    )
    # Translators: the help of --version.
    parser.add_argument(
        "--version", action="version", version=f"trayapp {__version__}", help=_("print the version")
    )
    _add_common(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, help_text in (
        ("tray", _("run the tray indicator (the default)")),
        ("status", _("fetch every provider once and print a table")),
        ("watch", _("poll and print one line per change")),
        ("providers", _("list the built-in providers")),
        ("check-config", _("validate the config file")),
        ("history", _("list recorded incidents and uptime per provider")),
    ):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _add_common(sub, top=False)
        if name == "status":
            sub.add_argument("--json", action="store_true", help=_("print JSON instead of a table"))
        if name == "providers":
            help_check = _("fetch each built-in provider once and say whether it still answers as listed")
            sub.add_argument("--check", action="store_true", help=help_check)
        if name == "history":
            _add_history_arguments(sub)
    return parser


def _add_history_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--provider", metavar="ID", help=_("only this provider (see `trayapp providers`)"))
    parser.add_argument(
        "--since",
        metavar="WHEN",
        default="7d",
        help=_(
            "start of the period: 7d (days, from local midnight), 24h, 2w, or a date like 2026-02-01"
            " (default: 7d)"
        ),
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help=_("print JSON instead of a table"))
    output.add_argument("--csv", action="store_true", help=_("print CSV instead of a table"))
    parser.add_argument("--summary", action="store_true", help=_("print only the uptime per provider"))


def _say(message: str) -> None:
    """One line for the user on stderr, after the program's name."""
    print(f"trayapp: {message}", file=sys.stderr)


def _declared_language(path: Path) -> str | None:
    """The valid `language` line of the config at `path`, read even when the file is broken."""
    try:
        return declared_language(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None


def _load_in_its_language(path: Path) -> tuple[Config, list[str]]:
    """Read the config and speak its `language` from now on; its warnings are in that language."""
    before = set_language("auto")
    try:
        config, warnings = load_config(path)
    except ConfigError:
        # A broken file still says which language to speak: word its errors in that language.
        language = _declared_language(path)
        if language is None or set_language(language) == before:
            raise
        config, warnings = load_config(path)
    if set_language(config.language) != before and warnings:
        # The warnings were worded before the file said which language to speak: word them again.
        with contextlib.suppress(ConfigError):  # changed in between: keep the first wording
            _config, warnings = load_config(path)
    return config, warnings


def _load(path: Path | None) -> tuple[Config, Path]:
    """The config from `path` or the default file (created with comments when missing).

    From here on the config's `language` is spoken (the defaults' `auto` when it cannot be created).
    """
    if path is None:
        path = paths.config_file()
        try:
            if ensure_config(path):
                _say(_("created a default config at {path}").format(path=path))
        except OSError as error:
            _say(_("cannot create {path}: {error}; using defaults").format(path=path, error=error))
            config = Config()
            set_language(config.language)
            return config, path
    config, warnings = _load_in_its_language(path)
    for warning in warnings:
        _say(_("warning: {warning}").format(warning=warning))
    return config, path


def cmd_status(config: Config, as_json: bool) -> int:
    """`trayapp status`: one fetch of every provider, a table or JSON, the worst state's code."""
    from trayapp.core.console import exit_code, snapshot_json, snapshot_table
    from trayapp.watch import fetch_snapshot

    snapshot = fetch_snapshot(config)
    if as_json:
        print(json.dumps(snapshot_json(snapshot), ensure_ascii=False, indent=2))
    else:
        print(snapshot_table(snapshot, colour=sys.stdout.isatty()))
    return exit_code(snapshot)


def cmd_providers(config: Config) -> int:
    """`trayapp providers`: the catalog, and which entries this config watches."""
    watched = {spec.id for spec in config.providers}
    # Translators: the WATCHED column of `trayapp providers`.
    yes, no, custom = _("yes"), _("no"), _("yes (custom)")
    rows = [
        (spec.id, spec.name, spec.page, spec.kind, yes if spec.id in watched else no)
        for spec in CATALOG.values()
    ]
    rows += [(s.id, s.name, s.page, s.kind, custom) for s in config.providers if not s.builtin]
    # Translators: the column headings of `trayapp providers` (capitals, like the status table).
    header = (_("ID"), _("NAME"), _("STATUS PAGE"), _("FORMAT"), _("WATCHED"))
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(f"{cell:<{widths[i]}}" for i, cell in enumerate(row)).rstrip())
    return 0


def cmd_check_providers() -> int:
    """`trayapp providers --check`: read each built-in once; 0 all as listed, 1 not, 3 offline."""
    from trayapp.shell.catalog_check import check_exit_code, is_offline, report_lines, run_check

    results = run_check(list(CATALOG.values()))
    if is_offline(results):
        _say(_("offline: no status page could be reached"))
        return check_exit_code(results)
    print("\n".join(report_lines(results)))
    return check_exit_code(results)


def cmd_check_config(path: Path | None) -> int:
    """`trayapp check-config`: say exactly what is wrong, or that all is well."""
    target = path or paths.config_file()
    if path is None and not target.exists():
        print(
            _("No config file at {path}: the defaults apply (it is created on the first run).").format(
                path=target
            )
        )
        return 0
    try:
        config, warnings = _load_in_its_language(target)
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        return EXIT_USAGE
    for warning in warnings:
        print(_("warning: {warning}").format(warning=warning))
    count = len(config.providers)
    # Translators: `trayapp check-config` when no provider is watched: "Watching 0 providers: none."
    names = ", ".join(spec.name for spec in config.providers) or _("none")
    # Translators: {path} is the config file, {names} the providers' names, "OpenAI, Anthropic".
    ok = ngettext(
        "{path}: OK. Watching {count} provider: {names}.",
        "{path}: OK. Watching {count} providers: {names}.",
        count,
    )
    print(ok.format(path=target, count=count, names=names))
    for line in deep_probe_lines(config):
        print(line)
    return 0


def deep_probe_lines(config: Config) -> list[str]:
    """What deep probing will send where, one line per provider (never a key: only its header's name)."""
    from trayapp.config.messages import seconds_text
    from trayapp.core.deep import PROMPT, key_header_name, limit_field
    from trayapp.settings import deep_plan
    from trayapp.shell.prober import find_key, key_env_name

    lines = []
    for spec in config.providers:
        plan = deep_plan(config, spec)
        if plan is None:
            continue
        target, every = plan
        has_key = find_key(spec) is not None
        # Translators: `trayapp check-config`, one line per deep probe: "OpenAI: POST
        # https://api.openai.com/v1/chat/completions, model gpt-6-luna, max_completion_tokens = 1,
        # the key from OPENAI_API_KEY in the Authorization header, every 300 s".
        line = _(
            'Deep probe of {name}: POST {url}, model {model}, {limit} = 1, prompt "{prompt}",'
            " the key from {env} in the {header} header, every {seconds} s"
        ).format(
            name=spec.name,
            url=target.url,
            model=target.model,
            limit=limit_field(target),
            prompt=PROMPT,
            env=key_env_name(spec),
            header=key_header_name(target.api),
            seconds=seconds_text(every),
        )
        if not has_key:
            # Translators: follows a deep probe's line when its key is not set.
            line += " " + _("(no key set: nothing is sent)")
        lines.append(line)
    return lines


def _say_history(message: str) -> None:
    print(f"trayapp history: {message}", file=sys.stderr)


def cmd_history(config: Config, args: argparse.Namespace) -> int:
    """`trayapp history`: recorded incidents (newest first) and uptime, as a table, JSON or CSV."""
    from datetime import UTC, datetime

    from trayapp.core.history.figures import parse_since
    from trayapp.core.history.report import history_csv, history_json, history_table
    from trayapp.shell.history.db import HistoryError
    from trayapp.shell.history.reader import known_providers, read_report

    now = datetime.now(UTC)
    try:
        since = parse_since(args.since, now)
    except ValueError as error:
        _say_history(str(error))
        return EXIT_USAGE
    path = paths.history_file()
    try:
        provider = args.provider
        if provider is not None:
            known = {spec.id for spec in config.providers} | set(CATALOG) | known_providers(path)
            if provider not in known:
                message = _("unknown provider id {id} (see `trayapp providers`)").format(id=repr(provider))
                _say_history(message)
                return EXIT_USAGE
        report = read_report(path, since, now, provider)
    except HistoryError as error:
        # Translators: {error} is the database's own words, in English.
        _say_history(_("cannot read {path}: {error}").format(path=path, error=error))
        return 1
    if args.json:
        print(json.dumps(history_json(report, args.summary), ensure_ascii=False, indent=2))
    elif args.csv:
        sys.stdout.write(history_csv(report, args.summary))
    else:
        names = {spec.id: spec.name for spec in CATALOG.values()} | {
            spec.id: spec.name for spec in config.providers
        }
        print(history_table(report, args.summary, names))
    return 0


def cmd_watch(config: Config, config_path: Path) -> int:
    """`trayapp watch`: poll until interrupted, one line per change; one per user, tray included.

    It shares the tray's lock: two of them would each notify, and write the same history.
    """
    from trayapp.shell import single_instance
    from trayapp.shell.notify import watch_notifier
    from trayapp.watch import run_watch

    lock = single_instance.acquire(paths.state_dir() / "trayapp.lock")
    if lock is None:
        print(_("trayapp is already running."))
        return 0
    try:
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        notifier, on_watch = watch_notifier()
        try:
            return run_watch(
                config, config_path, notifier, paths.state_file(), sys.stdout, stop, on_watch=on_watch
            )
        finally:
            notifier.close(0.5)
    finally:
        lock.release()


def cmd_tray(config: Config, config_path: Path) -> int:
    """`trayapp` / `trayapp tray`: the tray indicator."""
    from trayapp.tray_controller import run_tray

    return run_tray(config, config_path)


def _printable_streams() -> None:
    """Standard output and error never refuse a character: what they cannot encode becomes '?'.

    A latin-1 or cp1252 terminal (or PYTHONIOENCODING) must not lose a line over an arrow or a
    name from a page. On Windows, output that goes to a file or a pipe is written as UTF-8.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            if sys.platform == "win32" and not stream.isatty():
                reconfigure(encoding="utf-8", errors="replace")
            else:
                reconfigure(errors="replace")
        except (ValueError, OSError):  # a stream that cannot change: leave it as it is
            continue


def _quiet_after_broken_pipe() -> int:
    """The reader of our output went away (`trayapp status | head -1`): end quietly, as Unix tools do."""
    with contextlib.suppress(OSError, ValueError):
        # Whatever is still buffered must not fail again when Python flushes at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return EXIT_BROKEN_PIPE


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `trayapp` command."""
    _printable_streams()
    try:
        code = _main(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        return _quiet_after_broken_pipe()
    return code


def _main(argv: Sequence[str] | None) -> int:
    # The OS language for the help, usage errors and config errors; the config's once it is read.
    set_language("auto")
    args = build_parser().parse_args(argv)
    command = args.command or "tray"
    setup_logging(paths.log_dir() if command in {"tray", "watch"} else None, args.verbose)
    if command == "check-config":
        return cmd_check_config(args.config)
    try:
        config, config_path = _load(args.config)
    except ConfigError as error:
        # Translators: followed by one line per problem, "PATH:LINE: what is wrong".
        print(_("trayapp: config error:") + f"\n{error}", file=sys.stderr)
        return EXIT_USAGE
    if command == "status":
        return cmd_status(config, args.json)
    if command == "providers":
        return cmd_check_providers() if args.check else cmd_providers(config)
    if command == "watch":
        return cmd_watch(config, config_path)
    if command == "history":
        return cmd_history(config, args)
    return cmd_tray(config, config_path)


if __name__ == "__main__":
    sys.exit(main())
