"""create_app(services) -> AsyncApp: wiring only. Middleware puts the services in every context."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.response import BoltResponse

from bot.flow.services import Services
from bot.logs import bind_request, new_request_id
from bot.slack.listeners import register_listeners
from bot.web.burst import AckFirst, Arrival

logger = logging.getLogger(__name__)


class _NoTokenSkippedWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that the client's token wins: it is the same
    token, so the warning would only puzzle whoever reads the start-up log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


class TimedAck(AsyncAck):
    """`ack()` that reports, once, how long the request waited for it."""

    def __init__(
        self,
        received_at: float,
        observe: Callable[[float], None],
        ack_first: AckFirst,
        acked: asyncio.Future[BoltResponse] | None,
        arrival: Arrival | None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # Bolt leaves it untyped
        self._received_at, self._observe = received_at, observe
        self._ack_first, self._acked, self._arrival = ack_first, acked, arrival
        self._observed = False

    async def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        """Acknowledge, as Bolt's ack does, and record the wait; the work after the ack then
        lets the other requests of a burst be acked first."""
        response = await super().__call__(*args, **kwargs)
        if not self._observed:
            self._observed = True
            self._observe(time.perf_counter() - self._received_at)
            if self._acked is not None and not self._acked.done():
                self._acked.set_result(response)  # the edge answers Slack with it at once
            await self._ack_first.turn(self._arrival)
        return response


def create_app(services: Services, *, signing_secret: str | None) -> AsyncApp:
    """The Bolt app with every listener; `signing_secret` None only for Socket Mode."""
    bolt_logger = logging.getLogger("bot.bolt")
    bolt_logger.addFilter(_NoTokenSkippedWarning())
    app = AsyncApp(
        name="vpsbot",  # else Bolt reads the source of every frame of the stack to name itself
        client=services.slack.client,  # Bolt's client is the boundary's transport
        signing_secret=signing_secret or "",
        request_verification_enabled=signing_secret is not None,
        logger=bolt_logger,
    )

    async def track_request(
        context: AsyncBoltContext,
        next: Callable[[], Awaitable[None]],  # noqa: A002 - Bolt passes it by this name
    ) -> None:
        context["services"] = services
        # HTTP mode: the edge gave the request its id and arrival time; Socket Mode: now.
        request_id = context.get("request_id") or new_request_id()
        context["request_id"] = request_id
        bind_request(request_id=request_id, user=context.user_id)
        received_at = context.get("received_at") or time.perf_counter()
        context["ack"] = TimedAck(
            received_at,
            services.metrics.ack,
            services.ack_first,
            context.get("acked"),
            context.get("arrival"),
        )
        await next()

    app.middleware(track_request)

    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        logger.error("unhandled error in a listener (%s)", type(error).__name__, exc_info=error)

    app.error(on_error)
    register_listeners(app, command=services.command)
    return app
