"""Modal submissions: the delete confirmation, the create form and a rejection's reason.

Both answer inline errors in the ack (Slack shows them under the field), so what runs before
the ack is pure and quick: no state store, no API. Everything else happens after it.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.flow.confirmations import typed_name_error
from bot.flow.forms import CreateFormState, DeleteFormState, RejectFormState, check_form
from bot.flow.requests import create_submitted, delete_submitted, reject_submitted
from bot.slack import ids
from bot.slack.listeners.safety import contained
from bot.slack.wording import form_errors

logger = logging.getLogger(__name__)

_NOT_OURS = "This form is out of date; nothing was done. Run the command again."


def register(app: AsyncApp) -> None:
    """Route each modal's callback_id to its listener."""
    app.view(ids.DELETE_MODAL)(handle_delete_submission)
    app.view(ids.CREATE_MODAL)(handle_create_submission)
    app.view(ids.REJECT_MODAL)(handle_reject_submission)


@contained
async def handle_delete_submission(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    """The typed name: wrong → an inline error; right → the modal closes and the delete runs."""
    user_id = str(body["user"]["id"])
    state = DeleteFormState.load(str(view.get("private_metadata") or ""))
    values = (view.get("state") or {}).get("values") or {}
    field = (values.get(ids.DELETE_NAME_BLOCK) or {}).get(ids.DELETE_NAME_INPUT) or {}
    typed = str(field.get("value") or "")
    if state is None or state.user_id != user_id:
        error: str | None = _not_yours(state.user_id if state else None)
    else:
        error = typed_name_error(typed, state.name)
    if state is None or error is not None:
        await ack(response_action="errors", errors={ids.DELETE_NAME_BLOCK: error or _NOT_OURS})
        return
    await ack()
    await delete_submitted(context["services"], user_id, state, typed)


@contained
async def handle_create_submission(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    """The create form: field errors inline; valid values go the way of `/vps create …`."""
    services, user_id = context["services"], str(body["user"]["id"])
    state = CreateFormState.load(str(view.get("private_metadata") or ""))
    checked = check_form(services.catalog, (view.get("state") or {}).get("values") or {})
    if state is None or state.user_id != user_id:
        await ack(
            response_action="errors",
            errors={ids.CREATE_NAME: _not_yours(state.user_id if state else None)},
        )
        return
    if isinstance(checked, dict):
        await ack(response_action="errors", errors=form_errors(checked))
        return
    await ack()
    await create_submitted(services, user_id, state, checked)


@contained
async def handle_reject_submission(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    """Reject's form: the modal closes and the rejection is decided, with the reason given."""
    user_id = str(body["user"]["id"])
    state = RejectFormState.load(str(view.get("private_metadata") or ""))
    if state is None or state.user_id != user_id:
        error = _not_yours(state.user_id if state else None)
        await ack(response_action="errors", errors={ids.REJECT_REASON_BLOCK: error})
        return
    values = (view.get("state") or {}).get("values") or {}
    field = (values.get(ids.REJECT_REASON_BLOCK) or {}).get(ids.REJECT_REASON_INPUT) or {}
    await ack()
    await reject_submitted(context["services"], user_id, state, str(field.get("value") or ""))


def _not_yours(owner: str | None) -> str:
    """The inline answer (plain text) to a form submitted by someone it was not opened for."""
    if owner is None:
        return _NOT_OURS
    return "Only the person who opened this form can submit it; nothing was done."
