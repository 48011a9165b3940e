"""Plans: a frozen list of servers acted on in batches, and each server's step.

A plan is stored when it is previewed (state `preview`: the list is frozen then) and moves on by
compare-and-set (`move_plan`), so a click, an approval, Pause, Resume or Abort acts once from any
replica. One replica drives a running or paused plan at a time, under a lease it renews.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa

from bot.state.core import StoreCore
from bot.state.tables import plan_servers as ps
from bot.state.tables import plans as p

DRIVEN = ("running", "paused")
"""The states in which a plan needs a replica to drive it (paused: to resume, or to abort)."""
IN_FLIGHT = ("calling", "running")
"""A server's steps between its call and its end (done, failed, skipped)."""
ENDED = ("finished", "aborted", "cancelled", "expired", "refused")


@dataclass(frozen=True)
class Plan:
    """One plan as stored. `request` is the Request's JSON; `options` batch, max-fail, pause,
    wait as the parser gave them."""

    id: str
    user_id: str
    channel_id: str
    operation: str
    request: Mapping[str, Any]
    options: Mapping[str, Any]
    state: str
    created_at: float
    updated_at: float
    channel_name: str = ""
    reason: str = ""
    owner: str | None = None
    lease_until: float | None = None
    progress_channel: str | None = None
    progress_ts: str | None = None
    ops_channel: str | None = None
    ops_ts: str | None = None
    response_url: str | None = None
    request_id: str = ""


@dataclass(frozen=True)
class PlanServer:
    """One server of a plan: its place, its batch and its step (waiting, calling, running,
    done, failed, skipped)."""

    plan_id: str
    position: int
    batch: int
    server_id: int
    server_name: str
    state: str = "waiting"
    detail: str = ""
    called_at: float | None = None
    settled_at: float | None = None


_PLAN = [p.c[f.name] for f in fields(Plan)]
_SERVER = [ps.c[f.name] for f in fields(PlanServer)]
_WHERE = ("progress_channel", "progress_ts", "ops_channel", "ops_ts", "response_url")
"""What `place_plan` may set: where the plan's messages are."""


class PlanStore(StoreCore):
    """Store plans, move them from state to state once, and lease the driving of them."""

    async def add_plan(self, plan: Plan, servers: Sequence[PlanServer]) -> None:
        """Store a plan and its servers in one transaction. ValueError if the id exists."""
        row = {column.name: getattr(plan, column.name) for column in _PLAN}
        insert = self._backend.insert(p).values(row).on_conflict_do_nothing(index_elements=["id"])
        async with self._write() as conn:
            if (await conn.execute(insert.returning(p.c.id))).first() is None:
                raise ValueError(f"a plan with id {plan.id!r} exists already")
            if servers:
                rows = [{c.name: getattr(s, c.name) for c in _SERVER} for s in servers]
                await conn.execute(sa.insert(ps), rows)

    async def get_plan(self, plan_id: str) -> Plan | None:
        async with self._read() as conn:
            row = (await conn.execute(sa.select(*_PLAN).where(p.c.id == plan_id))).first()
        return None if row is None else Plan(**row._asdict())

    async def plan_servers(self, plan_id: str) -> list[PlanServer]:
        """The plan's servers in the order they are acted on."""
        query = sa.select(*_SERVER).where(ps.c.plan_id == plan_id).order_by(ps.c.position)
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [PlanServer(**row._asdict()) for row in rows]

    async def list_plans(
        self,
        *,
        user_id: str | None = None,
        states: Collection[str] | None = None,
        limit: int = 20,
    ) -> list[Plan]:
        """Plans newest first, of one member or everyone's, in some states or any."""
        query = sa.select(*_PLAN).order_by(p.c.created_at.desc(), p.c.id).limit(limit)
        if user_id is not None:
            query = query.where(p.c.user_id == user_id)
        if states is not None:
            query = query.where(p.c.state.in_(list(states)))
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [Plan(**row._asdict()) for row in rows]

    async def move_plan(
        self,
        plan_id: str,
        to: str,
        *,
        expect: Collection[str],
        reason: str = "",
        now: float | None = None,
    ) -> bool:
        """Set the plan's state to `to` if it is in one of `expect` now: True for exactly one
        caller (the click, approval or driver that moved it)."""
        async with self._write() as conn:
            moved = await conn.execute(
                sa.update(p)
                .where(p.c.id == plan_id, p.c.state.in_(list(expect)))
                .values(state=to, reason=reason, updated_at=self._now(now))
                .returning(p.c.id)
            )
            return moved.first() is not None

    async def place_plan(self, plan_id: str, **where: str | None) -> None:
        """Remember where the plan's messages are (progress_channel/_ts, ops_channel/_ts,
        response_url)."""
        unknown = set(where) - set(_WHERE)
        if unknown:
            raise ValueError(f"not a place of a plan: {sorted(unknown)}")
        async with self._write() as conn:
            await conn.execute(sa.update(p).where(p.c.id == plan_id).values(where))

    async def move_server(
        self,
        plan_id: str,
        position: int,
        to: str,
        *,
        expect: Collection[str],
        detail: str = "",
        now: float | None = None,
    ) -> bool:
        """Set one server's step to `to` if it is in one of `expect` now (True once). Moving to
        `calling` stamps `called_at`; to done, failed or skipped stamps `settled_at`."""
        moved = await self.move_servers(
            plan_id, [position], to, expect=expect, detail=detail, now=now
        )
        return bool(moved)

    async def move_servers(
        self,
        plan_id: str,
        positions: Collection[int],
        to: str,
        *,
        expect: Collection[str],
        detail: str = "",
        now: float | None = None,
        while_plan: Collection[str] | None = None,
    ) -> list[int]:
        """`move_server` for several servers in one statement: the positions moved (each by
        exactly one caller), stamped as `move_server` stamps them. With `while_plan`, only
        while the plan is in one of those states (a Pause or an Abort that came first wins)."""
        if not positions:
            return []
        at = self._now(now)
        values: dict[str, Any] = {"state": to, "detail": detail}
        if to == "calling":
            values["called_at"] = at
        elif to in ("done", "failed", "skipped"):
            values["settled_at"] = at
        async with self._write() as conn:
            moved = await conn.execute(
                sa.update(ps)
                .where(ps.c.plan_id == plan_id, ps.c.position.in_(list(positions)))
                .where(ps.c.state.in_(list(expect)))
                .where(
                    sa.true()
                    if while_plan is None
                    else sa.exists().where(p.c.id == plan_id, p.c.state.in_(list(while_plan)))
                )
                .values(values)
                .returning(ps.c.position)
            )
            return sorted(row.position for row in moved.all())

    async def servers_in_flight(self) -> set[int]:
        """Ids of servers a driven plan has called or is calling and not yet settled (the fleet
        monitor leaves their changes to the plan's report)."""
        query = sa.select(ps.c.server_id).where(ps.c.state.in_(IN_FLIGHT))
        async with self._read() as conn:
            return {int(row.server_id) for row in (await conn.execute(query)).all()}

    async def claim_plans(
        self, owner: str, *, lease: float, now: float | None = None
    ) -> list[Plan]:
        """Running or paused plans (and aborted ones with servers still in flight, to follow
        to their end) that are unowned, `owner`'s already, or whose lease ran out become
        `owner`'s for `lease` seconds; returns them, oldest first. Each goes to one claimer
        only."""
        at = self._now(now)
        free = sa.or_(p.c.owner.is_(None), p.c.owner == owner, p.c.lease_until <= at)
        unsettled = sa.exists().where(ps.c.plan_id == p.c.id, ps.c.state.in_(IN_FLIGHT))
        driven = sa.or_(p.c.state.in_(DRIVEN), sa.and_(p.c.state == "aborted", unsettled))
        async with self._write() as conn:
            rows = (
                await conn.execute(
                    sa.update(p)
                    .where(driven, free)
                    .values(owner=owner, lease_until=at + lease)
                    .returning(*_PLAN)
                )
            ).all()
        return sorted((Plan(**row._asdict()) for row in rows), key=lambda x: (x.created_at, x.id))

    async def renew_plan(
        self, plan_id: str, owner: str, *, lease: float, now: float | None = None
    ) -> bool:
        """Extend `owner`'s lease on a plan; False when it is no longer theirs to drive."""
        async with self._write() as conn:
            renewed = await conn.execute(
                sa.update(p)
                .where(p.c.id == plan_id, p.c.owner == owner, p.c.state.in_(DRIVEN))
                .values(lease_until=self._now(now) + lease)
                .returning(p.c.id)
            )
            return renewed.first() is not None

    async def release_plans(self, owner: str) -> int:
        """Give up driving every plan of `owner` (shutting down). Returns how many."""
        async with self._write() as conn:
            released = await conn.execute(
                sa.update(p)
                .where(p.c.owner == owner, p.c.state.in_(DRIVEN))
                .values(owner=None, lease_until=None)
                .returning(p.c.id)
            )
            return len(released.all())
