"""Answers to the person who asked, through the interaction's response_url."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.slack.blocks import Message
from bot.slack.web import SlackWeb

logger = logging.getLogger(__name__)


class Reply:
    """Answers one caller: ephemeral notes and replacements through the response_url; results
    for the channel through chat.postMessage when the bot may post there (so they can be edited
    later), else through the response_url.

    `hold_on` shows a placeholder when the answer is slow; the answer replaces it (or, for an
    answer to the whole channel, the placeholder goes away).
    """

    def __init__(
        self,
        response_url: str | None,
        *,
        slack: SlackWeb,
        channel_id: str | None = None,
        user_id: str | None = None,
        direct: bool = False,
        thread_ts: str | None = None,
    ) -> None:
        self.response_url = response_url
        self._thread_ts = thread_ts or None  # answers to words in a thread stay in it
        self._slack = slack
        self._channel_id = channel_id
        self._user_id = user_id
        self._direct = direct  # what can reach them nowhere else goes to their direct messages
        self._lock = asyncio.Lock()
        self._answered = False
        self._placeholder_shown = False
        self._timer: asyncio.Task[None] | None = None

    def sibling(
        self, response_url: str | None, *, channel_id: str, user_id: str, direct: bool = False
    ) -> Reply:
        """A Reply to someone else (e.g. a requester told of an approval), sharing the clients;
        `direct`: what can't reach them where they asked goes to their direct messages."""
        return Reply(
            response_url,
            slack=self._slack,
            channel_id=channel_id,
            user_id=user_id,
            direct=direct,
        )

    def hold_on(self, after: float, message: Message) -> None:
        """Show `message` if nothing has been answered within `after` seconds."""
        if self.response_url:
            self._timer = asyncio.create_task(self._placeholder(after, message))

    async def settle(self) -> None:
        """The request is over: no placeholder comes any more, and none is left behind."""
        if self._timer is not None:
            self._timer.cancel()
        async with self._lock:
            self._answered = True
            await self._drop_placeholder()

    async def ephemeral(self, message: Message) -> bool:
        """Only the caller sees it (in place of the placeholder, if one is showing)."""
        async with self._lock:
            self._answered = True
            replace, self._placeholder_shown = self._placeholder_shown, False
            if self.response_url and await self._send(
                message, response_type="ephemeral", replace_original=replace
            ):
                return True
            if await self._post_ephemeral(message):
                return True
            logger.warning("no way to answer privately; dropped: %s", message.text)
            return False

    async def in_channel(self, message: Message) -> str | None:
        """Everyone in the channel sees it; its ts when it can be edited later, else None."""
        async with self._lock:
            self._answered = True
            await self._drop_placeholder()
            return await self._in_channel(message)

    async def _post_ephemeral(self, message: Message) -> bool:
        """Without a (working) response_url: chat.postEphemeral, when we know to whom."""
        if not self._channel_id or not self._user_id:  # e.g. a click on the Home tab
            return await self._post_direct(message) is not None
        what = "answer privately"
        if await self._slack.post_ephemeral(
            self._channel_id, self._user_id, message, what=what, thread_ts=self._thread_ts
        ):
            return True
        return await self._post_direct(message) is not None

    async def _post_direct(self, message: Message) -> str | None:
        """With `direct`, a message in the person's direct messages with the bot; its ts."""
        if not self._direct or not self._user_id:
            return None
        return await self._slack.post_message(self._user_id, message, what="send a direct message")

    async def _placeholder(self, after: float, message: Message) -> None:
        await asyncio.sleep(after)
        async with self._lock:
            if not self._answered:
                self._placeholder_shown = await self._send(
                    message, response_type="ephemeral", replace_original=False
                )

    async def _drop_placeholder(self) -> None:
        if self._placeholder_shown and self.response_url:
            self._placeholder_shown = False
            await self._slack.respond(self.response_url, {"delete_original": True})

    async def _in_channel(self, message: Message) -> str | None:
        if self._channel_id:
            ts = await self._slack.post_message(
                self._channel_id,
                message,
                what="post in the channel; posting through response_url",
                thread_ts=self._thread_ts,
                level=logging.INFO,  # e.g. a private channel or DM the bot is not in
            )
            if ts is not None:
                return ts
        if not await self._send(message, response_type="in_channel", replace_original=False):
            await self._post_direct(message)
        return None

    async def replace(self, message: Message) -> bool:
        """Replace the message the click came from (e.g. a prompt once it is answered)."""
        async with self._lock:
            self._answered = True
            return await self._send(message, replace_original=True)

    async def _send(self, message: Message, **options: Any) -> bool:
        if not self.response_url:
            logger.warning("no response_url to answer with; dropped: %s", message.text)
            return False
        return await self._slack.respond(self.response_url, {**message.to_dict(), **options})
