"""Approve or Reject on a request that covers many servers — a plan's or a schedule's: may the
clicker decide it, then one decision (any replica), then the plan or schedule moved on as its
own module says (`settle`), and everyone told as for a single change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.flow.approval_notices import approvers_of, lost
from bot.flow.approvals import Choice, _ask_reason, _show
from bot.flow.caller import Caller
from bot.flow.context import RequestContext
from bot.policy import ApprovalRule
from bot.slack.blocks import build_denial
from bot.state import AuditOutcome
from bot.state.records import Approval, ApprovalState

_SELF = "You asked for this yourself; someone else has to approve it."


async def decide_many(
    ctx: RequestContext,
    approval: Approval,
    choice: Choice,
    about: str,
    rule: ApprovalRule | None,
    may_decide: Callable[[], Awaitable[bool]],
    settle: Callable[[Approval, str], Awaitable[None]],
) -> None:
    """A click on the request for `about` ("plan 3f…"): its requester may only withdraw it,
    others decide it when `may_decide` (the approvers of `rule`); `settle` moves what it
    covers by the outcome (expired too)."""
    own = ctx.caller.user_id == approval.requester_id
    if own and choice.approve:
        await ctx.reply.ephemeral(build_denial(_SELF))
        return
    if not own and not await may_decide():
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
            await settle(result.approval, "expired")
        return
    outcome = "approved" if choice.approve else "withdrawn" if own else "rejected"
    requester = Caller.requester_of(approval)
    detail = f"{about}, requested by {requester.user_id}"
    if choice.reason and outcome == "rejected":
        detail += f"; reason: {choice.reason}"
    decided = AuditOutcome.APPROVED if outcome == "approved" else AuditOutcome.REJECTED
    await ctx.audit(
        approval.word,
        decided,
        server_name=approval.server_name[:200],
        detail=detail,
        must=outcome == "approved",
    )
    await settle(result.approval, outcome)
    reason = choice.reason if outcome == "rejected" else ""
    await _show(ctx, result.approval, requester, outcome, "", reason)
