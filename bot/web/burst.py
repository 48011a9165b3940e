"""Acks first: during a burst of requests, work after an ack waits until the burst is acked.

Slack gives an app 3 seconds to acknowledge; the work a request starts after its ack can take
longer without harm. So while a burst is coming in — other requests being handled, or another
one arrived in the last `gap` seconds — the work of a request already acked holds back (for at
most `max_wait` seconds): 200 commands arriving at once are acknowledged before the bot spends
its time on any of them, and a lone command waits for nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

__all__ = ["AckFirst", "Arrival"]


class Arrival:
    """One request the edge is handling, until its answer is on its way."""

    def __init__(self, burst: AckFirst) -> None:
        self._burst: AckFirst | None = burst

    @property
    def open(self) -> bool:
        """Whether its answer is still to go out."""
        return self._burst is not None

    def answered(self) -> None:
        """Its answer is on its way (said once; later calls change nothing)."""
        if self._burst is not None:
            self._burst._handling = max(0, self._burst._handling - 1)
            self._burst = None


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

    def arrived(self) -> Arrival:
        """A request came in; `answered()` on what this returns once its answer is out."""
        self._handling += 1
        self._arrivals = (self._arrivals[1], self._clock())
        return Arrival(self)

    def _busy(self, own: int = 0) -> bool:
        """Requests other than the caller's `own` are being handled, or two arrived within
        `gap` of now (a burst)."""
        return self._handling > own or self._clock() - self._arrivals[0] < self.gap

    async def turn(self, own: Arrival | None = None) -> None:
        """Return at once for a lone request (`own`, just acked, is the caller's); during a
        burst, once no request is being handled and none arrived lately, or after `max_wait`.
        """
        if not self._busy(own=1 if own is not None and own.open else 0):
            return
        deadline = self._clock() + self.max_wait
        # While its own answer is being sent the caller's request still counts: the pause lets
        # the event loop read the requests already waiting on its sockets, so they count too.
        # Polled: "no arrival for `gap` seconds" is about time passing, not an event.
        pause = self.gap / 8
        while self._busy() and self._clock() < deadline:
            await asyncio.sleep(pause)
            pause = self.gap / 4
