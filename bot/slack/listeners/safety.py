"""Keeps exceptions inside listeners: one escaping after ack() would undo the ack in Bolt."""

from __future__ import annotations

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
        try:
            await listener(*args, **kwargs)
        except Exception:
            logger.exception("listener %s failed", listener.__name__)

    return wrapper


def services_of(context: Any) -> Any:
    """The Services the app's middleware put in the request context."""
    return context["services"]
