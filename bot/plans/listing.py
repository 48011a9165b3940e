"""`/vps plans`: running and recent plans the viewer may see — their own, and those whose every
server they may `show` (the read rules hold) — with how many servers are in each step."""

from __future__ import annotations

from collections import Counter

from bot.flow.context import RequestContext
from bot.flow.gate import Gate
from bot.slack.blocks.plan_preview import PlanRow, build_plans
from bot.state.plans import PlanServer
from bot.vps import Server

SHOWN = 15
"""Plans one answer lists, newest first."""
_READ = 50
_STEPS = ("waiting", "calling", "running", "done", "failed", "skipped")


async def plan_list(ctx: RequestContext, gate: Gate) -> None:
    """Newest first, leaving out previews nobody confirmed and what the viewer may not see."""
    rows: list[PlanRow] = []
    for plan in await ctx.store.list_plans(limit=_READ):
        if plan.state == "preview" or len(rows) >= SHOWN:
            continue
        servers = await ctx.store.plan_servers(plan.id)
        if plan.user_id != ctx.caller.user_id and not await _visible(ctx, gate, servers):
            continue
        counts = Counter(s.state for s in servers)
        order = [*_STEPS, *sorted(set(counts) - set(_STEPS))]
        steps = [(step, counts[step]) for step in order if counts[step]]
        rows.append(PlanRow(plan.id, plan.operation, plan.user_id, plan.state, steps))
    await ctx.reply.ephemeral(build_plans(rows))


async def _visible(ctx: RequestContext, gate: Gate, servers: list[PlanServer]) -> bool:
    """Whether the viewer may `show` every server of the plan."""
    for s in servers:
        named = Server(id=s.server_id, name=s.server_name, status="?")
        if not await gate.permitted(ctx.caller, ["show"], named):
            return False
    return True
