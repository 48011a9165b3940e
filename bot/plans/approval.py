"""One approval for a whole plan: the request names the count, the first servers and the
options, and covers exactly the plan's frozen list.

It is a pending approval like any other (`bot.flow.approvals`: one decision, on any replica),
whose params name the plan (`{"plan": id, …}`). Approved, the plan moves `approval` →
`running` and a replica's driver runs it; rejected or withdrawn → `refused` / `cancelled`;
expired (the sweeper) → `expired`. The requester hears each as for a single change.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.flow.approval_requests import open_for_many, post_request
from bot.flow.context import RequestContext
from bot.plans import PlanOptions
from bot.policy import ApprovalRule
from bot.slack.blocks.notes import build_note
from bot.slack.blocks.plan_preview import options_text
from bot.state import OpenOutcome
from bot.state.plans import Plan, PlanServer
from bot.state.records import Approval
from bot.words import counted

logger = logging.getLogger(__name__)

FIRST_SERVERS = 5
"""Servers an approval request names; the rest are counted."""


async def request_plan_approval(
    ctx: RequestContext,
    plan: Plan,
    servers: Sequence[PlanServer],
    rule: ApprovalRule,
    options: PlanOptions,
) -> None:
    """Record and store the request for the whole plan, post it to the ops channel, tell
    the requester. Its writes were charged at the confirmation."""
    count = len(servers)
    params = {
        "plan": plan.id,
        "count": count,
        "first": [s.server_name for s in servers[:FIRST_SERVERS]],
        "options": options_text(options, count),
    }
    name = counted(count, "server")
    opened = await open_for_many(ctx, plan, rule, f"plan {plan.id}", name, params)
    if opened.outcome is not OpenOutcome.OPENED or opened.approval is None:
        await ctx.store.move_plan(plan.id, "refused", expect=("approval",), reason="too many")
        await ctx.reply.ephemeral(
            build_note(
                f"You have {opened.pending} approval requests waiting already; this plan was "
                "not sent. Wait for them to be decided, then run the command again."
            )
        )
        return
    await post_request(ctx, opened.approval, rule)


async def settle_plan(ctx: RequestContext, approval: Approval, plan_id: str, outcome: str) -> None:
    """Move the plan as the decision says: approved → running, rejected → refused,
    withdrawn → cancelled, void/expired → expired."""
    to = {"approved": "running", "rejected": "refused", "withdrawn": "cancelled"}.get(
        outcome, "expired"
    )
    moved = await ctx.store.move_plan(plan_id, to, expect=("approval",), now=ctx.clock())
    if moved:
        outcomes = {"running": "approved", "refused": "refused", "cancelled": "cancelled"}
        ctx.metrics.plan(approval.word, outcomes.get(to, "expired"))
    else:
        logger.warning("plan %s was not awaiting approval when it was %s", plan_id, outcome)
