"""The SQL for lifecycle watches and the fleet snapshot: blocking, run in a worker thread."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from bot.state.records import SnapshotEntry, Watch
from bot.state.sqlite_queries import write

_SNAPSHOT_KEY = "snapshot_taken_at"


# -- watches ----------------------------------------------------------------------------------

_WATCH_FIELDS = (
    "server_id, server_name, action, requested_by, channel_id, started_at, deadline,"
    " ops_channel, ops_ts, result_channel, result_ts, response_url, last_status"
)


def _watch_values(w: Watch) -> tuple[object, ...]:
    return (
        *(w.server_id, w.server_name, w.action, w.requested_by, w.channel_id),
        *(w.started_at, w.deadline, w.ops_channel, w.ops_ts, w.result_channel),
        *(w.result_ts, w.response_url, w.last_status),
    )


def insert_watch(conn: sqlite3.Connection, w: Watch) -> bool:
    """False if a watch with that id exists already."""
    try:
        conn.execute(
            f"INSERT INTO watches (id, {_WATCH_FIELDS}) VALUES ({', '.join('?' * 14)})",  # noqa: S608
            (w.id, *_watch_values(w)),
        )
    except sqlite3.IntegrityError:
        return False
    return True


def update_watch(conn: sqlite3.Connection, w: Watch) -> bool:
    assignments = ", ".join(f"{name.strip()} = ?" for name in _WATCH_FIELDS.split(","))
    return (
        conn.execute(
            f"UPDATE watches SET {assignments} WHERE id = ? AND finished_at IS NULL",  # noqa: S608
            (*_watch_values(w), w.id),
        ).rowcount
        == 1
    )


def get_watch(conn: sqlite3.Connection, watch_id: str) -> Watch | None:
    row = conn.execute(
        f"SELECT id, {_WATCH_FIELDS} FROM watches"  # noqa: S608 - constants
        " WHERE id = ? AND finished_at IS NULL",
        (watch_id,),
    ).fetchone()
    return Watch(**dict(zip(row.keys(), row, strict=True))) if row else None


def list_watches(conn: sqlite3.Connection) -> list[Watch]:
    rows = conn.execute(
        f"SELECT id, {_WATCH_FIELDS} FROM watches"  # noqa: S608 - constants
        " WHERE finished_at IS NULL ORDER BY started_at, id"
    )
    return [Watch(**dict(zip(row.keys(), row, strict=True))) for row in rows]


def finish_watch(conn: sqlite3.Connection, watch_id: str, now: float) -> bool:
    return (
        conn.execute(
            "UPDATE watches SET finished_at = ? WHERE id = ? AND finished_at IS NULL",
            (now, watch_id),
        ).rowcount
        == 1
    )


# -- fleet snapshot ---------------------------------------------------------------------------


def save_snapshot(
    conn: sqlite3.Connection, servers: Mapping[int, SnapshotEntry], now: float
) -> None:
    with write(conn):
        conn.execute("DELETE FROM snapshot")
        conn.executemany(
            "INSERT INTO snapshot (server_id, name, status) VALUES (?, ?, ?)",
            [(int(sid), e.name, e.status) for sid, e in servers.items()],
        )
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (_SNAPSHOT_KEY, repr(now))
        )


def load_snapshot(conn: sqlite3.Connection) -> dict[int, SnapshotEntry] | None:
    # One read transaction, so the marker and the rows come from the same save.
    with write(conn, "BEGIN DEFERRED"):
        if conn.execute("SELECT 1 FROM meta WHERE key = ?", (_SNAPSHOT_KEY,)).fetchone() is None:
            return None
        rows = conn.execute("SELECT server_id, name, status FROM snapshot").fetchall()
    return {r["server_id"]: SnapshotEntry(r["name"], r["status"]) for r in rows}


def note_expected(conn: sqlite3.Connection, server_id: int, status: str, until: float) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO expected_changes (server_id, status, until) VALUES (?, ?, ?)",
        (server_id, status, until),
    )


def consume_expected(conn: sqlite3.Connection, server_id: int, status: str, now: float) -> bool:
    return (
        conn.execute(
            "DELETE FROM expected_changes WHERE server_id = ? AND status = ? AND until > ?",
            (server_id, status, now),
        ).rowcount
        == 1
    )
