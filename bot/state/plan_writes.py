"""Confirming a plan: its servers' writes charged and its state moved, together or not at all;
and previews nobody answered, expired."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from bot.state.core import StoreCore
from bot.state.guards import writes_counted
from bot.state.tables import plans as p
from bot.state.tables import writes as wr


@dataclass(frozen=True)
class PlanCharge:
    """What `confirm_plan` did: `moved` (and charged), or not — the plan was not in the state
    expected (`gone`), or the member may make only `allowed` more writes now."""

    moved: bool
    allowed: int | None = None

    @property
    def gone(self) -> bool:
        return not self.moved and self.allowed is None


class PlanWriteStore(StoreCore):
    """The write limit, charged for a whole plan at once."""

    async def confirm_plan(
        self,
        plan_id: str,
        to: str,
        *,
        user_id: str,
        writes: int,
        limit: int | None,
        window: float,
        expect: tuple[str, ...] = ("preview",),
        now: float | None = None,
    ) -> PlanCharge:
        """Move the plan to `to` and count `writes` writes of `user_id` — unless it is not in
        one of `expect` (another click won), or that many writes would take the member past
        `limit` in `window` seconds: then nothing changes. One transaction, under the member's
        write-count lock: replicas never over-admit, a double click charges once."""
        at = self._now(now)
        async with self._write() as conn:
            await self._backend.serialize(conn, f"writes:{user_id}")
            if limit is not None:
                made = await writes_counted(conn, user_id, window, at)
                if made + writes > limit:
                    state = (
                        await conn.execute(sa.select(p.c.state).where(p.c.id == plan_id))
                    ).first()
                    if state is None or state.state not in expect:
                        return PlanCharge(False)
                    return PlanCharge(False, max(0, limit - made))
            moved = await conn.execute(
                sa.update(p)
                .where(p.c.id == plan_id, p.c.state.in_(list(expect)))
                .values(state=to, updated_at=at)
                .returning(p.c.id)
            )
            if moved.first() is None:
                return PlanCharge(False)
            if limit is not None and writes:
                row = {"user_id": user_id, "time": at, "until": at + window}
                await conn.execute(sa.insert(wr), [row] * writes)
            return PlanCharge(True)

    async def expire_previews(self, *, ttl: float, now: float | None = None) -> int:
        """Move previews older than `ttl` seconds to `expired` (a click on one says so
        anyway); returns how many."""
        at = self._now(now)
        async with self._write() as conn:
            expired = await conn.execute(
                sa.update(p)
                .where(p.c.state == "preview", p.c.created_at <= at - ttl)
                .values(state="expired", updated_at=at)
                .returning(p.c.id)
            )
            return len(expired.all())
