"""The plan driver: a periodic job that drives every running plan, batch by batch.

Each round it claims the running and paused plans (a lease it renews each round; a plan whose
replica died is taken over once its lease runs out), and moves each one step: one listing of
the fleet tells where the servers in flight stand (done, failed, still moving); when the batch
under way has settled (and `pause:` has passed) the next one starts — each server checked by
the gate just before its call, claimed once in the store (waiting → calling) and called once.
Pause, Resume and Abort are moves of the plan's state in the store, read between steps: a
paused plan starts nothing new, an aborted one neither, and the servers already called are
followed to their end either way. A failure beyond `max-fail:` stops new starts; the plan
ends (finished, or stopped with the reason) once nothing is in flight.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.flow.caller import Caller
from bot.flow.context import Effects
from bot.flow.directory import FleetRow, ServerDirectory
from bot.flow.gate import Gate
from bot.metrics import Metrics
from bot.operations.change import Request
from bot.periodic import Every
from bot.plans import PlanOptions
from bot.plans.calls import Calls, Ledger
from bot.plans.progress import Progress
from bot.plans.settle import after_call, lost_answer
from bot.state import AuditOutcome, StateStore, StateStoreUnavailable
from bot.state.plans import DRIVEN, IN_FLIGHT, Plan, PlanServer

logger = logging.getLogger(__name__)

LEASE = 30.0
"""Seconds a replica holds a plan between renewals (each round renews it): another replica
takes a dead one's plans over within about a lease and a round."""


QUIET_MAX = 60.0
"""Seconds at most that a batch in flight goes unlisted after its calls (the quickest server so
far may have been seen late: a replica taking over, say)."""


@dataclass(frozen=True)
class Drive:
    """What the driver works with."""

    store: StateStore
    gate: Gate
    effects: Effects
    directory: ServerDirectory
    progress: Progress
    metrics: Metrics
    clock: Callable[[], float]
    touched: Callable[[], None] = lambda: None
    """Told when a plan's state or count done changes (the Home tabs refresh)."""


class PlanDriver:
    """Drives the plans this replica holds; its `job()` runs a round every `interval`."""

    def __init__(
        self,
        drive: Drive,
        *,
        owner: str,
        interval: float,
        lease: float = LEASE,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self._d, self._sleep = drive, sleep
        self.owner, self.interval, self.lease = owner, interval, lease
        self._ledger = Ledger(drive.store, drive.metrics, drive.clock)
        self._calls = Calls(drive.store, drive.gate, drive.effects, self._ledger)
        self._held: set[str] = set()  # plans claimed and not yet ended here
        self._seen: dict[str, tuple[str, int]] = {}  # plan -> its state and servers ended

    def job(self) -> Every:
        """A round every interval; at close, the plans are given up for another replica."""
        return Every(self.interval, self.round, name="driving plans", finish=self.close)

    async def round(self) -> None:
        """Claim (or renew) the plans to drive and move each one step."""
        try:
            claimed = await self._d.store.claim_plans(
                self.owner, lease=self.lease, now=self._d.clock()
            )
        except StateStoreUnavailable as exc:  # an outage: the leases lapse, no traceback
            logger.warning("could not look for plans to drive: %s", exc)
            return
        for plan in claimed:
            self._held.add(plan.id)
            await self._contained(plan.id, held=True)
        for plan_id in self._held - {plan.id for plan in claimed}:
            await self._contained(plan_id, held=False)

    async def close(self) -> None:
        """Let the calls and messages under way finish, then give up every plan held now:
        another replica (or the next start) takes them."""
        await self._calls.finishing.wait()
        await self._d.progress.finishing.wait()
        try:
            await self._d.store.release_plans(self.owner)
        except Exception as exc:  # their leases run out instead
            logger.warning("could not give up the plans driven here: %s", exc)

    async def _contained(self, plan_id: str, *, held: bool) -> None:
        try:
            if await self.step(plan_id, held=held):
                self._held.discard(plan_id)
                self._seen.pop(plan_id, None)
        except asyncio.CancelledError:
            raise
        except StateStoreUnavailable as exc:
            logger.warning("driving plan %s: %s", plan_id, exc)
        except Exception:
            logger.exception("driving plan %s failed this round; trying again", plan_id)

    async def step(self, plan_id: str, *, held: bool = True) -> bool:
        """Move one plan one step; True when it is no longer this replica's to drive. A plan
        not `held` (no longer claimed) is only followed on when it was aborted meanwhile."""
        store = self._d.store
        plan = await store.get_plan(plan_id)
        if plan is None or (not held and plan.state != "aborted"):
            return True
        if held and plan.state in DRIVEN and not await self._renew(plan_id):
            return True  # another replica drives it now
        servers = await store.plan_servers(plan_id)
        options = PlanOptions.model_validate(plan.options)
        if plan.progress_ts is None:  # its message first: where the plan is seen and steered
            await self._d.progress.show(plan, servers)
            plan = await store.get_plan(plan_id) or plan
        flying = [s for s in servers if s.state in IN_FLIGHT]
        starting = plan.state == "running" and self._may_start(servers, options)
        if flying and not starting and not await self._due(servers):
            return await self._end_or_show(plan, servers, options)  # none can have settled yet
        rows = await self._listing() if flying or starting else None
        if flying and rows is not None:
            await self._settle(plan, flying, rows, options)
            servers = await store.plan_servers(plan_id)
        plan = await store.get_plan(plan_id) or plan  # a Pause or an Abort is read here
        if plan.state == "running" and self._may_start(servers, options):
            # Resumed since the step began: the statuses are read now, not taken as none.
            rows = await self._listing() if rows is None else rows
            if not await self._renew(plan_id):  # the calls get a whole lease
                return True
            await self._start(plan, servers, options, rows)
            servers = await store.plan_servers(plan_id)
            plan = await store.get_plan(plan_id) or plan
        return await self._end_or_show(plan, servers, options)

    async def _start(
        self,
        plan: Plan,
        servers: Sequence[PlanServer],
        options: PlanOptions,
        rows: dict[int, FleetRow],
    ) -> None:
        """Start the next batch (the first one: the plan's start is recorded)."""
        waiting = [s for s in servers if s.state == "waiting"]
        batch = [s for s in waiting if s.batch == waiting[0].batch]
        if len(waiting) == len(servers):
            await self._ledger.plan(plan, AuditOutcome.STARTED, f"{len(servers)} servers")
        failed = sum(s.state == "failed" for s in servers)
        left = options.failures_allowed(len(servers)) - failed
        caller = Caller(plan.user_id, plan.channel_id, plan.channel_name or None)
        request = Request.model_validate(plan.request)
        await self._calls.start(plan, request, caller, batch, rows, left)

    @staticmethod
    def _over_budget(servers: Sequence[PlanServer], options: PlanOptions) -> bool:
        failed = sum(s.state == "failed" for s in servers)
        return failed > options.failures_allowed(len(servers))

    def _may_start(self, servers: Sequence[PlanServer], options: PlanOptions) -> bool:
        """Whether the next batch may start: servers wait, none is in flight, the failures
        are within the budget, and `pause:` has passed since the last batch settled."""
        if not any(s.state == "waiting" for s in servers):
            return False
        if any(s.state in IN_FLIGHT for s in servers) or self._over_budget(servers, options):
            return False
        settled = [s.settled_at for s in servers if s.settled_at is not None]
        return not settled or self._d.clock() >= max(settled) + options.pause

    async def _due(self, servers: Sequence[PlanServer]) -> bool:
        """Whether the servers in flight may have settled by now: not before the quickest
        server of the plan so far took, less a round (a listing earlier is spent for nothing).
        A round just before that moment waits for it, so the listing comes as they can end."""
        took = [
            s.settled_at - s.called_at
            for s in servers
            if s.state == "done" and s.settled_at is not None and s.called_at is not None
        ]
        called = [s.called_at for s in servers if s.state in IN_FLIGHT]
        if not took or any(at is None for at in called):
            return True
        quiet = min(*took, QUIET_MAX)
        due = max(at for at in called if at is not None) + quiet - self.interval
        wait = due - self._d.clock()
        if wait > self.interval:
            return False
        if wait > 0:
            await self._sleep(wait)
        return True

    async def _listing(self) -> dict[int, FleetRow]:
        """Every server's status from one listing of the fleet (it refreshes the index too)."""
        return {row.id: row for row in await self._d.directory.fleet()}

    async def _settle(
        self,
        plan: Plan,
        flying: Sequence[PlanServer],
        rows: dict[int, FleetRow],
        options: PlanOptions,
    ) -> None:
        """Settle the servers in flight that the listing shows at their end."""
        op = Request.model_validate(plan.request).declared
        now = self._d.clock()
        ends: dict[tuple[str, str], list[PlanServer]] = {}
        running: list[int] = []
        for server in flying:
            row = rows.get(server.server_id)
            status = row.status if row is not None else None
            if server.state == "calling" and not self._lost(server, now):
                continue  # its call may still be on its way to VPS.org
            if server.state == "calling":  # its answer was lost: its status says what happened
                verdict = lost_answer(op, status)
            else:
                verdict = after_call(
                    op, status, called_at=server.called_at, now=now, wait=options.wait
                )
            if verdict.state == "running":
                if server.state == "calling":
                    running.append(server.position)
                continue
            ends.setdefault((verdict.state, verdict.detail), []).append(server)
        if running:
            await self._d.store.move_servers(plan.id, running, "running", expect=["calling"])
        for (state, detail), group in ends.items():
            status = detail if state == "done" else None  # a done verdict says where it is
            await self._ledger.settle(plan, group, state, detail, status=status)

    async def _renew(self, plan_id: str) -> bool:
        """Hold the plan for another lease; False when it is no longer this replica's."""
        now = self._d.clock()
        return await self._d.store.renew_plan(plan_id, self.owner, lease=self.lease, now=now)

    def _lost(self, server: PlanServer, now: float) -> bool:
        """Whether a server left `calling` has waited long enough for its call's answer (as
        long again as VPS.org had to answer) to be settled by its status instead."""
        called = server.called_at if server.called_at is not None else now
        return now - called >= 2 * self._d.effects.grace

    async def _end_or_show(
        self, plan: Plan, servers: Sequence[PlanServer], options: PlanOptions
    ) -> bool:
        """End the plan when nothing is in flight and nothing more will start; else show it.
        True when this replica is done with it."""
        ended = await self._ended(plan, servers, options)
        seen = (plan.state, sum(s.state not in (*IN_FLIGHT, "waiting") for s in servers))
        if ended or self._seen.get(plan.id) != seen:  # the Home tabs show these
            self._seen[plan.id] = seen
            self._d.touched()
        return ended

    async def _ended(self, plan: Plan, servers: Sequence[PlanServer], options: PlanOptions) -> bool:
        flying = any(s.state in IN_FLIGHT for s in servers)
        waiting = any(s.state == "waiting" for s in servers)
        over = self._over_budget(servers, options)
        if plan.state in ("running", "paused") and not flying and (not waiting or over):
            allowed = options.failures_allowed(len(servers))
            reason = f"more than {allowed} failed" if over else ""
            if not await self._d.store.move_plan(
                plan.id, "finished", expect=["running", "paused"], reason=reason
            ):
                return False  # paused, resumed or aborted meanwhile: next round
            plan = await self._d.store.get_plan(plan.id) or plan
            await self._ledger.finished(plan, servers, "stopped" if over else "finished")
            await self._d.progress.show(plan, servers, final=True)
            return True
        if plan.state == "aborted" and not flying:
            self._d.metrics.plan(plan.operation, "aborted")
            await self._d.progress.show(plan, servers, final=True)
            return True
        if plan.state not in ("running", "paused", "aborted"):
            return True
        await self._d.progress.show(plan, servers)
        return False
