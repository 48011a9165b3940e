"""Requests waiting for a person — confirmations and approvals — in one table, `pending`.

A kind (`CONFIRMATIONS`, `APPROVALS`) maps its record to the table's rows; the single-use
`close` is the one place a pending request is claimed, cancelled or decided, on either backend.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.state.core import StoreCore, plain
from bot.state.records import (
    Approval,
    ApprovalState,
    Confirmation,
    ConfirmationState,
    PendingCounts,
    PendingRequest,
    new_id,
)
from bot.state.tables import pending as p

R = TypeVar("R", bound=PendingRequest)

PENDING = "pending"  # the one state both kinds share, and the only one that can still close
EXPIRED = "expired"


@dataclass(frozen=True)
class Kind(Generic[R]):
    """One kind of pending request: its record, its states, and the record's fields that are
    named differently in the table."""

    name: str
    record: type[R]
    states: type[StrEnum]
    renamed: Mapping[str, str]

    def row(self, record: R) -> dict[str, Any]:
        row = {self._column(f.name): getattr(record, f.name) for f in fields(record)}
        return row | {"kind": self.name, "state": str(row["state"].value)}

    def read(self, row: sa.Row[Any]) -> R:
        values = {f.name: row._mapping[self._column(f.name)] for f in fields(self.record)}
        return self.record(**values | {"state": self.states(row.state)})

    def _column(self, field: str) -> str:
        return self.renamed.get(field, field)


CONFIRMATIONS = Kind("confirmation", Confirmation, ConfirmationState, {})
APPROVALS = Kind(
    "approval",
    Approval,
    ApprovalState,
    {"requester_id": "user_id", "decided_by": "closed_by", "decided_at": "closed_at"},
)


class PendingStore(StoreCore):
    """What confirmations and approvals share: storing, reading and counting them."""

    def _new(
        self,
        kind: Kind[R],
        *,
        ttl_seconds: float,
        now: float | None = None,
        params: Mapping[str, Any] | None = None,
        **values: Any,
    ) -> R:
        """A new pending request of `kind` with an unguessable id, open for `ttl_seconds`
        (ValueError unless positive); `params` must be JSON-able (TypeError otherwise), `values`
        are the record's other fields (TypeError for one it lacks)."""
        created_at, expires_at = self._window(ttl_seconds, now)
        return kind.record(
            id=new_id(),
            params=plain(params),
            created_at=created_at,
            expires_at=expires_at,
            **values,
        )

    async def _add(self, kind: Kind[R], record: R) -> R:
        async with self._write() as conn:
            await insert(conn, kind, record)
        return record

    async def _find(self, kind: Kind[R], record_id: str) -> R | None:
        async with self._read() as conn:
            return await get(conn, kind, record_id)

    async def count_pending(self, now: float | None = None) -> PendingCounts:
        """How many confirmations and approvals wait for a person now (for metrics)."""
        query = (
            sa.select(p.c.kind, sa.func.count()).where(is_open(self._now(now))).group_by(p.c.kind)
        )
        async with self._read() as conn:
            counts = {kind: int(n) for kind, n in (await conn.execute(query)).all()}
        return PendingCounts(
            confirmations=counts.get(CONFIRMATIONS.name, 0),
            approvals=counts.get(APPROVALS.name, 0),
        )


def is_open(at: float) -> sa.ColumnElement[bool]:
    """Still pending at `at`: not closed, not overdue."""
    return sa.and_(p.c.state == PENDING, p.c.expires_at > at)


async def close(
    conn: AsyncConnection,
    kind: Kind[R],
    record_id: str,
    *,
    to: StrEnum,
    by: str,
    at: float,
    only: sa.ColumnElement[bool],
) -> R | None:
    """Claim, cancel or decide a pending request (as `to`, by `by`), if it is still pending,
    not overdue at `at` and matches `only`: the closed record, or None if this call lost.

    The one conditional UPDATE is what makes a request single-use: the database hands the row
    back to exactly one caller, in any process on any host.
    """
    row = (
        await conn.execute(
            sa.update(p)
            .where(
                p.c.id == record_id,
                p.c.kind == kind.name,
                is_open(at),
                only,
            )
            .values(state=to.value, closed_by=by, closed_at=at)
            .returning(*p.c)
        )
    ).first()
    return None if row is None else kind.read(row)


async def expire(
    conn: AsyncConnection, kind: Kind[R], at: float, record_id: str | None = None
) -> list[R]:
    """Mark overdue pending requests of `kind` (all, or one) expired; exactly those, oldest
    first — each returned to one caller only, across replicas."""
    overdue = sa.update(p).where(p.c.kind == kind.name, p.c.state == PENDING, p.c.expires_at <= at)
    if record_id is not None:
        overdue = overdue.where(p.c.id == record_id)
    rows = (await conn.execute(overdue.values(state=EXPIRED, closed_at=at).returning(*p.c))).all()
    return sorted((kind.read(row) for row in rows), key=lambda x: (x.created_at, x.id))


async def get(conn: AsyncConnection, kind: Kind[R], record_id: str) -> R | None:
    """The request as stored (its state is not re-checked against the clock)."""
    query = sa.select(p).where(p.c.id == record_id, p.c.kind == kind.name)
    row = (await conn.execute(query)).first()
    return None if row is None else kind.read(row)


async def select(conn: AsyncConnection, kind: Kind[R], *where: sa.ColumnElement[bool]) -> list[R]:
    """The requests of `kind` that match `where`, oldest first."""
    query = sa.select(p).where(p.c.kind == kind.name, *where)
    rows = await conn.execute(query.order_by(p.c.created_at, p.c.id))
    return [kind.read(row) for row in rows]


async def insert(conn: AsyncConnection, kind: Kind[R], record: R) -> None:
    await conn.execute(p.insert().values(kind.row(record)))


async def purge(conn: AsyncConnection, at: float, *, keep_seconds: float, day: float) -> int:
    """Mark overdue confirmations expired and delete those past their deadline by more than
    `keep_seconds`, and approvals that ended more than `day` ago; the confirmations deleted.

    Overdue approvals are left to `expire_approvals`, whose caller reports them.
    """
    await expire(conn, CONFIRMATIONS, at)
    confirmations = sa.delete(p).where(
        p.c.kind == CONFIRMATIONS.name, p.c.expires_at <= at - keep_seconds
    )
    deleted = await conn.execute(confirmations)
    ended = sa.func.coalesce(p.c.closed_at, p.c.expires_at)
    await conn.execute(
        sa.delete(p).where(p.c.kind == APPROVALS.name, p.c.state != PENDING, ended <= at - day)
    )
    return int(deleted.rowcount)
