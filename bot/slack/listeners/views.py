"""Modal submissions: the delete confirmation, the create form, a rejection's reason, a large
plan's typed count and a schedule's typed name or count.

Both answer inline errors in the ack (Slack shows them under the field), so what runs before
the ack is pure and quick: no state store, no API. Everything else happens after it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.flow.confirmations import typed_name_error
from bot.flow.forms import (
    CreateFormState,
    DeleteFormState,
    Opened,
    PlanCountFormState,
    RejectFormState,
    ScheduleFormState,
    check_form,
)
from bot.flow.requests import (
    create_submitted,
    delete_submitted,
    plan_confirm_clicked,
    reject_submitted,
)
from bot.flow.schedule_requests import schedule_confirm_clicked
from bot.slack import ids
from bot.slack.command_wording import form_errors
from bot.slack.listeners.safety import contained

Form = TypeVar("Form", bound=Opened)

_NOT_OURS = "This form is out of date; nothing was done. Run the command again."
_NOT_YOURS = "Only the person who opened this form can submit it; nothing was done."


def register(app: AsyncApp) -> None:
    """Route each modal's callback_id to its listener."""
    app.view(ids.DELETE_MODAL)(handle_delete_submission)
    app.view(ids.CREATE_MODAL)(handle_create_submission)
    app.view(ids.REJECT_MODAL)(handle_reject_submission)
    app.view(ids.PLAN_COUNT_MODAL)(handle_plan_count_submission)
    app.view(ids.SCHEDULE_TYPED_MODAL)(handle_schedule_typed_submission)


@contained
async def handle_delete_submission(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    """The typed name: wrong → an inline error; right → the modal closes and the delete runs."""
    user_id, state, error = _opened(DeleteFormState, body, view)
    typed = _entered(view, ids.DELETE_NAME_BLOCK, ids.DELETE_NAME_INPUT)
    if state is not None:
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
    services = context["services"]
    user_id, state, error = _opened(CreateFormState, body, view)
    checked = check_form(services.catalog, (view.get("state") or {}).get("values") or {})
    if state is None:
        await ack(response_action="errors", errors={ids.CREATE_NAME: error or _NOT_OURS})
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
    user_id, state, error = _opened(RejectFormState, body, view)
    if state is None:
        await ack(response_action="errors", errors={ids.REJECT_REASON_BLOCK: error or _NOT_OURS})
        return
    reason = _entered(view, ids.REJECT_REASON_BLOCK, ids.REJECT_REASON_INPUT)
    await ack()
    await reject_submitted(context["services"], user_id, state, reason)


@contained
async def handle_plan_count_submission(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    """A large plan's typed count: wrong → an inline error, nothing happens; right → the
    modal closes and the plan is confirmed (the count checked again on the stored plan)."""
    user_id, state, error = _opened(PlanCountFormState, body, view)
    typed = _entered(view, ids.PLAN_COUNT_BLOCK, ids.PLAN_COUNT_INPUT).strip()
    if state is not None and typed != str(state.count):
        error = f"Type {state.count}, the number of servers, to confirm."
    if state is None or error is not None:
        await ack(response_action="errors", errors={ids.PLAN_COUNT_BLOCK: error or _NOT_OURS})
        return
    await ack()
    caller = state.caller(user_id)
    await plan_confirm_clicked(context["services"], caller, state.plan, typed=typed)


@contained
async def handle_schedule_typed_submission(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    """A schedule's typed name or count: wrong → an inline error; right → the modal closes
    and the schedule is confirmed (checked again on the stored schedule)."""
    user_id, state, error = _opened(ScheduleFormState, body, view)
    typed = _entered(view, ids.SCHEDULE_TYPED_BLOCK, ids.SCHEDULE_TYPED_INPUT).strip()
    if state is not None:
        error = typed_name_error(typed, state.expected)
        if error is not None and state.counting:
            error = f"Type {state.expected}, the number of servers, to confirm."
    if state is None or error is not None:
        await ack(response_action="errors", errors={ids.SCHEDULE_TYPED_BLOCK: error or _NOT_OURS})
        return
    await ack()
    caller = state.caller(user_id)
    await schedule_confirm_clicked(context["services"], caller, state.schedule, typed=typed)


def _opened(
    form: type[Form], body: dict[str, Any], view: dict[str, Any]
) -> tuple[str, Form | None, str | None]:
    """Who submitted the form, and its state when it is one of ours that they opened — else
    the inline answer (plain text)."""
    user_id = str(body["user"]["id"])
    state = form.load(str(view.get("private_metadata") or ""))
    if state is None:
        return user_id, None, _NOT_OURS
    if state.user_id != user_id:
        return user_id, None, _NOT_YOURS
    return user_id, state, None


def _entered(view: dict[str, Any], block_id: str, action_id: str) -> str:
    """What was typed into one input of the form."""
    values = (view.get("state") or {}).get("values") or {}
    return str(((values.get(block_id) or {}).get(action_id) or {}).get("value") or "")
