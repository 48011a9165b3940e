"""Opening a SQLite state file: pragmas for several processes on one file, and schema migrations.

The schema version is `PRAGMA user_version`. Migrations run in order, in one write transaction,
when a file is opened; a file written by a newer vpsbot is refused rather than guessed at.
Everything here is blocking: the store calls it from a worker thread.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.state.base import StateStoreError

BUSY_TIMEOUT_MS = 5000
"""How long a writer waits for another process's write lock before giving up."""

MEMORY = ":memory:"

_V1_CONFIRMATIONS_AND_AUDIT = (
    """CREATE TABLE confirmations (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        channel_name TEXT NOT NULL,
        action TEXT NOT NULL,
        server_id INTEGER,
        server_name TEXT NOT NULL,
        params TEXT NOT NULL,
        response_url TEXT,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'claimed', 'cancelled', 'expired')),
        closed_at REAL
    )""",
    "CREATE INDEX confirmations_by_expiry ON confirmations (expires_at)",
    # AUTOINCREMENT: ids are never reused after pruning, so they order entries of equal time.
    """CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time REAL NOT NULL,
        user_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        action TEXT NOT NULL,
        server_id INTEGER,
        server_name TEXT,
        outcome TEXT NOT NULL,
        detail TEXT NOT NULL
    )""",
    "CREATE INDEX audit_by_time ON audit (time, id)",
    "CREATE INDEX audit_by_server_id ON audit (server_id, time)",
    "CREATE INDEX audit_by_server_name ON audit (server_name COLLATE NOCASE, time)",
)

_V2_WATCHES_AND_SNAPSHOTS = (
    """CREATE TABLE watches (
        id TEXT PRIMARY KEY,
        server_id INTEGER NOT NULL,
        server_name TEXT NOT NULL,
        action TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        started_at REAL NOT NULL,
        deadline REAL NOT NULL,
        ops_channel TEXT,
        ops_ts TEXT,
        result_channel TEXT,
        result_ts TEXT,
        response_url TEXT,
        last_status TEXT,
        finished_at REAL
    )""",
    "CREATE INDEX watches_unfinished ON watches (finished_at, started_at)",
    """CREATE TABLE snapshot (
        server_id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        status TEXT NOT NULL
    )""",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE expected_changes (
        server_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        until REAL NOT NULL,
        PRIMARY KEY (server_id, status)
    )""",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    _V1_CONFIRMATIONS_AND_AUDIT,
    _V2_WATCHES_AND_SNAPSHOTS,
)
"""Migration N (1-based) brings a file from version N-1 to N. Append; never edit a shipped one."""

SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: str, *, target_version: int = SCHEMA_VERSION) -> sqlite3.Connection:
    """Open (or create) the state file, ready to use; StateStoreError naming the file if not."""
    if path != MEMORY and not Path(path).parent.is_dir():
        raise StateStoreError(
            f"cannot open state file {Path(path).absolute()}: "
            f"directory {Path(path).parent.absolute()} does not exist"
        )
    shown = path if path == MEMORY else str(Path(path).absolute())
    try:
        # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE) where they matter.
        # check_same_thread=False: calls come from worker threads, serialized by the store's lock.
        conn = sqlite3.connect(
            path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
    except sqlite3.Error as exc:
        raise StateStoreError(f"cannot open state file {shown}: {exc}") from exc
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
        if path != MEMORY:
            _use_wal(conn, shown)
        _migrate(conn, shown, target_version)
    except sqlite3.Error as exc:
        conn.close()
        raise StateStoreError(f"cannot open state file {shown}: {exc}") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    """The file's schema version (0 for a new, empty file)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _use_wal(conn: sqlite3.Connection, shown: str) -> None:
    # WAL: readers never block the writer, and other processes see each commit at once.
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StateStoreError(
            f"cannot open state file {shown}: its file system does not support WAL mode"
        )


def _migrate(conn: sqlite3.Connection, shown: str, target: int) -> None:
    def refuse_newer(version: int) -> None:
        if version > SCHEMA_VERSION:
            raise StateStoreError(
                f"cannot open state file {shown}: it has schema version {version}, but this "
                f"vpsbot knows only up to version {SCHEMA_VERSION}; upgrade vpsbot or point "
                "BOT_STATE_URL at another file"
            )

    refuse_newer(schema_version(conn))
    if schema_version(conn) >= target:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Read again under the write lock: another process may have migrated meanwhile.
        version = schema_version(conn)
        refuse_newer(version)
        for number in range(version + 1, target + 1):
            for statement in MIGRATIONS[number - 1]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {int(number)}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
