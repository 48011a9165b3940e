"""Modal submissions: the delete confirmation and the create form."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.flow.confirmations import delete_submitted, finish_delete
from bot.flow.forms import check_form, create_from_form
from bot.slack import ids
from bot.slack.listeners.safety import contained

logger = logging.getLogger(__name__)

_TRY_AGAIN = "Something went wrong on the bot's side; nothing was done. Try again."


def register(app: AsyncApp) -> None:
    """Route each modal's callback_id to its listener."""
    app.view(ids.DELETE_MODAL)(handle_delete_submission)
    app.view(ids.CREATE_MODAL)(handle_create_submission)


@contained
async def handle_delete_submission(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    """The typed name: wrong → an inline error; right → the modal closes and the delete runs."""
    services, user_id, metadata = context["services"], body["user"]["id"], view["private_metadata"]
    field = view["state"]["values"].get(ids.DELETE_NAME_BLOCK, {}).get(ids.DELETE_NAME_INPUT, {})
    try:
        errors = await delete_submitted(services, user_id, metadata, str(field.get("value") or ""))
    except Exception:  # the modal must still get its answer within 3 seconds
        logger.exception("could not check a delete confirmation")
        errors = {ids.DELETE_NAME_BLOCK: _TRY_AGAIN}
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    await finish_delete(services, user_id, metadata)


@contained
async def handle_create_submission(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    """The create form: field errors inline; valid values go the way of `/vps create …`."""
    services = context["services"]
    try:
        checked = check_form(services, view["state"]["values"])
    except Exception:
        logger.exception("could not check the create form")
        checked = {ids.CREATE_NAME: _TRY_AGAIN}
    if isinstance(checked, dict):
        await ack(response_action="errors", errors=checked)
        return
    await ack()
    await create_from_form(services, body["user"]["id"], view["private_metadata"], checked)
