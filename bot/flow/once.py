"""A request is acted on once: the edge names the check, the pipeline runs it after the ack.

The HTTP edge refuses a signed request it has already seen itself before the ack (cheap, in
memory). Whether another replica saw it needs the state store — a write that has no place
before the ack — so the edge leaves that check here, for the listener's task, and `guarded`
runs it before a write: a write replayed to another replica is acked there and does nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar

__all__ = ["before_acting", "first_time"]

_CHECK: ContextVar[Callable[[], Awaitable[bool]] | None] = ContextVar(
    "vpsbot_first_time_check", default=None
)


def before_acting(check: Callable[[], Awaitable[bool]]) -> None:
    """Have the current request (and the tasks it starts) run `check` before acting."""
    _CHECK.set(check)


async def first_time() -> bool:
    """Run the request's check (once); True when there is none or it passes."""
    check = _CHECK.get()
    if check is None:
        return True
    _CHECK.set(None)
    return await check()
