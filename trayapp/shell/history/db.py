"""The history database file: opening it privately, its pragmas, its schema and migrations.

SQLite (stdlib), WAL mode so the command line can read while the app writes, and
`synchronous = FULL` so a committed transaction is on disk before the commit returns (WAL
alone already survives the process being killed; FULL also survives a power cut). The schema
version is `PRAGMA user_version`; `MIGRATIONS[n]` takes version n to n + 1, each in one
transaction, so a file of any older version is brought up to date when it is opened.

Times are stored as integer milliseconds since the Unix epoch (UTC).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

#: "tray" — marks the file as trayapp's history (`PRAGMA application_id`).
APPLICATION_ID = 0x74726179
BUSY_TIMEOUT_MS = 5000
WHOLE = ""  # the component name of the provider as a whole


def to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch (how times are stored)."""
    return round(moment.timestamp() * 1000)


def from_ms(value: int) -> datetime:
    """The UTC time of a stored millisecond count."""
    return datetime.fromtimestamp(value / 1000, UTC)


# Version 1: the provider's story (state periods, incidents and their updates) and failed fetches.
_V1 = """
CREATE TABLE page_states (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    component TEXT NOT NULL,
    state TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL
);
CREATE INDEX page_states_by_provider ON page_states (provider, component, end_ms);
CREATE TABLE incidents (
    provider TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    name TEXT NOT NULL,
    impact TEXT NOT NULL,
    status TEXT NOT NULL,
    url TEXT,
    maintenance INTEGER NOT NULL DEFAULT 0,
    components TEXT NOT NULL DEFAULT '[]',
    started_ms INTEGER NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    resolved_ms INTEGER,
    PRIMARY KEY (provider, incident_id)
);
CREATE INDEX incidents_by_start ON incidents (started_ms);
CREATE TABLE incident_updates (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    impact TEXT NOT NULL,
    status TEXT NOT NULL,
    components TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX incident_updates_by_incident ON incident_updates (provider, incident_id);
CREATE TABLE fetch_failures (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    reason TEXT NOT NULL,
    first_ms INTEGER NOT NULL,
    last_ms INTEGER NOT NULL,
    count INTEGER NOT NULL
);
CREATE INDEX fetch_failures_by_provider ON fetch_failures (provider, last_ms);
"""

# Version 2: trayapp's unknown periods, and how an incident's start or end was learnt.
_V2 = """
CREATE TABLE unknown_periods (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    reason TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL
);
CREATE INDEX unknown_periods_by_provider ON unknown_periods (provider, end_ms);
ALTER TABLE incidents ADD COLUMN seen_after_the_fact INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN resolved_while_away INTEGER NOT NULL DEFAULT 0;
"""

# Version 3: trayapp's suspected problems, one row per spell and probe ("edge": the API edge,
# "deep": the model API). `reason` is the verdict's own words (English, as `status --json` gives
# them); `failed`, `checks` and `seen` say them again in the user's language. `status` is
# "ongoing" while the spell lasts, "ended" when the probe recovered (or the page owned up to
# the trouble), "stopped" when trayapp stopped watching while it lasted (end: when last seen).
_V3 = """
CREATE TABLE suspected_periods (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    source TEXT NOT NULL,
    reason TEXT NOT NULL,
    failed INTEGER NOT NULL DEFAULT 0,
    checks INTEGER NOT NULL DEFAULT 0,
    seen TEXT NOT NULL DEFAULT '',
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'ongoing'
);
CREATE INDEX suspected_periods_by_provider ON suspected_periods (provider, source, end_ms);
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3)
SCHEMA_VERSION = len(MIGRATIONS)


class HistoryError(Exception):
    """The history file cannot be used (not a database, or not trayapp's)."""


class NewerHistoryError(HistoryError):
    """The history file was written by a newer trayapp: leave it alone."""


def _statements(script: str) -> list[str]:
    return [statement.strip() for statement in script.split(";") if statement.strip()]


def _create_private(path: Path) -> None:
    """Create the file (and its directory) readable by the user only, unless it exists."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _refuse_newer(connection: sqlite3.Connection) -> int:
    """The file's schema version; NewerHistoryError when this trayapp does not know it."""
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise NewerHistoryError(f"the history was written by a newer trayapp (schema {version})")
    return version


def migrate(connection: sqlite3.Connection) -> int:
    """Bring the schema up to SCHEMA_VERSION; the version it had. HistoryError if it is newer."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        version = _refuse_newer(connection)
        application = int(connection.execute("PRAGMA application_id").fetchone()[0])
        if application not in (0, APPLICATION_ID):
            raise HistoryError("the file is not a trayapp history")
        for target in range(version, SCHEMA_VERSION):
            for statement in _statements(MIGRATIONS[target]):
                connection.execute(statement)
        if version != SCHEMA_VERSION:
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            connection.execute("ROLLBACK")
        raise
    if version != SCHEMA_VERSION:
        log.info("history schema brought from version %d to %d", version, SCHEMA_VERSION)
    return version


def open_history(path: Path, create: bool = True) -> sqlite3.Connection | None:
    """A connection to the history at `path`, migrated; None when it is missing and not `create`.

    The connection is in autocommit mode: callers group writes with BEGIN/COMMIT themselves.
    Raises HistoryError when the file cannot be used.
    """
    if create:
        _create_private(path)
    elif not path.exists():
        return None
    try:
        connection = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as error:
        raise HistoryError(str(error)) from None
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _refuse_newer(connection)  # before anything could change the file
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.warning("history: WAL mode refused (%s)", mode)
        connection.execute("PRAGMA synchronous = FULL")
        migrate(connection)
    except sqlite3.Error as error:
        connection.close()
        raise HistoryError(str(error)) from None
    except BaseException:
        connection.close()
        raise
    return connection


def move_aside(path: Path, reason: str) -> Path | None:
    """Rename an unusable history file (and its WAL files) out of the way; the new name."""
    target = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}")
    try:
        os.replace(path, target)
    except OSError as error:
        log.error("history %s is unusable (%s) and could not be moved aside: %s", path, reason, error)
        return None
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.replace(path.with_name(path.name + suffix), target.with_name(target.name + suffix))
    log.warning("history %s was unusable (%s); moved it to %s and started afresh", path, reason, target)
    return target
