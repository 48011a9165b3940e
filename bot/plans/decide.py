"""Approve or Reject on a plan's approval request: one decision (any replica), then the plan
moved on — approved: `running`, for a replica's driver to run; rejected: `refused`;
withdrawn by its requester: `cancelled` — and everyone told, as for a single change."""

from __future__ import annotations

from bot.flow.approval_notices import approvers_of, lost
from bot.flow.approvals import Choice, _ask_reason, _show
from bot.flow.caller import Caller
from bot.flow.context import RequestContext
from bot.flow.gate import Gate
from bot.plans.approval import settle_plan
from bot.plans.changes import may_decide_plan, plan_of
from bot.plans.confirm import approval_needed
from bot.slack.blocks import build_denial
from bot.slack.blocks.notes import build_note
from bot.state import AuditOutcome
from bot.state.records import Approval, ApprovalState

_SELF = "You asked for this yourself; someone else has to approve it."


async def decide_plan(ctx: RequestContext, gate: Gate, approval: Approval, choice: Choice) -> None:
    """A click on a plan's request: may the clicker decide it → decide once → move the plan."""
    plan_id = plan_of(approval.params)
    if plan_id is None:
        await ctx.reply.ephemeral(build_note("This approval request is damaged."))
        return
    servers = await ctx.store.plan_servers(plan_id)
    own = ctx.caller.user_id == approval.requester_id
    if own and choice.approve:
        await ctx.reply.ephemeral(build_denial(_SELF))
        return
    if not own and not await may_decide_plan(gate, ctx.caller, approval, servers):
        rule = approval_needed(gate, approval.action, servers)
        who = approvers_of(rule, besides=approval.requester_id) if rule is not None else ""
        text = f"You may not decide this. It may be approved {who}." if who else _SELF
        await ctx.reply.ephemeral(build_denial(text))
        return
    open_now = approval.state is ApprovalState.PENDING and approval.expires_at > ctx.clock()
    if not choice.approve and not own and choice.ask_reason and open_now:
        await _ask_reason(ctx, approval)
        return
    if own:
        result = await ctx.store.withdraw_approval(approval.id, approval.requester_id)
    else:
        result = await ctx.store.decide_approval(
            approval.id, ctx.caller.user_id, approve=choice.approve
        )
    if not result.ok or result.approval is None:
        await lost(ctx, result)
        if result.approval is not None and result.approval.state is ApprovalState.EXPIRED:
            await settle_plan(ctx, result.approval, plan_id, "expired")
        return
    outcome = "approved" if choice.approve else "withdrawn" if own else "rejected"
    requester = Caller(
        user_id=approval.requester_id,
        channel_id=approval.channel_id,
        channel_name=approval.channel_name or None,
        response_url=approval.response_url,
    )
    detail = f"plan {plan_id}, requested by {requester.user_id}"
    if choice.reason and outcome == "rejected":
        detail += f"; reason: {choice.reason}"
    decided = AuditOutcome.APPROVED if outcome == "approved" else AuditOutcome.REJECTED
    await ctx.audit(
        approval.word,
        decided,
        server_name=approval.server_name,
        detail=detail,
        must=outcome == "approved",
    )
    await settle_plan(ctx, result.approval, plan_id, outcome)
    reason = choice.reason if outcome == "rejected" else ""
    await _show(ctx, result.approval, requester, outcome, "", reason)
