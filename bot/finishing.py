"""Steps a shutdown must not cut in half: a report claimed and not yet posted, a change posted
and not yet saved.

A background task (a watch, the fleet monitor) is cancelled when the bot stops. Most of its
work can stop anywhere — another replica, or the next start, picks it up from the state store.
A few steps cannot: once a watch has claimed its final report, no one else will post it. Such a
step runs through `Finishing.run`: cancelling the caller leaves the step running, and the
owner's `close()` waits for it (bounded) with `Finishing.wait`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["GRACE", "Finishing"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

GRACE = 10.0
"""How long stopping waits for such steps (a post waiting out Slack's Retry-After included)."""


class Finishing:
    """The steps of one owner that are still running."""

    def __init__(self, what: str) -> None:
        self._what = what
        self._tasks: set[asyncio.Task[Any]] = set()

    async def run(self, step: Coroutine[Any, Any, T]) -> T:
        """Run `step` to its end even if the caller is cancelled meanwhile."""
        task = asyncio.create_task(step)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            task.add_done_callback(self._log_failure)  # no one else will see how it ends
            raise

    def _log_failure(self, task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and (error := task.exception()) is not None:
            logger.error("%s failed while stopping", self._what, exc_info=error)

    async def wait(self, grace: float = GRACE) -> None:
        """Wait up to `grace` seconds for the steps still running; cancel the late ones."""
        if not self._tasks:
            return
        _, late = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in late:
            logger.warning("stopping %s still running after %ss", self._what, grace)
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
