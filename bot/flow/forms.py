"""The create modal's submission: inline errors before the ack, the create after it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.commands import Create, check_create_fields
from bot.flow.caller import Caller
from bot.flow.guard import guarded
from bot.flow.requests import create_operation
from bot.flow.services import Services
from bot.flow.writes import request_write
from bot.slack import ids

_FIELDS = (
    ids.CREATE_NAME,
    ids.CREATE_PLAN,
    ids.CREATE_OS,
    ids.CREATE_LOCATION,
    ids.CREATE_HOSTNAME,
    ids.CREATE_SSH_KEY,
    ids.CREATE_BACKUPS,
)


def form_values(state: Mapping[str, Any]) -> dict[str, str | None]:
    """What the person entered, by block id, from a view's `state.values`."""
    values: dict[str, str | None] = {}
    for block_id in _FIELDS:
        element = (state.get(block_id) or {}).get(block_id + ids.INPUT_SUFFIX) or {}
        if element.get("type") == "checkboxes":
            values[block_id] = "on" if element.get("selected_options") else "off"
        elif element.get("selected_option"):
            values[block_id] = str(element["selected_option"].get("value"))
        else:
            values[block_id] = element.get("value")
    return values


def check_form(services: Services, state: Mapping[str, Any]) -> Create | dict[str, str]:
    """The checked create command, or the inline errors keyed by block id."""
    return check_create_fields(form_values(state), services.catalog)


async def create_from_form(
    services: Services, user_id: str, metadata: str, command: Create
) -> None:
    """After the modal closed: the same path as `/vps create …` typed in the channel."""
    where = _metadata(metadata)
    caller = Caller(
        user_id=user_id,
        channel_id=str(where.get("channel_id") or ""),
        channel_name=where.get("channel_name"),
        response_url=where.get("response_url"),
    )
    op = create_operation(services, command)
    reply = services.reply_to(caller)
    await guarded(
        services, caller, reply, lambda: request_write(services, caller, reply, op), what="create"
    )


def _metadata(metadata: str) -> dict[str, Any]:
    try:
        data = json.loads(metadata)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
