"""The benchmarks' baseline: a bare Bolt `AsyncApp` served over HTTP as `vpsbot run` serves it,
with `GET /healthz` answering 200 once it listens.

`--mode ack` acks every slash command and responds "ok" through its response URL; `--mode get`
acks, makes one httpx GET of the VPS.org server list (first page) and responds with the count.
Whatever vpsbot costs beyond this is the bot's own.

    python bench/bare_bolt.py --port 3000 --mode get --api-url http://127.0.0.1:8080/api/v1
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re

import httpx
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient


def build(mode: str, api_url: str, api_token: str) -> AsyncApp:
    """The baseline app; Slack settings come from the same variables vpsbot reads."""
    # Popped, or Bolt would read it as well and warn that the client's token wins.
    token = os.environ.pop("SLACK_BOT_TOKEN")
    slack = AsyncWebClient(token=token, base_url=os.environ["SLACK_API_URL"])
    app = AsyncApp(client=slack, signing_secret=os.environ["SLACK_SIGNING_SECRET"])
    api = httpx.AsyncClient(
        base_url=api_url.rstrip("/") + "/",
        headers={"Authorization": f"Bearer {api_token}"},
        timeout=30,
    )

    @app.command(re.compile(".*"))
    async def handle_command(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        if mode == "get":
            response = await api.get("servers/")
            await respond(f"{response.json()['count']} servers")
        else:
            await respond("ok")

    return app


async def serve(options: argparse.Namespace) -> None:
    """Serve the app on 127.0.0.1:port until killed."""
    bolt = build(options.mode, options.api_url, options.api_token)

    async def handle_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def handle_health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/slack/events", handle_events)
    app.router.add_get("/healthz", handle_health)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", options.port).start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=["ack", "get"], default="ack")
    parser.add_argument("--api-url", default="")
    parser.add_argument("--api-token", default="bench-token")
    asyncio.run(serve(parser.parse_args()))
