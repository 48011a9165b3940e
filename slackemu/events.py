"""What a person writes to the app: a direct message (``message.im``) and a mention
(``app_mention``), delivered as the Events API delivers them — over HTTP as a signed JSON
``event_callback``, in Socket Mode as an ``events_api`` envelope — and recorded as messages,
so that the app's answers in the thread or the conversation can be found beside them."""

from __future__ import annotations

from slackemu.model import Channel, EmulatorUsageError, JsonObject, Message, User
from slackemu.records import Ack
from slackemu.world import World


def written(
    world: World, person: User, channel: Channel, text: str, thread_ts: str | None
) -> Message:
    """The person's message, recorded where they wrote it."""
    message = Message(channel.id, world.next_ts(), person.id, text, thread_ts=thread_ts)
    message.via = "person"
    return world.post(message)


def message_event(message: Message, channel: Channel, *, mention: bool) -> JsonObject:
    """The event of a message: ``app_mention`` in a channel, ``message`` (im) in a DM."""
    event: JsonObject = {
        "type": "app_mention" if mention else "message",
        "user": message.user,
        "text": message.text,
        "ts": message.ts,
        "channel": channel.id,
        "event_ts": message.ts,
    }
    if not mention:
        event["channel_type"] = "im"
    if message.thread_ts:
        event["thread_ts"] = message.thread_ts
    return event


class Conversations:
    """The Driver's side of events: what a person writes to the app."""

    world: World
    verification_token: str

    async def _deliver_event(self, event: JsonObject) -> Ack:
        raise NotImplementedError

    async def direct_message(self, text: str, *, user: str) -> tuple[Message, Ack]:
        """Write ``text`` to the app in the person's direct messages with it."""
        person = self.world.require_user(user)
        channel = self.world.dm_channel(person.id)
        message = written(self.world, person, channel, text, None)
        return message, await self._deliver_event(message_event(message, channel, mention=False))

    async def mention(
        self, text: str, *, user: str, channel: str, thread_ts: str | None = None
    ) -> tuple[Message, Ack]:
        """Write ``@vpsbot text`` in a channel (or in a thread of it)."""
        person = self.world.require_user(user)
        place = self.world.resolve_channel(channel)
        if place is None or place.is_im:
            raise EmulatorUsageError(f"unknown channel {channel!r}: call add_channel() first")
        said = f"<@{self.world.workspace.bot_user_id}> {text}"
        message = written(self.world, person, place, said, thread_ts)
        return message, await self._deliver_event(message_event(message, place, mention=True))
