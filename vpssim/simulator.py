"""The built-in VPS.org simulator: an aiohttp app answering the nine servers endpoints.

It keeps to the provider's document (paths with their trailing slashes, bodies shaped like its
examples, DRF-style error bodies) so the bot can be developed, tested and demoed without the real
API. Status changes are lazy: a server in transition carries the status it will reach and when,
and every request brings it up to date against an injectable clock. No background tasks.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import cast

from aiohttp import web
from aiohttp.typedefs import Handler

from vpssim.models import ServerStatus
from vpssim.offer import Offer, plan_price
from vpssim.sim_fleet import (
    ACTIONS,
    FIRST_ID,
    REPLACE_RULES,
    TRANSITIONS,
    UPDATE_RULES,
    AddressPool,
    Durations,
    Rule,
    SimServer,
    action_refusal,
    create_rules,
    seed_fleet,
)
from vpssim.sim_http import Fault, Holds, Refusal, not_found, read_json, validate_body
from vpssim.sim_pages import Listings, paginate

__all__ = [
    "API_PREFIX",
    "DEFAULT_CREDITS",
    "PROVISIONING_MESSAGE",
    "Durations",
    "RunningSimulator",
    "Simulator",
    "serve_forever",
    "start_simulator",
]

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
DEFAULT_CREDITS = 100.0
"""Enough for twenty creates on the cheapest catalog plan."""
PROVISIONING_MESSAGE = "Server is being provisioned. This may take 2-5 minutes."

_SERVERS = f"{API_PREFIX}/servers/"
_DETAIL = _SERVERS + r"{server_id:\d+}/"
_FILTER_STATUSES = ("active", "stopped", "suspended")

Json = dict[str, object]


# --- the simulator -------------------------------------------------------------------------------


class Simulator:
    """A simulated VPS.org account (servers, credits, injected faults) and its HTTP app."""

    def __init__(
        self,
        *,
        token: str = "simulator-token",  # noqa: S107 - the fake API's well-known demo token
        seed: int = 0,
        page_size: int = 100,
        durations: Durations | None = None,
        credits: float = DEFAULT_CREDITS,  # noqa: A002 - the provider's word for the balance
        latency: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        catalog: Mapping[str, object] | None = None,
    ) -> None:
        self._token = token.encode()
        self.offer = Offer.of(catalog)
        """What it sells: `catalog` (plain data shaped like the bot's catalog.yml; None: the
        document's examples), which the seeded fleet wears, and a few more plans, images and
        locations a create may name."""
        self._create_rules = create_rules(self.offer)
        self.page_size = page_size
        self.durations = durations or Durations()
        self.credits = credits
        self.latency = latency
        """Seconds every request waits before it is answered; change it at any time."""
        self.requests: list[tuple[str, str]] = []
        """(method, path with query) of every request received, refused ones included."""
        self._holds = Holds()
        self.endless_pages = False
        """When True the list never ends: every page links to a next one (a broken API)."""
        self._clock = clock
        self._epoch = (clock(), datetime.now(UTC))
        self._faults: list[Fault] = []
        self._addresses = AddressPool()
        self._servers = {
            server.id: server for server in seed_fleet(seed, self._addresses, self.offer)
        }
        self._last_id = max(self._servers, default=FIRST_ID - 1)
        self._moving: set[int] = set()
        """Ids of servers in transition: the only ones a list must bring up to date."""
        self._listings = Listings(self._servers)

    # --- hooks for tests and demos: changes made outside the bot ---

    def get_server(self, server_id: int) -> Json | None:
        """The server's details as the API would show them now, or None."""
        server = self._servers.get(server_id)
        if server is None:
            return None
        self._advance(server)
        return server.detail_view()

    def server_ids(self) -> list[int]:
        """Every server's id, in id order."""
        return sorted(self._servers)

    def set_status(self, server_id: int, status: str) -> None:
        """Put a server in `status`; a transitional status completes as it would after an action."""
        server = self._servers[server_id]
        new_status = ServerStatus(status)
        if new_status in TRANSITIONS:
            self._begin(server, new_status)
            return
        server.status, server.pending = new_status, None
        server.updated_at = self._now()
        self._moving.discard(server_id)
        self._listings.invalidate()
        if new_status == ServerStatus.ACTIVE:
            self._ensure_addresses(server)

    def add_server(
        self,
        name: str,
        *,
        hostname: str | None = None,
        status: str = "active",
        location: str = "us-west",
        plan_id: int = 1,
        os_id: int = 5,
        backups_enabled: bool = False,
    ) -> Json:
        """Add a server without a request or credits; returns its details."""
        ServerStatus(status)  # a bad status must fail before the server exists
        server = self._new_server(name, hostname, location, plan_id, os_id, backups_enabled)
        self.set_status(server.id, status)
        return server.detail_view()

    def remove_server(self, server_id: int) -> None:
        """Delete a server as if someone did it in the provider's panel."""
        self._forget(server_id)

    def inject_failure(
        self,
        status: int = 503,
        *,
        method: str | None = None,
        path_suffix: str | None = None,
        times: int = 1,
        retry_after: float | None = None,
        body: str | Mapping[str, object] | None = None,
        content_type: str = "application/json",
    ) -> None:
        """Answer the next `times` matching requests with `status` (body None: a JSON detail)."""
        self._faults.append(
            Fault(status, method, path_suffix, times, retry_after, body, content_type)
        )

    def inject_disconnect(
        self,
        *,
        method: str | None = None,
        path_suffix: str | None = None,
        times: int = 1,
        after: float = 0.0,
    ) -> None:
        """Drop the connection of the next `times` matching requests, `after` seconds in."""
        self._faults.append(Fault(0, method, path_suffix, times, disconnect_after=after))

    def inject_slow_body(
        self,
        *,
        method: str | None = None,
        path_suffix: str | None = None,
        times: int = 1,
        bytes_per_second: float = 1.0,
    ) -> None:
        """Send the next `times` matching answers with their body trickling out slowly."""
        self._faults.append(Fault(0, method, path_suffix, times, drip_rate=bytes_per_second))

    def inject_hold(
        self,
        seconds: float,
        *,
        method: str | None = None,
        path_suffix: str | None = None,
        times: int = 1,
        acted: bool = False,
    ) -> None:
        """Hold the next `times` matching requests `seconds` before acting on them — a caller
        that gives up meanwhile leaves them never acted on — or, `acted`, after acting and
        before answering (the change is made, the answer is late). `holding` counts them."""
        self._faults.append(Fault(0, method, path_suffix, times, hold=seconds, hold_acted=acted))

    @property
    def holding(self) -> int:
        """Requests held now (`inject_hold`)."""
        return self._holds.count

    def clear_failures(self) -> None:
        """Forget every injected failure not yet consumed."""
        self._faults.clear()

    # --- the HTTP app ---

    @property
    def token(self) -> str:
        """The bearer token this simulator accepts (a demo value, not a secret)."""
        return self._token.decode()

    def make_app(self) -> web.Application:
        """The aiohttp application serving the nine endpoints under /api/v1/servers/."""
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get(_SERVERS, self._handle_list)
        app.router.add_post(_SERVERS, self._handle_create)
        app.router.add_get(_DETAIL, self._handle_get)
        app.router.add_put(_DETAIL, self._handle_replace)
        app.router.add_patch(_DETAIL, self._handle_update)
        app.router.add_delete(_DETAIL, self._handle_delete)
        for action in ACTIONS:
            app.router.add_post(f"{_DETAIL}{action}/", self._handle_action)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append((request.method, request.path_qs))
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        fault = self._take_fault(request)
        if fault is not None and fault.fails:
            return await fault.answer(request)
        await self._holds.hold(fault, acted=False)
        try:
            self._admit(request)
            response = await handler(request)
        except Refusal as refusal:
            response = web.json_response(
                refusal.body, status=refusal.status, headers=refusal.headers
            )
        await self._holds.hold(fault, acted=True)
        if fault is not None and fault.drip_rate is not None and isinstance(response, web.Response):
            return await fault.drip(request, response)
        return response

    def _take_fault(self, request: web.Request) -> Fault | None:
        for fault in self._faults:
            if fault.matches(request):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _admit(self, request: web.Request) -> None:
        """Refuse an unknown path (404), a bad token (401), then a wrong method (405)."""
        route_error = request.match_info.http_exception
        if route_error is not None and not isinstance(route_error, web.HTTPMethodNotAllowed):
            raise not_found()
        self._authenticate(request)
        if isinstance(route_error, web.HTTPMethodNotAllowed):
            allow = ", ".join(sorted(route_error.allowed_methods))
            detail = f'Method "{request.method}" not allowed.'
            raise Refusal(405, {"detail": detail}, {"Allow": allow})

    def _authenticate(self, request: web.Request) -> None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="api"'}
        if scheme.lower() != "bearer":
            detail = "Authentication credentials were not provided."
            raise Refusal(401, {"detail": detail}, challenge)
        if not hmac.compare_digest(token.strip().encode(errors="surrogateescape"), self._token):
            raise Refusal(401, {"detail": "Invalid token."}, challenge)

    async def _handle_list(self, request: web.Request) -> web.Response:
        status = request.query.get("status", "")
        if status and status not in _FILTER_STATUSES:
            message = f"Select a valid choice. {status} is not one of the available choices."
            raise Refusal(400, {"status": [message]})
        self._advance_moving()
        servers = self._listings.servers(status, request.query.get("location", ""))
        page = paginate(request.url, servers, self.page_size, endless=self.endless_pages)
        return web.json_response(page)

    async def _handle_create(self, request: web.Request) -> web.Response:
        fields = validate_body(await read_json(request), self._create_rules)
        plan_id = cast(int, fields["plan_id"])
        if plan_price(plan_id) > self.credits:
            raise Refusal(402, {"detail": "Insufficient credits."})
        self.credits -= plan_price(plan_id)
        server = self._new_server(
            cast(str, fields["name"]),
            cast("str | None", fields.get("hostname")),
            cast(str, fields["location"]),
            plan_id,
            cast(int, fields["os_id"]),
            backups_enabled=fields.get("backups_enabled") is True,
        )
        self._begin(server, ServerStatus.PROVISIONING)
        logger.info("Simulator: creating server %s (%s)", server.id, server.name)
        return web.json_response(server.created_view(PROVISIONING_MESSAGE), status=201)

    async def _handle_get(self, request: web.Request) -> web.Response:
        return web.json_response(self._server(request).detail_view())

    async def _handle_replace(self, request: web.Request) -> web.Response:
        return await self._edit(request, REPLACE_RULES)

    async def _handle_update(self, request: web.Request) -> web.Response:
        return await self._edit(request, UPDATE_RULES)

    async def _edit(self, request: web.Request, fields: Mapping[str, Rule]) -> web.Response:
        server = self._server(request)
        changes = validate_body(await read_json(request), fields)
        server.name = cast(str, changes.get("name", server.name))
        server.hostname = cast("str | None", changes.get("hostname", server.hostname))
        server.backups_enabled = cast(bool, changes.get("backups_enabled", server.backups_enabled))
        server.updated_at = self._now()
        return web.json_response(server.detail_view())

    async def _handle_delete(self, request: web.Request) -> web.Response:
        server = self._server(request)
        self._forget(server.id)
        logger.info("Simulator: deleted server %s (%s)", server.id, server.name)
        return web.Response(status=204)

    async def _handle_action(self, request: web.Request) -> web.Response:
        server = self._server(request)
        action = request.path.rstrip("/").rsplit("/", 1)[-1]
        refusal = action_refusal(action, server.status)
        if refusal is not None:
            raise Refusal(400, {"detail": refusal})
        self._begin(server, ACTIONS[action])
        message = f"Server is {server.status}"
        return web.json_response(
            {"status": "success", "message": message, "server": server.ref_view()}
        )

    # --- state ---

    def _new_server(
        self,
        name: str,
        hostname: str | None,
        location: str,
        plan_id: int,
        os_id: int,
        backups_enabled: bool,
    ) -> SimServer:
        """Store a new server under the next id; the caller sets its status."""
        now = self._now()
        self._last_id += 1
        server = SimServer(
            id=self._last_id,
            name=name,
            hostname=hostname,
            status=ServerStatus.PROVISIONING,
            location=location,
            plan=self.offer.plans[plan_id],
            os=self.offer.operating_systems[os_id],
            created_at=now,
            updated_at=now,
            backups_enabled=backups_enabled,
        )
        self._servers[server.id] = server
        self._listings.invalidate()
        return server

    def _server(self, request: web.Request) -> SimServer:
        server = self._servers.get(int(request.match_info["server_id"]))
        if server is None:
            raise not_found()
        self._advance(server)
        return server

    def _forget(self, server_id: int) -> None:
        del self._servers[server_id]
        self._moving.discard(server_id)
        self._listings.invalidate()

    def _advance_moving(self) -> None:
        for server_id in list(self._moving):
            self._advance(self._servers[server_id])

    def _begin(self, server: SimServer, status: ServerStatus) -> None:
        """Put `server` in a transitional status that ends after its configured duration."""
        server.status = status
        server.pending = TRANSITIONS[status]
        server.ready_at = self._clock() + self.durations.of(status)
        server.updated_at = self._now()
        self._moving.add(server.id)
        self._listings.invalidate()

    def _advance(self, server: SimServer) -> None:
        """Complete the server's transition if its time has come."""
        if server.pending is None or self._clock() < server.ready_at:
            return
        server.status, server.pending = server.pending, None
        server.updated_at = self._wall_time(server.ready_at)
        self._moving.discard(server.id)
        self._listings.invalidate()
        if server.status == ServerStatus.ACTIVE:
            self._ensure_addresses(server)

    def _ensure_addresses(self, server: SimServer) -> None:
        # A server gets its addresses (and some memory in use) when it first boots.
        if server.ip_address is None:
            server.ip_address = self._addresses.take_ipv4()
            server.ipv6_address = self._addresses.take_ipv6()
            server.usage.cpu_percent = 1.5
            server.usage.memory_used = min(384, server.plan.memory or 384)

    def _now(self) -> datetime:
        return self._wall_time(self._clock())

    def _wall_time(self, at: float) -> datetime:
        start_clock, start_wall = self._epoch
        return start_wall + timedelta(seconds=at - start_clock)


# --- serving -------------------------------------------------------------------------------------


class RunningSimulator:
    """A simulator serving HTTP; `url` is the base URL a client is given."""

    def __init__(self, simulator: Simulator, runner: web.AppRunner, url: str) -> None:
        self.simulator = simulator
        self.url = url
        self._runner = runner

    async def close(self) -> None:
        """Stop serving and close every connection."""
        await self._runner.cleanup()

    async def __aenter__(self) -> RunningSimulator:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


async def start_simulator(
    sim: Simulator, host: str = "127.0.0.1", port: int = 0
) -> RunningSimulator:
    """Serve `sim` on host:port (port 0: any free port) until the result is closed."""
    # A short shutdown and handler cancellation: a request held by injected latency or a
    # dropped connection must not hold up close() for the default minute.
    runner = web.AppRunner(sim.make_app(), shutdown_timeout=1.0, handler_cancellation=True)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    bound_port = runner.addresses[0][1]
    return RunningSimulator(sim, runner, f"http://{_url_host(host)}:{bound_port}{API_PREFIX}")


def _url_host(host: str) -> str:
    # A wildcard bind is reached through loopback; an IPv6 literal needs brackets in a URL.
    if host in ("", "0.0.0.0"):  # noqa: S104 - reading the bind address, not choosing it
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


async def serve_forever(sim: Simulator, host: str, port: int) -> None:
    """Serve `sim` until cancelled, then close cleanly (`vpsbot simulator`)."""
    running = await start_simulator(sim, host, port)
    logger.info("VPS.org simulator serving at %s", running.url)
    try:
        await asyncio.Event().wait()
    finally:
        await running.close()
        logger.info("VPS.org simulator stopped")
