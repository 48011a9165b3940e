"""The API call of a write the gate allowed, and everything after it.

Nothing reaches the API before its audit record is written: if the state store can't take it,
the caller hears "nothing was done" and the server is left alone. The write limit is counted
here, at the moment of the call, in the state store (so it holds across replicas).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from bot.flow.context import RequestContext
from bot.flow.gate import Access
from bot.flow.operations import Outcome
from bot.monitor import expect_change
from bot.operations import Change
from bot.slack.blocks import Message
from bot.slack.blocks.guardrails import build_approved_result, build_limited
from bot.slack.blocks.notes import build_name_taken, build_pointless
from bot.state import AuditOutcome, Watch, new_id
from bot.vps.models import STEADY_STATUSES, Server, ServerStatus
from bot.watch import EXPECTED_CHANGE_TTL

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
    await ctx.audit(
        op.operation,
        AuditOutcome.LIMITED,
        server_id=op.server_id,
        server_name=op.server.name,
        detail=f"{limit.per_user} writes in {limit.window:g}s",
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
    """Record the request (or fail closed), make the API call once, then — whatever else
    fails — record the outcome, post it to the channel and the ops channel (naming who
    approved it, if someone did), and follow the server when the action moves it."""
    if recorded is not None:  # None: the caller recorded the decision to act already
        await ctx.audit(
            op.operation,
            recorded,
            server_id=op.server_id,
            server_name=op.server.name,
            who=access.caller,
            must=True,
        )
    if await over_limit(ctx, access, op, take=True):
        return
    gone = op.declared.leads_to == "deleted"
    if gone:  # noted before the call: a listing right after it knows it is ours
        await _expect(ctx, op.server, "deleted")
    outcome = await ctx.effects.execute(access, op)
    if gone and not outcome.ok:  # still there: a later outside delete is news
        await _expect(ctx, op.server, None)
    server = outcome.server or op.server
    await ctx.audit(
        op.operation,
        AuditOutcome.EXECUTED if outcome.ok else AuditOutcome.FAILED,
        server_id=server.id or None,
        server_name=server.name,
        detail=outcome.detail,
    )
    watch = await _remember(ctx, op, outcome)
    notifier = ctx.effects.notifier
    message = outcome.message
    if approved_by is not None:
        message = build_approved_result(message, approved_by)
    result_ts = await ctx.reply.in_channel(message)
    if result_ts is not None and ctx.caller.channel_id == notifier.channel:
        ops_ts: str | None = result_ts  # asked in the ops channel: one message there, not two
    else:
        ops_ts = await notifier.post(message)
    if watch is None:
        return
    try:
        await ctx.effects.watcher.attach(
            watch,
            ops_channel=notifier.channel if ops_ts else None,
            ops_ts=ops_ts,
            result_channel=ctx.caller.channel_id if result_ts else None,
            result_ts=result_ts,
            response_url=ctx.caller.response_url,
        )
    except Exception:  # the watch is stored: the next start follows it
        logger.exception("could not start following %s", server.name)


async def _remember(ctx: RequestContext, op: Change, outcome: Outcome) -> Watch | None:
    """Store what comes next: a watch for a server on the move, or the deletion the monitor
    should not announce. A failure here is logged; the change itself has happened."""
    server = outcome.server or op.server
    watcher = ctx.effects.watcher
    try:
        if outcome.ok and op.declared.followed and outcome.status not in STEADY_STATUSES:
            # Stored before anything is posted: a crash from here on still ends with a report.
            moving = server.model_copy(update={"status": outcome.status or server.status})
            return await watcher.follow(
                watcher.new_watch(
                    watch_id=new_id(),
                    server=moving,
                    action=op.operation,
                    user_id=ctx.caller.user_id,
                    channel_id=ctx.caller.channel_id,
                )
            )
    except Exception:
        logger.exception("could not record the follow-up of %s %s", op.operation, server.name)
    return None


async def _expect(ctx: RequestContext, server: Server, status: str | None) -> None:
    """Tell the fleet monitor the server is about to reach `status` through the bot (None:
    take that back). A failure is logged: at worst the monitor announces the change too."""
    try:
        if status is not None:
            await expect_change(ctx.store, server.id, status, ctx.clock() + EXPECTED_CHANGE_TTL)
        else:
            await ctx.store.consume_expected_change(server.id, "deleted")
    except Exception:
        logger.exception("could not tell the fleet monitor about %s", server.name)
