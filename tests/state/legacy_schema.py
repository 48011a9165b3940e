"""The SQLite schema of vpsbot before Alembic (PRAGMA user_version 1 and 2), copied verbatim
from the code that made such files, to build them in tests and upgrade them."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

V1_CONFIRMATIONS_AND_AUDIT = (
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

V2_WATCHES_AND_SNAPSHOTS = (
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

LEGACY = {1: V1_CONFIRMATIONS_AND_AUDIT, 2: V2_WATCHES_AND_SNAPSHOTS}


def make_legacy_file(path: Path, version: int) -> sqlite3.Connection:
    """A state file as vpsbot made it at schema `version` (1 or 2), in WAL mode; the caller
    fills it through the returned connection (autocommit) and closes it."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    with closing(conn.cursor()) as cursor:
        cursor.execute("BEGIN IMMEDIATE")
        for number in range(1, version + 1):
            for statement in LEGACY[number]:
                cursor.execute(statement)
            cursor.execute(f"PRAGMA user_version = {number}")
        cursor.execute("COMMIT")
    return conn
