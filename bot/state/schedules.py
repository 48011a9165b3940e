"""Schedules: a write command run later, once or again and again.

A schedule is stored when its requester has confirmed it (state `approval` while an approver
is awaited, else `active`). Each run is claimed by compare-and-set on `next_run`: the replica
whose UPDATE still finds the run it saw moves `next_run` on and is the only one to run it, so
a run happens once across replicas and restarts. Cancel and "Skip this run" are conditional
UPDATEs too.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa

from bot.state.core import StoreCore
from bot.state.tables import schedules as s

LIVE = ("approval", "active")
STARTED = "started"
"""A run claimed and not yet recorded: its replica is running it (or stopped while it did)."""
"""The states of a schedule that may still run."""


@dataclass(frozen=True)
class Schedule:
    """One schedule as stored. `request` is the Request's JSON, `timing` when it runs (as
    `bot.schedules.when` writes it), `options` a plan's batch, max-fail, pause, wait."""

    id: str
    user_id: str
    channel_id: str
    operation: str
    command: str
    request: Mapping[str, Any]
    timing: Mapping[str, Any]
    state: str
    next_run: float | None
    created_at: float
    updated_at: float
    channel_name: str = ""
    options: Mapping[str, Any] | None = None
    skip_run: float | None = None
    noticed_run: float | None = None
    last_run: float | None = None
    last_result: str = ""
    approval_id: str | None = None
    response_url: str | None = None
    request_id: str = ""


_COLUMNS = [s.c[f.name] for f in fields(Schedule)]


def _row(row: sa.Row[Any]) -> Schedule:
    return Schedule(**row._asdict())


class ScheduleStore(StoreCore):
    """Store schedules, claim each run once, skip a run, cancel, and keep the last result."""

    async def add_schedule(self, schedule: Schedule) -> None:
        """Store a schedule. ValueError if the id exists."""
        row = {c.name: getattr(schedule, c.name) for c in _COLUMNS}
        row["options"] = dict(schedule.options or {})
        insert = self._backend.insert(s).values(row).on_conflict_do_nothing(index_elements=["id"])
        async with self._write() as conn:
            if (await conn.execute(insert.returning(s.c.id))).first() is None:
                raise ValueError(f"a schedule with id {schedule.id!r} exists already")

    async def get_schedule(self, schedule_id: str) -> Schedule | None:
        async with self._read() as conn:
            row = (await conn.execute(sa.select(*_COLUMNS).where(s.c.id == schedule_id))).first()
        return None if row is None else _row(row)

    async def list_schedules(
        self,
        *,
        user_id: str | None = None,
        states: Collection[str] = LIVE,
        limit: int = 50,
    ) -> list[Schedule]:
        """Schedules in `states` (of `user_id` when given), the soonest run first."""
        query = sa.select(*_COLUMNS).where(s.c.state.in_(list(states)))
        if user_id is not None:
            query = query.where(s.c.user_id == user_id)
        query = query.order_by(s.c.next_run, s.c.created_at, s.c.id).limit(limit)
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [_row(row) for row in rows]

    async def due_schedules(
        self, *, within: float = 0.0, now: float | None = None
    ) -> list[Schedule]:
        """Schedules that may run (active, or awaiting approval) whose next run is at or
        before `now + within`, the soonest first."""
        at = self._now(now)
        query = (
            sa.select(*_COLUMNS)
            .where(s.c.state.in_(LIVE), s.c.next_run.is_not(None), s.c.next_run <= at + within)
            .order_by(s.c.next_run, s.c.id)
        )
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [_row(row) for row in rows]

    async def claim_run(
        self, schedule_id: str, run: float, following: float | None, *, now: float | None = None
    ) -> Schedule | None:
        """Take run `run` of a schedule: the schedule as the claim left it (a Skip this run
        clicked before the claim shows in it) for one caller only, when its next run is still
        `run`; None for the others. The next run becomes `following` (None: the schedule has
        ended)."""
        values: dict[str, Any] = {"next_run": following, "last_run": run, "last_result": STARTED}
        values["updated_at"] = self._now(now)
        if following is None:
            values["state"] = "ended"
        async with self._write() as conn:
            claimed = await conn.execute(
                sa.update(s)
                .where(s.c.id == schedule_id, s.c.next_run == run, s.c.state.in_(LIVE))
                .values(values)
                .returning(*_COLUMNS)
            )
            row = claimed.first()
            return None if row is None else _row(row)

    async def move_schedule(
        self,
        schedule_id: str,
        to: str,
        *,
        expect: Collection[str],
        now: float | None = None,
        **values: Any,
    ) -> bool:
        """Move a schedule to state `to` if it is in one of `expect` (True once); `values`
        (approval_id, last_result) are set with it."""
        changes = {"state": to, "updated_at": self._now(now), **values}
        async with self._write() as conn:
            moved = await conn.execute(
                sa.update(s)
                .where(s.c.id == schedule_id, s.c.state.in_(list(expect)))
                .values(changes)
                .returning(s.c.id)
            )
            return moved.first() is not None

    async def skip_schedule_run(
        self, schedule_id: str, run: float, *, now: float | None = None
    ) -> bool:
        """Mark run `run` skipped (True once, while it is still the next run)."""
        return await self._mark_run(schedule_id, run, s.c.skip_run, updated_at=self._now(now))

    async def notice_run(self, schedule_id: str, run: float) -> bool:
        """Mark run `run`'s notice posted: True for one caller only."""
        return await self._mark_run(schedule_id, run, s.c.noticed_run)

    async def _mark_run(
        self, schedule_id: str, run: float, column: sa.Column[Any], **values: float
    ) -> bool:
        """Set `column` to `run` (and `values`) while `run` is the live schedule's next run and
        `column` is not `run` yet: True for one caller only."""
        async with self._write() as conn:
            marked = await conn.execute(
                sa.update(s)
                .where(s.c.id == schedule_id, s.c.next_run == run, s.c.state.in_(LIVE))
                .where(sa.or_(column.is_(None), column != run))
                .values({column.name: run, **values})
                .returning(s.c.id)
            )
            return marked.first() is not None

    async def record_schedule_result(
        self, schedule_id: str, result: str, *, now: float | None = None, started: bool = False
    ) -> bool:
        """Keep what the latest run did (`/vps schedules` shows it); with `started`, only if
        that run is still recorded as started and no more (True once)."""
        update = sa.update(s).where(s.c.id == schedule_id)
        if started:
            update = update.where(s.c.last_result == STARTED)
        async with self._write() as conn:
            done = await conn.execute(
                update.values(last_result=result, updated_at=self._now(now)).returning(s.c.id)
            )
            return done.first() is not None

    async def interrupted_runs(self, *, before: float) -> list[Schedule]:
        """Schedules whose latest run was claimed (started) before `before` and never recorded
        its result: the replica running it stopped in between."""
        query = sa.select(*_COLUMNS).where(s.c.last_result == STARTED, s.c.updated_at <= before)
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [_row(row) for row in rows]
