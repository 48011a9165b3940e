"""The prompt's buttons and the delete modal: single-use, requester-only, authorized again.

A click on "Stop web-01" is a request of its own: `confirm` takes the stored change through the
same steps, on the server as it is NOW, so the gate checks it again before anything happens;
only then is the confirmation claimed (one winner) and the call made.
"""

from __future__ import annotations

import dataclasses
import logging

from bot.flow.caller import Caller
from bot.flow.context import RequestContext
from bot.flow.execution import refusal
from bot.flow.forms import DeleteFormState
from bot.flow.gate import Access, Gate
from bot.flow.pipeline import authorize, resolve
from bot.flow.writes import proceed
from bot.operations.change import Change
from bot.resolve import ServerRef
from bot.slack.blocks import action_label, build_delete_modal, build_error, build_prompt_outcome
from bot.slack.blocks.core import user_mention
from bot.slack.blocks.notes import build_note
from bot.slack.text import as_shown
from bot.state import AuditOutcome, ClaimOutcome, ClaimResult, Confirmation

logger = logging.getLogger(__name__)

_GONE = "This confirmation no longer exists; nothing was done. Run the command again."
_TYPE_EXACTLY = "That is not this server's name; type it exactly to delete it."
_NOT_CONFIRMED = "Not confirmed: you may no longer do this here."


async def confirm(
    ctx: RequestContext, gate: Gate, confirmation_id: str, *, typed: str | None = None
) -> None:
    """A click on the danger button (or a submitted delete form, `typed`): the stored change →
    resolve (the server as it is now) → authorize → claim once → proceed."""
    loaded = await _pending(ctx, confirmation_id, typed)
    if loaded is None:
        return
    pending, op = loaded
    ctx = _where_asked(ctx, pending)
    label, server = op.server.name, None
    if op.server_id is not None:
        ref = ServerRef.of_id(op.server.id)
        server = await resolve(ctx, gate, op.action, ref, label=label, outcome=_NOT_CONFIRMED)
        if server is None:
            return
    after = op.rebased(server).after() if server is not None else op.after()
    access = await authorize(
        ctx, gate, op.action, server, after, label=label, outcome=_NOT_CONFIRMED
    )
    if access is None:
        return
    if server is not None and server.name != op.server.name:  # renamed since it was asked
        if not await _answered_meanwhile(ctx, pending):
            await ctx.reply.replace(build_prompt_outcome(_renamed(server.name)))
        return
    if op.action == "delete" and typed is None:
        await _open_delete_modal(ctx, access, pending, op)
    else:
        await _confirmed(ctx, access, pending, op)


async def _pending(
    ctx: RequestContext, confirmation_id: str, typed: str | None
) -> tuple[Confirmation, Change] | None:
    """The caller's own open confirmation and the change it holds; None when there is nothing
    to do (the caller has been told why)."""
    pending = await ctx.store.get_confirmation(confirmation_id)
    if pending is None:
        await ctx.reply.replace(build_prompt_outcome(_GONE))
        return None
    problem = pending.problem(ctx.caller.user_id, ctx.clock())
    if problem is not None:
        await _not_yours_or_gone(ctx, ClaimResult(problem, pending))
        return None
    try:
        op = Change.load(pending.params)
    except ValueError:
        logger.exception("confirmation %s holds a bad operation", pending.id)
        await ctx.reply.replace(build_error("This confirmation is damaged; nothing was done."))
        return None
    if typed is not None and as_shown(typed) != as_shown(pending.server_name):
        await ctx.reply.ephemeral(build_note(_TYPE_EXACTLY))
        return None
    return pending, op


def _where_asked(ctx: RequestContext, pending: Confirmation) -> RequestContext:
    """The click as if made where the change was asked for: a workflow step's prompt is
    confirmed in a direct message, and the policy's `channels:` rules ask about the step's
    channel (for a prompt in its own channel, nothing changes)."""
    caller = ctx.caller
    if caller.channel_id == pending.channel_id:
        return ctx
    asked = dataclasses.replace(
        caller, channel_id=pending.channel_id, channel_name=pending.channel_name or None
    )
    return dataclasses.replace(ctx, caller=asked)


def _renamed(name: str) -> str:
    return f"Not done: the server was renamed to {name} since you asked. Run the command again."


async def cancel(ctx: RequestContext, confirmation_id: str) -> None:
    """The Cancel button: open to anyone, but only the requester's click cancels anything."""
    result = await ctx.store.cancel_confirmation(confirmation_id, ctx.caller.user_id)
    if result.outcome is ClaimOutcome.CANCELLED and result.confirmation:
        await _record(ctx, result.confirmation, AuditOutcome.CANCELLED)
        await ctx.reply.replace(build_prompt_outcome("Cancelled; nothing was done.", emoji=":x:"))
        return
    await _not_yours_or_gone(ctx, result)


def typed_name_error(typed: str, expected: str) -> str | None:
    """The inline error for the delete modal's name field, or None when it matches."""
    return None if as_shown(typed) == as_shown(expected) else _TYPE_EXACTLY


async def _confirmed(
    ctx: RequestContext, access: Access, pending: Confirmation, op: Change
) -> None:
    server = access.server
    fresh = op.rebased(server) if server is not None else op
    refused = await refusal(ctx, fresh)
    if refused is not None:  # the server moved on since the prompt
        if not await _answered_meanwhile(ctx, pending):
            await ctx.reply.replace(refused)
        return
    result = await ctx.store.claim_confirmation(pending.id, ctx.caller.user_id)
    if result.outcome is not ClaimOutcome.CLAIMED:
        await _not_yours_or_gone(ctx, result)
        return
    verb = action_label(op.operation).lower()
    then = "sent for approval" if access.approval is not None else f"{verb} {op.server.name}…"
    await ctx.reply.replace(
        build_prompt_outcome(f"Confirmed — {then}", emoji=":ballot_box_with_check:")
    )
    await proceed(ctx, access, fresh, recorded=AuditOutcome.CONFIRMED)


async def _open_delete_modal(
    ctx: RequestContext, access: Access, pending: Confirmation, op: Change
) -> None:
    """Delete asks more: the caller types the name. The claim waits for the form."""
    server = access.server or op.server
    state = DeleteFormState(
        confirmation=pending.id,
        user_id=pending.user_id,
        name=server.name,
        channel_id=pending.channel_id,
        channel_name=pending.channel_name or None,
        response_url=ctx.caller.response_url,
    )
    view = build_delete_modal(
        server=server, confirmation_id=pending.id, private_metadata=state.dump()
    )
    failed = build_error("Slack would not open the form in time; click again.")
    await ctx.open_form(view, "delete", failed)


async def _answered_meanwhile(ctx: RequestContext, pending: Confirmation) -> bool:
    """Whether the prompt was answered since this click read it — a double click whose first
    click moved the server on — and the caller told so, leaving the first answer standing."""
    current = await ctx.store.get_confirmation(pending.id)
    if current is None:
        await ctx.reply.replace(build_prompt_outcome(_GONE))
        return True
    problem = current.problem(ctx.caller.user_id, ctx.clock())
    if problem is None:
        return False
    await _not_yours_or_gone(ctx, ClaimResult(problem, current))
    return True


async def _not_yours_or_gone(ctx: RequestContext, result: ClaimResult) -> None:
    """Every outcome of a click that did not win the claim."""
    match result.outcome:
        case ClaimOutcome.WRONG_USER if result.confirmation:
            who = user_mention(result.confirmation.user_id)
            await ctx.reply.ephemeral(
                build_note(f"Only {who}, who asked for it, can answer this.", icon=":lock:")
            )
        case ClaimOutcome.EXPIRED if result.confirmation:
            await _record(ctx, result.confirmation, AuditOutcome.EXPIRED)
            await ctx.reply.replace(
                build_prompt_outcome(
                    "This confirmation expired; nothing was done. Run the command again.",
                    emoji=":hourglass:",
                )
            )
        case ClaimOutcome.ALREADY_USED:
            # A double click: the first click's answer stands; this one only says so, apart.
            await ctx.reply.ephemeral(
                build_note("Already answered; nothing more was done.", icon=":information_source:")
            )
        case _:
            await ctx.reply.replace(build_prompt_outcome(_GONE))


async def _record(ctx: RequestContext, confirmation: Confirmation, outcome: AuditOutcome) -> None:
    who = Caller(user_id=confirmation.user_id, channel_id=confirmation.channel_id)
    try:
        name = Change.load(confirmation.params).operation  # the operation, not its policy action
    except ValueError:
        name = confirmation.action
    await ctx.audit(
        name,
        outcome,
        server_id=confirmation.server_id,
        server_name=confirmation.server_name,
        who=who,
    )
