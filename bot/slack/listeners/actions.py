"""Buttons: list and audit paging, server cards, the confirmation prompt and approvals."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.flow.caller import Caller
from bot.flow.requests import (
    approval_clicked,
    cancel_clicked,
    card_clicked,
    confirm_clicked,
    plan_cancel_clicked,
    plan_confirm_clicked,
    show_audit_page,
    show_card,
    show_list_page,
)
from bot.operations.change import Request
from bot.slack import ids
from bot.slack.listeners.safety import clicked, contained


def register(app: AsyncApp) -> None:
    """Route every button's action_id to its listener."""
    app.action(ids.LIST_NEXT)(handle_list_page)
    app.action(ids.LIST_PREVIOUS)(handle_list_page)
    app.action(ids.AUDIT_OLDER)(handle_audit_page)
    app.action(ids.AUDIT_NEWEST)(handle_audit_page)
    app.action(ids.CARD_SHOW)(handle_card_show)
    app.action(ids.CARD_REFRESH)(handle_card_show)
    app.action(ids.CARD_OPERATION)(handle_card_action)
    app.action(ids.CONFIRM)(handle_confirm)
    app.action(ids.CANCEL)(handle_cancel)
    app.action(ids.PLAN_CONFIRM)(handle_plan_confirm)
    app.action(ids.PLAN_CANCEL)(handle_plan_cancel)
    app.action(ids.APPROVE)(handle_approval)
    app.action(ids.REJECT)(handle_approval)


@contained
async def handle_list_page(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Next / Previous on a server list: the same list, another page, in place."""
    await ack()
    _, value = clicked(body)
    await show_list_page(context["services"], Caller.from_action(body), value)


@contained
async def handle_audit_page(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Older / Newest on an audit page: another page of the same log, in place."""
    await ack()
    _, value = clicked(body)
    await show_audit_page(context["services"], Caller.from_action(body), value)


@contained
async def handle_card_show(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Show (on a list row: a new card) / Refresh (on a card: in place)."""
    await ack()
    action_id, value = clicked(body)
    request = _asked("show", value)
    if request is not None and request.target is not None:
        replace = action_id == ids.CARD_REFRESH
        caller = Caller.from_action(body)
        await show_card(context["services"], caller, request.target, replace=replace)


@contained
async def handle_card_action(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    """An operation's button on a card (Start, Stop, …): the same request as the command."""
    await ack()
    action_id, value = clicked(body)
    name = ids.card_operation(action_id)
    request = _asked(name, value) if name is not None else None
    if request is not None:
        await card_clicked(context["services"], Caller.from_action(body), request)


def _asked(operation: str, value: str) -> Request | None:
    """What a card's button asks: the `Request` it holds (its operation must be the button's),
    or — on a card posted before buttons held one — the bare server id; None when the value
    is neither (not ours). Only its target is taken: a button never carries values (a forged
    one might; the parser never saw them)."""
    if value.isascii() and value.isdigit():
        return Request(operation=operation, target=f"#{value}")
    held = Request.load(value)
    if held is None or held.operation != operation or held.target is None:
        return None
    return Request(operation=operation, target=held.target)


@contained
async def handle_confirm(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """The prompt's danger button."""
    await ack()
    await confirm_clicked(context["services"], Caller.from_action(body), clicked(body)[1])


@contained
async def handle_cancel(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """The prompt's Cancel button."""
    await ack()
    await cancel_clicked(context["services"], Caller.from_action(body), clicked(body)[1])


@contained
async def handle_plan_confirm(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    """A plan preview's danger button ("Reboot 12 servers")."""
    await ack()
    await plan_confirm_clicked(context["services"], Caller.from_action(body), clicked(body)[1])


@contained
async def handle_plan_cancel(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    """A plan preview's Cancel button."""
    await ack()
    await plan_cancel_clicked(context["services"], Caller.from_action(body), clicked(body)[1])


@contained
async def handle_approval(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Approve / Reject on an approval request."""
    await ack()
    action_id, value = clicked(body)
    approve = action_id == ids.APPROVE
    await approval_clicked(context["services"], Caller.from_action(body), value, approve=approve)
