"""The only writer to the ops channel (BOT_OPS_CHANNEL): who changed what, and how it ended.

Delivery rides on the Web API client's retry handlers (429 with Retry-After, connection
errors); whatever still fails is logged and never reaches the person who made the change.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import Message

logger = logging.getLogger(__name__)


class Notifier:
    """Posts, edits and threads messages in the ops channel; does nothing when none is set."""

    def __init__(self, client: AsyncWebClient, channel: str | None) -> None:
        self._client = client
        self.channel = channel

    async def post(self, message: Message, *, thread_ts: str | None = None) -> str | None:
        """Post `message` (in a thread when `thread_ts`); its ts, or None if it could not."""
        extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        response = await self._call(
            "chat_postMessage", message, unfurl_links=False, unfurl_media=False, **extra
        )
        ts = response.get("ts") if response else None
        return str(ts) if ts else None

    async def update(self, ts: str, message: Message) -> bool:
        """Edit an earlier ops message in place."""
        return await self._call("chat_update", message, ts=ts) is not None

    async def _call(self, method: str, message: Message, **extra: Any) -> dict[str, Any] | None:
        if not self.channel:
            return None
        try:
            response = await getattr(self._client, method)(
                channel=self.channel,
                **message.to_dict(),
                **extra,
            )
        except SlackApiError as exc:
            logger.warning(
                "could not write to the ops channel %s (%s): %s",
                self.channel,
                method,
                exc.response.get("error"),
            )
            return None
        except Exception:
            logger.exception("could not write to the ops channel %s (%s)", self.channel, method)
            return None
        return dict(response.data) if isinstance(response.data, dict) else {}
