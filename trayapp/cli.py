"""The command line: parse arguments, load the config, delegate."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from trayapp import __version__, paths
from trayapp.catalog import CATALOG
from trayapp.config import Config, ConfigError, ensure_config, load_config
from trayapp.logs import setup_logging

EXIT_USAGE = 3

DESCRIPTION = """\
trayapp shows in the system tray whether the AI services you use are up.

With no command it runs the tray indicator. The other commands need no display:
  status        fetch every watched provider once; exit 0 ok, 1 degraded, 2 major, 3 unknown
  watch         poll and print one line per change (and notify, when a desktop is there)
  providers     list the built-in providers
  check-config  validate the config file
  history       what trayapp recorded: incidents, durations and uptime per provider
"""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error exits 3 as the contract says (not argparse's 2)."""

    def error(self, message: str) -> NoReturn:
        """Print the usage and the error, exit 3."""
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _add_common(parser: argparse.ArgumentParser, top: bool) -> None:
    default = None if top else argparse.SUPPRESS
    parser.add_argument("--config", metavar="PATH", type=Path, default=default, help="read this config file")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0 if top else argparse.SUPPRESS, help="log to stderr too"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = _Parser(
        prog="trayapp", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"trayapp {__version__}")
    _add_common(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, help_text in (
        ("tray", "run the tray indicator (the default)"),
        ("status", "fetch every provider once and print a table"),
        ("watch", "poll and print one line per change"),
        ("providers", "list the built-in providers"),
        ("check-config", "validate the config file"),
        ("history", "list recorded incidents and uptime per provider"),
    ):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _add_common(sub, top=False)
        if name == "status":
            sub.add_argument("--json", action="store_true", help="print JSON instead of a table")
        if name == "history":
            _add_history_arguments(sub)
    return parser


def _add_history_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--provider", metavar="ID", help="only this provider (see `trayapp providers`)")
    parser.add_argument(
        "--since",
        metavar="WHEN",
        default="7d",
        help="start of the period: 7d (days, from midnight UTC), 24h, 2w, or a date like 2026-02-01"
        " (default: 7d)",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print JSON instead of a table")
    output.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    parser.add_argument("--summary", action="store_true", help="print only the uptime per provider")


def _load(path: Path | None) -> tuple[Config, Path]:
    """The config from `path` or the default file (created with comments when missing)."""
    if path is None:
        path = paths.config_file()
        try:
            if ensure_config(path):
                print(f"trayapp: created a default config at {path}", file=sys.stderr)
        except OSError as error:
            print(f"trayapp: cannot create {path}: {error}; using defaults", file=sys.stderr)
            return Config(), path
    config, warnings = load_config(path)
    for warning in warnings:
        print(f"trayapp: warning: {warning}", file=sys.stderr)
    return config, path


def cmd_status(config: Config, as_json: bool) -> int:
    """`trayapp status`: one fetch of every provider, a table or JSON, the worst state's code."""
    from trayapp.app import fetch_snapshot
    from trayapp.core.view import exit_code, snapshot_json, snapshot_table

    snapshot = fetch_snapshot(config)
    if as_json:
        print(json.dumps(snapshot_json(snapshot), ensure_ascii=False, indent=2))
    else:
        print(snapshot_table(snapshot, colour=sys.stdout.isatty()))
    return exit_code(snapshot)


def cmd_providers(config: Config) -> int:
    """`trayapp providers`: the catalog, and which entries this config watches."""
    watched = {spec.id for spec in config.providers}
    rows = [
        (spec.id, spec.name, spec.page, spec.kind, "yes" if spec.id in watched else "no")
        for spec in CATALOG.values()
    ]
    rows += [(s.id, s.name, s.page, s.kind, "yes (custom)") for s in config.providers if not s.builtin]
    header = ("ID", "NAME", "STATUS PAGE", "FORMAT", "WATCHED")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(f"{cell:<{widths[i]}}" for i, cell in enumerate(row)).rstrip())
    return 0


def cmd_check_config(path: Path | None) -> int:
    """`trayapp check-config`: say exactly what is wrong, or that all is well."""
    target = path or paths.config_file()
    if path is None and not target.exists():
        print(f"No config file at {target}: the defaults apply (it is created on the first run).")
        return 0
    try:
        config, warnings = load_config(target)
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        return EXIT_USAGE
    for warning in warnings:
        print(f"warning: {warning}")
    names = ", ".join(spec.name for spec in config.providers) or "none"
    print(f"{target}: OK. Watching {len(config.providers)} provider(s): {names}.")
    return 0


def cmd_history(config: Config, args: argparse.Namespace) -> int:
    """`trayapp history`: recorded incidents (newest first) and uptime, as a table, JSON or CSV."""
    from datetime import UTC, datetime

    from trayapp.core.history import parse_since
    from trayapp.core.history_view import history_csv, history_json, history_table
    from trayapp.shell.history_db import HistoryError
    from trayapp.shell.history_read import known_providers, read_report

    now = datetime.now(UTC)
    try:
        since = parse_since(args.since, now)
    except ValueError as error:
        print(f"trayapp history: {error}", file=sys.stderr)
        return EXIT_USAGE
    path = paths.history_file()
    try:
        provider = args.provider
        if provider is not None:
            known = {spec.id for spec in config.providers} | set(CATALOG) | known_providers(path)
            if provider not in known:
                print(
                    f"trayapp history: unknown provider id {provider!r} (see `trayapp providers`)",
                    file=sys.stderr,
                )
                return EXIT_USAGE
        report = read_report(path, since, now, provider)
    except HistoryError as error:
        print(f"trayapp history: cannot read {path}: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(history_json(report, args.summary), ensure_ascii=False, indent=2))
    elif args.csv:
        sys.stdout.write(history_csv(report, args.summary))
    else:
        print(history_table(report, args.summary))
    return 0


def cmd_watch(config: Config, config_path: Path) -> int:
    """`trayapp watch`: poll until interrupted, one line per change."""
    from trayapp.app import run_watch
    from trayapp.shell.notify import PlyerNotifier

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return run_watch(config, config_path, PlyerNotifier(), paths.state_file(), sys.stdout, stop)


def cmd_tray(config: Config, config_path: Path) -> int:
    """`trayapp` / `trayapp tray`: the tray indicator."""
    from trayapp.tray_app import run_tray

    return run_tray(config, config_path)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `trayapp` command."""
    args = build_parser().parse_args(argv)
    command = args.command or "tray"
    setup_logging(paths.log_dir() if command in {"tray", "watch"} else None, args.verbose)
    if command == "check-config":
        return cmd_check_config(args.config)
    try:
        config, config_path = _load(args.config)
    except ConfigError as error:
        print(f"trayapp: config error:\n{error}", file=sys.stderr)
        return EXIT_USAGE
    if command == "status":
        return cmd_status(config, args.json)
    if command == "providers":
        return cmd_providers(config)
    if command == "watch":
        return cmd_watch(config, config_path)
    if command == "history":
        return cmd_history(config, args)
    return cmd_tray(config, config_path)


if __name__ == "__main__":
    sys.exit(main())
