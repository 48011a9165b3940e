"""Answers to the person who asked, through the interaction's response_url."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack.blocks import Message

logger = logging.getLogger(__name__)


class Reply:
    """Posts to one response_url: ephemeral notes, results for the channel, replacements."""

    def __init__(self, response_url: str | None) -> None:
        self.response_url = response_url

    async def ephemeral(self, message: Message) -> bool:
        """Only the caller sees it."""
        return await self._send(message, response_type="ephemeral", replace_original=False)

    async def in_channel(self, message: Message) -> bool:
        """Everyone in the channel sees it."""
        return await self._send(message, response_type="in_channel", replace_original=False)

    async def replace(self, message: Message) -> bool:
        """Replace the message the click came from (e.g. a prompt once it is answered)."""
        return await self._send(message, replace_original=True)

    async def _send(self, message: Message, **options: Any) -> bool:
        if not self.response_url:
            logger.warning("no response_url to answer with; dropped: %s", message.text)
            return False
        client = AsyncWebhookClient(
            self.response_url,
            timeout=10,
            retry_handlers=[
                AsyncConnectionErrorRetryHandler(max_retry_count=2),
                AsyncRateLimitErrorRetryHandler(max_retry_count=2),
            ],
        )
        try:
            response = await client.send_dict({**message.to_dict(), **options})
        except Exception:
            logger.exception("could not answer through response_url")
            return False
        if response.status_code != 200:
            logger.warning(
                "Slack refused our answer (%s): %s", response.status_code, response.body[:200]
            )
            return False
        return True
