"""The records of the emulated Slack world: people, channels, messages, modals, calls and acks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

JsonObject = dict[str, Any]

ChangeKind = Literal[
    "message.posted",
    "message.edited",
    "message.deleted",
    "view.opened",
    "view.updated",
    "view.closed",
    "home.published",
    "function.completed",
    "socket.connected",
    "socket.disconnected",
]

SLACKBOT = "USLACKBOT"
"""Slack's own user: it tells people when a slash command failed."""


class EmulatorUsageError(Exception):
    """The test asked for something a person could not do in Slack (no such button, field...)."""


@dataclass(frozen=True)
class User:
    """A member of the workspace."""

    id: str
    name: str
    real_name: str
    is_admin: bool = False
    is_bot: bool = False


@dataclass(frozen=True)
class Channel:
    """A conversation: public or private channel, or a DM (``is_im``) with ``dm_user``."""

    id: str
    name: str
    is_private: bool = False
    bot_is_member: bool = True
    members: frozenset[str] | None = None
    is_im: bool = False
    dm_user: str | None = None

    def has_member(self, user_id: str) -> bool:
        """Whether the user is in the channel (``members=None`` means everyone)."""
        if self.is_im:
            return user_id == self.dm_user
        return self.members is None or user_id in self.members


@dataclass(frozen=True)
class Button:
    """A button as a person sees it in a message or a modal."""

    text: str
    action_id: str
    value: str | None
    style: str | None
    block_id: str
    url: str | None
    element: JsonObject = field(repr=False, compare=False)


@dataclass(frozen=True)
class Input:
    """An input block of a modal: what can be filled in, and how."""

    block_id: str
    action_id: str
    type: str
    label: str
    optional: bool
    options: tuple[JsonObject, ...]
    element: JsonObject = field(repr=False, compare=False)


@dataclass(frozen=True)
class MessageVersion:
    """An earlier version of an edited message."""

    text: str
    blocks: list[JsonObject]
    at: float


def iter_texts(node: object) -> Iterator[str]:
    """Every ``text`` string inside a Block Kit structure, depth first."""
    if isinstance(node, dict):
        text = node.get("text")
        if isinstance(text, str):
            yield text
        for key, value in node.items():
            if key != "text" or not isinstance(value, str):
                yield from iter_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from iter_texts(item)


def _buttons(blocks: list[JsonObject]) -> list[Button]:
    found: list[Button] = []
    for block in blocks:
        candidates = list(block.get("elements") or []) if block.get("type") == "actions" else []
        if isinstance(block.get("accessory"), dict):
            candidates.append(block["accessory"])
        for element in candidates:
            if isinstance(element, dict) and element.get("type") == "button":
                found.append(
                    Button(
                        text=str(element.get("text", {}).get("text", "")),
                        action_id=str(element.get("action_id", "")),
                        value=element.get("value"),
                        style=element.get("style"),
                        block_id=str(block.get("block_id", "")),
                        url=element.get("url"),
                        element=element,
                    )
                )
    return found


def pick_button(
    buttons: list[Button],
    *,
    action_id: str | None = None,
    text: str | None = None,
    value: str | None = None,
    index: int | None = None,
) -> Button:
    """The one button matching every given selector (or the ``index``-th of the matches)."""
    matches = [
        b
        for b in buttons
        if (action_id is None or b.action_id == action_id)
        and (text is None or b.text == text)
        and (value is None or b.value == value)
    ]
    wanted = f"action_id={action_id!r} text={text!r} value={value!r} index={index!r}"
    shown = [(b.text, b.action_id, b.value) for b in buttons]
    if index is not None:
        if not -len(matches) <= index < len(matches):
            raise EmulatorUsageError(f"no button {wanted}; the buttons are {shown}")
        return matches[index]
    if len(matches) != 1:
        problem = "no button" if not matches else f"{len(matches)} buttons match"
        raise EmulatorUsageError(f"{problem} {wanted}; the buttons are {shown}")
    return matches[0]


@dataclass(eq=False)
class Message:
    """A message as Slack keeps it; edits and deletion change it in place."""

    channel: str
    ts: str
    user: str
    text: str
    blocks: list[JsonObject] = field(default_factory=list)
    ephemeral_to: str | None = None
    thread_ts: str | None = None
    response_type: str | None = None
    via: str = "chat.postMessage"
    attachments: list[JsonObject] = field(default_factory=list)
    history: list[MessageVersion] = field(default_factory=list)
    deleted: bool = False

    @property
    def edited(self) -> bool:
        """Whether the message was changed after it was posted."""
        return bool(self.history)

    @property
    def is_ephemeral(self) -> bool:
        """Only ``ephemeral_to`` sees it, and only until they reload."""
        return self.ephemeral_to is not None

    def visible_to(self, user_id: str) -> bool:
        """Whether this person sees the message (ephemeral ones only their addressee)."""
        return not self.deleted and self.ephemeral_to in (None, user_id)

    def buttons(self) -> list[Button]:
        """Every button, in reading order."""
        return _buttons(self.blocks)

    def button(
        self,
        *,
        action_id: str | None = None,
        text: str | None = None,
        value: str | None = None,
        index: int | None = None,
    ) -> Button:
        """The one button matching the selectors; raises when none or several match."""
        return pick_button(self.buttons(), action_id=action_id, text=text, value=value, index=index)

    def all_text(self) -> str:
        """The fallback text and every text in the blocks, one per line (for assertions)."""
        return "\n".join([self.text, *iter_texts(self.blocks)])

    def to_slack(self, bot_user_id: str, bot_id: str, app_id: str) -> JsonObject:
        """The message object as Slack returns it in API responses and payloads."""
        out: JsonObject = {"type": "message", "text": self.text, "user": self.user, "ts": self.ts}
        if self.user == bot_user_id:
            out.update(bot_id=bot_id, app_id=app_id)
        if self.blocks:
            out["blocks"] = self.blocks
        if self.attachments:
            out["attachments"] = self.attachments
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.history:
            out["edited"] = {"user": self.user, "ts": f"{self.history[-1].at:.6f}"}
        return out


@dataclass(eq=False)
class View:
    """A modal view; ``payload`` is the view JSON as Slack returns it (id, hash, state...)."""

    id: str
    user: str
    trigger_id: str | None
    payload: JsonObject
    history: list[JsonObject] = field(default_factory=list)
    closed: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def callback_id(self) -> str:
        """The app's name for this kind of modal."""
        return str(self.payload.get("callback_id", ""))

    @property
    def private_metadata(self) -> str:
        """What the app stashed in the view."""
        return str(self.payload.get("private_metadata", ""))

    @property
    def title(self) -> str:
        """The title's text."""
        return str(self.payload.get("title", {}).get("text", ""))

    @property
    def hash(self) -> str:
        """Changes with every update; ``views.update`` may insist on it."""
        return str(self.payload.get("hash", ""))

    @property
    def blocks(self) -> list[JsonObject]:
        """The view's blocks."""
        blocks: list[JsonObject] = self.payload.get("blocks", [])
        return blocks

    def inputs(self) -> list[Input]:
        """Every input block, in order."""
        found = []
        for block in self.blocks:
            element = block.get("element")
            if block.get("type") == "input" and isinstance(element, dict):
                options = list(element.get("options") or [])
                for group in element.get("option_groups") or []:
                    options.extend(group.get("options") or [])
                found.append(
                    Input(
                        block_id=str(block.get("block_id", "")),
                        action_id=str(element.get("action_id", "")),
                        type=str(element.get("type", "")),
                        label=str(block.get("label", {}).get("text", "")),
                        optional=bool(block.get("optional", False)),
                        options=tuple(options),
                        element=element,
                    )
                )
        return found

    def buttons(self) -> list[Button]:
        """Every button, in reading order."""
        return _buttons(self.blocks)

    def all_text(self) -> str:
        """Title and every text in the blocks, one per line (for assertions)."""
        return "\n".join([self.title, *iter_texts(self.blocks)])
