"""Periodic work: each job one round repeated every so often, all owned by one `Periodic`.

The composition root gathers every job (housekeeping, the fleet monitor, the approval sweeper,
the watch claimer, the metrics refresher), starts them together once the state store answers
and closes them together. A round that fails is logged once, with its traceback, and the job
goes on at its next interval; two rounds of one job never run at once; closing cancels the
loops, then runs each job's `finish` (waiting for its shielded steps, giving up a lease).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

__all__ = ["Every", "Periodic"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Every:
    """`work` every `interval` seconds (the first round after `first_delay`); off when the
    interval is 0 or less. `finish` runs once at close, after the last round, if it started."""

    interval: float
    work: Callable[[], Awaitable[object]]
    name: str
    first_delay: float = 0.0
    finish: Callable[[], Awaitable[None]] | None = None


class Periodic:
    """The loops of every job, started and stopped together."""

    def __init__(self, *jobs: Every, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self._jobs = {job.name: job for job in jobs if job.interval > 0}
        self._sleep = sleep
        self._rounds = {name: asyncio.Lock() for name in self._jobs}
        self._tasks: list[asyncio.Task[None]] = []
        self._started = self._closed = False

    def start(self) -> None:
        """Start every job's loop (once)."""
        if self._started or self._closed:
            return
        self._started = True
        self._tasks = [
            asyncio.create_task(self._loop(job), name=job.name) for job in self._jobs.values()
        ]

    async def run_once(self, name: str) -> bool:
        """One round of job `name` now, as its loop runs it (after a round under way ends);
        False when it failed (it is logged, never raised)."""
        job = self._jobs[name]
        async with self._rounds[name]:
            try:
                await job.work()
            except Exception:
                logger.exception("%s failed; trying again in %gs", name, job.interval)
                return False
        return True

    async def aclose(self) -> None:
        """Stop every loop (a round under way is cancelled, its shielded steps go on), then
        finish every job (if they were started)."""
        if self._closed:
            return
        self._closed = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._started:  # each job's finish at once: a stop waits for the slowest only
            await asyncio.gather(*(self._finish(job) for job in self._jobs.values()))

    @staticmethod
    async def _finish(job: Every) -> None:
        if job.finish is not None:
            try:
                await job.finish()
            except Exception:
                logger.exception("stopping %s failed", job.name)

    async def _loop(self, job: Every) -> None:
        if job.first_delay > 0:
            await self._sleep(job.first_delay)
        while True:
            await self.run_once(job.name)
            await self._sleep(job.interval)
