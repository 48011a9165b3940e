"""The client's bounds: how patiently it retries, how much it sends at once, how much it reads."""

from __future__ import annotations

import random
from dataclasses import dataclass

MiB = 2**20


@dataclass(frozen=True)
class RetryPolicy:
    """How many times and how patiently a request is retried."""

    attempts: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_retry_after: float = 30.0
    call_budget: float = 2.0
    """A call — every attempt and every wait between them — ends within this many timeouts."""

    def delay(self, retry: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number `retry` (0-based)."""
        if retry_after is not None:
            return retry_after
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2**retry))


@dataclass(frozen=True)
class ClientLimits:
    """Connections, concurrency and sizes the client keeps to."""

    reads_in_flight: int = 32
    """Reads sent at once; one more waits for a free connection (up to the timeout)."""
    writes_in_flight: int = 16
    """Writes have connections of their own: they never queue behind reads."""
    slot_wait: float | None = None
    """Seconds a request waits for a free connection before VPSBusy; None: the timeout."""
    list_concurrency: int = 8
    """Pages of one listing fetched at once (they count among the reads in flight)."""
    list_servers: int = 100_000
    """A listing with more servers than this stops with VPSTooLarge."""
    list_bytes: int = 256 * MiB
    """A listing whose pages add up to more than this stops with VPSTooLarge."""
    answer_bytes: int = 16 * MiB
    """No single answer is read beyond this (a server's details are about 1 KB)."""
    list_pages: int = 10_000
    """Pages of one listing, however small they are."""
