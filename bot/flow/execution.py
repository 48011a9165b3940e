"""The API call of a write the gate allowed, and everything after it.

Nothing reaches the API before its audit record is written: if the state store can't take it,
the caller hears "nothing was done" and the server is left alone. The write limit is counted
here, at the moment of the call, in the state store (so it holds across replicas).

Each call is also recorded in flight before it is sent and cleared once its answer is known (a
success or a refusal): a replica that dies in between, or an answer lost where the request may
have reached VPS.org, leaves the record behind, and `bot.flow.settle` learns from the server
whether it happened — the call is never sent again.
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
from bot.slack.blocks.settle import build_answer_lost
from bot.state import AuditOutcome, new_id
from bot.state.inflight import InFlight
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
    flight = await _in_flight(ctx, op, approved_by)  # raises: nothing is sent
    outcome = await ctx.effects.execute(access, op)
    if outcome.lost:  # it may have happened: the server's status will say, not a second call
        await _lost(ctx, op, flight, outcome.detail)
        return
    await _answered(ctx, flight)
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


async def _in_flight(ctx: RequestContext, op: Change, approved_by: str | None) -> InFlight:
    """Record the call about to be sent, this replica's until it can no longer be answered."""
    now, caller, effects = ctx.clock(), ctx.caller, ctx.effects
    flight = InFlight(
        id=new_id(),
        user_id=caller.user_id,
        channel_id=caller.channel_id,
        operation=op.operation,
        server_id=op.server.id,
        server_name=op.server.name,
        change=op.dump(),
        started_at=now,
        owner=effects.owner,
        lease_until=now + effects.lease,
        response_url=caller.response_url,
        before_status=op.server.status,
        request_id=ctx.request_id,
        approved_by=approved_by,
    )
    await ctx.store.add_inflight(flight)
    return flight


async def _answered(ctx: RequestContext, flight: InFlight) -> None:
    """The answer is known: the change needs no settling. A failure is logged (the change
    would be settled from the server's status later, and reported again)."""
    try:
        await ctx.store.clear_inflight(flight.id)
    except Exception:
        logger.exception(
            "could not clear the %s of %s in flight", flight.operation, flight.server_name
        )


async def _lost(ctx: RequestContext, op: Change, flight: InFlight, why: str) -> None:
    """The request may have reached VPS.org, its answer did not come back: it is settled from
    the server's status (by whichever replica claims it) once VPS.org has had as long again
    to act on it, and the requester hears that they will be told."""
    try:
        await ctx.store.lose_inflight(flight.id, flight.owner, why, after=ctx.effects.grace)
    except Exception:  # it is settled when its lease runs out instead
        logger.exception("could not mark the %s of %s lost", op.operation, op.server.name)
    await ctx.reply.ephemeral(build_answer_lost(op.operation, op.server.name, op.server_id))


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
