"""A write asked for: policy, then a confirmation prompt or the API call, then the report."""

from __future__ import annotations

import logging

from bot.flow.caller import Caller
from bot.flow.guard import permitted
from bot.flow.operations import Operation, Outcome, execute
from bot.flow.reply import Reply
from bot.flow.services import Services
from bot.monitor import expect_change
from bot.slack.blocks import build_confirm_prompt
from bot.state import AuditOutcome, Watch, new_id
from bot.vps.models import STEADY_STATUSES
from bot.watch import EXPECTED_CHANGE_TTL, FOLLOWED_ACTIONS

logger = logging.getLogger(__name__)


async def request_write(services: Services, caller: Caller, reply: Reply, op: Operation) -> None:
    """Deny, ask for confirmation, or run `op` — whichever the policy says."""
    if not await permitted(services, caller, reply, op.action, op.server):
        return
    if not services.policy.needs_confirmation(op.action):
        await run_write(services, caller, reply, op)
        return
    ttl = services.settings.bot_confirm_ttl_seconds
    confirmation = await services.store.create_confirmation(
        user_id=caller.user_id,
        channel_id=caller.channel_id,
        channel_name=caller.channel_name or "",
        action=op.action,
        server_id=op.server_id,
        server_name=op.server.name,
        params=op.to_params(),
        response_url=caller.response_url,
        ttl_seconds=ttl,
    )
    await services.audit(
        caller, op.word, AuditOutcome.ASKED, server_id=op.server_id, server_name=op.server.name
    )
    prompt = build_confirm_prompt(
        action=op.word,
        server=op.server,
        confirmation_id=confirmation.id,
        expires_in=ttl,
        changes=op.changes(),
    )
    await reply.ephemeral(prompt)


async def run_write(services: Services, caller: Caller, reply: Reply, op: Operation) -> None:
    """Make the API call once, then — whatever else fails — record it, post the outcome to the
    channel and the ops channel, and follow the server when the action moves it."""
    outcome = await execute(services.vps, op, user_id=caller.user_id, channel_id=caller.channel_id)
    server = outcome.server or op.server
    await services.audit(
        caller,
        op.word,
        AuditOutcome.EXECUTED if outcome.ok else AuditOutcome.FAILED,
        server_id=server.id or None,
        server_name=server.name,
        detail=outcome.detail,
    )
    watch = await _remember(services, caller, op, outcome)
    result_ts = await reply.in_channel(outcome.message)
    ops_ts = await services.notifier.post(outcome.message)
    if watch is None:
        return
    try:
        await services.watcher.attach(
            watch,
            ops_channel=services.notifier.channel if ops_ts else None,
            ops_ts=ops_ts,
            result_channel=caller.channel_id if result_ts else None,
            result_ts=result_ts,
            response_url=caller.response_url,
        )
    except Exception:  # the watch is stored: the next start follows it
        logger.exception("could not start following %s", server.name)


async def _remember(
    services: Services, caller: Caller, op: Operation, outcome: Outcome
) -> Watch | None:
    """Store what comes next: a watch for a server on the move, or the deletion the monitor
    should not announce. A failure here is logged; the change itself has happened."""
    server = outcome.server or op.server
    try:
        if outcome.ok and op.kind in FOLLOWED_ACTIONS and outcome.status not in STEADY_STATUSES:
            # Stored before anything is posted: a crash from here on still ends with a report.
            moving = server.model_copy(update={"status": outcome.status or server.status})
            return await services.watcher.follow(
                services.watcher.new_watch(
                    watch_id=new_id(),
                    server=moving,
                    action=op.kind,
                    user_id=caller.user_id,
                    channel_id=caller.channel_id,
                )
            )
        if outcome.ok and op.kind == "delete":
            until = services.clock() + EXPECTED_CHANGE_TTL
            await expect_change(services.store, server.id, "deleted", until)
    except Exception:
        logger.exception("could not record the follow-up of %s %s", op.word, server.name)
    return None
