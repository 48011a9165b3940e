"""A plan's batch starting (`Calls`: the gate just before each call, the once-only claim, the
calls) and what a plan's steps leave behind (`Ledger`: the servers' steps in the store, the
audit entries naming the plan, the metrics, the fleet monitor's expectations)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Sequence

from bot.expected import EXPECTED_CHANGE_TTL
from bot.finishing import Finishing
from bot.flow.caller import Caller
from bot.flow.context import Effects
from bot.flow.denied import Denied
from bot.flow.directory import FleetRow
from bot.flow.execution import run_planned
from bot.flow.gate import Access, Gate
from bot.metrics import Metrics
from bot.operations import Operation
from bot.operations.change import Change, Request
from bot.plans.settle import before_call
from bot.state import AuditEntry, AuditOutcome, StateStore
from bot.state.plans import IN_FLIGHT, Plan, PlanServer
from bot.vps import Server

logger = logging.getLogger(__name__)


class Ledger:
    """Moves servers to their ends and records each move: one audit entry per server naming
    the plan, the metrics, and the monitor told the change is the bot's."""

    def __init__(self, store: StateStore, metrics: Metrics, clock: Callable[[], float]) -> None:
        self._store, self._metrics, self._clock = store, metrics, clock

    def _entry(
        self, plan: Plan, outcome: AuditOutcome, detail: str, server: PlanServer | None = None
    ) -> AuditEntry:
        return AuditEntry(
            time=self._clock(),
            user_id=plan.user_id,
            channel_id=plan.channel_id,
            action=plan.operation,
            server_id=server.server_id if server else None,
            server_name=server.server_name if server else None,
            outcome=outcome,
            detail=f"plan {plan.id}" + (f": {detail}" if detail else ""),
            request_id=plan.request_id,
        )

    async def plan(self, plan: Plan, outcome: AuditOutcome, detail: str = "") -> None:
        """Record a step of the plan itself (started, paused, finished)."""
        await self._store.record_audit(self._entry(plan, outcome, detail[:900]))

    async def settle(
        self,
        plan: Plan,
        servers: Sequence[PlanServer],
        state: str,
        detail: str,
        *,
        expect: Collection[str] = IN_FLIGHT,
        status: str | None = None,
    ) -> list[int]:
        """Move `servers` to `state` (done, failed, skipped) once, and record those moved;
        `status`: where done servers now are (the fleet monitor is told)."""
        if status is not None:  # before they leave the flight: the monitor never sees a gap
            await self._expect(servers, status)
        positions = [s.position for s in servers]
        store = self._store
        moved = set(
            await store.move_servers(plan.id, positions, state, expect=expect, detail=detail[:1000])
        )
        ended = [s for s in servers if s.position in moved]
        outcome = {"done": AuditOutcome.EXECUTED, "failed": AuditOutcome.FAILED}.get(
            state, AuditOutcome.SKIPPED
        )
        said = f"{state}, {detail}" if detail else state
        await self._store.record_audits([self._entry(plan, outcome, said, s) for s in ended])
        for _ in ended:
            self._metrics.plan_server(state)
        return sorted(moved)

    def called(self, op: Operation, ok: bool) -> None:
        """Count one server's call (a change to a server, as any other)."""
        self._metrics.action(op.name, "executed" if ok else "failed")

    async def finished(self, plan: Plan, servers: Sequence[PlanServer], outcome: str) -> None:
        """Record the plan's end with its counts."""
        ends = ("done", "failed", "skipped", "waiting")
        counts = {state: sum(s.state == state for s in servers) for state in ends}
        detail = (
            f"{outcome}: {counts['done']} done, {counts['failed']} failed, "
            f"{counts['skipped']} skipped, {counts['waiting']} not started"
        )
        await self.plan(plan, AuditOutcome.FINISHED, detail)
        self._metrics.plan(plan.operation, outcome)

    async def _expect(self, servers: Sequence[PlanServer], status: str) -> None:
        """The fleet monitor leaves these changes to the plan's report (its snapshot read once
        for the group, not once a server)."""
        snapshot = await self._store.load_snapshot()
        if snapshot is None:
            return
        until = self._clock() + EXPECTED_CHANGE_TTL
        for server in servers:
            known = snapshot.get(server.server_id)
            if known is not None and known.status != status:
                await self._store.note_expected_change(server.server_id, status, until)


class Calls:
    """Starts one batch of a plan: each server checked just before its call, claimed once,
    called once (together)."""

    def __init__(
        self,
        store: StateStore,
        gate: Gate,
        effects: Effects,
        ledger: Ledger,
    ) -> None:
        self._store, self._gate, self._effects, self._ledger = store, gate, effects, ledger
        self.finishing = Finishing("a plan's calls")
        """A batch's calls and the record of their answers are not cut by a shutdown: a
        server left `calling` would be settled by its status, and a reboot seen `active`
        again cannot tell whether it happened."""

    async def start(
        self,
        plan: Plan,
        request: Request,
        caller: Caller,
        batch: Sequence[PlanServer],
        rows: dict[int, FleetRow],
        failures_left: int,
    ) -> None:
        """Start `batch`: servers no longer allowed are skipped as denied, those that can only
        fail fail without a call (counting against `failures_left`), and a freeze that began
        pauses the plan, saying why (the rest wait for Resume)."""
        op = request.declared
        ready: list[tuple[PlanServer, Change, Access]] = []
        for server in batch:
            row = rows.get(server.server_id)
            verdict = before_call(op, row.status if row is not None else None)
            if verdict.state != "call" or row is None:
                await self._leave(plan, server, verdict.state, verdict.detail)
                failures_left -= verdict.state == "failed"
                if failures_left < 0:
                    break
                continue
            now = Server(**row._asdict())
            change = request.on(now)
            access = await self._gate.authorize_planned(caller, change.action, now, change.after())
            if isinstance(access, Denied) and access.freeze is not None:
                await self._pause(plan, access)
                break
            if isinstance(access, Denied):
                await self._leave(plan, server, "skipped", "denied by the policy")
                continue
            ready.append((server, change, access))
        await self.finishing.run(self._call(plan, op, ready))

    async def _leave(self, plan: Plan, server: PlanServer, state: str, detail: str) -> None:
        """A server whose turn came ends uncalled (skipped, or failed: it can only fail)."""
        await self._ledger.settle(plan, [server], state, detail, expect=["waiting"])

    async def _pause(self, plan: Plan, denied: Denied) -> None:
        hit = denied.freeze
        assert hit is not None  # noqa: S101 - the caller checked
        reason = f"a freeze began ({hit.description})" + (f": {hit.reason}" if hit.reason else "")
        if await self._store.move_plan(plan.id, "paused", expect=["running"], reason=reason):
            await self._ledger.plan(plan, AuditOutcome.PAUSED, reason)

    async def _call(
        self, plan: Plan, op: Operation, ready: Sequence[tuple[PlanServer, Change, Access]]
    ) -> None:
        """Claim the servers (waiting → calling: once, whoever else tries), call those claimed
        together, and move each on by its answer."""
        positions = [server.position for server, _, _ in ready]
        moved = await self._store.move_servers(
            plan.id, positions, "calling", expect=["waiting"], while_plan=["running"]
        )
        claimed = set(moved)
        calls = [(s, change, access) for s, change, access in ready if s.position in claimed]
        outcomes = await asyncio.gather(
            *(run_planned(self._effects, access, change) for _, change, access in calls),
            return_exceptions=True,
        )
        moving: list[int] = []
        for (server, _, _), outcome in zip(calls, outcomes, strict=True):
            if isinstance(outcome, BaseException):  # no answer to go by: its status will say
                logger.error("calling %r for plan %s: %r", server.server_name, plan.id, outcome)
                continue
            if outcome.lost:  # it may have happened: left `calling`, its status will say
                continue
            self._ledger.called(op, outcome.ok)
            if not outcome.ok:
                await self._ledger.settle(plan, [server], "failed", outcome.detail)
            elif op.leads_to is None:  # nothing to follow: the answer is the end
                await self._ledger.settle(plan, [server], "done", "")
            else:
                moving.append(server.position)
        await self._store.move_servers(plan.id, moving, "running", expect=["calling"])
