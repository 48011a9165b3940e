"""The replay guard: a signed request is acted on once, however often it is sent in its window.

Two steps: `seen_here` before the ack (this replica's memory: no I/O, so the ack stays quick),
and `first_everywhere` after it, which the pipeline runs before acting (the state store, shared
by every replica).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from bot.state import StateStoreUnavailable
from bot.web.signing import WINDOW_SECONDS, Stamp

logger = logging.getLogger(__name__)

CLOCK_SKEW_SECONDS = 60
"""Kept past the window too, for replicas whose clocks differ a little."""


class RequestMemory(Protocol):
    """The part of the state store the guard uses (shared by every replica)."""

    async def remember_request(
        self, key: str, *, expires_at: float, now: float | None = None
    ) -> bool: ...


class ReplayGuard:
    """Remembers every signed request until its signature expires, in this replica's memory and
    in the state store so that every replica knows it. A write whose request the store cannot
    vouch for is not made (fail closed, as a write the audit log cannot record)."""

    def __init__(
        self,
        store: RequestMemory | None = None,
        *,
        timeout: float = 20.0,  # past the store's own bounded waits (SQLite's queue: 15 s)
        clock: Callable[[], float] = time.time,
        max_local: int = 200_000,
    ) -> None:
        self._shared = store
        self.timeout = timeout
        self._clock = clock
        self._max_local = max_local
        self._local: dict[str, float] = {}
        self._order: deque[tuple[float, str]] = deque()

    async def first_time(self, stamp: Stamp) -> bool:
        """Both steps at once: True the first time this signature and timestamp are seen."""
        return not self.seen_here(stamp) and await self.first_everywhere(stamp)

    def seen_here(self, stamp: Stamp) -> bool:
        """Whether this replica saw the request before (it remembers it now, if not)."""
        self._forget_expired(self._clock())
        # Checked and recorded with no await in between: two copies arriving at once on this
        # replica cannot both pass.
        key, expires_at = _remembered(stamp)
        if key in self._local:
            return True
        self._remember_here(key, expires_at)
        return False

    async def first_everywhere(self, stamp: Stamp) -> bool:
        """Whether no replica acted on the request before (the state store remembers it).

        Run after the ack, before a write. StateStoreUnavailable when the store can't say
        within `timeout` (beyond its own bounded waits): the write is then not made — the
        caller hears "nothing was done, try again" — rather than risk making it twice.
        """
        if self._shared is None:
            return True
        key, expires_at = _remembered(stamp)
        try:
            async with asyncio.timeout(self.timeout):
                return await self._shared.remember_request(
                    key, expires_at=expires_at, now=self._clock()
                )
        except TimeoutError:
            logger.warning("the state store did not answer the replay check in time")
            raise StateStoreUnavailable(
                f"the state store did not answer within {self.timeout:g}s; nothing was done"
            ) from None

    def _remember_here(self, key: str, expires_at: float) -> None:
        if len(self._order) >= self._max_local:
            _, oldest = self._order.popleft()
            self._local.pop(oldest, None)
        self._local[key] = expires_at
        self._order.append((expires_at, key))

    def _forget_expired(self, now: float) -> None:
        while self._order and self._order[0][0] < now:
            _, key = self._order.popleft()
            self._local.pop(key, None)


def _remembered(stamp: Stamp) -> tuple[str, float]:
    """What identifies this exact request, and until when it is remembered (UNIX time)."""
    expires_at = int(stamp.timestamp) + WINDOW_SECONDS + CLOCK_SKEW_SECONDS
    return f"slack:{stamp.timestamp}:{stamp.signature}", expires_at
