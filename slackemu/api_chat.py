"""``chat.*``: post, post ephemeral, update, delete — with Slack's checks and answers."""

from __future__ import annotations

import copy

from slackemu.api_base import MAX_TEXT, ApiError, ApiMethods, json_param
from slackemu.blockkit import validate_blocks, validate_text
from slackemu.model import Channel, JsonObject, Message


class ChatMethods(ApiMethods):
    """The ``chat.*`` methods."""

    def _content(
        self, params: JsonObject, previous: Message | None = None
    ) -> tuple[str, list[JsonObject], list[JsonObject]]:
        blocks = json_param(params, "blocks", "invalid_blocks_format")
        attachments = json_param(params, "attachments", "invalid_attachments")
        text = params.get("text")
        if blocks is not None:
            errors = validate_blocks(blocks)
            if errors:
                bare = [e.removeprefix("[ERROR] ") for e in errors]
                raise ApiError(
                    "invalid_blocks", errors=bare, response_metadata={"messages": errors}
                )
        text_errors = validate_text(text)
        if text_errors:
            raise ApiError("invisible_characters", response_metadata={"messages": text_errors})
        if previous is None and not text and not blocks and not attachments:
            raise ApiError("no_text")
        if previous is not None and text is None and blocks is None and attachments is None:
            raise ApiError("no_text")
        if isinstance(text, str) and len(text) > MAX_TEXT:
            raise ApiError("msg_too_long")
        # chat.update keeps what it was not given, as Slack documents.
        kept_text = previous.text if previous is not None and text is None else str(text or "")
        kept_blocks = previous.blocks if previous is not None and blocks is None else blocks or []
        kept_attachments = (
            previous.attachments
            if previous is not None and attachments is None
            else attachments or []
        )
        return kept_text, self.world.assign_ids(copy.deepcopy(kept_blocks)), list(kept_attachments)

    def _bot_message(self, params: JsonObject) -> tuple[Channel, Message]:
        channel = self._channel(params)
        message = self.world.find_message(channel.id, str(params.get("ts", "")))
        if message is None:
            raise ApiError("message_not_found")
        return channel, message

    def chat_post_message(self, params: JsonObject) -> JsonObject:
        """Post a message visible to the channel (or a thread reply)."""
        channel = self._channel(params)
        text, blocks, attachments = self._content(params)
        ws = self.world.workspace
        thread_ts = str(params["thread_ts"]) if params.get("thread_ts") else None
        message = Message(channel.id, self.world.next_ts(), ws.bot_user_id, text, blocks)
        message.thread_ts, message.attachments = thread_ts, attachments
        self.world.post(message)
        slack = message.to_slack(ws.bot_user_id, ws.bot_id, ws.app_id)
        return {"ok": True, "channel": channel.id, "ts": message.ts, "message": slack}

    def chat_post_ephemeral(self, params: JsonObject) -> JsonObject:
        """Post a message only one member of the channel sees."""
        channel = self._channel(params)
        user = str(params.get("user", ""))
        if user not in self.world.users:
            raise ApiError("user_not_found")
        if not channel.has_member(user):
            raise ApiError("user_not_in_channel")
        text, blocks, attachments = self._content(params)
        ts = self.world.next_ts()
        message = Message(channel.id, ts, self.world.workspace.bot_user_id, text, blocks, user)
        message.via, message.attachments = "chat.postEphemeral", attachments
        message.thread_ts = str(params["thread_ts"]) if params.get("thread_ts") else None
        self.world.post(message)
        return {"ok": True, "message_ts": ts}

    def chat_update(self, params: JsonObject) -> JsonObject:
        """Edit one of the bot's messages (ephemeral ones can't be: message_not_found)."""
        channel, message = self._bot_message(params)
        ws = self.world.workspace
        if message.user != ws.bot_user_id:
            raise ApiError("cant_update_message")
        text, blocks, attachments = self._content(params, previous=message)
        message.attachments = attachments
        self.world.edit(message, text, blocks)
        slack = message.to_slack(ws.bot_user_id, ws.bot_id, ws.app_id)
        return {"ok": True, "channel": channel.id, "ts": message.ts, "text": text, "message": slack}

    def chat_delete(self, params: JsonObject) -> JsonObject:
        """Delete one of the bot's messages."""
        channel, message = self._bot_message(params)
        if message.user != self.world.workspace.bot_user_id:
            raise ApiError("cant_delete_message")
        self.world.delete(message)
        return {"ok": True, "channel": channel.id, "ts": message.ts}
