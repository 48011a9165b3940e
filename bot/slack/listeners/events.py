"""Events: words to the bot — a mention in a channel (`app_mention`), a direct message
(`message.im`) — and the buttons of its answers; the App Home tab opened."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.flow.caller import Caller
from bot.flow.requests import home_opened, words_clicked, words_written
from bot.slack import ids
from bot.slack.listeners.safety import clicked, contained

_CANDIDATE = re.compile(rf"^{ids.WORDS_CANDIDATE}_\d$")


def register(app: AsyncApp) -> None:
    """Route each event the bot subscribes to (manifest.yml), and the answers' buttons, to
    their listeners."""
    app.event("app_home_opened")(handle_home_opened)
    app.event("app_mention")(handle_mention)
    app.event({"type": "message", "channel_type": "im"})(handle_direct_message)
    app.action(ids.WORDS_DO_IT)(handle_do_it)
    app.action(ids.WORDS_CANCEL)(handle_cancel)
    app.action(_CANDIDATE)(handle_candidate)


def _person(event: dict[str, Any]) -> bool:
    """Words a person wrote (not an edit, a join, a bot or the bot itself)."""
    return bool(event.get("user")) and not event.get("subtype") and not event.get("bot_id")


@contained
async def handle_mention(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """@vpsbot …: acknowledged at once; answered in the mention's thread."""
    await ack()
    await _written(body, context)


@contained
async def handle_direct_message(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    """A direct message to the bot (its Messages tab): answered in the conversation."""
    await ack()
    await _written(body, context)


async def _written(body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Words a person wrote: read and answered, once per event (Slack retries events)."""
    event = body.get("event") or {}
    if _person(event):
        event_id = f"event:{body['event_id']}" if body.get("event_id") else None
        text = str(event.get("text") or "")
        await words_written(context["services"], Caller.from_event(event), text, event_id)


@contained
async def handle_do_it(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Do it on an answer: the requester's click runs the command they were shown."""
    await ack()
    await words_clicked(context["services"], Caller.from_action(body), clicked(body)[1], "do")


@contained
async def handle_cancel(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Cancel on an answer: nothing is done."""
    await ack()
    await words_clicked(context["services"], Caller.from_action(body), clicked(body)[1], "cancel")


@contained
async def handle_candidate(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """One of the candidate commands: shown (a read runs, a write asks for Do it)."""
    await ack()
    caller = Caller.from_action(body)
    await words_clicked(context["services"], caller, clicked(body)[1], "candidate")


@contained
async def handle_home_opened(
    ack: AsyncAck, event: dict[str, Any], context: AsyncBoltContext
) -> None:
    """app_home_opened: the viewer's Home tab, published for them (not the Messages tab)."""
    await ack()
    if event.get("tab", "home") == "home" and event.get("user"):
        await home_opened(context["services"], str(event["user"]))
