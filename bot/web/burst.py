"""Acks first: during a burst of requests, work after an ack waits until the burst is acked.

Slack gives an app 3 seconds to acknowledge; the work a request starts after its ack can take
longer without harm. So while a burst is coming in — requests being handled, or another one
arrived in the last `gap` seconds — the work of a request already acked holds back (for at most
`max_wait` seconds): 200 commands arriving at once are acknowledged before the bot spends its
time on any of them, and a lone command waits for nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

__all__ = ["AckFirst"]


class AckFirst:
    """Counts the requests being handled and when the last ones arrived."""

    def __init__(
        self,
        *,
        gap: float = 0.02,
        max_wait: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.gap, self.max_wait = gap, max_wait
        self._clock = clock
        self._handling = 0
        self._arrivals: tuple[float, float] = (float("-inf"), float("-inf"))  # last two

    def arrived(self) -> None:
        """A request came in; `answered()` once its answer is on its way."""
        self._handling += 1
        self._arrivals = (self._arrivals[1], self._clock())

    def answered(self) -> None:
        """The answer to a request that `arrived()` is on its way."""
        self._handling = max(0, self._handling - 1)

    def _busy(self) -> bool:
        """Requests are being handled, or two arrived within `gap` of now (a burst)."""
        return self._handling > 0 or self._clock() - self._arrivals[0] < self.gap

    async def turn(self) -> None:
        """Return once no request is being handled (the caller's own included: it is out a
        moment after its ack) and none arrived lately, or after `max_wait` seconds."""
        deadline = self._clock() + self.max_wait
        pause = self.gap / 8  # shorter at first: a lone request's own answer is out at once
        # Polled: "no arrival for `gap` seconds" is about time passing, not an event.
        while self._busy() and self._clock() < deadline:
            await asyncio.sleep(pause)
            pause = self.gap / 4
