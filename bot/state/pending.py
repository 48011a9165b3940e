"""Requests waiting for a person — confirmations and approvals — in one table, `pending`.

A kind (`CONFIRMATIONS`, `APPROVALS`) maps its record to the table's rows; `_close` is the one
place a pending request is claimed, cancelled or decided, on either backend. Confirmations, the
plain kind (single-use, for one user, until they expire), are kept here; `approvals.py` adds
what approvals need beyond it.
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
    ClaimOutcome,
    ClaimResult,
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
    """What confirmations and approvals share; and create, claim and cancel confirmations."""

    async def create_confirmation(self, **request: Any) -> Confirmation:
        """Store a pending confirmation with an unguessable id, valid for `ttl_seconds`.

        `request` holds the `Confirmation`'s fields (user_id, channel_id, channel_name, action,
        server_id, server_name, response_url), `params` (JSON-able), `ttl_seconds` (positive)
        and optionally `now`, as `_new` takes them.
        """
        confirmation = self._new(CONFIRMATIONS, **request)
        async with self._write() as conn:
            await conn.execute(p.insert().values(CONFIRMATIONS.row(confirmation)))
        return confirmation

    async def get_confirmation(self, confirmation_id: str) -> Confirmation | None:
        """The confirmation as stored (its state is not re-checked against the clock)."""
        async with self._read() as conn:
            return await get(conn, CONFIRMATIONS, confirmation_id)

    async def claim_confirmation(
        self, confirmation_id: str, user_id: str, now: float | None = None
    ) -> ClaimResult:
        """Use the confirmation: exactly one caller, across tasks and replicas, gets `claimed`.

        The others get `already_used`, `expired` (which also marks it expired), `wrong_user`
        (left untouched) or `not_found`.
        """
        return await self._use(confirmation_id, user_id, now, ConfirmationState.CLAIMED)

    async def cancel_confirmation(
        self, confirmation_id: str, user_id: str, now: float | None = None
    ) -> ClaimResult:
        """Like `claim_confirmation`, but the winner gets `cancelled`."""
        return await self._use(confirmation_id, user_id, now, ConfirmationState.CANCELLED)

    async def _use(
        self, confirmation_id: str, user_id: str, now: float | None, to: ConfirmationState
    ) -> ClaimResult:
        at = self._now(now)
        mine = p.c.user_id == user_id
        found, won = await self._close(CONFIRMATIONS, confirmation_id, to, user_id, at, mine)
        if won is not None:
            return ClaimResult(ClaimOutcome(won), found)
        if found is None:
            return ClaimResult(ClaimOutcome.NOT_FOUND)
        return ClaimResult(found.problem(user_id, at) or ClaimOutcome.EXPIRED, found)

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
        if not ttl_seconds > 0:
            raise ValueError(f"ttl_seconds must be positive, not {ttl_seconds!r}")
        at = self._now(now)
        return kind.record(
            id=new_id(), params=plain(params), created_at=at, expires_at=at + ttl_seconds, **values
        )

    async def _close(
        self,
        kind: Kind[R],
        record_id: str,
        to: StrEnum,
        by: str,
        at: float,
        only: sa.ColumnElement[bool],
    ) -> tuple[R | None, str | None]:
        """Claim, cancel or decide a request (as `to`, by `by`) if it is pending, matches `only`
        and is not overdue at `at`: (the record, `to`). Overdue, it is marked expired instead:
        (the record, "expired"). Otherwise this call changed nothing: (the record or None, None).

        The conditional UPDATEs are what make a request single-use: the database hands the row
        back to exactly one caller, in any process on any host.
        """
        mine = (p.c.id == record_id, p.c.state == PENDING, only)
        async with self._write() as conn:
            closed = await _update(
                conn, kind, *mine, p.c.expires_at > at, state=to.value, closed_by=by, closed_at=at
            )
            if closed:
                return closed[0], to.value
            expired = await expire(conn, kind, at, *mine)
            if expired:
                return expired[0], EXPIRED
            return await get(conn, kind, record_id), None


def is_open(at: float) -> sa.ColumnElement[bool]:
    """Still pending at `at`: not closed, not overdue."""
    return sa.and_(p.c.state == PENDING, p.c.expires_at > at)


async def _update(
    conn: AsyncConnection, kind: Kind[R], *where: sa.ColumnElement[bool], **values: Any
) -> list[R]:
    """Set `values` on the requests of `kind` that match `where`: exactly those, oldest first."""
    query = sa.update(p).where(p.c.kind == kind.name, *where).values(values).returning(*p.c)
    rows = (await conn.execute(query)).all()
    return sorted((kind.read(row) for row in rows), key=lambda x: (x.created_at, x.id))


async def expire(
    conn: AsyncConnection, kind: Kind[R], at: float, *where: sa.ColumnElement[bool]
) -> list[R]:
    """Mark the overdue pending requests of `kind` that match `where` expired: exactly those
    (each returned to one caller only, across replicas), oldest first."""
    overdue = (p.c.state == PENDING, p.c.expires_at <= at, *where)
    return await _update(conn, kind, *overdue, state=EXPIRED, closed_at=at)


async def get(conn: AsyncConnection, kind: Kind[R], record_id: str) -> R | None:
    query = sa.select(p).where(p.c.id == record_id, p.c.kind == kind.name)
    row = (await conn.execute(query)).first()
    return None if row is None else kind.read(row)


async def select(conn: AsyncConnection, kind: Kind[R], *where: sa.ColumnElement[bool]) -> list[R]:
    """The requests of `kind` that match `where`, oldest first."""
    query = sa.select(p).where(p.c.kind == kind.name, *where)
    rows = await conn.execute(query.order_by(p.c.created_at, p.c.id))
    return [kind.read(row) for row in rows]


async def purge(conn: AsyncConnection, at: float, *, keep_seconds: float, day: float) -> int:
    """`StateStore.purge_expired`'s part in this table: the confirmations deleted."""
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
