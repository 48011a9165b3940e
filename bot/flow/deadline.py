"""A request's deadline (`BOT_REQUEST_DEADLINE_SECONDS`): how long its reads may take.

Finding a server can take many API pages; with a slow API that is minutes, and a change made
that late surprises the member who asked. So `guarded` gives each request a deadline, and every
read it waits for — through the gate, or through `ServerDirectory`'s shared reads — stops
waiting there with `TooLong`: the member hears that nothing was done.

Only reads are bounded, never what acts: a request that got its answers in time goes on to its
confirmation, approval or API call, which is not cut at the deadline. Cutting a write halfway
would lose its answer (the call may have arrived: the server changes while the bot says
"nothing was done", and no audit record or follow-up says what happened); the write has its own
bound instead, `VPS_API_TIMEOUT_SECONDS`. The store's and Slack's steps are bounded by their
own timeouts as well.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from typing import TypeVar

__all__ = ["TooLong", "acting", "bounded", "deadline", "unbounded"]

_T = TypeVar("_T")

# When the current request's reads must have ended (loop time), and its length in seconds.
_current: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar(
    "request_deadline", default=None
)


class TooLong(Exception):
    """A request's reads ran past its deadline; it stopped before doing anything."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no answer within the request's {seconds:g}s")
        self.seconds = seconds


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Reads awaited inside (in this task, and tasks it starts) end by `seconds` from now."""
    token = _current.set((asyncio.get_running_loop().time() + seconds, seconds))
    try:
        yield
    finally:
        _current.reset(token)


async def bounded(read: Awaitable[_T]) -> _T:
    """`read`, or TooLong once the request's deadline has passed (no deadline: just `read`)."""
    current = _current.get()
    if current is None:
        return await read
    until, seconds = current
    if asyncio.get_running_loop().time() >= until:
        _close(read)
        raise TooLong(seconds)
    try:
        async with asyncio.timeout_at(until) as cut:
            return await read
    except TimeoutError:
        if cut.expired():  # ours, not a timeout of the read itself
            raise TooLong(seconds) from None
        raise


def acting() -> None:
    """The request acts from here on (its API write): nothing after this point is cut by its
    deadline, whatever reads the steps after the call may add."""
    _current.set(None)


def unbounded() -> contextvars.Context:
    """The current context without a deadline: for work shared by several requests (and
    others, such as the fleet monitor), which must not end with the first one's deadline."""
    context = contextvars.copy_context()
    context.run(_current.set, None)
    return context


def _close(read: Awaitable[object]) -> None:
    """What will not be awaited is let go: a coroutine closed (or Python warns that it was
    never awaited), a future cancelled (or its error is reported as never retrieved)."""
    if asyncio.iscoroutine(read):
        read.close()
    elif isinstance(read, asyncio.Future):
        read.cancel()
