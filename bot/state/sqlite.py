"""The SQLite state store: one file, shared safely by several processes on one host.

One connection per store, used from worker threads (`asyncio.to_thread`) one call at a time under
a threading lock, so the event loop never waits on disk. The lock is a threading one, not an asyncio
one, so a cancelled caller can't let a second call onto the connection while its thread still runs.
Across processes, WAL mode and busy_timeout let each writer wait its turn.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from bot.state import sqlite_fleet_queries as f
from bot.state import sqlite_queries as q
from bot.state.base import StateStore, StateStoreError
from bot.state.records import (
    AuditEntry,
    ClaimResult,
    Confirmation,
    ConfirmationState,
    SnapshotEntry,
    Watch,
    new_id,
)
from bot.state.sqlite_schema import connect

_T = TypeVar("_T")

DEFAULT_AUDIT_MAX_ROWS = 10_000


async def open_sqlite_store(
    path: str,
    *,
    clock: Callable[[], float] = time.time,
    audit_max_rows: int | None = DEFAULT_AUDIT_MAX_ROWS,
) -> SQLiteStateStore:
    """Open (creating and migrating as needed) the state file at `path`, or `:memory:`."""
    if audit_max_rows is not None and audit_max_rows < 1:
        raise ValueError(f"audit_max_rows must be at least 1 (or None), not {audit_max_rows}")
    conn = await asyncio.to_thread(connect, path)
    return SQLiteStateStore(conn, path, clock=clock, audit_max_rows=audit_max_rows)


class SQLiteStateStore(StateStore):
    """StateStore on a SQLite file; build it with `open_store("sqlite:///…")`."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: str,
        *,
        clock: Callable[[], float] = time.time,
        audit_max_rows: int | None = DEFAULT_AUDIT_MAX_ROWS,
    ) -> None:
        self._conn: sqlite3.Connection | None = conn
        self._path = path
        self._clock = clock
        self._audit_max_rows = audit_max_rows
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SQLiteStateStore({self._path!r})"

    @property
    def path(self) -> str:
        """The file this store uses (as given), or `:memory:`."""
        return self._path

    async def close(self) -> None:
        await asyncio.to_thread(self._close)

    def _close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    async def _run(self, fn: Callable[[sqlite3.Connection], _T]) -> _T:
        return await asyncio.to_thread(self._locked, fn)

    def _locked(self, fn: Callable[[sqlite3.Connection], _T]) -> _T:
        with self._lock:
            if self._conn is None:
                raise StateStoreError(f"the state store {self._path} is closed")
            try:
                return fn(self._conn)
            except sqlite3.Error as exc:
                raise StateStoreError(f"state file {self._path}: {exc}") from exc

    def _now(self, now: float | None) -> float:
        return self._clock() if now is None else now

    # -- confirmations ------------------------------------------------------------------------

    async def create_confirmation(
        self,
        *,
        user_id: str,
        channel_id: str,
        channel_name: str,
        action: str,
        server_id: int | None,
        server_name: str,
        params: Mapping[str, Any] | None = None,
        response_url: str | None = None,
        ttl_seconds: float,
        now: float | None = None,
    ) -> Confirmation:
        if not ttl_seconds > 0:
            raise ValueError(f"ttl_seconds must be positive, not {ttl_seconds!r}")
        created_at = self._now(now)
        confirmation = Confirmation(
            id=new_id(),
            user_id=user_id,
            channel_id=channel_id,
            channel_name=channel_name,
            action=action,
            server_id=server_id,
            server_name=server_name,
            # Round-trip now: a value JSON can't hold fails here, and the caller gets back
            # exactly what a later get_confirmation() returns.
            params=json.loads(json.dumps(dict(params or {}))),
            response_url=response_url,
            created_at=created_at,
            expires_at=created_at + ttl_seconds,
        )
        await self._run(lambda conn: q.insert_confirmation(conn, confirmation))
        return confirmation

    async def get_confirmation(self, confirmation_id: str) -> Confirmation | None:
        return await self._run(lambda conn: q.get_confirmation(conn, confirmation_id))

    async def claim_confirmation(
        self, confirmation_id: str, user_id: str, now: float | None = None
    ) -> ClaimResult:
        at = self._now(now)
        return await self._run(
            lambda conn: q.close_confirmation(
                conn, confirmation_id, user_id, at, ConfirmationState.CLAIMED
            )
        )

    async def cancel_confirmation(
        self, confirmation_id: str, user_id: str, now: float | None = None
    ) -> ClaimResult:
        at = self._now(now)
        return await self._run(
            lambda conn: q.close_confirmation(
                conn, confirmation_id, user_id, at, ConfirmationState.CANCELLED
            )
        )

    async def purge_expired(self, now: float | None = None, *, keep_seconds: float = 3600.0) -> int:
        at = self._now(now)
        return await self._run(lambda conn: q.purge_confirmations(conn, at, keep_seconds))

    # -- audit log ----------------------------------------------------------------------------

    async def record_audit(self, entry: AuditEntry) -> None:
        await self._run(lambda conn: q.insert_audit(conn, entry, self._audit_max_rows))

    async def list_audit(
        self, server: int | str | None = None, limit: int = 20
    ) -> list[AuditEntry]:
        if limit < 1:
            return []
        return await self._run(lambda conn: q.list_audit(conn, server, limit))

    async def prune_audit(
        self, keep_days: float, *, max_rows: int | None = None, now: float | None = None
    ) -> int:
        if max_rows is not None and max_rows < 0:
            raise ValueError(f"max_rows must not be negative, not {max_rows}")
        cutoff = self._now(now) - keep_days * 86400.0
        return await self._run(lambda conn: q.prune_audit(conn, cutoff, max_rows))

    # -- lifecycle watches --------------------------------------------------------------------

    async def add_watch(self, watch: Watch) -> None:
        if not await self._run(lambda conn: f.insert_watch(conn, watch)):
            raise ValueError(f"a watch with id {watch.id!r} exists already")

    async def update_watch(self, watch: Watch) -> bool:
        return await self._run(lambda conn: f.update_watch(conn, watch))

    async def get_watch(self, watch_id: str) -> Watch | None:
        return await self._run(lambda conn: f.get_watch(conn, watch_id))

    async def list_watches(self) -> list[Watch]:
        return await self._run(f.list_watches)

    async def finish_watch(self, watch_id: str, now: float | None = None) -> bool:
        at = self._now(now)
        return await self._run(lambda conn: f.finish_watch(conn, watch_id, at))

    # -- fleet snapshot -----------------------------------------------------------------------

    async def save_snapshot(
        self, servers: Mapping[int, SnapshotEntry], now: float | None = None
    ) -> None:
        at, copy = self._now(now), dict(servers)
        await self._run(lambda conn: f.save_snapshot(conn, copy, at))

    async def load_snapshot(self) -> dict[int, SnapshotEntry] | None:
        return await self._run(f.load_snapshot)

    async def note_expected_change(self, server_id: int, status: str, until: float) -> None:
        await self._run(lambda conn: f.note_expected(conn, server_id, status, until))

    async def consume_expected_change(
        self, server_id: int, status: str, now: float | None = None
    ) -> bool:
        at = self._now(now)
        return await self._run(lambda conn: f.consume_expected(conn, server_id, status, at))


__all__ = ["DEFAULT_AUDIT_MAX_ROWS", "SQLiteStateStore", "open_sqlite_store"]
