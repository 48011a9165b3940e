"""Buttons: list paging, server cards, and the confirmation prompt."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.flow.caller import Caller
from bot.flow.confirmations import cancel_clicked, confirm_clicked
from bot.flow.guard import guarded
from bot.flow.requests import run_card_action, show_card, show_list
from bot.slack import ids
from bot.slack.blocks import ListFilters
from bot.slack.listeners.safety import contained

logger = logging.getLogger(__name__)


def register(app: AsyncApp) -> None:
    """Route every button's action_id to its listener."""
    app.action(ids.LIST_NEXT)(handle_list_page)
    app.action(ids.LIST_PREVIOUS)(handle_list_page)
    app.action(ids.CARD_SHOW)(handle_card_show)
    app.action(ids.CARD_REFRESH)(handle_card_show)
    for action_id in ids.CARD_ACTIONS.values():
        app.action(action_id)(handle_card_action)
    app.action(ids.CONFIRM)(handle_confirm)
    app.action(ids.CANCEL)(handle_cancel)


def _value(body: dict[str, Any]) -> str:
    return str(body["actions"][0].get("value") or "")


@contained
async def handle_list_page(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Next / Previous on a server list: the same list, another page, in place."""
    await ack()
    try:
        filters, page = ListFilters.from_value(_value(body))
    except ValueError:
        logger.warning("ignored a paging button with a value we did not make")
        return
    services, caller = context["services"], Caller.from_action(body)
    reply = services.reply_to(caller)
    await guarded(
        services,
        caller,
        reply,
        lambda: show_list(services, caller, reply, filters, page=page, replace=True),
        what="list page",
    )


@contained
async def handle_card_show(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Show (on a list row: a new card) / Refresh (on a card: in place)."""
    await ack()
    if not _value(body).isdigit():
        return
    caller = Caller.from_action(body)
    replace = body["actions"][0].get("action_id") == ids.CARD_REFRESH
    services, server_id = context["services"], int(_value(body))
    reply = services.reply_to(caller)
    await guarded(
        services,
        caller,
        reply,
        lambda: show_card(services, caller, reply, server_id, replace=replace),
        what="card",
    )


@contained
async def handle_card_action(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    """Start / Stop / Reboot / Delete on a card: the same checks as the command."""
    await ack()
    action_id = body["actions"][0].get("action_id")
    verb = next((v for v, a in ids.CARD_ACTIONS.items() if a == action_id), None)
    if verb is None or not _value(body).isdigit():
        return
    await run_card_action(context["services"], Caller.from_action(body), verb, int(_value(body)))


@contained
async def handle_confirm(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """The prompt's danger button."""
    await ack()
    await confirm_clicked(context["services"], Caller.from_action(body), _value(body))


@contained
async def handle_cancel(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """The prompt's Cancel button."""
    await ack()
    await cancel_clicked(context["services"], Caller.from_action(body), _value(body))
