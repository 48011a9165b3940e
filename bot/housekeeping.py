"""Housekeeping of the state store: expired confirmations and old audit entries go away."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.state import StateStore

logger = logging.getLogger(__name__)

EVERY = 3600.0


class Housekeeper:
    """Once at start, then every hour: purge expired confirmations, prune the audit log."""

    def __init__(
        self,
        store: StateStore,
        *,
        audit_days: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._store, self._audit_days, self._sleep = store, audit_days, sleep
        self._task: asyncio.Task[None] | None = None

    async def sweep(self) -> None:
        """One round of housekeeping; failures are logged, never raised."""
        try:
            purged = await self._store.purge_expired()
            pruned = await self._store.prune_audit(self._audit_days)
        except Exception:
            logger.exception("housekeeping of the state store failed")
            return
        if purged or pruned:
            logger.info("housekeeping: %d old confirmations, %d audit entries", purged, pruned)

    def start(self) -> None:
        """Sweep now and every hour."""
        self._task = asyncio.create_task(self._loop(), name="housekeeping")

    async def close(self) -> None:
        """Stop sweeping."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            await self.sweep()
            await self._sleep(EVERY)
