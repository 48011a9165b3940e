"""The only writer to the ops channel (BOT_OPS_CHANNEL): who changed what, and how it ended."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import Message

logger = logging.getLogger(__name__)


class Notifier:
    """Posts to the ops channel; does nothing when none is set. Never raises."""

    def __init__(self, client: AsyncWebClient, channel: str | None) -> None:
        self._client = client
        self.channel = channel

    async def post(self, message: Message) -> str | None:
        """Post `message` to the ops channel; the message ts, or None if it could not."""
        if not self.channel:
            return None
        try:
            response = await self._client.chat_postMessage(
                channel=self.channel, unfurl_links=False, unfurl_media=False, **message.to_dict()
            )
        except SlackApiError as exc:
            logger.warning(
                "could not notify the ops channel %s: %s", self.channel, exc.response.get("error")
            )
            return None
        except Exception:
            logger.exception("could not notify the ops channel %s", self.channel)
            return None
        ts = response.get("ts")
        return str(ts) if ts else None
