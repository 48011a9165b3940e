"""Who is asking, from where, and how to answer: parsed once at the edge from Slack's payloads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.operations.change import Member

if TYPE_CHECKING:
    from bot.state.records import Approval


@dataclass(frozen=True)
class Caller:
    """The person behind a command, click or form, and the channel it came from."""

    user_id: str
    channel_id: str
    channel_name: str | None = None
    response_url: str | None = None
    trigger_id: str | None = None
    thread_ts: str | None = None  # words in a thread: the answers go to that thread

    @property
    def member(self) -> Member:
        """Who asks, and where, as a request holds it."""
        return Member(
            user_id=self.user_id, channel_id=self.channel_id, channel_name=self.channel_name
        )

    @classmethod
    def from_command(cls, body: Mapping[str, Any]) -> Caller:
        """From a slash command's form fields."""
        return cls(
            user_id=str(body["user_id"]),
            channel_id=str(body["channel_id"]),
            channel_name=_name(body.get("channel_name")),
            response_url=body.get("response_url"),
            trigger_id=body.get("trigger_id"),
        )

    @classmethod
    def from_action(cls, body: Mapping[str, Any]) -> Caller:
        """From a block_actions payload (a button on a message)."""
        channel = body.get("channel") or {}
        container = body.get("container") or {}
        return cls(
            user_id=str(body["user"]["id"]),
            channel_id=str(channel.get("id") or container.get("channel_id") or ""),
            channel_name=_name(channel.get("name")),
            response_url=body.get("response_url"),
            trigger_id=body.get("trigger_id"),
        )

    @classmethod
    def requester_of(cls, approval: Approval) -> Caller:
        """Who asked for an approval, where, answered through their request's response URL."""
        return cls(
            user_id=approval.requester_id,
            channel_id=approval.channel_id,
            channel_name=approval.channel_name or None,
            response_url=approval.response_url,
        )

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> Caller:
        """From a message event (a mention in a channel, a direct message): a mention is
        answered in its thread, a direct message in the conversation."""
        direct = event.get("channel_type") == "im"
        return cls(
            user_id=str(event["user"]),
            channel_id=str(event["channel"]),
            thread_ts=None if direct else str(event.get("thread_ts") or event.get("ts") or ""),
        )


def _name(value: object) -> str | None:
    """Slack sends pseudo-names for DMs and private groups; they name no channel."""
    if not isinstance(value, str) or value in {"directmessage", "privategroup", ""}:
        return None
    return value
