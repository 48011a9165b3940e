"""Guards shared by every replica: the replay guard, write limits and named leases."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.state.core import StoreCore
from bot.state.tables import leases as le
from bot.state.tables import seen_requests as seen
from bot.state.tables import writes as wr


class GuardStore(StoreCore):
    """Remember requests, count writes, hold leases."""

    async def remember_request(
        self, key: str, *, expires_at: float, now: float | None = None
    ) -> bool:
        """The replay guard: True the first time `key` is seen, False for a repeat (until it
        expires and `purge_expired` forgets it)."""
        at = self._now(now)
        insert = self._backend.insert(seen).values(key=key, expires_at=expires_at)
        # A key whose time ran out (not purged yet) counts as new again.
        insert = insert.on_conflict_do_update(
            index_elements=["key"],
            set_={"expires_at": insert.excluded.expires_at},
            where=seen.c.expires_at <= at,
        )
        async with self._write() as conn:
            return (await conn.execute(insert.returning(seen.c.key))).first() is not None

    async def take_write_slot(
        self, user_id: str, *, limit: int, window: float, now: float | None = None
    ) -> float | None:
        """Record one write and return None if `user_id` made fewer than `limit` writes in the
        last `window` seconds; otherwise record nothing and return when (UNIX seconds) they
        may write again. Concurrent callers on every replica never over-admit."""
        at = self._now(now)
        async with self._write() as conn:
            await self._backend.serialize(conn, f"writes:{user_id}")
            retry_at = await _retry_at(conn, user_id, limit, window, at)
            if retry_at is None:
                await conn.execute(wr.insert().values(user_id=user_id, time=at, until=at + window))
            return retry_at

    async def peek_write_slot(
        self, user_id: str, *, limit: int, window: float, now: float | None = None
    ) -> float | None:
        """What `take_write_slot` would answer now, recording nothing."""
        async with self._read() as conn:
            return await _retry_at(conn, user_id, limit, window, self._now(now))

    async def acquire_lease(
        self, name: str, owner: str, *, ttl: float, now: float | None = None
    ) -> bool:
        """Take the lease `name` for `ttl` seconds when it is free or ran out, or renew it when
        it is `owner`'s already; False when another owner holds it."""
        at = self._now(now)
        insert = self._backend.insert(le).values(name=name, owner=owner, expires_at=at + ttl)
        insert = insert.on_conflict_do_update(
            index_elements=["name"],
            set_={"owner": insert.excluded.owner, "expires_at": insert.excluded.expires_at},
            where=sa.or_(le.c.owner == owner, le.c.expires_at <= at),
        )
        async with self._write() as conn:
            return (await conn.execute(insert.returning(le.c.name))).first() is not None

    async def release_lease(self, name: str, owner: str) -> None:
        """Give the lease up at once, if `owner` holds it (another replica may take it now)."""
        async with self._write() as conn:
            await conn.execute(sa.delete(le).where(le.c.name == name, le.c.owner == owner))


async def _retry_at(
    conn: AsyncConnection, user_id: str, limit: int, window: float, now: float
) -> float | None:
    """None when a write fits now; else when enough counted writes have left the window."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    counted = wr.c.user_id == user_id, wr.c.time > now - window
    # Oldest first: after the first (count - limit + 1) leave, the user is under the limit.
    times = (
        await conn.execute(sa.select(wr.c.time).where(*counted).order_by(wr.c.time, wr.c.id))
    ).scalars()
    counted_times = list(times)
    if len(counted_times) < limit:
        return None
    return float(counted_times[len(counted_times) - limit]) + window
