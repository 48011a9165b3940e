"""The only writer to the ops channel (BOT_OPS_CHANNEL): who changed what, and how it ended.

Delivery rides on the Web API client's retry handlers (429 with Retry-After, connection
errors); whatever still fails is logged and never reaches the person who made the change.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import Message

if TYPE_CHECKING:
    from bot.flow.events import OperationDone

logger = logging.getLogger(__name__)


class Notifier:
    """Posts, edits and threads messages in the ops channel; does nothing when none is set."""

    def __init__(self, client: AsyncWebClient, channel: str | None) -> None:
        self._client = client
        self.channel = channel

    async def post(
        self, message: Message, *, thread_ts: str | None = None, channel: str | None = None
    ) -> str | None:
        """Post `message` (in a thread when `thread_ts`, in the ops channel it was started in
        when `channel`); its ts, or None if it could not."""
        extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        response = await self._call(
            "chat_postMessage",
            message,
            channel,
            unfurl_links=False,
            unfurl_media=False,
            **extra,
        )
        ts = response.get("ts") if response else None
        return str(ts) if ts else None

    async def report(self, event: OperationDone) -> None:
        """Subscribed to `OperationDone`: the result in the ops channel — unless it was asked
        for there, where the requester's result is the one message, not two."""
        told = event.told
        if told.result_ts is not None and event.caller.channel_id == self.channel:
            ops_ts: str | None = told.result_ts
        else:
            ops_ts = await self.post(event.message)
        if ops_ts is not None:
            told.ops_channel, told.ops_ts = self.channel, ops_ts

    async def update(self, ts: str, message: Message, *, channel: str | None = None) -> bool:
        """Edit an earlier ops message in place (in `channel` if it was posted elsewhere)."""
        return await self._call("chat_update", message, channel, ts=ts) is not None

    async def _call(
        self, method: str, message: Message, channel: str | None, **extra: Any
    ) -> dict[str, Any] | None:
        target = channel or self.channel
        if not target:
            return None
        try:
            response = await getattr(self._client, method)(
                channel=target,
                **message.to_dict(),
                **extra,
            )
        except SlackApiError as exc:
            logger.warning(
                "could not write to the ops channel %s (%s): %s",
                target,
                method,
                exc.response.get("error"),
            )
            return None
        except Exception:
            logger.exception("could not write to the ops channel %s (%s)", target, method)
            return None
        return dict(response.data) if isinstance(response.data, dict) else {}
