"""Approvals (the two-person rule): decided once, by someone other than the requester."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from bot.state import pending
from bot.state.core import plain
from bot.state.guards import writes_counted
from bot.state.pending import APPROVALS, EXPIRED, PendingStore
from bot.state.records import (
    Approval,
    ApprovalOutcome,
    ApprovalResult,
    ApprovalState,
    Opening,
    OpenOutcome,
)
from bot.state.tables import pending as p


class ApprovalStore(PendingStore):
    """Open, decide, expire and list approvals."""

    async def open_approval(
        self,
        *,
        per_user: int | None,
        window: float,
        max_pending: int,
        commit: bool = True,
        **request: Any,
    ) -> Opening:
        """Store a pending approval, unless an identical request of the same member (action,
        server, values) is pending (`waiting`, that one), or the member's pending requests
        reach `max_pending` or, with the writes they made in the last `window` seconds,
        `per_user` (`full`). Without `commit` nothing is stored: the answer it would give.

        `request` holds the `Approval`'s fields (requester_id, channel_id, channel_name,
        action, word, server_id, server_name, response_url, request_id), `params` (the
        operation, JSON-able), `ttl_seconds` and optionally `now`, as `_new` takes them.
        Decided under the member's write-count lock: replicas never over-admit.
        """
        at = self._now(request.pop("now", None))
        async with self._write() as conn:
            await self._backend.serialize(conn, f"writes:{request['requester_id']}")
            mine = p.c.user_id == request["requester_id"]
            waiting = await pending.select(conn, APPROVALS, mine, pending.is_open(at))
            same = next((a for a in waiting if _identical(a, request)), None)
            if same is not None:
                return Opening(OpenOutcome.WAITING, same, len(waiting))
            writes = 0
            if per_user is not None:
                writes = await writes_counted(conn, request["requester_id"], window, at)
            if len(waiting) >= max_pending or (
                per_user is not None and len(waiting) + writes >= per_user
            ):
                return Opening(OpenOutcome.FULL, None, len(waiting), writes)
            if not commit:
                return Opening(OpenOutcome.OPENED, None, len(waiting), writes)
            approval = self._new(APPROVALS, now=at, **request)
            await conn.execute(p.insert().values(APPROVALS.row(approval)))
            return Opening(OpenOutcome.OPENED, approval, len(waiting) + 1, writes)

    async def get_approval(self, approval_id: str) -> Approval | None:
        """The approval as stored (its state is not re-checked against the clock)."""
        async with self._read() as conn:
            return await pending.get(conn, APPROVALS, approval_id)

    async def set_approval_message(self, approval_id: str, channel: str, ts: str) -> None:
        """Remember where the approval request was posted (to edit it to its outcome)."""
        async with self._write() as conn:
            await conn.execute(
                sa.update(p)
                .where(p.c.id == approval_id, p.c.kind == APPROVALS.name)
                .values(ops_channel=channel, ops_ts=ts)
            )

    async def decide_approval(
        self, approval_id: str, approver_id: str, *, approve: bool, now: float | None = None
    ) -> ApprovalResult:
        """Approve or reject: exactly one caller, across replicas, gets `approved`/`rejected`.

        The others get `already_decided`, `expired` (which marks it expired), `self_approval`
        (the requester; left untouched) or `not_found`.
        """
        to = ApprovalState.APPROVED if approve else ApprovalState.REJECTED
        return await self._decide(approval_id, approver_id, to, requester=False, now=now)

    async def withdraw_approval(
        self, approval_id: str, requester_id: str, *, now: float | None = None
    ) -> ApprovalResult:
        """The requester takes a pending request back: `rejected` (by them) for this one call;
        the others get what `decide_approval` gives, `self_approval` meaning "not yours"."""
        return await self._decide(
            approval_id, requester_id, ApprovalState.REJECTED, requester=True, now=now
        )

    async def _decide(
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
        whose = p.c.user_id == user_id if requester else p.c.user_id != user_id
        found, won = await self._close(APPROVALS, approval_id, to, user_id, self._now(now), whose)
        if won is not None:
            return ApprovalResult(ApprovalOutcome(won), found, expired_here=won == EXPIRED)
        if found is None:
            return ApprovalResult(ApprovalOutcome.NOT_FOUND)
        if found.state is ApprovalState.EXPIRED:
            return ApprovalResult(ApprovalOutcome.EXPIRED, found)
        if found.state is not ApprovalState.PENDING:
            return ApprovalResult(ApprovalOutcome.ALREADY_DECIDED, found)
        return ApprovalResult(ApprovalOutcome.SELF_APPROVAL, found)

    async def list_approvals(
        self, *, pending_only: bool = True, now: float | None = None
    ) -> list[Approval]:
        """Approvals oldest first: those still open for a decision, or all that are kept."""
        where = [pending.is_open(self._now(now))] if pending_only else []
        async with self._read() as conn:
            return await pending.select(conn, APPROVALS, *where)

    async def expire_approvals(self, now: float | None = None) -> list[Approval]:
        """Mark overdue pending approvals expired and return exactly those, oldest first.

        Each is returned to one caller only, across replicas: that caller reports the expiry.
        """
        async with self._write() as conn:
            return await pending.expire(conn, APPROVALS, self._now(now))


def _identical(approval: Approval, request: Mapping[str, Any]) -> bool:
    """The same change asked again: same member, action, server and values."""
    return (
        approval.action == request["action"]
        and approval.word == request["word"]
        and approval.server_id == request["server_id"]
        and approval.server_name == request["server_name"]
        and dict(approval.params) == plain(request.get("params"))
    )
