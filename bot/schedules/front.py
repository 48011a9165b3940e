"""`/vps schedule …` up to a stored schedule: the command previewed as if typed now (the
member may do it here, on these servers), then the member's confirmation, then an approval
where the policy needs one. Nothing runs before its time (`bot.schedules.runs`).

A schedule is stored in state `preview` with its first run; its danger button moves it to
`active` — or to `approval`, when one of its servers needs one (`bot.schedules.approval`) —
once, from any replica. A freeze on now does not refuse a schedule: its runs are checked then.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.commands import values as cmd
from bot.flow.context import RequestContext
from bot.flow.deadline import bounded
from bot.flow.denied import Denied
from bot.flow.forms import ScheduleFormState
from bot.flow.gate import Gate
from bot.flow.pipeline import deny, labelled, may_at_all, resolve
from bot.flow.previews import answered, open_preview
from bot.operations.change import Request
from bot.plans.preview import COUNT_ABOVE
from bot.plans.select import select_allowed
from bot.policy import ApprovalRule
from bot.resolve import parse_reference
from bot.schedules.approval import request_schedule_approval
from bot.schedules.views import approval_needed, servers_of, view_of
from bot.schedules.when import WhenError, dump_when, next_run, parse_when
from bot.slack.blocks import build_error, build_prompt_outcome
from bot.slack.blocks.core import code_of
from bot.slack.blocks.notes import build_note
from bot.slack.blocks.schedules import (
    build_schedule_preview,
    build_schedule_typed_modal,
    build_scheduled,
    build_when_error,
)
from bot.slack.text import as_shown
from bot.state import AuditOutcome
from bot.state.records import new_id
from bot.state.schedules import Schedule

_GONE = "This schedule no longer exists; nothing was done. Run the command again."
_NOT_CONFIRMED = "Not scheduled: you may no longer do this here."
_EXPIRED = "This preview expired; nothing was scheduled. Run the command again."


async def ask_schedule(
    ctx: RequestContext, gate: Gate, command: cmd.Schedule, request: Request, zone: str
) -> None:
    """when → may the member do it here → the servers it names now → stored → preview."""
    now = datetime.fromtimestamp(ctx.clock(), UTC)
    try:
        when = parse_when(command.kind, command.when, now=now, zone=zone)
    except WhenError as exc:
        ctx.tally.outcome = "invalid"
        await ctx.reply.ephemeral(build_when_error(exc))
        return
    first = next_run(when, now)
    action = request.declared.policy_action
    servers: list[tuple[int, str]]
    if request.selector is not None:
        selection = await select_allowed(ctx, gate, request, request.selector.describe())
        if selection is None:
            return
        servers = [(row.id, row.name) for row in selection.servers]
    else:
        ref = parse_reference(request.target or "")
        label = labelled(ref)
        server = await resolve(ctx, gate, action, ref, label=label)
        if server is None:
            return
        after = request.on(server).after()
        verdict = await bounded(gate.authorize(ctx.caller, action, server, after, label=label))
        if isinstance(verdict, Denied) and verdict.freeze is None:
            await deny(ctx, verdict, label)
            return
        # The run acts on this server, whatever it is called then.
        request = request.model_copy(update={"target": f"#{server.id}"})
        servers = [(server.id, server.name)]
    schedule = await _store(ctx, command, request, dump_when(when), first, servers)
    view = view_of(schedule)
    rule = approval_needed(gate, action, servers)
    preview = build_schedule_preview(
        view, now, zone, approval=rule is not None, expires_in=ctx.confirm_ttl
    )
    await ctx.reply.ephemeral(preview)


async def _store(
    ctx: RequestContext,
    command: cmd.Schedule,
    request: Request,
    timing: dict[str, object],
    first: datetime | None,
    servers: list[tuple[int, str]],
) -> Schedule:
    caller, at = ctx.caller, ctx.clock()
    schedule = Schedule(
        id=new_id(),
        user_id=caller.user_id,
        channel_id=caller.channel_id,
        channel_name=caller.channel_name or "",
        operation=request.operation,
        command=f"{command.typed} {command.kind} {command.when}",
        request=request.model_dump(mode="json", exclude_none=True),
        timing=timing,
        state="preview",
        next_run=first.timestamp() if first is not None else None,
        created_at=at,
        updated_at=at,
        options={"servers": [[i, n] for i, n in servers]},
        response_url=caller.response_url,
        request_id=ctx.request_id,
    )
    await ctx.store.add_schedule(schedule)
    await ctx.audit(
        request.operation,
        AuditOutcome.ASKED,
        server_name=_named(servers),
        detail=f"schedule {schedule.id}: {schedule.command}",
    )
    return schedule


def _named(servers: list[tuple[int, str]]) -> str:
    return servers[0][1] if len(servers) == 1 else f"{len(servers)} servers"


async def confirm_schedule(
    ctx: RequestContext, gate: Gate, schedule_id: str, zone: str, *, typed: str | None = None
) -> None:
    """The preview's danger button (or what was `typed` in its form): the schedule as stored →
    may the member still do this here → the typed name or count where the command would ask
    for it → active, or sent for approval."""
    schedule = await _open(ctx, schedule_id)
    if schedule is None:
        return
    request = Request.model_validate(dict(schedule.request))
    action = request.declared.policy_action
    label = request.selector.describe() if request.selector is not None else request.target
    if await may_at_all(ctx, gate, action, label, outcome=_NOT_CONFIRMED) is None:
        return
    servers = servers_of(schedule)
    expected = _to_type(gate, request, servers)
    if expected is not None and typed is None:
        counting = request.selector is not None
        state = ScheduleFormState.of(
            ctx.caller, schedule=schedule.id, expected=expected, counting=counting
        )
        form = build_schedule_typed_modal(
            view_of(schedule), expected, counting=counting, private_metadata=state.dump()
        )
        failed = build_error("Slack would not open the form in time; click again.")
        await ctx.open_form(form, "schedule", failed)
        return
    if expected is not None and as_shown(str(typed).strip()) != as_shown(expected):
        await ctx.reply.ephemeral(
            build_note(f"That is not {code_of(expected)}; nothing was scheduled.")
        )
        return
    rule: ApprovalRule | None = approval_needed(gate, action, servers)
    to = "approval" if rule is not None else "active"
    await ctx.audit(
        schedule.operation,
        AuditOutcome.CONFIRMED,
        server_name=_named(servers),
        detail=f"schedule {schedule.id}: {schedule.command}",
        must=True,
    )
    if not await ctx.store.move_schedule(schedule.id, to, expect=("preview",), now=ctx.clock()):
        await _answered(ctx, schedule.id)
        return
    ctx.metrics.schedule("scheduled")
    now = datetime.fromtimestamp(ctx.clock(), UTC)
    view = view_of(schedule)
    await ctx.reply.replace(build_scheduled(view, now, zone, approval=rule is not None))
    if rule is not None:
        await request_schedule_approval(ctx, schedule, servers, rule)


def _to_type(gate: Gate, request: Request, servers: list[tuple[int, str]]) -> str | None:
    """What the member types to confirm, where the command would ask: a delete's server name,
    the number of servers of a large plan under `confirm:`; None: a click is enough."""
    if request.selector is not None:
        confirms = gate.confirms(request.declared.policy_action)
        return str(len(servers)) if confirms and len(servers) > COUNT_ABOVE else None
    if request.declared.policy_action == "delete" and servers:
        return servers[0][1]
    return None


async def discard_schedule(ctx: RequestContext, schedule_id: str) -> None:
    """The preview's Cancel: only the requester's click cancels anything."""
    schedule = await _open(ctx, schedule_id)
    if schedule is None:
        return
    if not await ctx.store.move_schedule(
        schedule.id, "cancelled", expect=("preview",), now=ctx.clock()
    ):
        await _answered(ctx, schedule.id)
        return
    await ctx.audit(
        schedule.operation, AuditOutcome.CANCELLED, detail=f"schedule {schedule.id}: preview"
    )
    await ctx.reply.replace(build_prompt_outcome("Cancelled; nothing was scheduled.", emoji=":x:"))


async def _open(ctx: RequestContext, schedule_id: str) -> Schedule | None:
    """The caller's own schedule in preview; None when there is nothing to do (said why)."""

    async def expire(schedule: Schedule) -> bool:
        return await ctx.store.move_schedule(
            schedule.id, "expired", expect=("preview",), now=ctx.clock()
        )

    found = await ctx.store.get_schedule(schedule_id[:100])
    kind, gone, expired = "schedule", _GONE, _EXPIRED
    return await open_preview(ctx, found, kind=kind, gone=gone, expired=expired, expire=expire)


async def _answered(ctx: RequestContext, schedule_id: str) -> None:
    await answered(ctx, "schedule", schedule_id)
