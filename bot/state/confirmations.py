"""Pending confirmations: single-use, for one user, until they expire — across replicas."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.state.core import StoreCore, plain
from bot.state.records import ClaimOutcome, ClaimResult, Confirmation, ConfirmationState, new_id
from bot.state.tables import confirmations as c

_PENDING = ConfirmationState.PENDING.value


class ConfirmationStore(StoreCore):
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
        created_at, expires_at = self._window(ttl_seconds, now)
        confirmation = Confirmation(
            id=new_id(),
            user_id=user_id,
            channel_id=channel_id,
            channel_name=channel_name,
            action=action,
            server_id=server_id,
            server_name=server_name,
            params=plain(params),
            response_url=response_url,
            created_at=created_at,
            expires_at=expires_at,
        )
        async with self._write() as conn:
            await conn.execute(c.insert().values(_row(confirmation)))
        return confirmation

    async def get_confirmation(self, confirmation_id: str) -> Confirmation | None:
        """The confirmation as stored (its state is not re-checked against the clock)."""
        async with self._read() as conn:
            return await _get(conn, confirmation_id)

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
        won = ClaimOutcome.CLAIMED if to is ConfirmationState.CLAIMED else ClaimOutcome.CANCELLED
        async with self._write() as conn:
            # The one conditional UPDATE is what makes it single-use: the database hands the
            # row back to exactly one caller, in any process on any host.
            row = (
                await conn.execute(
                    sa.update(c)
                    .where(
                        c.c.id == confirmation_id,
                        c.c.state == _PENDING,
                        c.c.user_id == user_id,
                        c.c.expires_at > at,
                    )
                    .values(state=to.value, closed_at=at)
                    .returning(*c.c)
                )
            ).first()
            if row is not None:
                return ClaimResult(won, _confirmation(row))
            found = await _get(conn, confirmation_id)
            if found is None:
                return ClaimResult(ClaimOutcome.NOT_FOUND)
            problem = found.problem(user_id, at) or ClaimOutcome.EXPIRED
            if problem is ClaimOutcome.EXPIRED and found.state is ConfirmationState.PENDING:
                await mark_expired(conn, at, confirmation_id)
                found = await _get(conn, confirmation_id)
            return ClaimResult(problem, found)


async def mark_expired(
    conn: AsyncConnection, now: float, confirmation_id: str | None = None
) -> None:
    """Mark overdue pending confirmations (all, or one) expired."""
    overdue = sa.update(c).where(c.c.state == _PENDING, c.c.expires_at <= now)
    if confirmation_id is not None:
        overdue = overdue.where(c.c.id == confirmation_id)
    await conn.execute(overdue.values(state=ConfirmationState.EXPIRED.value, closed_at=now))


async def _get(conn: AsyncConnection, confirmation_id: str) -> Confirmation | None:
    row = (await conn.execute(sa.select(c).where(c.c.id == confirmation_id))).first()
    return None if row is None else _confirmation(row)


def _row(confirmation: Confirmation) -> dict[str, Any]:
    return {
        "id": confirmation.id,
        "user_id": confirmation.user_id,
        "channel_id": confirmation.channel_id,
        "channel_name": confirmation.channel_name,
        "action": confirmation.action,
        "server_id": confirmation.server_id,
        "server_name": confirmation.server_name,
        "params": confirmation.params,
        "response_url": confirmation.response_url,
        "created_at": confirmation.created_at,
        "expires_at": confirmation.expires_at,
        "state": confirmation.state.value,
    }


def _confirmation(row: sa.Row[Any]) -> Confirmation:
    return Confirmation(
        id=row.id,
        user_id=row.user_id,
        channel_id=row.channel_id,
        channel_name=row.channel_name,
        action=row.action,
        server_id=row.server_id,
        server_name=row.server_name,
        params=row.params,
        response_url=row.response_url,
        created_at=row.created_at,
        expires_at=row.expires_at,
        state=ConfirmationState(row.state),
    )
