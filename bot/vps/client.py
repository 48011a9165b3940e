"""VPSClient: one method per VPS.org endpoint; one `_request()` boundary for HTTP and errors.

Deadlines (`timeout` is VPS_API_TIMEOUT_SECONDS, 10 s by default):

- An attempt — connect, send, and read the whole body — ends within `timeout`: an API that
  trickles its answer out a byte at a time fails at the deadline like one that says nothing.
- Waiting for a free connection ends within `timeout` too, with VPSBusy ("the VPS.org API is
  busy — try again in a moment"); nothing was sent, and it is not retried.
- A call — every attempt, every wait for a connection and every wait between attempts — ends
  within `RetryPolicy.call_budget` timeouts (2 x 10 s by default): an attempt gets what is left
  of it, and a retry or a `Retry-After` wait that would end later is not started (the caller
  gets the last error at once). So a person hears back within 20 s.
- A full listing is a call per page, pages fetched `list_concurrency` at a time, and stops at
  the caps of `ClientLimits` (100,000 servers, 256 MiB, 10,000 pages) with VPSTooLarge.

Retry policy (documented here because callers rely on it):

- GET is retried on connection errors, timeouts, 429 and 5xx.
- Any method is retried when the connection failed before the request was sent (connect error
  or connect timeout) and on 429 / 503, which say the request was not processed.
- A create, update, delete or action whose request may have reached VPS.org (a timeout after
  connecting, a broken connection, 500/502/504) is never re-sent: the caller gets an error that
  says to check first.
- Waits are capped exponential backoff with full jitter; a `Retry-After` is honoured up to
  `RetryPolicy.max_retry_after`, beyond which the error is raised at once.

Reads and writes use separate connection pools: at most `reads_in_flight` reads are sent at
once, and a write never waits behind them. `on_request(method, endpoint, outcome, seconds)` is
called once per attempt (outcome `2xx`, `4xx`, `5xx`, `timeout`, `connect_error` or `busy`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

import httpx
from pydantic import SecretStr

from bot import __version__
from bot.redact import redact_url
from bot.vps import errors
from bot.vps.answers import Answer, parse, retry_after, status_error
from bot.vps.limits import ClientLimits, RetryPolicy
from bot.vps.listing import Listing
from bot.vps.models import ActionResult, Server, ServerCreate, ServerPage, ServerUpdate
from bot.vps.transport import Attempts, Call, OnRequest

__all__ = ["ClientLimits", "OnRequest", "RetryPolicy", "VPSClient"]

logger = logging.getLogger(__name__)

_SAFE_METHODS = frozenset({"GET"})
_NOT_PROCESSED_STATUSES = frozenset({429, 503})
_LIST = "/servers/"

Sleep = Callable[[float], Awaitable[None]]


class _BearerAuth(httpx.Auth):
    """Adds the bearer token to each request; its repr never shows the token."""

    def __init__(self, token: SecretStr) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        yield request

    def __repr__(self) -> str:
        return "_BearerAuth(token=**********)"


class VPSClient:
    """Async client for the VPS.org servers API (9 endpoints)."""

    def __init__(
        self,
        base_url: str,
        token: SecretStr | str,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        limits: ClientLimits | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_request: OnRequest | None = None,
    ) -> None:
        # Userinfo in VPS_API_URL is never sent (the bearer token authenticates), so it is
        # dropped here: no URL the client or httpx logs or raises can show it.
        self.base_url = _without_userinfo(base_url.rstrip("/"))
        self._shown_url = redact_url(base_url.rstrip("/"))
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.limits = limits or ClientLimits()
        self._sleep, self._clock = sleep, clock
        secret = token if isinstance(token, SecretStr) else SecretStr(token)
        self._wire = Attempts(
            self.base_url + "/",
            auth=_BearerAuth(secret),
            headers={
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": f"vpsbot/{__version__}",
            },
            timeout=timeout,
            limits=self.limits,
            transport=transport,
            on_request=on_request,
            shown_url=self._shown_url,
        )

    @property
    def on_request(self) -> OnRequest | None:
        """Called once per attempt: (method, endpoint template, outcome, seconds)."""
        return self._wire.on_request

    @on_request.setter
    def on_request(self, hook: OnRequest | None) -> None:
        self._wire.on_request = hook

    def __repr__(self) -> str:
        return f"VPSClient(base_url={self._shown_url!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close both connection pools."""
        await self._wire.aclose()

    # -- endpoints -------------------------------------------------------------------------

    def iter_server_pages(
        self, *, status: str | None = None, location: str | None = None, ahead: bool = False
    ) -> AsyncGenerator[ServerPage, None]:
        """Every page of the server list (1) in API order, each fetched when asked for; with
        `ahead`, the rest are fetched concurrently once the first says how many there are (for
        full listings: see `bot.vps.listing`; stop such a reader early with `aclosing`)."""
        params = _filters(status, location)
        return Listing(self._fetch_page, self.base_url, self.limits, params, ahead=ahead).pages()

    async def list_servers(
        self, *, status: str | None = None, location: str | None = None
    ) -> list[Server]:
        """Every server in the account (1), all pages fetched concurrently, optionally filtered."""
        servers: list[Server] = []
        async for page in self.iter_server_pages(status=status, location=location, ahead=True):
            servers.extend(page.results)
        return servers

    async def create_server(self, spec: ServerCreate) -> Server:
        """Create a server (2); it starts in `provisioning`."""
        body = spec.model_dump(exclude_none=True)
        return parse(Server, await self._request(Call("POST", "servers/", _LIST, json=body)))

    async def get_server(self, server_id: int) -> Server:
        """Details of one server (3), with resource usage."""
        return parse(Server, await self._request(_on_server("GET", server_id)))

    async def replace_server(
        self, server_id: int, *, name: str, hostname: str, backups_enabled: bool
    ) -> Server:
        """Set name, hostname and backups all at once (4, PUT)."""
        body = {"name": name, "hostname": hostname, "backups_enabled": backups_enabled}
        return parse(Server, await self._request(_on_server("PUT", server_id, json=body)))

    async def update_server(self, server_id: int, changes: ServerUpdate) -> Server:
        """Change only the given fields (5, PATCH)."""
        call = _on_server("PATCH", server_id, json=changes.body())
        return parse(Server, await self._request(call))

    async def delete_server(self, server_id: int) -> None:
        """Delete a server permanently (6)."""
        await self._request(_on_server("DELETE", server_id))

    async def start_server(self, server_id: int) -> ActionResult:
        """Power on a stopped server (7)."""
        return parse(ActionResult, await self._request(_on_server("POST", server_id, "start/")))

    async def stop_server(self, server_id: int) -> ActionResult:
        """Gracefully shut down a running server (8)."""
        return parse(ActionResult, await self._request(_on_server("POST", server_id, "stop/")))

    async def reboot_server(self, server_id: int) -> ActionResult:
        """Gracefully reboot a running server (9)."""
        return parse(ActionResult, await self._request(_on_server("POST", server_id, "reboot/")))

    async def _fetch_page(
        self, url: str, params: dict[str, str] | None, limit: int, too_large: str
    ) -> tuple[ServerPage, int]:
        # `next` links carry their query: httpx would replace it with any params given.
        call = Call("GET", url, _LIST, params or None, max_bytes=limit, too_large=too_large)
        answer = await self._request(call)
        return parse(ServerPage, answer), len(answer.content)

    # -- the boundary ----------------------------------------------------------------------

    async def _request(self, call: Call) -> Answer:
        """Send one API request with the retry policy; return a 2xx answer or raise VPSError."""
        deadline = self._clock() + self.retry.call_budget * self.timeout
        for retry in range(self.retry.attempts):
            last = retry == self.retry.attempts - 1
            try:
                answer = await self._wire.attempt(call, left=deadline - self._clock())
            except errors.VPSTransportError as failure:
                if last or not _may_retry_transport(failure, call.method):
                    raise failure from None
                await self._wait(retry, None, deadline, call, failure)
                continue
            if answer.is_success:
                return answer
            error = status_error(answer, call.server_id)
            after = retry_after(answer) if answer.status in _NOT_PROCESSED_STATUSES else None
            if (
                last
                or not _may_retry_status(answer.status, call.method)
                or (after is not None and after > self.retry.max_retry_after)
            ):
                raise error
            await self._wait(retry, after, deadline, call, error)
        raise AssertionError("unreachable: the last attempt always returns or raises")

    async def _wait(
        self, retry: int, after: float | None, deadline: float, call: Call, error: errors.VPSError
    ) -> None:
        """Sleep before the next attempt, or raise `error` when it could not start in time."""
        delay = self.retry.delay(retry, after)
        if self._clock() + delay >= deadline:
            raise error
        logger.warning("VPS.org %s failed (%s); retrying in %.1fs", call, error, delay)
        await self._sleep(delay)


def _without_userinfo(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _filters(status: str | None, location: str | None) -> dict[str, str]:
    return {k: v for k, v in (("status", status), ("location", location)) if v}


def _on_server(
    method: str, server_id: int, action: str = "", json: dict[str, Any] | None = None
) -> Call:
    """A call on one server (`action` such as `stop/`: one of its actions)."""
    path, endpoint = f"servers/{int(server_id)}/{action}", f"/servers/{{id}}/{action}"
    return Call(method, path, endpoint, json=json, server_id=server_id)


def _may_retry_transport(failure: errors.VPSTransportError, method: str) -> bool:
    if isinstance(failure, errors.VPSBusy):
        return False
    return isinstance(failure, errors.VPSConnectError) or method in _SAFE_METHODS


def _may_retry_status(status: int, method: str) -> bool:
    if status in _NOT_PROCESSED_STATUSES:
        return True
    return method in _SAFE_METHODS and status >= 500
