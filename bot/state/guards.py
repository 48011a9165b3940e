"""Guards shared by every replica: the replay guard, write limits and named leases."""

from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.state.core import StoreCore
from bot.state.tables import leases as le
from bot.state.tables import seen_requests as seen
from bot.state.tables import writes as wr

_SEEN_BATCH = 500
"""Keys one transaction of the replay guard records at most."""


class GuardStore(StoreCore):
    """Remember requests, count writes, hold leases."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seen_queue: list[tuple[str, float, float, asyncio.Future[bool]]] = []
        self._seen_flushing = False

    async def remember_request(
        self, key: str, *, expires_at: float, now: float | None = None
    ) -> bool:
        """The replay guard: True the first time `key` is seen, False for a repeat (until it
        expires and `purge_expired` forgets it).

        Every request asks this once: the keys asked for at the same moment are recorded in one
        transaction (one atomic INSERT … ON CONFLICT of them all), not one each.
        """
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._seen_queue.append((key, expires_at, self._now(now), answer))
        if not self._seen_flushing:
            self._seen_flushing = True
            asyncio.get_running_loop().create_task(self._record_seen())
        return await answer

    async def _record_seen(self) -> None:
        """Record what is queued, batch after batch, answering each waiting caller."""
        try:
            await asyncio.sleep(0)  # callers of this same moment join the first batch
            while self._seen_queue:
                batch = self._seen_queue[:_SEEN_BATCH]
                del self._seen_queue[:_SEEN_BATCH]
                try:
                    new = await self._insert_seen(batch)
                except Exception as exc:
                    for *_, answer in batch:
                        if not answer.done():
                            answer.set_exception(exc)
                    continue
                for key, _, _, answer in batch:
                    if not answer.done():
                        answer.set_result(key in new)
                        new.discard(key)  # the same key twice in a batch: once new
        finally:
            self._seen_flushing = False

    async def _insert_seen(self, batch: list[tuple[str, float, float, Any]]) -> set[str]:
        """Insert the batch's keys; the set of those that were new."""
        rows = list({key: {"key": key, "expires_at": until} for key, until, _, _ in batch}.values())
        at = min(now for _, _, now, _ in batch)
        insert = self._backend.insert(seen).values(rows)
        # A key whose time ran out (not purged yet) counts as new again.
        insert = insert.on_conflict_do_update(
            index_elements=["key"],
            set_={"expires_at": insert.excluded.expires_at},
            where=seen.c.expires_at <= at,
        )
        async with self._write() as conn:
            return {row.key for row in await conn.execute(insert.returning(seen.c.key))}

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

    async def count_writes(self, user_id: str, *, window: float, now: float | None = None) -> int:
        """How many writes of `user_id` the limit counts now: those of the last `window` s."""
        async with self._read() as conn:
            return await writes_counted(conn, user_id, window, self._now(now))

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


async def writes_counted(conn: AsyncConnection, user_id: str, window: float, at: float) -> int:
    """How many writes of `user_id` the limit counts at `at`: those of the last `window` s."""
    query = sa.select(sa.func.count()).where(wr.c.user_id == user_id, wr.c.time > at - window)
    return int((await conn.execute(query)).scalar_one())


async def _retry_at(
    conn: AsyncConnection, user_id: str, limit: int, window: float, now: float
) -> float | None:
    """None when a write fits now; else when enough counted writes have left the window."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    counted = wr.c.user_id == user_id, wr.c.time > now - window
    # Oldest first: after the first (count - limit + 1) leave, the user is under the limit.
    query = sa.select(wr.c.time).where(*counted).order_by(wr.c.time, wr.c.id)
    times = list((await conn.execute(query)).scalars())
    return None if len(times) < limit else float(times[-limit]) + window
