"""What can be done to a schedule once it is set: `/vps schedules` (the list, with Cancel),
Cancel the schedule and Skip this run — by its requester, or a member the policy allows its
action on every server it names. Each acts once, from any replica."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.flow.context import RequestContext
from bot.flow.gate import Gate
from bot.schedules.views import may_control, view_of
from bot.slack.blocks import build_denial
from bot.slack.blocks.guardrails import when as moment_text
from bot.slack.blocks.notes import build_note
from bot.slack.blocks.schedules import build_schedule_list, build_schedule_notice
from bot.state import AuditOutcome
from bot.state.schedules import LIVE, Schedule

_GONE = "This schedule no longer exists, or has ended; nothing was done."
_NOT_YOURS = (
    "Only its requester, or a member the policy allows its action on all of its servers, "
    "may do this."
)


async def schedule_list(ctx: RequestContext, gate: Gate, zone: str) -> None:
    """`/vps schedules`: the schedules still to run that the viewer asked for or may control."""
    shown, cancellable = [], set()
    for schedule in await ctx.store.list_schedules():
        if await may_control(gate, ctx.caller, schedule):
            shown.append(view_of(schedule))
            cancellable.add(schedule.id)
    now = datetime.fromtimestamp(ctx.clock(), UTC)
    await ctx.reply.ephemeral(build_schedule_list(shown, now, zone, cancellable=cancellable))


async def cancel_schedule(ctx: RequestContext, gate: Gate, schedule_id: str) -> None:
    """Cancel the schedule: no run of it happens any more."""
    schedule = await _controlled(ctx, gate, schedule_id)
    if schedule is None:
        return
    if not await ctx.store.move_schedule(schedule.id, "cancelled", expect=LIVE, now=ctx.clock()):
        await ctx.reply.ephemeral(build_note(_GONE, icon=":information_source:"))
        return
    await ctx.audit(
        schedule.operation,
        AuditOutcome.CANCELLED,
        detail=f"schedule {schedule.id} cancelled by {ctx.caller.user_id}: {schedule.command}",
    )
    await ctx.reply.ephemeral(
        build_note(f"Cancelled the schedule `{schedule.id}`; it will not run.", icon=":x:")
    )


async def skip_run(ctx: RequestContext, gate: Gate, value: str, zone: str) -> None:
    """Skip this run: the run named on the notice does not happen; later runs do."""
    schedule_id, _, run_text = value.partition(":")
    try:
        run = float(run_text)
    except ValueError:
        return  # not a value we made
    schedule = await _controlled(ctx, gate, schedule_id)
    if schedule is None:
        return
    if not await ctx.store.skip_schedule_run(schedule.id, run, now=ctx.clock()):
        await ctx.reply.ephemeral(
            build_note("That run is no longer the next one; nothing was done.", icon=":x:")
        )
        return
    now = datetime.fromtimestamp(ctx.clock(), UTC)
    at = moment_text(datetime.fromtimestamp(run, UTC), now, zone)
    await ctx.audit(
        schedule.operation,
        AuditOutcome.CANCELLED,
        detail=f"schedule {schedule.id}: the run at {at} skipped by {ctx.caller.user_id}",
    )
    skipped = build_schedule_notice(
        view_of(schedule), run, now, zone, skipped_by=ctx.caller.user_id
    )
    if not await ctx.reply.replace(skipped):  # the notice could not be edited: say it here
        await ctx.reply.ephemeral(
            build_note(f"Skipped the run at {at}; later runs still happen.", icon=":fast_forward:")
        )


async def _controlled(ctx: RequestContext, gate: Gate, schedule_id: str) -> Schedule | None:
    schedule = await ctx.store.get_schedule(schedule_id[:100])
    if schedule is None or schedule.state not in LIVE:
        await ctx.reply.ephemeral(build_note(_GONE, icon=":information_source:"))
        return None
    if not await may_control(gate, ctx.caller, schedule):
        await ctx.reply.ephemeral(build_denial(_NOT_YOURS))
        return None
    return schedule
