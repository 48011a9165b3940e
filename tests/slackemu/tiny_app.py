"""A tiny real Bolt app, served by Bolt's aiohttp adapter, to prove the emulator against."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.context.complete.async_complete import AsyncComplete
from slack_bolt.context.fail.async_fail import AsyncFail
from slack_sdk.web.async_client import AsyncWebClient

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-emulator-test"
APP_TOKEN = "xapp-emulator-test"
ALICE, BOB = "U0ALICE01", "U0BOB0001"
OPS = "C0OPS0001"
SLOW_ACK_SECONDS = 0.6

CARD: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*web-01* will stop."}},
    {
        "type": "actions",
        "block_id": "confirm",
        "elements": [
            {
                "type": "button",
                "action_id": "stop",
                "text": {"type": "plain_text", "text": "Stop web-01"},
                "style": "danger",
                "value": "42",
            },
            {
                "type": "button",
                "action_id": "cancel",
                "text": {"type": "plain_text", "text": "Cancel"},
                "value": "42",
            },
        ],
    },
]

DELETE_MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "delete_modal",
    "private_metadata": "42",
    "title": {"type": "plain_text", "text": "Delete web-01"},
    "submit": {"type": "plain_text", "text": "Delete"},
    "blocks": [
        {
            "type": "input",
            "block_id": "delete_name",
            "label": {"type": "plain_text", "text": "Type the server's name"},
            "element": {"type": "plain_text_input", "action_id": "name"},
        }
    ],
}


def build_app(api_url: str, seen: list[dict[str, Any]]) -> AsyncApp:
    """The app: every request body it handled goes to ``seen``."""
    app = AsyncApp(client=AsyncWebClient(token=BOT_TOKEN, base_url=api_url), signing_secret=SECRET)

    @app.command("/vps")
    async def handle_vps(
        ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """/vps <word>: each word exercises one way of answering."""
        seen.append(body)
        word = body["text"]
        if word == "slow":
            await asyncio.sleep(SLOW_ACK_SECONDS)
        if word == "ack-text":
            await ack("straight from the ack")
            return
        await ack()
        if word == "ping":
            await respond("pong")
        elif word == "card":
            await respond(text="Stop web-01?", blocks=CARD)
        elif word == "public":
            await respond(text="for everyone", response_type="in_channel")
        elif word == "modal":
            await client.views_open(trigger_id=body["trigger_id"], view=DELETE_MODAL)
        elif word.startswith("echo"):
            await respond(f"you said: {word}")

    @app.action("stop")
    async def handle_stop(ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any]) -> None:
        """The confirm button replaces the prompt."""
        await ack()
        seen.append(body)
        await respond(text="Stopping web-01", replace_original=True)

    @app.action("cancel")
    async def handle_cancel(ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any]) -> None:
        """Cancel deletes the prompt."""
        await ack()
        seen.append(body)
        await respond(delete_original=True)

    @app.action("size")
    async def handle_size(ack: AsyncAck, body: dict[str, Any]) -> None:
        """A menu choice is only recorded."""
        await ack()
        seen.append(body)

    @app.view("delete_modal")
    async def handle_delete(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """The typed name must match, else an inline error."""
        seen.append(body)
        typed = body["view"]["state"]["values"]["delete_name"]["name"]["value"]
        if typed == "bad-key":  # an error under a block that is not an input: Slack refuses it
            await ack(response_action="errors", errors={"not_an_input": "x"})
            return
        if typed != "web-01":
            await ack(response_action="errors", errors={"delete_name": "Type web-01 to confirm"})
            return
        await ack()
        await client.chat_postMessage(channel=OPS, text="web-01 deleted")

    @app.event("app_home_opened")
    async def handle_home(event: dict[str, Any], client: AsyncWebClient) -> None:
        """The Home tab: a greeting and a button."""
        seen.append(event)
        await client.views_publish(user_id=event["user"], view=HOME)

    @app.action("wave")
    async def handle_wave(ack: AsyncAck, body: dict[str, Any]) -> None:
        """A click on the Home tab is only recorded."""
        await ack()
        seen.append(body)

    @app.function("echo")
    async def handle_echo(inputs: dict[str, Any], complete: AsyncComplete, fail: AsyncFail) -> None:
        """The workflow step: echoes its text, or fails when asked to."""
        seen.append(inputs)
        if inputs.get("text") == "fail":
            await fail("asked to fail")
        else:
            await complete({"echo": inputs.get("text", "")})

    @app.event("app_mention")
    async def handle_mention(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """@app words: answered in the mention's thread."""
        await ack()
        seen.append(body)
        event = body["event"]
        await client.chat_postMessage(
            channel=event["channel"], thread_ts=event["ts"], text="heard: " + event["text"]
        )

    @app.event({"type": "message", "channel_type": "im"})
    async def handle_dm(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """A direct message: answered in the conversation."""
        await ack()
        seen.append(body)
        event = body["event"]
        await client.chat_postMessage(channel=event["channel"], text="heard: " + event["text"])

    return app


HOME: dict[str, Any] = {
    "type": "home",
    "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Hello from the Home tab"}},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "wave",
                    "text": {"type": "plain_text", "text": "Wave"},
                    "value": "hi",
                }
            ],
        },
    ],
}


@asynccontextmanager
async def serve_http(app: AsyncApp) -> AsyncIterator[str]:
    """Serve the app on 127.0.0.1 with Bolt's aiohttp adapter; yields its request URL."""

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    finally:
        await runner.cleanup()
