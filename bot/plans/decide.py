"""Approve or Reject on a plan's approval request: one decision (any replica), then the plan
moved on — approved: `running`, for a replica's driver to run; rejected: `refused`;
withdrawn by its requester: `cancelled` — and everyone told, as for a single change."""

from __future__ import annotations

from functools import partial

from bot.flow.approvals import Choice
from bot.flow.approvals_many import decide_many
from bot.flow.context import RequestContext
from bot.flow.gate import Gate
from bot.plans.approval import settle_plan
from bot.plans.changes import may_decide_plan, plan_of
from bot.plans.confirm import approval_needed
from bot.slack.blocks.notes import build_note
from bot.state.records import Approval


async def decide_plan(ctx: RequestContext, gate: Gate, approval: Approval, choice: Choice) -> None:
    """A click on a plan's request: may the clicker decide it → decide once → move the plan."""
    plan_id = plan_of(approval.params)
    if plan_id is None:
        await ctx.reply.ephemeral(build_note("This approval request is damaged."))
        return
    servers = await ctx.store.plan_servers(plan_id)

    async def settle(decided: Approval, outcome: str) -> None:
        await settle_plan(ctx, decided, plan_id, outcome)

    rule = approval_needed(gate, approval.action, servers)
    may = partial(may_decide_plan, gate, ctx.caller, approval, servers)
    await decide_many(ctx, approval, choice, f"plan {plan_id}", rule, may, settle)
