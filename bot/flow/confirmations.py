"""The prompt's buttons and the delete modal: single-use, requester-only, checked again."""

from __future__ import annotations

import json
import logging
import unicodedata
from collections.abc import Mapping
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.flow.caller import Caller
from bot.flow.guard import guarded, permitted
from bot.flow.operations import Operation
from bot.flow.reply import Reply
from bot.flow.services import Services
from bot.flow.writes import run_write
from bot.slack import ids
from bot.slack.blocks import action_label, build_delete_modal, build_error, build_prompt_outcome
from bot.slack.blocks.core import user_mention
from bot.slack.blocks.notes import build_note
from bot.state import AuditOutcome, ClaimOutcome, ClaimResult, Confirmation
from bot.vps import VPSNotFound

logger = logging.getLogger(__name__)

_GONE = "This confirmation no longer exists; nothing was done. Run the command again."


async def confirm_clicked(services: Services, caller: Caller, confirmation_id: str) -> None:
    """The danger button: run the action once — or, for delete, ask for the name first."""
    reply = services.reply_to(caller)

    async def act() -> None:
        pending = await services.store.get_confirmation(confirmation_id)
        if pending is not None and pending.action == "delete":
            await _open_delete_modal(services, caller, reply, pending)
            return
        result = await services.store.claim_confirmation(confirmation_id, caller.user_id)
        await _after_claim(services, caller, reply, result)

    await guarded(services, caller, reply, act, what="confirm")


async def cancel_clicked(services: Services, caller: Caller, confirmation_id: str) -> None:
    """The Cancel button: nothing is done, and the prompt says so."""
    reply = services.reply_to(caller)

    async def act() -> None:
        result = await services.store.cancel_confirmation(confirmation_id, caller.user_id)
        if result.outcome is ClaimOutcome.CANCELLED and result.confirmation:
            await _record(services, result.confirmation, AuditOutcome.CANCELLED)
            await reply.replace(build_prompt_outcome("Cancelled; nothing was done.", emoji=":x:"))
            return
        await _not_yours_or_gone(services, caller, reply, result)

    await guarded(services, caller, reply, act, what="cancel")


def typed_name_error(typed: str, confirmation: Confirmation) -> str | None:
    """The inline error for the delete modal's name field, or None when it matches."""
    if _normal(typed) == _normal(confirmation.server_name):
        return None
    return "That is not this server's name; type it exactly to delete it."


async def delete_submitted(
    services: Services, user_id: str, metadata: str, typed: str
) -> dict[str, str] | None:
    """Check the typed name and claim the confirmation; field errors for the modal, or None.

    Called before the modal is acknowledged, so it only touches the state store (fast); the
    API call happens in `finish_delete` after the ack.
    """
    confirmation_id, _ = _parse_metadata(metadata)
    pending = await services.store.get_confirmation(confirmation_id)
    if pending is None:
        return {ids.DELETE_NAME_BLOCK: _GONE}
    error = typed_name_error(typed, pending)
    if error:
        return {ids.DELETE_NAME_BLOCK: error}
    result = await services.store.claim_confirmation(confirmation_id, user_id)
    if result.outcome is ClaimOutcome.CLAIMED:
        return None
    return {ids.DELETE_NAME_BLOCK: _claim_problem(result)}


async def finish_delete(services: Services, user_id: str, metadata: str) -> None:
    """After a valid delete modal: re-check the permission, then delete once."""
    confirmation_id, response_url = _parse_metadata(metadata)
    confirmation = await services.store.get_confirmation(confirmation_id)
    if confirmation is None or confirmation.user_id != user_id:
        return
    caller = Caller(
        user_id=user_id,
        channel_id=confirmation.channel_id,
        channel_name=confirmation.channel_name or None,
        response_url=response_url or confirmation.response_url,
    )
    reply = services.reply_to(caller)
    await guarded(
        services,
        caller,
        reply,
        lambda: _run_confirmed(services, caller, reply, confirmation),
        what="delete",
    )


async def _after_claim(
    services: Services, caller: Caller, reply: Reply, result: ClaimResult
) -> None:
    if result.outcome is ClaimOutcome.CLAIMED and result.confirmation:
        await _run_confirmed(services, caller, reply, result.confirmation)
        return
    await _not_yours_or_gone(services, caller, reply, result)


async def _run_confirmed(
    services: Services, caller: Caller, reply: Reply, confirmation: Confirmation
) -> None:
    """The one winner of the claim: permission again (it may have changed), then the call."""
    try:
        op = Operation.from_params(confirmation.params)
    except ValueError:
        logger.exception("confirmation %s holds a bad operation", confirmation.id)
        await reply.replace(build_error("This confirmation is damaged; nothing was done."))
        return
    server = op.server
    if op.server_id is not None:  # the server may have changed since the prompt
        try:
            server = await services.vps.get_server(op.server_id)
        except VPSNotFound:
            await reply.replace(build_prompt_outcome(f"{op.server.name} no longer exists."))
            return
        if server.name != op.server.name:
            await reply.replace(
                build_prompt_outcome(
                    f"Not done: the server was renamed to {server.name} since you asked. "
                    "Run the command again."
                )
            )
            return
    if not await permitted(services, caller, reply, op.action, server):
        await reply.replace(build_prompt_outcome("Not confirmed: you may no longer do this here."))
        return
    await _record(services, confirmation, AuditOutcome.CONFIRMED)
    verb = action_label(op.word).lower()
    await reply.replace(
        build_prompt_outcome(
            f"Confirmed — {verb} {op.server.name}…", emoji=":ballot_box_with_check:"
        )
    )
    await run_write(services, caller, reply, op)


async def _not_yours_or_gone(
    services: Services, caller: Caller, reply: Reply, result: ClaimResult
) -> None:
    """Every outcome of a click that did not win the claim."""
    match result.outcome:
        case ClaimOutcome.WRONG_USER if result.confirmation:
            who = user_mention(result.confirmation.user_id)
            await reply.ephemeral(
                build_note(f"Only {who}, who asked for it, can answer this.", icon=":lock:")
            )
        case ClaimOutcome.EXPIRED if result.confirmation:
            await _record(services, result.confirmation, AuditOutcome.EXPIRED)
            await reply.replace(
                build_prompt_outcome(
                    "This confirmation expired; nothing was done. Run the command again.",
                    emoji=":hourglass:",
                )
            )
        case ClaimOutcome.ALREADY_USED:
            # A double click: the first click's answer stands; this one only says so, apart.
            await reply.ephemeral(
                build_note("Already answered; nothing more was done.", icon=":information_source:")
            )
        case _:
            await reply.replace(build_prompt_outcome(_GONE))


async def _open_delete_modal(
    services: Services, caller: Caller, reply: Reply, pending: Confirmation
) -> None:
    """Delete asks more: the caller types the name. The claim waits for the modal."""
    problem = pending.problem(caller.user_id, services.clock())
    if problem is not None:
        await _not_yours_or_gone(services, caller, reply, ClaimResult(problem, pending))
        return
    op = Operation.from_params(pending.params)
    metadata = json.dumps({"c": pending.id, "r": caller.response_url})
    view = build_delete_modal(
        server=op.server, confirmation_id=pending.id, private_metadata=metadata
    )
    try:
        await services.slack.views_open(trigger_id=caller.trigger_id or "", view=view)
    except SlackApiError as exc:
        logger.warning("could not open the delete form: %s", exc.response.get("error"))
        await reply.ephemeral(build_error("Slack would not open the form in time; click again."))


def _claim_problem(result: ClaimResult) -> str:
    match result.outcome:
        case ClaimOutcome.EXPIRED:
            return "This confirmation expired; nothing was done. Run the command again."
        case ClaimOutcome.WRONG_USER:
            return "Only the person who asked for this delete can confirm it."
        case ClaimOutcome.ALREADY_USED:
            return "This delete was already confirmed or cancelled."
        case _:
            return _GONE


async def _record(services: Services, confirmation: Confirmation, outcome: AuditOutcome) -> None:
    caller = Caller(user_id=confirmation.user_id, channel_id=confirmation.channel_id)
    word = str(confirmation.params.get("word") or confirmation.action)
    await services.audit(
        caller,
        word,
        outcome,
        server_id=confirmation.server_id,
        server_name=confirmation.server_name,
    )


def _parse_metadata(metadata: str) -> tuple[str, str | None]:
    """The delete modal's private_metadata: the confirmation id and the prompt's response_url."""
    try:
        data: Mapping[str, Any] = json.loads(metadata)
        return str(data["c"]), (str(data["r"]) if data.get("r") else None)
    except (ValueError, KeyError, TypeError):
        return "", None  # not ours: no confirmation has an empty id


def _normal(text: str) -> str:
    """Compare names as people see them: invisible characters and edge spaces don't count."""
    shown = "".join(c for c in text if unicodedata.category(c) not in {"Cf", "Cc"})
    return unicodedata.normalize("NFC", shown.strip())
