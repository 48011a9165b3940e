"""The HTTP surface: `POST /slack/events` (HTTP mode), `GET /healthz` and `GET /readyz` (both).

A request to the events URL is judged in this order, and stops at the first failure:
signature headers present, well-formed and in the 5-minute window (401, before the body is read)
→ body no larger than `max_body` (413) and arriving within `body_timeout` (408) → the HMAC over
the raw bytes (401) → a body of a shape Slack sends (400) → not seen before (a repeat gets an
empty 200 and is not acted on) → Bolt. No unsigned byte is parsed; no malformed body reaches Bolt.

Where this edge departs from Bolt's own aiohttp adapter (`AsyncSlackRequestHandler`), and why —
the only departures; everything after the hand-over (listeners, `ack`, `respond`, `client`) is
Bolt's own:
1. It verifies before Bolt. Bolt's adapter reads the whole body, then Bolt checks the signature
   and parses. Here the headers are checked before a byte of the body is read, the body is
   bounded in size and time, and the body's shape is checked: an unsigned, oversized, slow or
   malformed request never costs a parse, and a replayed one is answered without reaching Bolt
   at all. Bolt then gets the verified dict (`mode="socket_mode"`, so it neither re-verifies nor
   re-parses: the same form Socket Mode hands it).
2. It answers at the ack. Bolt's adapter returns when `async_dispatch` returns, which is when
   Bolt next polls for the ack (every 10 ms) or when a lazy listener finishes; here the answer
   goes out the moment the listener acks (`_dispatch`), and while a burst is arriving the work
   after an ack waits for the burst to be acked (`bot.web.burst.AckFirst`): 200 commands at once
   are all acked within Slack's 3 seconds.
3. It serves the probes and refuses Slack work with a 503 while start-up waits for the state
   store (`not_accepting`), on the same port.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.flow.once import before_acting
from bot.logs import bind_request, new_request_id
from bot.web.burst import AckFirst, Arrival
from bot.web.payload import Malformed, parse_body, user_of
from bot.web.probes import Probe
from bot.web.replay import ReplayGuard
from bot.web.signing import Unsigned, check_signature, read_stamp

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"

HEADER_TIMEOUT = 10.0
"""Seconds a connection may take to send a request's headers (also the idle keep-alive)."""
BODY_TIMEOUT = 10.0
"""Seconds a request body may take to arrive: Slack gives up on an ack after 3."""
MAX_BODY = 1024 * 1024
"""Bytes: Slack's largest payloads (a modal's state) are far smaller."""
BACKLOG = 1024
"""Connections the kernel queues for the server before it accepts them (capped by somaxconn)."""
LINGER = 2.0
"""Seconds the rest of a refused body is still read (so the client sees the answer) before
the connection is closed."""


class _TooLarge(Exception):
    pass


@dataclass
class SlackEvents:
    """`POST /slack/events`: verify, bound, parse and de-duplicate, then hand over to Bolt."""

    bolt: AsyncApp
    signing_secret: str
    guard: ReplayGuard = field(default_factory=ReplayGuard)
    ack_first: AckFirst = field(default_factory=AckFirst)
    _finishing: set[asyncio.Future[BoltResponse]] = field(default_factory=set, repr=False)
    body_timeout: float = BODY_TIMEOUT
    max_body: int = MAX_BODY
    clock: Callable[[], float] = time.time

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Answer one request to the events URL."""
        arrival = self.ack_first.arrived()
        try:
            return await self._handle(request, arrival)
        finally:
            arrival.answered()

    async def _handle(self, request: web.Request, arrival: Arrival) -> web.StreamResponse:
        received_at = time.perf_counter()
        request_id = new_request_id()
        bind_request(request_id=request_id)
        try:  # in the order of the module's docstring: no unsigned byte is parsed
            stamp = read_stamp(request.headers, self.clock())
            raw = await self._read(request)
            check_signature(self.signing_secret.encode(), stamp, raw)
            body = parse_body(raw, request.content_type)
        except Unsigned as exc:
            return _refuse(401, "invalid signature", str(exc))
        except TimeoutError:
            return _refuse(408, "request body too slow", f"no full body in {self.body_timeout:g}s")
        except _TooLarge:
            return _refuse(413, "request body too large", f"more than {self.max_body} bytes")
        except Malformed as exc:
            return _refuse(400, "malformed request", str(exc))
        bind_request(request_id=request_id, user=user_of(body))
        if self.guard.seen_here(stamp):
            logger.warning("ignored a repeated request (same signature and timestamp)")
            return web.Response(status=200)
        # Whether another replica saw it takes the state store: checked after the ack, before
        # anything is done (bot.flow.once), so no request waits for the store to be acked.
        guard = self.guard
        before_acting(lambda: guard.first_everywhere(stamp))
        acked: asyncio.Future[BoltResponse] = asyncio.get_running_loop().create_future()
        # The body is verified and parsed here, so Bolt gets the dict, as Socket Mode hands it
        # over ("socket_mode" tells Bolt not to parse or verify the raw text again).
        try:
            bolt_request = AsyncBoltRequest(
                body=body,
                query=request.query_string,
                headers=dict(request.headers),
                context={
                    "request_id": request_id,
                    "received_at": received_at,
                    "acked": acked,  # set by the listener's ack (bot.app.TimedAck)
                    "arrival": arrival,  # answered at the ack: its own work waits not for it
                },
                mode="socket_mode",
            )
        except (TypeError, AttributeError, KeyError, IndexError, ValueError) as exc:
            # parse_body should have refused it: a shape it does not know about yet.
            return _refuse(400, "malformed request", f"Bolt cannot read it ({type(exc).__name__})")
        return await to_aiohttp_response(await self._dispatch(bolt_request, acked))

    async def _dispatch(
        self, request: AsyncBoltRequest, acked: asyncio.Future[BoltResponse]
    ) -> BoltResponse:
        """Bolt's answer — as soon as the listener acks: Bolt itself notices an ack only
        every 10 ms, and a burst of requests should not wait for that."""
        dispatch = asyncio.ensure_future(self.bolt.async_dispatch(request))
        await asyncio.wait({dispatch, acked}, return_when=asyncio.FIRST_COMPLETED)
        if dispatch.done():
            return dispatch.result()
        self._finishing.add(dispatch)  # Bolt returns the same answer a moment later
        dispatch.add_done_callback(self._finished)
        return acked.result()

    def _finished(self, dispatch: asyncio.Future[BoltResponse]) -> None:
        self._finishing.discard(dispatch)
        if not dispatch.cancelled() and dispatch.exception() is not None:
            logger.error("Bolt failed after the ack", exc_info=dispatch.exception())

    async def _read(self, request: web.Request) -> bytes:
        if request.content_length is not None and request.content_length > self.max_body:
            raise _TooLarge
        chunks: list[bytes] = []
        size = 0
        async with asyncio.timeout(self.body_timeout):
            while chunk := await request.content.readany():
                size += len(chunk)
                if size > self.max_body:
                    raise _TooLarge
                chunks.append(chunk)
        return b"".join(chunks)


async def not_accepting(_: web.Request) -> web.Response:
    """The events URL while start-up has not finished (its store not answering yet): 503."""
    return _refuse(503, "not ready", "start-up is waiting for the state store")


def _refuse(status: int, answer: str, why: str) -> web.Response:
    """An error answer that says little; the log line says why (never echoing the body)."""
    logger.warning("refused a request to %s: %s (%d)", EVENTS_PATH, why, status)
    response = web.json_response({"error": answer}, status=status)
    if status in (408, 413, 503):
        response.force_close()  # the rest of the body is not worth waiting for
    return response


def make_web_app(
    events: SlackEvents | None, health: Probe, ready: Probe | None = None
) -> web.Application:
    """The Slack-facing application: the events URL when `events` is given, and the probes."""
    app = web.Application()

    def probe(check: Probe) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(_: web.Request) -> web.Response:
            ok, body = await check()
            return web.json_response(body, status=200 if ok else 503)

        return handle

    app.router.add_get(HEALTH_PATH, probe(health))
    app.router.add_get(READY_PATH, probe(ready or health))
    if events is not None:
        app.router.add_post(EVENTS_PATH, events.handle)
    return app


async def start_web(
    app: web.Application, host: str, port: int, *, header_timeout: float = HEADER_TIMEOUT
) -> tuple[web.AppRunner, int]:
    """Serve `app` on host:port (0 = any free port); return the runner and the bound port.

    aiohttp closes a connection that has no complete request `keepalive_timeout` seconds after
    it opened (or after its last answer): that bounds how long headers may take to arrive.
    The body is bounded by the handler (`SlackEvents.body_timeout`), and what is left of a
    refused one by `lingering_time`.
    """
    runner = web.AppRunner(
        app, access_log=None, keepalive_timeout=header_timeout, lingering_time=LINGER
    )
    await runner.setup()
    # A burst of Slack requests must not wait in a full listen queue (128 by default): a
    # connection the kernel does not take is retried by the client a second later.
    site = web.TCPSite(runner, host, port, backlog=BACKLOG)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    bound = port
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            bound = int(address[1])
            break
    return runner, bound
