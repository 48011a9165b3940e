"""One attempt at one VPS.org request: a connection slot, a hard deadline, a capped body.

Reads and writes each have a connection pool and a number of requests in flight of their own,
so a flood of reads never keeps a write waiting for a connection. Every attempt is reported once
to `on_request` (for metrics) and ends as an `Answer` or a VPSTransportError; the retry policy
above it (`VPSClient._request`) decides what happens next.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import httpx

from bot.vps import errors
from bot.vps.answers import Answer
from bot.vps.limits import ClientLimits

logger = logging.getLogger(__name__)

OnRequest = Callable[[str, str, str, float], None]
"""(method, endpoint template such as `/servers/{id}/stop/`, outcome, seconds)."""

_READS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Call:
    """One API request, as each attempt at it sends it."""

    method: str
    url: str
    endpoint: str  # the template metrics name it by, such as `/servers/{id}/stop/`
    params: dict[str, str] | None = None
    json: dict[str, Any] | None = None
    server_id: int | None = None  # the server a 404 is about
    max_bytes: int | None = None  # None: the client's `answer_bytes`
    too_large: str | None = None  # what to say past `max_bytes`

    def __str__(self) -> str:
        """For logs: the method, the path and the query (never the host, nor credentials)."""
        url = httpx.URL(self.url)
        return f"{self.method} {url.path}" + (f"?{url.query.decode()}" if url.query else "")


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The one TLS context of the process (httpx's default): building one reads the whole CA
    bundle, some 20 ms, so every client shares it."""
    return httpx.create_ssl_context()


def load_async_backend() -> None:
    """Load what httpcore loads on a client's first request (anyio's asyncio backend): some
    30 ms of CPU on the event loop, else paid by the first command — and during a burst, by
    every request waiting behind it. Call once at start, in the running event loop."""
    anyio.Event()


class _NoSlot(Exception):
    """No connection slot came free in time."""


class Attempts:
    """Sends single attempts through a read pool and a write pool."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth,
        headers: dict[str, str],
        timeout: float,
        limits: ClientLimits,
        transport: httpx.AsyncBaseTransport | None,
        on_request: OnRequest | None,
        shown_url: str,
    ) -> None:
        self.timeout = timeout
        self._slot_wait = timeout if limits.slot_wait is None else limits.slot_wait
        self.on_request = on_request
        self._answer_bytes = limits.answer_bytes
        self._where = f"VPS.org API at {shown_url}"

        def pool(size: int) -> httpx.AsyncClient:
            return httpx.AsyncClient(
                base_url=base_url,
                auth=auth,
                headers=headers,
                timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
                limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
                transport=transport,
                verify=tls_context(),
            )

        self._reads, self._writes = pool(limits.reads_in_flight), pool(limits.writes_in_flight)
        self._read_slots = asyncio.Semaphore(limits.reads_in_flight)
        self._write_slots = asyncio.Semaphore(limits.writes_in_flight)

    async def aclose(self) -> None:
        """Close both pools."""
        await self._reads.aclose()
        await self._writes.aclose()

    async def attempt(self, call: Call, *, left: float) -> Answer:
        """One request, answered in full within the timeout and the `left` seconds of its call
        (waiting for a connection included), or a VPSTransportError."""
        started = time.monotonic()
        outcome: str | None = None
        try:
            answer = await self._exchange(call, left)
        except errors.VPSTooLarge as exc:
            outcome = f"{exc.status // 100}xx"
            raise
        except (_NoSlot, httpx.RequestError, TimeoutError) as exc:
            failure, outcome = self._failure(exc, call.method)
            raise failure from None
        finally:
            if outcome is not None:
                self._report(call, outcome, started)
        self._report(call, f"{answer.status // 100}xx", started)
        seconds = time.monotonic() - started
        logger.debug("VPS.org %s -> %s in %.3fs", call, answer.status, seconds)
        return answer

    async def _exchange(self, call: Call, left: float) -> Answer:
        read = call.method in _READS
        http, slots = (self._reads, self._read_slots) if read else (self._writes, self._write_slots)
        asked = time.monotonic()
        try:
            async with asyncio.timeout(max(0.0, min(left, self._slot_wait))):
                await slots.acquire()
        except TimeoutError:
            raise _NoSlot from None
        try:
            seconds = max(0.0, min(self.timeout, left - (time.monotonic() - asked)))
            request = http.build_request(
                call.method,
                call.url,
                params=call.params,
                json=call.json,
                timeout=httpx.Timeout(seconds, connect=min(seconds, 5.0)),
            )
            # One deadline for connect, send and the whole body: httpx's own read timeout
            # restarts with every byte, so an API dripping its answer would never trip it.
            async with asyncio.timeout(seconds):
                response = await http.send(request, stream=True)
                try:
                    limit = self._answer_bytes if call.max_bytes is None else call.max_bytes
                    content = await _read_body(response, limit, call.too_large)
                finally:
                    await response.aclose()
        finally:
            slots.release()
        return Answer(response.status_code, response.headers, content)

    def _failure(self, exc: Exception, method: str) -> tuple[errors.VPSTransportError, str]:
        """The error a person can act on, and the outcome reported for metrics."""
        where = self._where
        if isinstance(exc, _NoSlot | httpx.PoolTimeout):
            return errors.VPSBusy("the VPS.org API is busy — try again in a moment"), "busy"
        if isinstance(exc, httpx.ConnectTimeout):
            return errors.VPSConnectError(
                f"could not connect to the {where} within {self.timeout:g}s — check VPS_API_URL "
                "and the network, then try again"
            ), "timeout"
        if isinstance(exc, httpx.ConnectError | httpx.UnsupportedProtocol):
            return errors.VPSConnectError(
                f"could not connect to the {where} — check VPS_API_URL and the network, "
                "then try again"
            ), "connect_error"
        if isinstance(exc, httpx.TimeoutException | TimeoutError):
            text, outcome = f"the {where} did not answer within {self.timeout:g}s", "timeout"
        else:
            text = f"the connection to the {where} broke before it answered"
            outcome = "connect_error"
        if method in _READS:
            return errors.VPSTimeout(f"{text} — try again"), outcome
        return errors.VPSTimeout(
            f"{text}; the change may or may not have been made — check the server before "
            "trying again"
        ), outcome

    def _report(self, call: Call, outcome: str, started: float) -> None:
        if self.on_request is None:
            return
        try:
            self.on_request(call.method, call.endpoint, outcome, time.monotonic() - started)
        except Exception:  # a broken metrics hook must not break the request
            logger.exception("the on_request hook failed")


async def _read_body(response: httpx.Response, limit: int, too_large: str | None) -> bytes:
    """The whole body, or VPSTooLarge as soon as it passes `limit` bytes."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(response, limit, too_large)
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > limit:
            raise _too_large(response, limit, too_large)
    return bytes(body)


def _too_large(response: httpx.Response, limit: int, text: str | None) -> errors.VPSTooLarge:
    return errors.VPSTooLarge(
        text or f"VPS.org sent an answer larger than {limit:,} bytes; stopped reading it",
        status=response.status_code,
    )
