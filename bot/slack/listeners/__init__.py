"""One `register(app)` per Slack surface; each listener acks first, then hands over to bot.flow."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.listeners import actions, commands, events, functions, plans, schedules, views


def register_listeners(app: AsyncApp, *, command: str) -> None:
    """Attach every listener of the bot to `app`."""
    commands.register(app, command)
    actions.register(app)
    plans.register(app)
    schedules.register(app)
    views.register(app)
    events.register(app)
    functions.register(app)
