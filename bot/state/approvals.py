"""Approvals (the two-person rule): decided once, by someone other than the requester."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.state.approvals_records import (
    Approval,
    ApprovalOutcome,
    ApprovalResult,
    ApprovalState,
    Opening,
    OpenOutcome,
)
from bot.state.core import StoreCore, plain
from bot.state.records import new_id
from bot.state.tables import approvals as ap
from bot.state.tables import writes as wr

_PENDING = ApprovalState.PENDING.value
_EXPIRED = ApprovalState.EXPIRED.value


class ApprovalStore(StoreCore):
    """Create, decide, expire and list approvals."""

    async def create_approval(
        self,
        *,
        requester_id: str,
        channel_id: str,
        channel_name: str,
        action: str,
        word: str,
        server_id: int | None,
        server_name: str,
        params: Mapping[str, Any] | None = None,
        response_url: str | None = None,
        ttl_seconds: float,
        request_id: str = "",
        now: float | None = None,
    ) -> Approval:
        """Store a pending approval with an unguessable id, open for `ttl_seconds`.

        `params` (the operation) must be JSON-able (TypeError otherwise).
        """
        approval = self._new_approval(
            requester_id=requester_id,
            channel_id=channel_id,
            channel_name=channel_name,
            action=action,
            word=word,
            server_id=server_id,
            server_name=server_name,
            params=params,
            response_url=response_url,
            ttl_seconds=ttl_seconds,
            request_id=request_id,
            now=now,
        )
        async with self._write() as conn:
            await conn.execute(ap.insert().values(_row(approval)))
        return approval

    def _new_approval(
        self,
        *,
        requester_id: str,
        channel_id: str,
        channel_name: str,
        action: str,
        word: str,
        server_id: int | None,
        server_name: str,
        params: Mapping[str, Any] | None = None,
        response_url: str | None = None,
        ttl_seconds: float,
        request_id: str = "",
        now: float | None = None,
    ) -> Approval:
        created_at, expires_at = self._window(ttl_seconds, now)
        return Approval(
            id=new_id(),
            requester_id=requester_id,
            channel_id=channel_id,
            channel_name=channel_name,
            action=action,
            word=word,
            server_id=server_id,
            server_name=server_name,
            params=plain(params),
            response_url=response_url,
            created_at=created_at,
            expires_at=expires_at,
            request_id=request_id,
        )

    async def open_approval(
        self,
        *,
        per_user: int | None,
        window: float,
        max_pending: int,
        commit: bool = True,
        **request: Any,
    ) -> Opening:
        """`create_approval`, bounded: unless an identical request of the same member (action,
        server, values) is pending (`waiting`, that one), or the member's pending requests
        reach `max_pending` or, with the writes they made in the last `window` seconds,
        `per_user` (`full`). Without `commit` nothing is stored: the answer it would give.

        Decided under the member's write-count lock: replicas never over-admit.
        """
        at = self._now(request.pop("now", None))
        async with self._write() as conn:
            await self._backend.serialize(conn, f"writes:{request['requester_id']}")
            query = sa.select(ap).where(
                ap.c.requester_id == request["requester_id"],
                ap.c.state == _PENDING,
                ap.c.expires_at > at,
            )
            rows = await conn.execute(query.order_by(ap.c.created_at, ap.c.id))
            pending = [_approval(row) for row in rows]
            same = [a for a in pending if _identical(a, request)]
            if same:
                return Opening(OpenOutcome.WAITING, same[0], len(pending))
            writes = 0
            if per_user is not None:
                counted = sa.select(sa.func.count()).where(
                    wr.c.user_id == request["requester_id"], wr.c.time > at - window
                )
                writes = int((await conn.execute(counted)).scalar_one())
            if len(pending) >= max_pending or (
                per_user is not None and len(pending) + writes >= per_user
            ):
                return Opening(OpenOutcome.FULL, None, len(pending), writes)
            if not commit:
                return Opening(OpenOutcome.OPENED, None, len(pending), writes)
            approval = self._new_approval(now=at, **request)
            await conn.execute(ap.insert().values(_row(approval)))
            return Opening(OpenOutcome.OPENED, approval, len(pending) + 1, writes)

    async def get_approval(self, approval_id: str) -> Approval | None:
        """The approval as stored (its state is not re-checked against the clock)."""
        async with self._read() as conn:
            return await _get(conn, approval_id)

    async def set_approval_message(self, approval_id: str, channel: str, ts: str) -> None:
        """Remember where the approval request was posted (to edit it to its outcome)."""
        async with self._write() as conn:
            await conn.execute(
                sa.update(ap).where(ap.c.id == approval_id).values(ops_channel=channel, ops_ts=ts)
            )

    async def decide_approval(
        self, approval_id: str, approver_id: str, *, approve: bool, now: float | None = None
    ) -> ApprovalResult:
        """Approve or reject: exactly one caller, across replicas, gets `approved`/`rejected`.

        The others get `already_decided`, `expired` (which marks it expired), `self_approval`
        (the requester; left untouched) or `not_found`.
        """
        to = ApprovalState.APPROVED if approve else ApprovalState.REJECTED
        return await self._close_approval(approval_id, approver_id, to, requester=False, now=now)

    async def withdraw_approval(
        self, approval_id: str, requester_id: str, *, now: float | None = None
    ) -> ApprovalResult:
        """The requester takes a pending request back: `rejected` (by them) for this one call;
        the others get what `decide_approval` gives, `self_approval` meaning "not yours"."""
        return await self._close_approval(
            approval_id, requester_id, ApprovalState.REJECTED, requester=True, now=now
        )

    async def _close_approval(
        self,
        approval_id: str,
        user_id: str,
        to: ApprovalState,
        *,
        requester: bool,
        now: float | None,
    ) -> ApprovalResult:
        """Close a pending request as `to`, by `user_id` — who must be its requester (a
        withdrawal) or must not be (a decision); `self_approval` when that does not hold."""
        at = self._now(now)
        whose = ap.c.requester_id == user_id if requester else ap.c.requester_id != user_id
        async with self._write() as conn:
            # One conditional UPDATE decides: the database hands the row to one caller only.
            row = (
                await conn.execute(
                    sa.update(ap)
                    .where(
                        ap.c.id == approval_id,
                        ap.c.state == _PENDING,
                        ap.c.expires_at > at,
                        whose,
                    )
                    .values(state=to.value, decided_by=user_id, decided_at=at)
                    .returning(*ap.c)
                )
            ).first()
            if row is not None:
                return ApprovalResult(ApprovalOutcome(to.value), _approval(row))
            found = await _get(conn, approval_id)
            if found is None:
                return ApprovalResult(ApprovalOutcome.NOT_FOUND)
            if found.state is ApprovalState.EXPIRED:
                return ApprovalResult(ApprovalOutcome.EXPIRED, found)
            if found.state is not ApprovalState.PENDING:
                return ApprovalResult(ApprovalOutcome.ALREADY_DECIDED, found)
            if (found.requester_id == user_id) != requester:
                return ApprovalResult(ApprovalOutcome.SELF_APPROVAL, found)
            expired = await _expire(conn, at, approval_id)
            if expired:
                return ApprovalResult(ApprovalOutcome.EXPIRED, expired[0], expired_here=True)
            return ApprovalResult(ApprovalOutcome.EXPIRED, await _get(conn, approval_id))

    async def list_approvals(
        self, *, pending_only: bool = True, now: float | None = None
    ) -> list[Approval]:
        """Approvals oldest first: those still open for a decision, or all that are kept."""
        query = sa.select(ap).order_by(ap.c.created_at, ap.c.id)
        if pending_only:
            query = query.where(ap.c.state == _PENDING, ap.c.expires_at > self._now(now))
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [_approval(row) for row in rows]

    async def expire_approvals(self, now: float | None = None) -> list[Approval]:
        """Mark overdue pending approvals expired and return exactly those, oldest first.

        Each is returned to one caller only, across replicas: that caller reports the expiry.
        """
        async with self._write() as conn:
            return await _expire(conn, self._now(now))


async def _expire(
    conn: AsyncConnection, now: float, approval_id: str | None = None
) -> list[Approval]:
    overdue = sa.update(ap).where(ap.c.state == _PENDING, ap.c.expires_at <= now)
    if approval_id is not None:
        overdue = overdue.where(ap.c.id == approval_id)
    rows = (
        await conn.execute(overdue.values(state=_EXPIRED, decided_at=now).returning(*ap.c))
    ).all()
    return sorted((_approval(row) for row in rows), key=lambda x: (x.created_at, x.id))


def _identical(approval: Approval, request: Mapping[str, Any]) -> bool:
    """The same change asked again: same member, action, server and values."""
    return (
        approval.action == request["action"]
        and approval.word == request["word"]
        and approval.server_id == request["server_id"]
        and approval.server_name == request["server_name"]
        and dict(approval.params) == plain(request.get("params"))
    )


async def _get(conn: AsyncConnection, approval_id: str) -> Approval | None:
    row = (await conn.execute(sa.select(ap).where(ap.c.id == approval_id))).first()
    return None if row is None else _approval(row)


def _row(approval: Approval) -> dict[str, Any]:
    return {
        "id": approval.id,
        "requester_id": approval.requester_id,
        "channel_id": approval.channel_id,
        "channel_name": approval.channel_name,
        "action": approval.action,
        "word": approval.word,
        "server_id": approval.server_id,
        "server_name": approval.server_name,
        "params": approval.params,
        "response_url": approval.response_url,
        "created_at": approval.created_at,
        "expires_at": approval.expires_at,
        "state": approval.state.value,
        "request_id": approval.request_id,
    }


def _approval(row: sa.Row[Any]) -> Approval:
    return Approval(
        id=row.id,
        requester_id=row.requester_id,
        channel_id=row.channel_id,
        channel_name=row.channel_name,
        action=row.action,
        word=row.word,
        server_id=row.server_id,
        server_name=row.server_name,
        params=row.params,
        response_url=row.response_url,
        created_at=row.created_at,
        expires_at=row.expires_at,
        state=ApprovalState(row.state),
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        ops_channel=row.ops_channel,
        ops_ts=row.ops_ts,
        request_id=row.request_id,
    )
