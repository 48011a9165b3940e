"""Workflow Builder steps (`functions:` in manifest.yml): `function_executed`, through Bolt."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.flow.requests import step_executed
from bot.flow.steps import StepCall
from bot.slack.listeners.safety import contained

STEPS = re.compile(r"^[a-z][a-z0-9_]*$")
"""Every step's callback_id: which it is, and whether the bot has it, is the flow's to say."""


def register(app: AsyncApp) -> None:
    """Route every step the manifest declares to its listener (Bolt acks the event)."""
    app.function(STEPS)(handle_step)


@contained
async def handle_step(
    inputs: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
) -> None:
    """function_executed: the step, asked for its person, completed or failed when decided."""
    event = body.get("event") or {}
    callback_id = str((event.get("function") or {}).get("callback_id") or "")
    execution_id = str(context.function_execution_id or "")
    token = str(context.function_bot_access_token or "")
    call = StepCall.of(callback_id, execution_id, token, inputs)
    await step_executed(context["services"], call)
