"""Changes in flight: a confirmed or approved call, recorded before it is sent and cleared once
its answer is known.

A row left behind means nobody heard the answer: the replica died during the call, or the call
broke in a way that may have reached VPS.org (`lose_inflight`). Rows whose lease ran out are
claimed, each by one replica, which learns from the server whether the change happened and
reports it (`bot.flow.settle`); it then finishes the row, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa

from bot.state.core import StoreCore, plain
from bot.state.tables import inflight as f


@dataclass(frozen=True, kw_only=True)
class InFlight:
    """One change whose call was (or is about to be) sent. `change` is the Change's JSON;
    `response_url` where the requester was answered; `lost` why its answer was lost (None
    while it is awaited, or when the replica making the call died)."""

    id: str
    user_id: str
    channel_id: str
    operation: str
    server_id: int
    server_name: str
    change: Mapping[str, Any]
    started_at: float
    owner: str
    lease_until: float
    response_url: str | None = None
    plan_id: str | None = None
    before_status: str | None = None
    request_id: str = ""
    approved_by: str | None = None
    lost: str | None = None


_COLUMNS = [f.c[field.name] for field in fields(InFlight)]


class InflightStore(StoreCore):
    """Record calls in flight, clear them, and lease the settling of those left behind."""

    async def add_inflight(self, row: InFlight) -> None:
        """Record a call about to be sent (raises when the store can't: nothing may be sent
        then). ValueError if the id exists."""
        values = {column.name: getattr(row, column.name) for column in _COLUMNS}
        values["change"] = plain(row.change)
        insert = self._backend.insert(f).values(values)
        async with self._write() as conn:
            added = (
                await conn.execute(
                    insert.on_conflict_do_nothing(index_elements=["id"]).returning(f.c.id)
                )
            ).first()
        if added is None:
            raise ValueError(f"a change in flight with id {row.id!r} exists already")

    async def get_inflight(self, inflight_id: str) -> InFlight | None:
        async with self._read() as conn:
            row = (await conn.execute(sa.select(*_COLUMNS).where(f.c.id == inflight_id))).first()
        return None if row is None else InFlight(**row._asdict())

    async def list_inflight(self) -> list[InFlight]:
        """Every change in flight, of every replica, oldest first."""
        query = sa.select(*_COLUMNS).order_by(f.c.started_at, f.c.id)
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [InFlight(**row._asdict()) for row in rows]

    async def clear_inflight(self, inflight_id: str, owner: str | None = None) -> bool:
        """Forget a change whose outcome is known: True for exactly one caller (with `owner`,
        only while it is that owner's)."""
        delete = sa.delete(f).where(f.c.id == inflight_id)
        if owner is not None:
            delete = delete.where(f.c.owner == owner)
        async with self._write() as conn:
            return (await conn.execute(delete.returning(f.c.id))).first() is not None

    async def lose_inflight(
        self,
        inflight_id: str,
        owner: str,
        why: str,
        *,
        after: float = 0.0,
        now: float | None = None,
    ) -> bool:
        """The call's answer was lost where the request may have reached VPS.org: keep the
        row, saying why, and let its lease run out `after` seconds from now (time for VPS.org
        to act on a request it is still holding) so that it is settled then — never sent
        again. False when it is not `owner`'s any more."""
        async with self._write() as conn:
            lost = await conn.execute(
                sa.update(f)
                .where(f.c.id == inflight_id, f.c.owner == owner)
                .values(lost=why[:1000], lease_until=self._now(now) + after)
                .returning(f.c.id)
            )
            return lost.first() is not None

    async def claim_inflight(
        self, owner: str, *, lease: float, now: float | None = None, limit: int = 20
    ) -> list[InFlight]:
        """Changes in flight whose lease ran out become `owner`'s for `lease` seconds (each
        goes to one claimer only); returns them, oldest first."""
        at = self._now(now)
        due = (
            sa.select(f.c.id)
            .where(f.c.lease_until <= at)
            .order_by(f.c.started_at, f.c.id)
            .limit(limit)
            .scalar_subquery()
        )
        async with self._write() as conn:
            rows = (
                await conn.execute(
                    sa.update(f)
                    .where(f.c.id.in_(due), f.c.lease_until <= at)
                    .values(owner=owner, lease_until=at + lease)
                    .returning(*_COLUMNS)
                )
            ).all()
        return sorted(
            (InFlight(**row._asdict()) for row in rows), key=lambda x: (x.started_at, x.id)
        )

    async def renew_inflight(
        self, inflight_id: str, owner: str, *, lease: float, now: float | None = None
    ) -> bool:
        """Extend `owner`'s lease on a change in flight; False when it is not theirs any more
        (or gone)."""
        async with self._write() as conn:
            renewed = await conn.execute(
                sa.update(f)
                .where(f.c.id == inflight_id, f.c.owner == owner)
                .values(lease_until=self._now(now) + lease)
                .returning(f.c.id)
            )
            return renewed.first() is not None
