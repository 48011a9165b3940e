"""The two-person rule: an approval request in the ops channel, one decision, the write once.

A write whose access says it needs approval is stored as an `Approval` and posted to the ops
channel with Approve and Reject. A click is a request of its own: the gate checks that the
clicker may approve (never the requester) and that the requester may still do it, on the server
as it is now. `decide_approval` in the store lets exactly one click win, on any replica; the
winner edits the request to its outcome, tells the requester, and — when approved — makes the
call as the requester would have. Reject first asks the approver for an optional reason (a
form), and decides when it is sent — the gate asked again. How requests are shown, answered and
expired is
`bot.flow.approval_notices`; how they are asked for, `bot.flow.approval_requests`.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime

from bot.flow.approval_notices import (
    edit_request,
    lost,
    not_approver,
    requester_reply,
    view_of,
    why_void,
)
from bot.flow.caller import Caller
from bot.flow.context import RequestContext
from bot.flow.deadline import bounded
from bot.flow.denied import Denied
from bot.flow.execution import refusal, run_write
from bot.flow.forms import RejectFormState
from bot.flow.gate import Access, Gate
from bot.logs import bind_request
from bot.operations.change import Change
from bot.resolve import ServerRef
from bot.slack.blocks import build_denial
from bot.slack.blocks.approvals import build_approval_outcome, build_reject_modal
from bot.slack.blocks.core import user_mention
from bot.slack.blocks.guardrails import when
from bot.slack.blocks.notes import build_note
from bot.state import AuditOutcome, StateStoreError
from bot.state.records import (
    Approval,
    ApprovalState,
)
from bot.vps import Server

logger = logging.getLogger(__name__)


async def decide(ctx: RequestContext, gate: Gate, approval_id: str, choice: Choice) -> None:
    """An Approve (or Reject) click, step by step: the request as stored, the server as it is
    now, the gate's verdict on the clicker and the requester, then the decision (or the
    refusal). A Reject click with `ask_reason` opens a form for an optional reason instead
    (once the gate has let the clicker reject); its submission decides, the gate asked again."""
    approval = await ctx.store.get_approval(approval_id)
    if approval is None:
        await ctx.reply.ephemeral(build_note("This approval request no longer exists."))
        return
    if "plan" in approval.params:  # one approval for a whole plan (bot.plans)
        from bot.plans.decide import decide_plan

        await decide_plan(ctx, gate, approval, choice)
        return
    if "schedule" in approval.params:  # one approval for a schedule (bot.schedules)
        from bot.schedules.approval import decide_schedule

        await decide_schedule(ctx, gate, approval, choice)
        return
    try:
        op = Change.load(approval.params)
    except ValueError:
        logger.exception("approval %s holds a bad operation", approval.id)
        await ctx.reply.ephemeral(build_note("This approval request is damaged."))
        return
    requester = Caller.requester_of(approval)
    server = None
    if op.server_id is not None and choice.approve:
        # A create has no server yet; a rejection does nothing, and is decided on the server
        # as the request named it (quickly: a form may have to open in 3 s).
        found = await bounded(ctx.servers.resolve(ServerRef.of_id(op.server_id)))
        server = found if isinstance(found, Server) else None  # gone: decided as not done
    bind_request(request_id=ctx.request_id, action=op.action, server_id=op.server_id)
    after = op.rebased(server).after() if server is not None else op.after()
    verdict = await bounded(
        gate.authorize_approval(
            ctx.caller,
            requester,
            op.action,
            server,
            after,
            rejecting=not choice.approve,
            was=op.server if op.server_id is not None else None,
        )
    )
    if isinstance(verdict, Denied):
        await _refused(ctx, verdict, approval, op, requester)
    else:
        await _decided(ctx, verdict, approval, op, requester, choice)


@dataclasses.dataclass(frozen=True)
class Choice:
    """What the decider chose: approve or reject, with the reason they gave (or will give)."""

    approve: bool
    reason: str = ""
    ask_reason: bool = False


async def _decided(
    ctx: RequestContext,
    access: Access,
    approval: Approval,
    op: Change,
    requester: Caller,
    choice: Choice,
) -> None:
    """The clicker may decide: record the decision once (any replica), and make the call as the
    requester would have when it is approved."""
    server = access.server
    fresh = op.rebased(server) if server is not None else op
    approve, why = choice.approve, ""
    own = ctx.caller.user_id == requester.user_id
    open_now = approval.state is ApprovalState.PENDING and approval.expires_at > ctx.clock()
    if not approve and not own and choice.ask_reason and open_now:
        await _ask_reason(ctx, approval)
        return
    if approve:
        why = _changed(op, server)
        if not why and await refusal(ctx, fresh) is not None:
            why = f"{fresh.server.name} is {fresh.server.status} now"
        if not why and await _over_limit(ctx, access, op):
            return  # the request stays open: it may be approved once the limit allows
    if own:  # the requester takes their request back (reject only)
        result = await ctx.store.withdraw_approval(approval.id, requester.user_id)
    else:
        result = await ctx.store.decide_approval(
            approval.id, ctx.caller.user_id, approve=approve and not why
        )
    if not result.ok or result.approval is None:
        await lost(ctx, result)
        return
    outcome = "void" if why else ("approved" if approve else "withdrawn" if own else "rejected")
    reason = choice.reason if outcome == "rejected" else ""
    await _settle(ctx, result.approval, op, requester, outcome, why, reason=reason)
    if outcome == "approved":
        await run_write(
            _on_behalf(ctx, requester, result.approval),
            access,
            fresh,
            recorded=None,
            approved_by=ctx.caller.user_id,
        )


async def _ask_reason(ctx: RequestContext, approval: Approval) -> None:
    """Open the reject form (an optional reason); the request stays open until it is sent."""
    state = RejectFormState.of(ctx.caller, approval=approval.id)
    modal = build_reject_modal(view_of(approval), private_metadata=state.dump())
    failed = build_note("Slack would not open the reject form in time; click Reject again.")
    await ctx.open_form(modal, "reject", failed)


async def _settle(
    ctx: RequestContext,
    approval: Approval,
    op: Change,
    requester: Caller,
    outcome: str,
    why: str,
    *,
    void_as: AuditOutcome = AuditOutcome.DENIED,
    reason: str = "",
) -> None:
    """Record the decision, edit the request to it, tell the requester.

    A decision is recorded as the decider's (approved, rejected, withdrawn); a request that
    can't be done when approved ("void") as the requester's, refused (`void_as`: denied, or
    frozen), naming who approved it. An approval must be recorded before anything runs: if it
    can't be, the request is shown as not done (it can't be approved again) and the failure
    reaches the approver.
    """
    if outcome == "void":
        decided, who = void_as, requester
        detail = f"not done when {ctx.caller.user_id} approved: {why}"
    else:
        decided = AuditOutcome.APPROVED if outcome == "approved" else AuditOutcome.REJECTED
        who, detail = ctx.caller, f"requested by {requester.user_id}"
        if reason:
            detail += f"; reason: {reason}"
    try:
        await ctx.audit_change(op, decided, detail=detail, who=who, must=outcome == "approved")
    except StateStoreError:
        await _show(ctx, approval, requester, "void", STORE_DOWN_WHY)
        raise
    await _show(ctx, approval, requester, outcome, why, reason)


async def _show(
    ctx: RequestContext,
    approval: Approval,
    requester: Caller,
    outcome: str,
    why: str,
    reason: str = "",
) -> None:
    """The request edited to its outcome (who decided, no buttons), and the requester told."""
    message = build_approval_outcome(
        view_of(approval), outcome, who=ctx.caller.user_id, why=why, reason=reason
    )
    if not await edit_request(ctx.store, ctx.effects.ops, approval, message):
        # Clicked before the request's place was stored: the click came from the request
        # itself, which its response_url replaces.
        await ctx.reply.replace(message)
    await _on_behalf(ctx, requester, approval).reply.ephemeral(message)


async def _over_limit(ctx: RequestContext, access: Access, op: Change) -> bool:
    """Whether the requester is over their write limit now (the approver is told so)."""
    limit = access.limit
    if limit is None:
        return False
    user = access.caller.user_id
    retry_at = await ctx.store.peek_write_slot(user, limit=limit.per_user, window=limit.window)
    if retry_at is None:
        return False
    now = datetime.fromtimestamp(ctx.clock(), UTC)
    again = when(datetime.fromtimestamp(retry_at, UTC), now)
    await ctx.audit_change(
        op,
        AuditOutcome.LIMITED,
        detail=f"approved by {ctx.caller.user_id} while over the write limit (again after "
        f"{again}); the request stays open",
        who=access.caller,
    )
    await ctx.reply.ephemeral(
        build_note(
            f"Not now: {user_mention(user)} has made as many changes as the bot allows for now; "
            f"approve after {again}. The request stays open.",
            icon=":stopwatch:",
        )
    )
    return True


async def _refused(
    ctx: RequestContext, denied: Denied, approval: Approval, op: Change, requester: Caller
) -> None:
    """An approval click the gate refused: not an approver (the request stays open), or the
    request can't be done any more (the requester's rights, a freeze, a changed policy): then
    it is closed, as not done, and everyone hears why."""
    if denied.self_approval or denied.approvers is not None or denied.outsider:
        await ctx.reply.ephemeral(build_denial(not_approver(denied, requester.user_id)))
        return
    why = why_void(denied, datetime.fromtimestamp(ctx.clock(), UTC))
    result = await ctx.store.decide_approval(approval.id, ctx.caller.user_id, approve=False)
    if not result.ok or result.approval is None:
        await lost(ctx, result)
        return
    frozen = denied.freeze is not None
    void_as = AuditOutcome.FROZEN if frozen else AuditOutcome.DENIED
    await _settle(ctx, result.approval, op, requester, "void", why, void_as=void_as)


STORE_DOWN_WHY = "the bot's state store was unavailable; nothing was done, ask again"


def _changed(op: Change, server: Server | None) -> str:
    """Why an approved write no longer fits the server (renamed or deleted since asked), or
    ""."""
    if server is None and op.server_id is not None:
        return "the server no longer exists"
    if server is not None and server.name != op.server.name:
        return f"the server was renamed to {server.name} since it was asked for"
    return ""


def _on_behalf(ctx: RequestContext, requester: Caller, approval: Approval) -> RequestContext:
    """The requester's context: results go where the request was made, notes to them only —
    through the Web API once the request's response_url may be stale (`requester_reply`)."""
    reply = requester_reply(ctx.reply.sibling, approval, ctx.clock())
    return dataclasses.replace(
        ctx, caller=dataclasses.replace(requester, response_url=reply.response_url), reply=reply
    )
