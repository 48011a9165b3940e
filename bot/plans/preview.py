"""A request for several servers at once, up to its preview: may the member do this here at
all → which servers (`select`) → the write limit (a plan larger than the member's allowance is
refused here) → the plan stored in state `preview`, its list frozen → the preview, whatever
`confirm:` says. Nothing else happens until its button is clicked (`bot.plans.confirm`).
"""

from __future__ import annotations

from bot.flow.context import RequestContext
from bot.flow.gate import Gate
from bot.operations.change import Request
from bot.plans import PlanOptions
from bot.plans.left_out import Named
from bot.plans.select import Selection, select_allowed
from bot.policy import WriteLimit
from bot.slack.blocks.plan_preview import (
    PlanView,
    build_plan_limited,
    build_plan_preview,
    options_text,
)
from bot.state import AuditOutcome
from bot.state.plans import Plan, PlanServer
from bot.state.records import new_id
from bot.words import counted

COUNT_ABOVE = 10
"""A plan of more servers than this, for an action under `confirm:`, asks for their number."""


async def ask_plan(ctx: RequestContext, gate: Gate, request: Request) -> None:
    """Preview a plan: may at all → select → the write limit → store → show."""
    selector, options = request.selector, request.plan or PlanOptions()
    if selector is None:
        raise ValueError("a plan's request names its servers by a selector")
    selection = await select_allowed(ctx, gate, request, selector.describe())
    if selection is None:
        return
    if await _over_allowance(ctx, gate, request, len(selection.servers)):
        return
    plan, servers = await _store(ctx, request, options, selection)
    action = request.declared.policy_action
    view = PlanView(
        plan_id=plan.id,
        operation=request.operation,
        servers=[(s.batch, Named(s.server_name, s.server_id)) for s in servers],
        left_out=selection.left_out,
        options=options,
        expires_in=ctx.confirm_ttl,
        typed_count=gate.confirms(action) and len(selection.servers) > COUNT_ABOVE,
        approval=selection.approval is not None,
    )
    await ctx.reply.ephemeral(build_plan_preview(view))


async def _over_allowance(ctx: RequestContext, gate: Gate, request: Request, count: int) -> bool:
    """Refuse (and record) a plan larger than the writes the member may make now."""
    limit = gate.write_limit
    if limit is None:
        return False
    user = ctx.caller.user_id
    made = await ctx.store.count_writes(user, window=limit.window)
    allowed = max(0, limit.per_user - made)
    if count <= allowed:
        return False
    plan = f"a plan of {count} servers"
    await refuse_over_limit(ctx, request.operation, count, allowed, limit, plan)
    return True


async def refuse_over_limit(
    ctx: RequestContext, operation: str, count: int, allowed: int, limit: WriteLimit, plan: str
) -> None:
    """Record, count and answer a plan (`plan` says which, for the audit) of more servers than
    the writes the member may make now (`allowed`)."""
    await ctx.audit(
        operation,
        AuditOutcome.LIMITED,
        server_name=counted(count, "server"),
        detail=f"{plan}; {allowed} more writes allowed now",
    )
    ctx.metrics.plan(operation, "limited")
    await ctx.reply.ephemeral(build_plan_limited(count, allowed, limit.per_user, limit.window))


def selection_servers(plan_id: str, selection: Selection, options: PlanOptions) -> list[PlanServer]:
    """The plan's servers: their place, their batch (1-based) and their name as listed."""
    size = options.batch_size(len(selection.servers))
    return [
        PlanServer(
            plan_id=plan_id,
            position=index,
            batch=index // size + 1,
            server_id=row.id,
            server_name=row.name,
        )
        for index, row in enumerate(selection.servers)
    ]


def new_plan(
    ctx: RequestContext, request: Request, options: PlanOptions, *, response_url: str | None
) -> Plan:
    """A new plan of `request` by the caller, in state `preview`."""
    caller, at = ctx.caller, ctx.clock()
    return Plan(
        id=new_id(),
        user_id=caller.user_id,
        channel_id=caller.channel_id,
        channel_name=caller.channel_name or "",
        operation=request.operation,
        request=request.model_dump(mode="json", exclude_none=True),
        options=options.dump(),
        state="preview",
        created_at=at,
        updated_at=at,
        response_url=response_url,
        request_id=ctx.request_id,
    )


async def _store(
    ctx: RequestContext, request: Request, options: PlanOptions, selection: Selection
) -> tuple[Plan, list[PlanServer]]:
    """The plan in state `preview`, its servers frozen; recorded as asked for."""
    plan = new_plan(ctx, request, options, response_url=ctx.caller.response_url)
    servers = selection_servers(plan.id, selection, options)
    await ctx.store.add_plan(plan, servers)
    await ctx.audit(
        request.operation,
        AuditOutcome.ASKED,
        server_name=counted(len(servers), "server"),
        detail=plan_detail(plan.id, request, options, len(servers)),
    )
    ctx.metrics.plan(request.operation, "previewed")
    return plan, servers


def plan_detail(plan_id: str, request: Request, options: PlanOptions, count: int) -> str:
    """What an audit entry of the plan says: its id, what was typed, its options."""
    typed = request.selector.describe() if request.selector is not None else ""
    return f"plan {plan_id}: {typed} ({options_text(options, count)})"
