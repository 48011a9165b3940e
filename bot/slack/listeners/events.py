"""Events: the App Home tab opened."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.flow.requests import home_opened
from bot.slack.listeners.safety import contained


def register(app: AsyncApp) -> None:
    """Route each event the bot subscribes to (manifest.yml) to its listener."""
    app.event("app_home_opened")(handle_home_opened)


@contained
async def handle_home_opened(
    ack: AsyncAck, event: dict[str, Any], context: AsyncBoltContext
) -> None:
    """app_home_opened: the viewer's Home tab, published for them (not the Messages tab)."""
    await ack()
    if event.get("tab", "home") == "home" and event.get("user"):
        await home_opened(context["services"], str(event["user"]))
