"""A member's request for a write, step by step, each a plain function: `ask` resolves the
server it names and asks the gate; then `write`, over (context, access, change): refused at once
when it can only fail, held by the write limit, then a confirmation prompt, an approval request
(`proceed`), or the call itself (`bot.flow.execution`).
"""

from __future__ import annotations

from bot.flow.approval_requests import request_approval
from bot.flow.context import RequestContext
from bot.flow.execution import over_limit, refusal, run_write
from bot.flow.gate import Access, Gate
from bot.flow.pipeline import authorize, labelled, resolve
from bot.operations.change import Change, Request
from bot.resolve import parse_reference
from bot.slack.blocks import build_confirm_prompt
from bot.state import AuditOutcome


async def ask(ctx: RequestContext, gate: Gate, request: Request) -> None:
    """resolve → authorize → confirm | approve | execute. A create names no server: it is
    checked on the one it will make."""
    action = request.declared.policy_action
    server, label = None, None
    if request.target is not None:
        ref = parse_reference(request.target)
        label = labelled(ref)
        server = await resolve(ctx, gate, action, ref, label=label)
        if server is None:
            return
    change = request.on(server)
    access = await authorize(ctx, gate, action, server, change.after(), label=label)
    if access is not None:
        await write(ctx, access, change)


async def write(ctx: RequestContext, access: Access, op: Change) -> None:
    """Ask for confirmation first (the policy's `confirm:`, said by the access), or go on to
    approval or the call — unless it can only fail, or the write limit holds it."""
    refused = await refusal(ctx, op)
    if refused is not None:
        await ctx.reply.ephemeral(refused)
    elif await over_limit(ctx, access, op, take=False):
        return
    elif access.confirm or ctx.confirm_every_write:
        await ask_to_confirm(ctx, op)
    else:
        await proceed(ctx, access, op)


async def proceed(
    ctx: RequestContext,
    access: Access,
    op: Change,
    *,
    recorded: AuditOutcome = AuditOutcome.ASKED,
) -> None:
    """The requester's own steps are done: ask a second person, or make the call."""
    if access.approval is not None:
        if recorded is AuditOutcome.CONFIRMED:
            await ctx.audit_change(op, recorded)
        await request_approval(ctx, access, op, access.approval)
        return
    await run_write(ctx, access, op, recorded=recorded)


async def ask_to_confirm(ctx: RequestContext, op: Change) -> None:
    """Store a pending confirmation and show the caller its prompt."""
    caller = ctx.caller
    confirmation = await ctx.store.create_confirmation(
        user_id=caller.user_id,
        channel_id=caller.channel_id,
        channel_name=caller.channel_name or "",
        action=op.action,
        server_id=op.server_id,
        server_name=op.server.name,
        params=op.dump(),
        response_url=caller.response_url,
        ttl_seconds=ctx.confirm_ttl,
    )
    await ctx.audit_change(op, AuditOutcome.ASKED)
    prompt = build_confirm_prompt(
        action=op.operation,
        server=op.server,
        confirmation_id=confirmation.id,
        expires_in=ctx.confirm_ttl,
        changes=op.changes(),
    )
    await ctx.reply.ephemeral(prompt)
