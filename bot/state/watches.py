"""Lifecycle watches, each followed by one replica at a time under a lease it renews."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import sqlalchemy as sa

from bot.state.core import StoreCore
from bot.state.records import Watch
from bot.state.tables import watches as w

_LEASE = ("id", "owner", "lease_until")
_FIELDS = [f.name for f in fields(Watch) if f.name not in _LEASE]
"""What `update_watch` may change: everything but the id, the owner and the lease."""
_COLUMNS = [w.c[f.name] for f in fields(Watch)]
_UNFINISHED = w.c.finished_at.is_(None)


class WatchStore(StoreCore):
    """Store, update, finish and lease watches."""

    async def add_watch(self, watch: Watch) -> None:
        """Start following a server (owner and lease as the watch says). ValueError if a
        watch with that id exists."""
        row = {column.name: getattr(watch, column.name) for column in _COLUMNS}
        insert = self._backend.insert(w).values(row).on_conflict_do_nothing(index_elements=["id"])
        async with self._write() as conn:
            added = (await conn.execute(insert.returning(w.c.id))).first()
        if added is None:
            raise ValueError(f"a watch with id {watch.id!r} exists already")

    async def update_watch(self, watch: Watch) -> bool:
        """Store new fields for an unfinished watch (make them with dataclasses.replace); its
        owner and lease change only through claim, renew and release.

        False if there is no unfinished watch with that id.
        """
        values = {name: getattr(watch, name) for name in _FIELDS}
        async with self._write() as conn:
            updated = await conn.execute(
                sa.update(w).where(w.c.id == watch.id, _UNFINISHED).values(values).returning(w.c.id)
            )
            return updated.first() is not None

    async def get_watch(self, watch_id: str) -> Watch | None:
        """The unfinished watch with this id; None when unknown or finished."""
        async with self._read() as conn:
            row = (
                await conn.execute(sa.select(*_COLUMNS).where(w.c.id == watch_id, _UNFINISHED))
            ).first()
        return None if row is None else _watch(row)

    async def list_watches(self) -> list[Watch]:
        """The unfinished watches of every replica, oldest first."""
        query = sa.select(*_COLUMNS).where(_UNFINISHED).order_by(w.c.started_at, w.c.id)
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [_watch(row) for row in rows]

    async def finish_watch(self, watch_id: str, now: float | None = None) -> bool:
        """Mark a watch finished: True for exactly one caller (the one that reports its end);
        False if it was unknown or finished already."""
        at = self._now(now)
        async with self._write() as conn:
            finished = await conn.execute(
                sa.update(w)
                .where(w.c.id == watch_id, _UNFINISHED)
                .values(finished_at=at)
                .returning(w.c.id)
            )
            return finished.first() is not None

    async def claim_watches(
        self, owner: str, *, lease: float, now: float | None = None, own: bool = False
    ) -> list[Watch]:
        """Unfinished watches that are unowned or whose lease ran out become `owner`'s for
        `lease` seconds; returns those (oldest first). Each goes to one claimer only. `own`
        (at start) also returns those `owner` holds already (`take_back` gave it)."""
        at = self._now(now)
        free = [w.c.owner.is_(None), w.c.lease_until <= at]
        if own:
            free.append(w.c.owner == owner)
        async with self._write() as conn:
            rows = (
                await conn.execute(
                    sa.update(w)
                    .where(_UNFINISHED, sa.or_(*free))
                    .values(owner=owner, lease_until=at + lease)
                    .returning(*_COLUMNS)
                )
            ).all()
        return sorted((_watch(row) for row in rows), key=lambda x: (x.started_at, x.id))

    async def renew_watch(
        self, watch_id: str, owner: str, *, lease: float, now: float | None = None
    ) -> bool:
        """Extend `owner`'s lease on an unfinished watch; False when it is no longer theirs."""
        at = self._now(now)
        async with self._write() as conn:
            renewed = await conn.execute(
                sa.update(w)
                .where(w.c.id == watch_id, w.c.owner == owner, _UNFINISHED)
                .values(lease_until=at + lease)
                .returning(w.c.id)
            )
            return renewed.first() is not None

    async def release_watches(self, owner: str) -> int:
        """Give up every unfinished watch of `owner` (shutting down): another replica may claim
        them at once. Returns how many."""
        async with self._write() as conn:
            released = await conn.execute(
                sa.update(w)
                .where(w.c.owner == owner, _UNFINISHED)
                .values(owner=None, lease_until=None)
                .returning(w.c.id)
            )
            return len(released.all())


def _watch(row: sa.Row[Any]) -> Watch:
    return Watch(**row._asdict())
