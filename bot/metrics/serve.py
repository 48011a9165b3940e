"""Serving `/metrics` on its own port, and keeping the gauges that need I/O fresh."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from aiohttp import web

from bot.metrics.registry import Metrics
from bot.periodic import Every
from bot.state import StateStoreError

logger = logging.getLogger(__name__)

METRICS_PATH = "/metrics"


def make_metrics_app(metrics: Metrics) -> web.Application:
    """`GET /metrics`: the Prometheus text format; nothing on this port ever waits on I/O."""
    app = web.Application()

    async def handle(_: web.Request) -> web.Response:
        body, content_type = metrics.render()
        return web.Response(body=body, headers={"Content-Type": content_type})

    app.router.add_get(METRICS_PATH, handle)
    return app


class _Counts(Protocol):
    confirmations: int
    approvals: int


@runtime_checkable
class PendingCounter(Protocol):
    """The part of the state store the refresher reads."""

    async def count_pending(self, now: float | None = None) -> _Counts: ...


class MetricsRefresher:
    """Every `interval` seconds: pending counts from the store (bounded by `timeout`) and the
    socket's state. A scrape only reads what this last wrote, so a stuck store cannot hang it."""

    def __init__(
        self,
        metrics: Metrics,
        *,
        store: object,
        socket_connected: Callable[[], Awaitable[bool]] | None = None,
        interval: float = 5.0,
        timeout: float = 1.0,
    ) -> None:
        self._metrics = metrics
        self._store = store if isinstance(store, PendingCounter) else None
        self._socket_connected = socket_connected
        self.interval, self.timeout = interval, timeout

    def job(self) -> Every:
        """Refresh now and then every `interval` seconds."""
        return Every(self.interval, self.refresh, name="refreshing the metrics")

    async def refresh(self) -> None:
        """One round: each source on its own, so one that fails leaves the others fresh."""
        if self._socket_connected is not None:
            self._metrics.socket_connected(await self._socket_connected())
        if self._store is not None:
            try:
                async with asyncio.timeout(self.timeout):
                    counts = await self._store.count_pending()
            except (TimeoutError, StateStoreError) as exc:
                logger.debug("pending counts not refreshed (%s)", type(exc).__name__)
            else:
                self._metrics.pending(
                    confirmations=counts.confirmations, approvals=counts.approvals
                )
