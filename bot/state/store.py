"""`StateStore`, all its parts in one object, and `open_store()` for a BOT_STATE_URL."""

from __future__ import annotations

import time
from collections.abc import Callable

import sqlalchemy as sa

from bot.state import tables as t
from bot.state.approvals import ApprovalStore
from bot.state.audit import AuditStore
from bot.state.backend import parse_state_url
from bot.state.confirmations import ConfirmationStore
from bot.state.fleet import FleetStore
from bot.state.guards import GuardStore
from bot.state.migrate import migrate
from bot.state.pending import purge
from bot.state.watches import WatchStore

DAY = 86400.0


class StateStore(ConfirmationStore, AuditStore, ApprovalStore, WatchStore, FleetStore, GuardStore):
    """Confirmations, approvals, the audit log, watches, the fleet snapshot and the guards
    (replay, write limits, leases) of every replica, on SQLite or PostgreSQL."""

    async def purge_expired(self, now: float | None = None, *, keep_seconds: float = 3600.0) -> int:
        """Housekeeping: mark overdue confirmations expired and delete those past their
        deadline by more than `keep_seconds` (later clicks then get `not_found`); forget stale
        expected changes, replay keys and counted writes, and approvals and watches that ended
        more than a day ago. Returns the number of confirmations deleted.

        Overdue approvals are left to `expire_approvals`, whose caller reports them.
        """
        at = self._now(now)
        async with self._write() as conn:
            deleted = await purge(conn, at, keep_seconds=keep_seconds, day=DAY)
            for stale in (
                sa.delete(t.expected_changes).where(t.expected_changes.c.until <= at),
                sa.delete(t.seen_requests).where(t.seen_requests.c.expires_at <= at),
                sa.delete(t.writes).where(t.writes.c.until <= at),
                sa.delete(t.watches).where(t.watches.c.finished_at <= at - DAY),
                sa.delete(t.leases).where(t.leases.c.expires_at <= at - DAY),
            ):
                await conn.execute(stale)
        return deleted


async def open_store(url: str, *, clock: Callable[[], float] = time.time) -> StateStore:
    """Open the store a BOT_STATE_URL names, bringing its schema up to date first.

    `clock` gives "now" to calls that don't pass it. ValueError for a URL this code can't use
    (naming only its scheme, since a URL may hold a password); StateStoreError when the store
    itself can't be opened (StateStoreUnavailable when the database can't be reached).
    """
    backend = parse_state_url(url)
    engine = backend.engine()
    try:
        # A memory database lives in the one connection of its engine: migrate through it.
        await migrate(backend, engine if backend.memory else None)
    except BaseException:
        await engine.dispose()
        raise
    return StateStore(engine, backend, clock=clock)
