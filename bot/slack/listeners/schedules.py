"""Buttons of schedules: the preview's, Cancel the schedule, Skip this run."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.flow.caller import Caller
from bot.flow.schedule_requests import (
    schedule_cancel_clicked,
    schedule_confirm_clicked,
    schedule_discard_clicked,
    schedule_skip_clicked,
)
from bot.slack import ids
from bot.slack.listeners.safety import clicked, contained


def register(app: AsyncApp) -> None:
    """Route each schedule button's action_id to its listener."""
    app.action(ids.SCHEDULE_CONFIRM)(handle_schedule_confirm)
    app.action(ids.SCHEDULE_DISCARD)(handle_schedule_discard)
    app.action(ids.SCHEDULE_CANCEL)(handle_schedule_cancel)
    app.action(ids.SCHEDULE_SKIP)(handle_schedule_skip)


@contained
async def handle_schedule_confirm(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    """A schedule preview's danger button."""
    await ack()
    await schedule_confirm_clicked(context["services"], Caller.from_action(body), clicked(body)[1])


@contained
async def handle_schedule_discard(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    """A schedule preview's Cancel button."""
    await ack()
    await schedule_discard_clicked(context["services"], Caller.from_action(body), clicked(body)[1])


@contained
async def handle_schedule_cancel(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    """Cancel the schedule."""
    await ack()
    await schedule_cancel_clicked(context["services"], Caller.from_action(body), clicked(body)[1])


@contained
async def handle_schedule_skip(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    """Skip this run."""
    await ack()
    await schedule_skip_clicked(context["services"], Caller.from_action(body), clicked(body)[1])
