"""`StateStore`, all its parts in one object, and `open_store()` for a BOT_STATE_URL."""

from __future__ import annotations

import time
from collections.abc import Callable

import sqlalchemy as sa

from bot.state import tables as t
from bot.state.approvals import ApprovalStore
from bot.state.audit import AuditStore
from bot.state.backend import parse_state_url
from bot.state.fleet import FleetStore
from bot.state.guards import GuardStore
from bot.state.inflight import InflightStore
from bot.state.migrate import migrate
from bot.state.pending import purge
from bot.state.plan_writes import PlanWriteStore
from bot.state.plans import PlanStore
from bot.state.records import earlier_self
from bot.state.schedules import LIVE, ScheduleStore
from bot.state.watches import WatchStore

DAY = 86400.0


class StateStore(
    ApprovalStore,
    AuditStore,
    WatchStore,
    FleetStore,
    GuardStore,
    PlanStore,
    PlanWriteStore,
    InflightStore,
    ScheduleStore,
):
    """Confirmations, approvals, the audit log, watches, the fleet snapshot, the guards
    (replay, write limits, leases), plans, changes in flight and schedules of every replica,
    on SQLite or PostgreSQL."""

    async def purge_expired(self, now: float | None = None, *, keep_seconds: float = 3600.0) -> int:
        """Housekeeping: mark overdue confirmations expired and delete those past their
        deadline by more than `keep_seconds` (later clicks then get `not_found`); forget stale
        expected changes, replay keys and counted writes, and approvals, watches and schedules
        that ended (or were never confirmed) more than a day ago. Returns the number of
        confirmations deleted.

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
                sa.delete(t.schedules).where(  # ended a day ago, or never confirmed
                    t.schedules.c.state.not_in(LIVE), t.schedules.c.updated_at <= at - DAY
                ),
            ):
                await conn.execute(stale)
        return deleted

    async def upgrade(self) -> None:
        """Bring the schema up to date (creating it in an empty database or a new file).

        StateStoreUnavailable when the database cannot be reached now (worth trying again);
        StateStoreError for what waiting cannot heal (credentials, a missing database, a
        schema newer than this vpsbot, a file that is not a database).
        """
        # A memory database lives in the one connection of its engine: migrate through it.
        await migrate(self._backend, self._engine if self._backend.memory else None)

    async def take_back(self, owner: str) -> int:
        """Make `owner` the holder of the watches and leases an earlier run of this replica
        held (it crashed, see `earlier_self`), instead of leaving them until their leases run
        out; `Watcher.resume` then follows those watches at once. Its changes in flight are
        left to be settled at once (their lease ends now). Returns how many."""
        w, le, f = t.watches, t.leases, t.inflight
        held = sa.union(
            sa.select(w.c.owner).where(w.c.finished_at.is_(None), w.c.owner.is_not(None)),
            sa.select(le.c.owner),
            sa.select(f.c.owner),
        )
        async with self._read() as conn:
            owners = (await conn.execute(held)).scalars().all()
        earlier = [o for o in owners if earlier_self(o, owner)]
        if not earlier:
            return 0
        async with self._write() as conn:
            watches = await conn.execute(
                sa.update(w)
                .where(w.c.owner.in_(earlier), w.c.finished_at.is_(None))
                .values(owner=owner)
            )
            leases = await conn.execute(
                sa.update(le).where(le.c.owner.in_(earlier)).values(owner=owner)
            )
            flights = await conn.execute(
                sa.update(f).where(f.c.owner.in_(earlier)).values(owner=owner, lease_until=0.0)
            )
        return int(watches.rowcount) + int(leases.rowcount) + int(flights.rowcount)


def store_for(url: str, *, clock: Callable[[], float] = time.time) -> StateStore:
    """The store a BOT_STATE_URL names, not connected yet: `upgrade()` before other calls.

    ValueError for a URL this code can't use (naming only its scheme, since a URL may hold a
    password).
    """
    backend = parse_state_url(url)
    return StateStore(backend.engine(), backend, clock=clock)


async def open_store(url: str, *, clock: Callable[[], float] = time.time) -> StateStore:
    """Open the store a BOT_STATE_URL names, bringing its schema up to date first.

    `clock` gives "now" to calls that don't pass it. ValueError for a URL this code can't use;
    StateStoreError when the store itself can't be opened (StateStoreUnavailable when the
    database can't be reached).
    """
    store = store_for(url, clock=clock)
    try:
        await store.upgrade()
    except BaseException:
        await store.close()
        raise
    return store
