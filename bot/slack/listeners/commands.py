"""The slash command (`/vps` by default, BOT_COMMAND)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.flow.caller import Caller
from bot.flow.requests import run_command
from bot.slack.listeners.safety import contained


def register(app: AsyncApp, command: str) -> None:
    """Route the slash command to its listener."""
    app.command(command)(handle_command)


@contained
async def handle_command(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """/vps …: acknowledged at once; the answer follows through response_url."""
    await ack()
    await run_command(context["services"], Caller.from_command(body), str(body.get("text") or ""))
