"""The only writer to the ops channel (BOT_OPS_CHANNEL): who changed what, and how it ended.

What Slack refuses (after its retries) is logged by the boundary and never reaches the person
who made the change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.slack.blocks import Message
from bot.slack.web import SlackWeb

if TYPE_CHECKING:
    from bot.flow.events import OperationDone


class Notifier:
    """Posts, edits and threads messages in the ops channel; does nothing when none is set."""

    def __init__(self, slack: SlackWeb, channel: str | None) -> None:
        self._slack = slack
        self.channel = channel

    async def post(
        self, message: Message, *, thread_ts: str | None = None, channel: str | None = None
    ) -> str | None:
        """Post `message` (in a thread when `thread_ts`, in the ops channel it was started in
        when `channel`); its ts, or None if it could not."""
        target = channel or self.channel
        if not target:
            return None
        what = f"write to the ops channel {target}"
        return await self._slack.post_message(target, message, what=what, thread_ts=thread_ts)

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
        target = channel or self.channel
        if not target:
            return False
        what = f"edit a message in the ops channel {target}"
        return await self._slack.update_message(target, ts, message, what=what)
