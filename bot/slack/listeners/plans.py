"""Buttons on a plan's progress message: Pause, Resume, Abort, and Retry the failed."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.flow.caller import Caller
from bot.plans.control import plan_clicked
from bot.slack import ids
from bot.slack.listeners.safety import clicked, contained

CONTROLS = {
    ids.PLAN_PAUSE: "pause",
    ids.PLAN_RESUME: "resume",
    ids.PLAN_ABORT: "abort",
    ids.PLAN_RETRY: "retry",
}


def register(app: AsyncApp) -> None:
    """Route each plan button to its listener."""
    for action_id in CONTROLS:
        app.action(action_id)(handle_plan_control)


@contained
async def handle_plan_control(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    """Pause / Resume / Abort / Retry the failed on a plan's message (value: the plan's id)."""
    await ack()
    action_id, value = clicked(body)
    await plan_clicked(context["services"], Caller.from_action(body), value, CONTROLS[action_id])
