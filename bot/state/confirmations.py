"""Pending confirmations: single-use, for one user, until they expire — across replicas."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.state import pending
from bot.state.pending import CONFIRMATIONS, PendingStore
from bot.state.records import ClaimOutcome, ClaimResult, Confirmation, ConfirmationState
from bot.state.tables import pending as p


class ConfirmationStore(PendingStore):
    """Create, read, claim and cancel confirmations."""

    async def create_confirmation(
        self,
        *,
        user_id: str,
        channel_id: str,
        channel_name: str,
        action: str,
        server_id: int | None,
        server_name: str,
        params: Mapping[str, Any] | None = None,
        response_url: str | None = None,
        ttl_seconds: float,
        now: float | None = None,
    ) -> Confirmation:
        """Store a pending confirmation with an unguessable id, valid for `ttl_seconds`.

        `params` must be JSON-able (TypeError otherwise); `ttl_seconds` must be positive.
        """
        confirmation = self._new(
            CONFIRMATIONS,
            ttl_seconds=ttl_seconds,
            now=now,
            params=params,
            user_id=user_id,
            channel_id=channel_id,
            channel_name=channel_name,
            action=action,
            server_id=server_id,
            server_name=server_name,
            response_url=response_url,
        )
        return await self._add(CONFIRMATIONS, confirmation)

    async def get_confirmation(self, confirmation_id: str) -> Confirmation | None:
        """The confirmation as stored (its state is not re-checked against the clock)."""
        return await self._find(CONFIRMATIONS, confirmation_id)

    async def claim_confirmation(
        self, confirmation_id: str, user_id: str, now: float | None = None
    ) -> ClaimResult:
        """Use the confirmation: exactly one caller, across tasks and replicas, gets `claimed`.

        The others get `already_used`, `expired` (which also marks it expired), `wrong_user`
        (left untouched) or `not_found`.
        """
        return await self._close(confirmation_id, user_id, now, ConfirmationState.CLAIMED)

    async def cancel_confirmation(
        self, confirmation_id: str, user_id: str, now: float | None = None
    ) -> ClaimResult:
        """Like `claim_confirmation`, but the winner gets `cancelled`."""
        return await self._close(confirmation_id, user_id, now, ConfirmationState.CANCELLED)

    async def _close(
        self, confirmation_id: str, user_id: str, now: float | None, to: ConfirmationState
    ) -> ClaimResult:
        at = self._now(now)
        async with self._write() as conn:
            closed = await pending.close(
                conn,
                CONFIRMATIONS,
                confirmation_id,
                to=to,
                by=user_id,
                at=at,
                only=p.c.user_id == user_id,
            )
            if closed is not None:
                return ClaimResult(ClaimOutcome(to.value), closed)
            found = await pending.get(conn, CONFIRMATIONS, confirmation_id)
            if found is None:
                return ClaimResult(ClaimOutcome.NOT_FOUND)
            problem = found.problem(user_id, at) or ClaimOutcome.EXPIRED
            if problem is ClaimOutcome.EXPIRED and found.state is ConfirmationState.PENDING:
                expired = await pending.expire(conn, CONFIRMATIONS, at, confirmation_id)
                found = expired[0] if expired else found
            return ClaimResult(problem, found)
