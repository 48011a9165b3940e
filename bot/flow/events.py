"""`OperationDone`: the one event at the end of a change, and `Events`, who hears of it.

The request path publishes the event and knows nobody who listens: the composition root
(`bot.background`) subscribes the follow-up, the requester's answer, the ops channel, the fleet
monitor and the metrics. Subscribers run one after another in the order subscribed, so that a
later one may read where an earlier one put things (`Told`); one that fails is logged and the
others still run (the change has happened).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.flow.caller import Caller
from bot.flow.operations import Outcome
from bot.flow.reply import Reply
from bot.operations.change import Change
from bot.slack.blocks import Message
from bot.slack.blocks.approvals import build_approved_result
from bot.vps import Server

logger = logging.getLogger(__name__)

__all__ = ["Events", "OperationDone", "OpsChannel", "Subscriber", "Told"]


class OpsChannel(Protocol):
    """The ops channel (BOT_OPS_CHANNEL) as the flow sees it: approval requests go there."""

    channel: str | None

    async def post(
        self, message: Message, *, thread_ts: str | None = None, channel: str | None = None
    ) -> str | None: ...

    async def update(self, ts: str, message: Message, *, channel: str | None = None) -> bool: ...


@dataclass
class Told:
    """Where the change was reported, filled in by the subscribers as they run."""

    result_channel: str | None = None
    result_ts: str | None = None
    ops_channel: str | None = None
    ops_ts: str | None = None
    follow_up: object = None  # the follow-up's own record (a stored watch), for its next step


@dataclass(frozen=True)
class OperationDone:
    """A change ran: who asked for what (`change`: the operation, the server before, the
    values), who approved it if someone did, and how it ended (`outcome`)."""

    change: Change
    caller: Caller
    outcome: Outcome
    reply: Reply  # how to answer the requester
    approved_by: str | None = None
    told: Told = field(default_factory=Told)

    @property
    def before(self) -> Server:
        """The server before the change (the planned one for a create)."""
        return self.change.server

    @property
    def after(self) -> Server:
        """The server after it, as the API sent it or as the change leaves it."""
        return self.outcome.server or self.change.server

    @property
    def message(self) -> Message:
        """The result, as the requester's channel and the ops channel show it."""
        message = self.outcome.message
        if self.approved_by is not None:
            message = build_approved_result(message, self.approved_by)
        return message


Subscriber = Callable[[OperationDone], Awaitable[None]]


class Events:
    """The subscribers to `OperationDone`, called in the order they subscribed."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        """Hear of every change from now on."""
        self._subscribers.append(subscriber)

    async def publish(self, event: OperationDone) -> None:
        """Tell every subscriber, one after another; a failure is logged, the rest still hear."""
        for subscriber in self._subscribers:
            try:
                await subscriber(event)
            except Exception:
                logger.exception(
                    "%s could not take in %s on %s",
                    getattr(subscriber, "__qualname__", subscriber),
                    event.change.operation,
                    event.after.name,
                )


async def tell_requester(event: OperationDone) -> None:
    """Post the result where the change was asked for."""
    ts = await event.reply.in_channel(event.message)
    if ts is not None:
        event.told.result_channel, event.told.result_ts = event.caller.channel_id, ts
