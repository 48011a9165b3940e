"""The API call of a write the gate allowed, and everything after it.

Nothing reaches the API before its audit record is written: if the state store can't take it,
the caller hears "nothing was done" and the server is left alone. The write limit is counted
here, at the moment of the call, in the state store (so it holds across replicas).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from bot.expected import EXPECTED_CHANGE_TTL, expect_change
from bot.flow.context import Effects, RequestContext
from bot.flow.events import OperationDone
from bot.flow.gate import Access
from bot.flow.operations import Outcome
from bot.operations.change import Change
from bot.slack.blocks import Message
from bot.slack.blocks.guardrails import build_limited
from bot.slack.blocks.notes import build_name_taken, build_pointless
from bot.state import AuditOutcome
from bot.vps.models import Server, ServerStatus
from bot.words import counted

logger = logging.getLogger(__name__)


_KNOWN = frozenset(s.value for s in ServerStatus)


async def refusal(ctx: RequestContext, op: Change) -> Message | None:
    """Why `op` can only fail, said before any prompt or API call; None when it may succeed."""
    server, declared = op.server, op.declared
    if server.status in _KNOWN and not declared.can_run_from(server.status):
        return build_pointless(op.operation, server.name, server.id, server.status)
    new_name = op.after().name
    if not declared.targets_server or new_name != server.name:
        taken = [s for s in await ctx.servers.named(new_name) if s.id != server.id]
        if taken:
            return build_name_taken(new_name, taken[0].name, taken[0].id)
    return None


async def over_limit(ctx: RequestContext, access: Access, op: Change, *, take: bool) -> bool:
    """Refuse (and say until when) a write over the member's limit; with `take`, count it."""
    limit = access.limit
    if limit is None:
        return False
    check = ctx.store.take_write_slot if take else ctx.store.peek_write_slot
    retry_at = await check(access.caller.user_id, limit=limit.per_user, window=limit.window)
    if retry_at is None:
        return False
    await ctx.audit_change(
        op,
        AuditOutcome.LIMITED,
        detail=f"{counted(limit.per_user, 'write')} in {limit.window:g}s",
        who=access.caller,
    )
    now = datetime.fromtimestamp(ctx.clock(), UTC)
    message = build_limited(
        limit.per_user, limit.window, datetime.fromtimestamp(retry_at, UTC), now
    )
    await ctx.reply.ephemeral(message)
    return True


async def run_write(
    ctx: RequestContext,
    access: Access,
    op: Change,
    *,
    recorded: AuditOutcome | None = AuditOutcome.ASKED,
    approved_by: str | None = None,
) -> None:
    """Record the request (or fail closed), make the API call once, record the outcome, and
    publish it (`OperationDone`): the requester's answer, the ops channel, the follow-up, the
    fleet monitor and the metrics hear of it there, whatever else fails."""
    if recorded is not None:  # None: the caller recorded the decision to act already
        await ctx.audit_change(op, recorded, who=access.caller, must=True)
    if await over_limit(ctx, access, op, take=True):
        return
    if op.declared.leads_to == "deleted":  # noted before the call: a listing right after it
        await _expect_gone(ctx, op.server)  # knows it is ours
    outcome = await ctx.effects.execute(access, op)
    server = outcome.server or op.server
    await ctx.audit(
        op.operation,
        AuditOutcome.EXECUTED if outcome.ok else AuditOutcome.FAILED,
        server_id=server.id or None,
        server_name=server.name,
        detail=outcome.detail,
    )
    done = OperationDone(op, ctx.caller, outcome, ctx.reply, approved_by=approved_by)
    await ctx.effects.events.publish(done)


async def _expect_gone(ctx: RequestContext, server: Server) -> None:
    """Tell the fleet monitor the server is about to go through the bot. A failure is logged:
    at worst the monitor announces the deletion too."""
    try:
        await expect_change(ctx.store, server.id, "deleted", ctx.clock() + EXPECTED_CHANGE_TTL)
    except Exception:
        logger.exception("could not tell the fleet monitor about %s", server.name)


async def run_planned(effects: Effects, access: Access, op: Change) -> Outcome:
    """One server's call in a running plan, made once: the plan's store claimed it (waiting →
    calling) and the gate granted `access` just before; the plan records and reports it."""
    return await effects.execute(access, op)
