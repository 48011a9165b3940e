"""A plan that starts confirmed: a schedule's run (`bot.schedules.runs`) resolves its selector
again and hands the servers here; the plan is stored and moved to `running` at once, its
writes charged as a confirmation would, for a replica's plan driver to run."""

from __future__ import annotations

from dataclasses import dataclass

from bot.flow.context import RequestContext
from bot.flow.gate import Gate
from bot.operations.change import Request
from bot.plans import PlanOptions
from bot.plans.preview import new_plan, plan_detail, selection_servers
from bot.plans.select import Selection
from bot.state import AuditOutcome
from bot.state.plans import Plan, PlanServer
from bot.words import counted


@dataclass(frozen=True)
class Started:
    """The plan running now (None when the write limit held it: `allowed` writes left)."""

    plan: Plan | None
    servers: list[PlanServer]
    allowed: int = 0


async def start_plan(
    ctx: RequestContext, gate: Gate, request: Request, selection: Selection, *, why: str
) -> Started:
    """Store the plan of `selection` and move it to `running`, charging one write per server
    (`why` names what started it, in the audit)."""
    options = request.plan or PlanOptions()
    caller, plan = ctx.caller, new_plan(ctx, request, options, response_url=None)
    servers = selection_servers(plan.id, selection, options)
    count = len(servers)
    await ctx.store.add_plan(plan, servers)
    await ctx.audit(
        plan.operation,
        AuditOutcome.CONFIRMED,
        server_name=counted(count, "server"),
        detail=f"{plan_detail(plan.id, request, options, count)}; {why}",
        must=True,
    )
    await ctx.store.place_plan(plan.id, progress_channel=plan.channel_id)
    limit = gate.write_limit
    charge = await ctx.store.confirm_plan(
        plan.id,
        "running",
        user_id=caller.user_id,
        writes=count,
        limit=limit.per_user if limit is not None else None,
        window=limit.window if limit is not None else 0.0,
        now=ctx.clock(),
    )
    if not charge.moved:
        await ctx.store.move_plan(plan.id, "refused", expect=("preview",), reason="write limit")
        ctx.metrics.plan(plan.operation, "limited")
        return Started(None, servers, charge.allowed or 0)
    ctx.metrics.plan(plan.operation, "confirmed")
    return Started(plan, servers)
