"""The HTTP surface: `POST /slack/events` (HTTP mode) and `GET /healthz` (both modes)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

Health = Callable[[], Awaitable[tuple[bool, dict[str, object]]]]


async def http_health() -> tuple[bool, dict[str, object]]:
    """In HTTP mode the bot is healthy whenever it can answer."""
    return True, {"status": "ok", "mode": "http"}


@dataclass
class SocketHealth:
    """Socket Mode health: up while connected; down once disconnected longer than `grace`."""

    handler: AsyncSocketModeHandler
    grace: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _down_since: float | None = None

    async def __call__(self) -> tuple[bool, dict[str, object]]:
        """Report the socket's state; a short drop while it reconnects still counts as healthy."""
        if await self.handler.client.is_connected():
            self._down_since = None
            return True, {"status": "ok", "mode": "socket", "socket": "connected"}
        now = self.clock()
        if self._down_since is None:
            self._down_since = now
        down_for = now - self._down_since
        state = "reconnecting" if down_for < self.grace else "down"
        body: dict[str, object] = {
            "status": "ok" if state == "reconnecting" else "unavailable",
            "mode": "socket",
            "socket": state,
            "disconnected_seconds": round(down_for, 1),
        }
        return state == "reconnecting", body


def make_web_app(bolt: AsyncApp | None, health: Health) -> web.Application:
    """The aiohttp application: Slack's events URL when `bolt` is given, and the health check."""
    app = web.Application()

    async def handle_health(_: web.Request) -> web.Response:
        ok, body = await health()
        return web.json_response(body, status=200 if ok else 503)

    app.router.add_get(HEALTH_PATH, handle_health)
    if bolt is not None:

        async def handle_events(request: web.Request) -> web.Response:
            bolt_response = await bolt.async_dispatch(await to_bolt_request(request))
            return await to_aiohttp_response(bolt_response)

        app.router.add_post(EVENTS_PATH, handle_events)
    return app


async def start_web(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Serve `app` on host:port (0 = any free port); return the runner and the bound port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = port
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            bound = int(address[1])
            break
    return runner, bound
