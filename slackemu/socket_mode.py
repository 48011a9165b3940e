"""Slack's Socket Mode side: WebSocket URLs for ``apps.connections.open``, hello, envelopes, acks.

slack_sdk's aiohttp ``SocketModeClient`` connects to the URL it is given, pings with
``sdk-ping-pong:<time>`` (aiohttp answers pings here), reconnects when the socket closes or a
``disconnect`` message arrives, and acks each envelope with ``{"envelope_id", "payload"?}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable

from aiohttp import WSCloseCode, WSMsgType, web

from slackemu.delivery import RawAck
from slackemu.model import JsonObject
from slackemu.world import World

logger = logging.getLogger(__name__)

PATH = "/link/"
_HOST = "applink-emulator"


class SocketModeServer:
    """The WebSocket endpoint and the envelopes sent through it."""

    def __init__(self, world: World, base_ws_url: Callable[[], str]) -> None:
        self.world = world
        self._base_ws_url = base_ws_url
        self._tickets: set[str] = set()
        self._sockets: list[tuple[web.WebSocketResponse, asyncio.Transport | None]] = []
        self._pending: dict[str, asyncio.Future[JsonObject | None]] = {}
        self.connections_opened = 0
        self.spread = False
        """Send each envelope on the next open connection in turn (as Slack spreads them over
        up to 10 connections of one app, e.g. several replicas), instead of the newest."""
        self._turn = 0

    @property
    def connected(self) -> bool:
        """Whether at least one app connection is open."""
        return any(not ws.closed for ws, _ in self._sockets)

    @property
    def open_connections(self) -> int:
        """How many app connections are open now."""
        return sum(1 for ws, _ in self._sockets if not ws.closed)

    def issue_url(self) -> str:
        """A fresh single-use WebSocket URL, as ``apps.connections.open`` returns."""
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        return f"{self._base_ws_url()}{PATH}?ticket={ticket}&app_id={self.world.workspace.app_id}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Accept a connection with a valid ticket, say hello and read acks until it closes."""
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.json_response({"ok": False, "error": "invalid_ticket"}, status=401)
        self._tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        entry = (ws, request.transport)
        self._sockets.append(entry)
        self.connections_opened += 1
        hello = {
            "type": "hello",
            "num_connections": sum(1 for s, _ in self._sockets if not s.closed),
            "debug_info": {"host": _HOST, "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.world.workspace.app_id},
        }
        await ws.send_str(json.dumps(hello))
        self.world.notify("socket.connected")
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._on_text(message.data)
        finally:
            self._sockets.remove(entry)
            self.world.notify("socket.disconnected")
        return ws

    def _on_text(self, data: str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            logger.warning("socket mode: ignoring a non-JSON message from the app")
            return
        future = self._pending.get(str(message.get("envelope_id", "")))
        if future is not None and not future.done():
            payload = message.get("payload")
            future.set_result(payload if isinstance(payload, dict) else None)

    async def send(
        self,
        envelope_type: str,
        payload: JsonObject,
        *,
        accepts_response_payload: bool,
        within: float,
    ) -> RawAck:
        """Send one envelope (on the newest connection, or the next in turn when spreading) and
        wait for its ack."""
        open_sockets = [ws for ws, _ in self._sockets if not ws.closed]
        if not open_sockets:
            return RawAck(None, None, 0.0, "dispatch_failed")
        socket = open_sockets[-1]
        if self.spread:
            socket = open_sockets[self._turn % len(open_sockets)]
            self._turn += 1
        envelope_id = str(uuid.uuid4())
        future: asyncio.Future[JsonObject | None] = asyncio.get_running_loop().create_future()
        self._pending[envelope_id] = future
        envelope = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        started = time.perf_counter()
        try:
            await socket.send_str(json.dumps(envelope))
            async with asyncio.timeout(within):
                body = await future
        except TimeoutError:
            return RawAck(None, None, time.perf_counter() - started, "operation_timeout")
        except ConnectionError:
            return RawAck(None, None, time.perf_counter() - started, "dispatch_failed")
        finally:
            del self._pending[envelope_id]
        return RawAck(200, body, time.perf_counter() - started)

    async def drop(self) -> None:
        """Cut every connection without a closing handshake, like a network failure."""
        for _, transport in list(self._sockets):
            if transport is not None:
                transport.abort()

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the app to reconnect, as Slack does before recycling a connection."""
        message = json.dumps(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": _HOST}}
        )
        for ws, _ in list(self._sockets):
            if not ws.closed:
                await ws.send_str(message)

    async def close(self) -> None:
        """Close every connection (going away) and fail pending envelopes."""
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionError("the emulator closed"))
        for ws, _ in list(self._sockets):
            with contextlib.suppress(ConnectionError):
                await ws.close(code=WSCloseCode.GOING_AWAY)
