"""The SQL behind SQLiteStateStore: blocking functions of a connection, run in a worker thread."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from bot.state.records import (
    AuditEntry,
    AuditOutcome,
    ClaimOutcome,
    ClaimResult,
    Confirmation,
    ConfirmationState,
)


@contextmanager
def write(conn: sqlite3.Connection, begin: str = "BEGIN IMMEDIATE") -> Iterator[None]:
    """One transaction; by default a write that takes the file's write lock up front (waiting up
    to busy_timeout for other processes), so what it reads stays true until it commits.
    """
    conn.execute(begin)
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# -- confirmations ----------------------------------------------------------------------------


def insert_confirmation(conn: sqlite3.Connection, c: Confirmation) -> None:
    conn.execute(
        "INSERT INTO confirmations (id, user_id, channel_id, channel_name, action, server_id,"
        " server_name, params, response_url, created_at, expires_at, state)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            c.id,
            c.user_id,
            c.channel_id,
            c.channel_name,
            c.action,
            c.server_id,
            c.server_name,
            json.dumps(c.params),
            c.response_url,
            c.created_at,
            c.expires_at,
            c.state.value,
        ),
    )


def get_confirmation(conn: sqlite3.Connection, confirmation_id: str) -> Confirmation | None:
    row = conn.execute("SELECT * FROM confirmations WHERE id = ?", (confirmation_id,)).fetchone()
    if row is None:
        return None
    return Confirmation(
        id=row["id"],
        user_id=row["user_id"],
        channel_id=row["channel_id"],
        channel_name=row["channel_name"],
        action=row["action"],
        server_id=row["server_id"],
        server_name=row["server_name"],
        params=json.loads(row["params"]),
        response_url=row["response_url"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        state=ConfirmationState(row["state"]),
    )


def close_confirmation(
    conn: sqlite3.Connection,
    confirmation_id: str,
    user_id: str,
    now: float,
    to: ConfirmationState,
) -> ClaimResult:
    """Move a pending confirmation to `to` if it is this user's and not overdue; else say why."""
    won = ClaimOutcome.CLAIMED if to is ConfirmationState.CLAIMED else ClaimOutcome.CANCELLED
    with write(conn):
        # The single conditional UPDATE is what makes this single-use: SQLite runs one writer at
        # a time, so exactly one caller, in any process, sees rowcount 1.
        changed = conn.execute(
            "UPDATE confirmations SET state = ?, closed_at = ?"
            " WHERE id = ? AND state = 'pending' AND user_id = ? AND expires_at > ?",
            (to.value, now, confirmation_id, user_id, now),
        ).rowcount
        found = get_confirmation(conn, confirmation_id)
        if changed == 1:
            return ClaimResult(won, found)
        if found is None:
            return ClaimResult(ClaimOutcome.NOT_FOUND)
        problem = found.problem(user_id, now) or ClaimOutcome.EXPIRED
        if problem is ClaimOutcome.EXPIRED and found.state is ConfirmationState.PENDING:
            _mark_expired(conn, now, confirmation_id)
            found = get_confirmation(conn, confirmation_id)
        return ClaimResult(problem, found)


def purge_confirmations(conn: sqlite3.Connection, now: float, keep_seconds: float) -> int:
    with write(conn):
        _mark_expired(conn, now)
        deleted = conn.execute(
            "DELETE FROM confirmations WHERE expires_at <= ?", (now - keep_seconds,)
        ).rowcount
        conn.execute("DELETE FROM expected_changes WHERE until <= ?", (now,))
    return deleted


def _mark_expired(conn: sqlite3.Connection, now: float, confirmation_id: str | None = None) -> None:
    conn.execute(
        "UPDATE confirmations SET state = 'expired', closed_at = ?"
        " WHERE state = 'pending' AND expires_at <= ? AND (? IS NULL OR id = ?)",
        (now, now, confirmation_id, confirmation_id),
    )


# -- audit log --------------------------------------------------------------------------------


def insert_audit(conn: sqlite3.Connection, e: AuditEntry, max_rows: int | None) -> None:
    with write(conn):
        conn.execute(
            "INSERT INTO audit (time, user_id, channel_id, action, server_id, server_name,"
            " outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                e.time,
                e.user_id,
                e.channel_id,
                e.action,
                e.server_id,
                e.server_name,
                e.outcome.value,
                e.detail,
            ),
        )
        if max_rows is not None:
            _keep_newest(conn, max_rows)


def list_audit(conn: sqlite3.Connection, server: int | str | None, limit: int) -> list[AuditEntry]:
    columns = "time, user_id, channel_id, action, server_id, server_name, outcome, detail"
    order = "ORDER BY time DESC, id DESC LIMIT ?"
    if server is None:
        rows = conn.execute(f"SELECT {columns} FROM audit {order}", (limit,))  # noqa: S608 - constants
    elif isinstance(server, int):
        rows = conn.execute(
            f"SELECT {columns} FROM audit WHERE server_id = ? {order}",  # noqa: S608 - constants
            (server, limit),
        )
    else:
        rows = conn.execute(
            f"SELECT {columns} FROM audit WHERE server_name = ? COLLATE NOCASE {order}",  # noqa: S608
            (server, limit),
        )
    return [
        AuditEntry(
            time=r["time"],
            user_id=r["user_id"],
            channel_id=r["channel_id"],
            action=r["action"],
            server_id=r["server_id"],
            server_name=r["server_name"],
            outcome=AuditOutcome(r["outcome"]),
            detail=r["detail"],
        )
        for r in rows
    ]


def prune_audit(conn: sqlite3.Connection, older_than: float, max_rows: int | None) -> int:
    with write(conn):
        deleted = conn.execute("DELETE FROM audit WHERE time < ?", (older_than,)).rowcount
        if max_rows is not None:
            deleted += _keep_newest(conn, max_rows)
    return deleted


def _keep_newest(conn: sqlite3.Connection, max_rows: int) -> int:
    return conn.execute(
        "DELETE FROM audit WHERE id IN"
        " (SELECT id FROM audit ORDER BY time DESC, id DESC LIMIT -1 OFFSET ?)",
        (max_rows,),
    ).rowcount
