"""``SlackEmulator``: Slack on 127.0.0.1 — Web API, response URLs, Socket Mode, and a person."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from types import TracebackType
from typing import Literal, TypeVar

from aiohttp import web

from slackemu import socket_mode
from slackemu.delivery import ACK_TIMEOUT, HttpDelivery, RawAck, SentRequest
from slackemu.driver_events import EventDriver
from slackemu.model import Channel, EmulatorUsageError, JsonObject, Message, User, View
from slackemu.records import ApiCall, Change
from slackemu.responses import PATH as RESPONSE_PATH
from slackemu.responses import Responder
from slackemu.signing import Signing
from slackemu.socket_mode import SocketModeServer
from slackemu.webapi import WebApi
from slackemu.world import Workspace, World

T = TypeVar("T")
_VERIFICATION_PLACEHOLDER = "emulated-verification-token"
"""Slack's deprecated per-app verification token; Bolt ignores it, payloads still carry one."""
Transport = Literal["http", "socket"]


class SlackEmulator(EventDriver):
    """A local Slack for one app: drive it like a person, then assert on what Slack recorded."""

    def __init__(
        self,
        *,
        signing_secret: str,
        bot_token: str,
        app_token: str | None = None,
        transport: Transport | None = None,
        app_url: str | None = None,
        clock: Callable[[], float] = time.time,
        ack_timeout: float = ACK_TIMEOUT,
        workspace: Workspace | None = None,
        verification_token: str = _VERIFICATION_PLACEHOLDER,
        host: str = "127.0.0.1",
        port: int = 0,
        spread: bool = False,
    ) -> None:
        world = World(workspace or Workspace(), clock)
        super().__init__(world, Responder(world), verification_token)
        self.signing_secret = signing_secret
        self.bot_token = bot_token
        self.app_token = app_token
        self.transport: Transport = transport or ("socket" if app_token else "http")
        self.app_url = app_url
        """Where HTTP-mode requests go, e.g. ``http://127.0.0.1:3000/slack/events``."""
        self.app_urls: list[str] = []
        """Several replicas of the app behind no load balancer: when set, HTTP-mode requests go
        to each URL in turn (round robin) instead of ``app_url``."""
        self._turn = 0
        self.ack_timeout = ack_timeout
        self.host, self.port = host, port
        self.socket = SocketModeServer(world, lambda: self.base_url.replace("http", "ws", 1))
        self.socket.spread = spread  # Socket Mode: envelopes over every open connection in turn
        self.webapi = WebApi(world, bot_token=bot_token, app_token=app_token, socket=self.socket)
        self._http: HttpDelivery | None = None
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    @property
    def api_url(self) -> str:
        """The Web API base URL for ``AsyncWebClient(base_url=...)``."""
        return f"{self.base_url}/api/"

    async def start(self) -> None:
        """Serve on ``host:port`` (port 0 picks a free one)."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self.webapi.handle)
        app.router.add_post(RESPONSE_PATH + "{response_id:.+}", self.responder.handle)
        app.router.add_get(socket_mode.PATH, self.socket.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self.base_url = f"http://{self.host}:{self.port}"
        self._http = HttpDelivery(self.signing_secret)

    async def close(self) -> None:
        """Stop serving. Close the app's Socket Mode handler first, or it will try to reconnect."""
        await self.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def __aenter__(self) -> SlackEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _deliver(
        self,
        kind: str,
        data: JsonObject,
        *,
        accepts_response_payload: bool,
        signing: Signing | None,
    ) -> RawAck:
        if self.transport == "socket":
            return await self.socket.send(
                kind,
                data,
                accepts_response_payload=accepts_response_payload,
                within=self.ack_timeout,
            )
        if self._http is None or not (self.app_url or self.app_urls):
            raise EmulatorUsageError("start() the emulator and set app_url for HTTP mode")
        url = self.app_url or ""
        if self.app_urls:
            url = self.app_urls[self._turn % len(self.app_urls)]
            self._turn += 1
        return await self._http.deliver(url, kind, data, signing, self.ack_timeout)

    def _base_url(self) -> str:
        return self.base_url

    @property
    def last_sent(self) -> SentRequest | None:
        """The last request delivered over HTTP, byte for byte, signature included."""
        return self._http.last_sent if self._http is not None else None

    async def replay(self, sent: SentRequest) -> RawAck:
        """Send a captured request again, unchanged: what an attacker who saw it could do."""
        if self._http is None:
            raise EmulatorUsageError("start() the emulator first")
        return await self._http.send(sent, self.ack_timeout)

    # -- the workspace ------------------------------------------------------------------------
    def add_user(
        self, user_id: str, name: str, *, real_name: str | None = None, is_admin: bool = False
    ) -> User:
        """Register a person."""
        return self.world.add_user(user_id, name, real_name=real_name, is_admin=is_admin)

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_private: bool = False,
        bot_is_member: bool = True,
        members: list[str] | None = None,
    ) -> Channel:
        """Register a channel; ``members=None`` lets everyone in."""
        frozen = frozenset(members) if members is not None else None
        return self.world.add_channel(Channel(channel_id, name, is_private, bot_is_member, frozen))

    def set_usergroup(self, group_id: str, members: list[str]) -> None:
        """Define (or redefine) a user group's members."""
        self.world.usergroups[group_id] = tuple(members)

    def now(self) -> float:
        """Slack's clock."""
        return self.world.now()

    def advance(self, seconds: float) -> None:
        """Move Slack's clock forward: ages trigger ids (3 s) and response URLs (30 min)."""
        self.world.advance(seconds)

    def inject_rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """The next ``times`` calls of ``method`` get HTTP 429 with ``Retry-After``."""
        self.webapi.inject_rate_limit(method, times, retry_after)

    # -- what was recorded --------------------------------------------------------------------
    def messages(
        self,
        channel: str | None = None,
        *,
        visible_to: str | None = None,
        ephemeral: bool | None = None,
        thread_ts: str | None = None,
        include_deleted: bool = False,
    ) -> list[Message]:
        """Messages in posting order, filtered by channel, viewer, ephemerality and thread."""
        return self.world.messages(
            channel,
            visible_to=visible_to,
            ephemeral=ephemeral,
            thread_ts=thread_ts,
            include_deleted=include_deleted,
        )

    def last_message(
        self,
        channel: str | None = None,
        *,
        visible_to: str | None = None,
        ephemeral: bool | None = None,
    ) -> Message | None:
        """The newest live message matching the filters."""
        found = self.messages(channel, visible_to=visible_to, ephemeral=ephemeral)
        return found[-1] if found else None

    def modal(self, user: str) -> View | None:
        """The modal view the person sees now."""
        return self.world.modal(user)

    def modal_stack(self, user: str) -> list[View]:
        """The person's open modal views, bottom first."""
        return self.world.stack(user)

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Web API calls the app made (all, or of one method)."""
        return [c for c in self.world.calls if method is None or c.method == method]

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 20.0,  # noqa: ASYNC109 - the error must say what timed out
        what: str | None = None,
    ) -> T:
        """Wait until ``predicate()`` is truthy and return it; TimeoutError says what and why."""
        return await self.world.wait_for(predicate, timeout, what)

    def subscribe(self) -> asyncio.Queue[Change]:
        """A queue of every change from now on (the console renders from it)."""
        return self.world.subscribe()

    def on_change(self, callback: Callable[[Change], None]) -> Callable[[], None]:
        """Call ``callback`` on every change; returns the function that stops it."""
        return self.world.on_change(callback)

    # -- Socket Mode --------------------------------------------------------------------------
    @property
    def connections_opened(self) -> int:
        """How many Socket Mode connections the app has opened so far."""
        return self.socket.connections_opened

    @property
    def socket_connected(self) -> bool:
        """Whether a Socket Mode connection is open now."""
        return self.socket.connected

    @property
    def socket_connections(self) -> int:
        """How many Socket Mode connections are open now (one per replica of the app)."""
        return self.socket.open_connections

    async def wait_for_socket(
        self,
        timeout: float = 20.0,  # noqa: ASYNC109 - the error must say what timed out
        *,
        opened: int = 1,
    ) -> None:
        """Wait until a connection is open and at least ``opened`` were opened in all."""
        what = f"a Socket Mode connection (#{opened}; {self.connections_opened} so far)"
        await self.wait_for(
            lambda: self.socket.connected and self.socket.connections_opened >= opened,
            timeout,
            what,
        )

    async def drop_socket(self) -> None:
        """Cut the app's connections abruptly (no close frame), like a network failure."""
        await self.socket.drop()

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Send Slack's ``disconnect`` message: the app should open a new connection."""
        await self.socket.send_disconnect(reason)
