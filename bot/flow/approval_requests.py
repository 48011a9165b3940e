"""Asking for an approval: one request per change, and no more pending than the member may write.

An approval request is a public post in the ops channel, so it is bounded like a write: the
member's pending requests count against their write limit (`limits: writes:`), and never exceed
`MAX_PENDING` even without one. The same change asked again while it waits (same member,
action, server and values) is not posted twice: the member is pointed at the one waiting.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from bot.flow.approval_notices import approvers_of, view_of
from bot.flow.context import RequestContext
from bot.flow.gate import Access
from bot.flow.previews import Asked
from bot.operations.change import Change
from bot.policy import ApprovalRule
from bot.slack.blocks.approvals import (
    build_already_waiting,
    build_approval_request,
    build_sent_for_approval,
    build_too_many_waiting,
)
from bot.state import AuditOutcome, Opening, OpenOutcome, StateStoreError
from bot.state.records import Approval

logger = logging.getLogger(__name__)

MAX_PENDING = 10
"""Approval requests one member may have waiting at once, whatever the write limit."""


async def request_approval(
    ctx: RequestContext, access: Access, op: Change, rule: ApprovalRule
) -> None:
    """Record the request, store it, post it to the ops channel, tell the requester — unless
    the same change waits already, or the member has as many waiting as they may.

    Recorded first: if the state store can't take the record, nothing is stored and the
    requester hears that nothing was done — no request is left that someone could approve.
    """
    caller = access.caller
    request: dict[str, Any] = {
        "requester_id": caller.user_id,
        "channel_id": caller.channel_id,
        "channel_name": caller.channel_name or "",
        "action": op.action,
        "word": op.operation,
        "server_id": op.server_id,
        "server_name": op.server.name,
        "params": op.dump(),
        "response_url": caller.response_url,
        "ttl_seconds": rule.ttl,
        "request_id": ctx.request_id,
    }
    limit = access.limit
    per_user = limit.per_user if limit is not None else None
    window = limit.window if limit is not None else 0.0
    # What it would be now, without storing anything: a refusal leaves no "requested" line.
    checked = await ctx.store.open_approval(
        per_user=per_user, window=window, max_pending=MAX_PENDING, commit=False, **request
    )
    if checked.outcome is not OpenOutcome.OPENED:
        await _not_opened(ctx, access, op, checked)
        return
    await ctx.audit_change(op, AuditOutcome.REQUESTED, detail=op.summary(), must=True)
    # The same check again, and the insert, in one transaction.
    opened = await ctx.store.open_approval(
        per_user=per_user, window=window, max_pending=MAX_PENDING, **request
    )
    if opened.outcome is not OpenOutcome.OPENED or opened.approval is None:
        await _not_opened(ctx, access, op, opened)  # another request of theirs came first
        return
    await post_request(ctx, opened.approval, rule)


async def open_for_many(
    ctx: RequestContext,
    asked: Asked,
    rule: ApprovalRule,
    about: str,
    servers: str,
    params: dict[str, Any],
    *,
    server_id: int | None = None,
) -> Opening:
    """Record and store the request for a plan or a schedule (`about`: "plan 3f…"), naming
    its `servers`; its writes are counted apart (a plan's at its confirmation, a schedule's at
    each run), so only `MAX_PENDING` bounds it."""
    word = asked.operation
    await ctx.audit(
        word, AuditOutcome.REQUESTED, server_name=servers[:200], detail=about, must=True
    )
    return await ctx.store.open_approval(
        per_user=None,
        window=0.0,
        max_pending=MAX_PENDING,
        requester_id=ctx.caller.user_id,
        channel_id=asked.channel_id,
        channel_name=asked.channel_name,
        action=rule.action,
        word=word,
        server_id=server_id,
        server_name=servers[:500],
        params=params,
        response_url=ctx.caller.response_url,
        ttl_seconds=rule.ttl,
        request_id=ctx.request_id,
    )


async def post_request(ctx: RequestContext, approval: Approval, rule: ApprovalRule) -> None:
    """Post a stored request to the ops channel, remember where, and tell the requester (a
    change's, a plan's or a schedule's alike)."""
    view = view_of(approval, approvers_of(rule, besides=approval.requester_id))
    notifier = ctx.effects.ops
    now = datetime.fromtimestamp(ctx.clock(), UTC)
    ts = await notifier.post(build_approval_request(view, now))
    if ts is not None and notifier.channel:
        try:
            await ctx.store.set_approval_message(approval.id, notifier.channel, ts)
        except StateStoreError:  # the request stands (/vps approvals lists it); its message
            logger.exception("could not remember where approval %s was posted", approval.id)
    sent = build_sent_for_approval(view, posted=ts is not None, command=ctx.command)
    await ctx.reply.ephemeral(sent)


async def _not_opened(ctx: RequestContext, access: Access, op: Change, opening: Opening) -> None:
    """The same change waits already (pointed at), or too many do (refused, recorded)."""
    now = datetime.fromtimestamp(ctx.clock(), UTC)
    if opening.outcome is OpenOutcome.WAITING and opening.approval is not None:
        waiting = opening.approval
        await ctx.reply.ephemeral(
            build_already_waiting(
                view_of(waiting), now, where=waiting.ops_channel, command=ctx.command
            )
        )
        return
    limit = access.limit
    await ctx.audit_change(
        op,
        AuditOutcome.LIMITED,
        detail=f"{opening.pending} approval requests waiting"
        + (f", {opening.writes} writes in {limit.window:g}s" if limit is not None else ""),
        who=access.caller,
    )
    per_user = limit.per_user if limit is not None else None
    window = limit.window if limit is not None else None
    await ctx.reply.ephemeral(
        build_too_many_waiting(
            opening.pending,
            opening.writes,
            per_user=per_user,
            window=window,
            max_pending=MAX_PENDING,
            command=ctx.command,
        )
    )
