"""Keeps exceptions inside listeners: one escaping after ack() would undo the ack in Bolt."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec

logger = logging.getLogger(__name__)

P = ParamSpec("P")


def contained(listener: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
    """Log anything the listener lets escape instead of handing it back to Bolt."""

    @functools.wraps(listener)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        inflight = _inflight(kwargs.get("context"))
        task = asyncio.current_task()
        if task is not None:
            inflight.add(task)  # so a shutdown can let the work after the ack finish
        try:
            await listener(*args, **kwargs)
        except Exception:
            logger.exception("listener %s failed", listener.__name__)
        finally:
            if task is not None:
                inflight.discard(task)

    return wrapper


def _inflight(context: Any) -> set[asyncio.Task[Any]]:
    services = context.get("services") if context is not None else None
    return services.inflight if services is not None else set()


def clicked(body: dict[str, Any]) -> tuple[str, str]:
    """The clicked button's action_id and value (as text; each handler parses its own)."""
    action = body["actions"][0]
    return str(action.get("action_id") or ""), str(action.get("value") or "")
