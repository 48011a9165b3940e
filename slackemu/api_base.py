"""What every emulated Web API method shares: refusals, parameters, channel lookup."""

from __future__ import annotations

import json
from typing import Any

from slackemu.model import Channel, JsonObject
from slackemu.world import World

MAX_TEXT = 40_000
TRIGGER_TTL = 3.0
"""A trigger_id is good for one ``views.open``/``views.push`` within three seconds."""
MAX_VIEW_STACK = 3


class ApiError(Exception):
    """A refusal, sent as ``{"ok": false, "error": code, **extra}``."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def json_param(params: JsonObject, key: str, error: str) -> Any:
    """A JSON parameter: form posts carry it as a string, JSON posts as the value itself."""
    value = params.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(error) from None
    return value


def required(params: JsonObject, key: str) -> str:
    """A parameter that must be there, else Slack's ``invalid_arguments``."""
    value = params.get(key)
    if value in (None, ""):
        messages = [f"[ERROR] missing required field: {key}"]
        raise ApiError("invalid_arguments", response_metadata={"messages": messages})
    return str(value)


class ApiMethods:
    """Base of the method groups: they share the world."""

    world: World

    def _channel(self, params: JsonObject) -> Channel:
        ref = params.get("channel")
        channel = self.world.resolve_channel(str(ref)) if ref else None
        # A private channel the bot is not in is invisible to it: Slack says "not found".
        if channel is None or (channel.is_private and not channel.bot_is_member):
            raise ApiError("channel_not_found")
        return channel
