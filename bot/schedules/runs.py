"""A schedule's runs: each claimed once, checked as of its time, then done as its requester.

`ScheduleRunner.round` is one `Every` job (`bot.periodic`): the notice for runs within 15
minutes (once each, in the ops channel, with Skip this run and Cancel the schedule), then every
run that is due. A run is claimed by compare-and-set on the schedule's `next_run` (moved on to
the following run, or ended), so it happens on one replica only, and after a restart it is
still there to claim. A run found more than `late` seconds after its time (no replica was up)
is reported missed; a skipped one, or one whose approval has not come, does not happen.

A run: one server — found again by id, the gate asked as of now (a freeze skips the run), and
the call made as for a confirmed request (`run_write`); a plan — its selector resolved again
and the plan started confirmed (`bot.plans.started`). Each run is reported where it was
scheduled and in the ops channel, naming the servers it touched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.flow.caller import Caller
from bot.flow.context import RequestContext
from bot.flow.deadline import bounded, deadline
from bot.flow.denied import Denied
from bot.flow.execution import refusal, run_write
from bot.flow.pipeline import deny, labelled, resolve
from bot.flow.services import Services
from bot.operations.change import Request
from bot.plans.select import select
from bot.plans.started import start_plan
from bot.resolve import parse_reference
from bot.schedules.views import servers_of, view_of
from bot.schedules.when import load_when, next_run
from bot.slack.blocks.core import duration
from bot.slack.blocks.guardrails import when as moment_text
from bot.slack.blocks.schedules import build_schedule_notice, build_schedule_report
from bot.state import AuditOutcome
from bot.state.schedules import Schedule
from bot.vps import Server
from bot.words import counted

logger = logging.getLogger(__name__)

NOTICE_AHEAD = 15 * 60.0
"""Seconds before a run that the ops channel hears of it."""
LATE = 10 * 60.0
INTERRUPTED_AFTER = 300.0
"""Seconds after which a run claimed and never recorded is reported interrupted (a run
itself takes at most a request's deadline)."""
"""A run found later than this after its time (no replica was up) is reported missed."""


@dataclass(frozen=True)
class RunResult:
    """What one run did: an outcome (ran, frozen, skipped, missed, unapproved, denied,
    failed) and the words for it."""

    outcome: str
    detail: str


class ScheduleRunner:
    """The notices and runs of every schedule, on whichever replica claims each first."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def round(self) -> None:
        """Post the notices that are due, then run the runs that are; report the runs whose
        replica stopped while running them."""
        services = self._services
        now = services.clock()
        for schedule in await services.store.interrupted_runs(before=now - INTERRUPTED_AFTER):
            await self._interrupted(schedule)
        for schedule in await services.store.due_schedules(within=NOTICE_AHEAD, now=now):
            run = schedule.next_run
            if run is None:
                continue
            if run > now:
                if schedule.state == "active" and await services.store.notice_run(schedule.id, run):
                    await self._notice(schedule, run, now)
                continue
            try:
                when = load_when(schedule.timing)
            except (KeyError, ValueError, TypeError):
                logger.exception("schedule %s has a time this version cannot read", schedule.id)
                continue
            after = datetime.fromtimestamp(max(run, now), UTC)
            following = next_run(when, after)
            following_at = following.timestamp() if following is not None else None
            claimed = await services.store.claim_run(schedule.id, run, following_at, now=now)
            if claimed is None:
                continue  # another replica took it
            # A Skip this run clicked since the round read the schedule holds.
            await self._run(replace(schedule, skip_run=claimed.skip_run), run, now)

    async def _interrupted(self, schedule: Schedule) -> None:
        """A run claimed by a replica that stopped before it said what it did: told once."""
        why = "interrupted: the replica running it stopped; /vps audit shows what was done"
        if not await self._services.store.record_schedule_result(schedule.id, why, started=True):
            return  # another replica told it
        ctx = self._services.context(self._requester(schedule))
        await ctx.audit(
            schedule.operation, AuditOutcome.FAILED, detail=f"schedule {schedule.id}: {why}"
        )
        self._services.metrics.schedule("failed")
        await self._report(ctx, schedule, RunResult("failed", why))

    async def _notice(self, schedule: Schedule, run: float, now: float) -> None:
        services = self._services
        zone = services.settings.bot_timezone
        at = datetime.fromtimestamp(now, UTC)
        message = build_schedule_notice(view_of(schedule), run, at, zone)
        if services.ops.channel:
            await services.ops.post(message)
        else:
            await services.reply_to(self._requester(schedule)).in_channel(message)

    @staticmethod
    def _requester(schedule: Schedule) -> Caller:
        return Caller(
            user_id=schedule.user_id,
            channel_id=schedule.channel_id,
            channel_name=schedule.channel_name or None,
        )

    async def _run(self, schedule: Schedule, run: float, now: float) -> None:
        """One claimed run: done or not, then recorded, counted and reported."""
        services = self._services
        ctx = services.context(self._requester(schedule))
        late = now - run
        if schedule.skip_run == run:
            result = RunResult("skipped", "this run was skipped (Skip this run); nothing was done")
        elif schedule.state == "approval":
            result = RunResult("unapproved", "did not run: its approval had not come by then")
        elif late > LATE:
            zone = services.settings.bot_timezone
            at = moment_text(
                datetime.fromtimestamp(run, UTC), datetime.fromtimestamp(now, UTC), zone
            )
            result = RunResult(
                "missed",
                f"missed the run at {at}: no replica was up then ({duration(late)} late)",
            )
        else:
            try:
                with deadline(ctx.deadline):
                    result = await self._act(ctx, schedule)
            except Exception as exc:
                logger.exception("schedule %s failed to run", schedule.id)
                result = RunResult("failed", f"failed: {type(exc).__name__}")
        if result.outcome in ("skipped", "unapproved", "missed"):
            await ctx.audit(
                schedule.operation,
                AuditOutcome.CANCELLED if result.outcome == "skipped" else AuditOutcome.EXPIRED,
                detail=f"schedule {schedule.id}: {result.detail}",
            )
        services.metrics.schedule(result.outcome)
        await services.store.record_schedule_result(schedule.id, result.detail[:500])
        await self._report(ctx, schedule, result)
        services.home.touch()

    async def _act(self, ctx: RequestContext, schedule: Schedule) -> RunResult:
        request = Request.model_validate(dict(schedule.request))
        request = request.model_copy(update={"member": ctx.caller.member})
        if request.selector is not None:
            return await self._plan(ctx, schedule, request)
        return await self._one(ctx, schedule, request)

    async def _one(self, ctx: RequestContext, schedule: Schedule, request: Request) -> RunResult:
        gate, action = self._services.gate, request.declared.policy_action
        ref = parse_reference(request.target or "")
        label = labelled(ref)
        server = await resolve(ctx, gate, action, ref, label=label)
        if server is None:
            return RunResult("failed", f"did not run: {label} — {ctx.tally.outcome}")
        change = request.on(server)
        approved = schedule.approval_id is not None
        verdict = await bounded(
            gate.authorize_scheduled(ctx.caller, action, server, change.after(), approved=approved)
        )
        if isinstance(verdict, Denied):
            if verdict.freeze is not None:
                await deny(ctx, verdict, server.name)
                why = verdict.freeze.description
                return RunResult("frozen", f"skipped: {server.name} is frozen ({why})")
            if verdict.decision is not None:
                await deny(ctx, verdict, server.name)
            return RunResult("denied", f"did not run: {server.name} is not allowed now")
        refused = await refusal(ctx, change)
        if refused is not None:
            await ctx.reply.ephemeral(refused)
            return RunResult("failed", f"did not run: {server.name} is {server.status}")
        await ctx.audit_change(
            change, AuditOutcome.CONFIRMED, detail=f"schedule {schedule.id}", must=True
        )
        await run_write(ctx, verdict, change, recorded=None)
        done = ctx.tally.outcome
        return RunResult("ran" if done == "executed" else "failed", f"{done}: {server.name}")

    async def _plan(self, ctx: RequestContext, schedule: Schedule, request: Request) -> RunResult:
        gate = self._services.gate
        selection = await select(ctx, gate, request)
        frozen = [o.server.name for o in selection.left_out if o.why == "frozen"]
        if not selection.servers:
            if frozen:
                await ctx.audit(
                    schedule.operation,
                    AuditOutcome.FROZEN,
                    server_name=counted(len(frozen), "server"),
                    detail=f"schedule {schedule.id}: frozen",
                )
                return RunResult("frozen", f"skipped: frozen ({', '.join(frozen[:10])})")
            return RunResult("failed", "did not run: no server to act on matches now")
        if selection.approval is not None and schedule.approval_id is None:
            return RunResult("unapproved", "did not run: it needs an approval it did not get")
        if selection.approval is not None:  # the approval covers the servers it listed only
            approved = {server_id for server_id, _ in servers_of(schedule)}
            action = request.declared.policy_action
            beyond = [
                row.name
                for row in selection.servers
                if row.id not in approved and gate.approval_for(action, Server(**row._asdict()))
            ]
            if beyond:
                return RunResult(
                    "unapproved",
                    f"did not run: its approval did not cover {', '.join(beyond[:10])}, "
                    "matched since and needing one",
                )
        started = await start_plan(ctx, gate, request, selection, why=f"schedule {schedule.id}")
        names = ", ".join(s.server_name for s in started.servers[:20])
        more = len(started.servers) - 20
        listed = names + (f" and {more} more" if more > 0 else "")
        if started.plan is None:
            return RunResult(
                "failed",
                f"did not run: the write limit allows {started.allowed} more now ({listed})",
            )
        count = counted(len(started.servers), "server")
        return RunResult("ran", f"started plan {started.plan.id} on {count}: {listed}")

    async def _report(self, ctx: RequestContext, schedule: Schedule, result: RunResult) -> None:
        services = self._services
        message = build_schedule_report(view_of(schedule), result.outcome, result.detail)
        await ctx.reply.in_channel(message)
        if services.ops.channel and services.ops.channel != schedule.channel_id:
            await services.ops.post(message)
