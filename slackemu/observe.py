"""Change notification and waiting: subscribers, callbacks, and ``wait_for`` without sleeps."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import TypeVar

from slackemu.model import ChangeKind, Message, View
from slackemu.records import Change

T = TypeVar("T")

_POLL_SECONDS = 0.05
"""Predicates may look beyond the world (the app's own state), so wait_for also polls."""


class Observable:
    """Tells waiters, queues and callbacks about every change."""

    def __init__(self) -> None:
        self._changed = asyncio.Event()
        self._queues: list[asyncio.Queue[Change]] = []
        self._callbacks: list[Callable[[Change], None]] = []

    def describe(self) -> str:
        """What a timeout message should show of the current state."""
        return ""

    def notify(
        self, kind: ChangeKind, *, message: Message | None = None, view: View | None = None
    ) -> None:
        """Tell waiters, queues and callbacks that something changed."""
        change = Change(kind, message, view)
        self._changed.set()
        self._changed = asyncio.Event()
        for queue in self._queues:
            queue.put_nowait(change)
        for callback in list(self._callbacks):
            callback(change)

    def subscribe(self) -> asyncio.Queue[Change]:
        """A queue that receives every change from now on."""
        queue: asyncio.Queue[Change] = asyncio.Queue()
        self._queues.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Change]) -> None:
        """Stop feeding a queue from ``subscribe``."""
        self._queues.remove(queue)

    def on_change(self, callback: Callable[[Change], None]) -> Callable[[], None]:
        """Call ``callback`` on every change; returns the function that stops it."""
        self._callbacks.append(callback)
        return lambda: self._callbacks.remove(callback)

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 20.0,  # noqa: ASYNC109 - the error must say what timed out
        what: str | None = None,
    ) -> T:
        """The predicate's first truthy value; ``TimeoutError`` saying what was awaited."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"waited {timeout:g}s for {what or _describe(predicate)}\n{self.describe()}"
                )
            changed = self._changed
            try:
                async with asyncio.timeout(min(remaining, _POLL_SECONDS)):
                    await changed.wait()
            except TimeoutError:
                pass


def _describe(predicate: Callable[[], object]) -> str:
    name = getattr(predicate, "__qualname__", repr(predicate))
    if "<lambda>" not in name:
        return str(name)
    try:
        return inspect.getsource(predicate).strip()
    except (OSError, TypeError):
        return str(name)
