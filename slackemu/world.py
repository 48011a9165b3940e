"""The recorded world: who exists, what was posted, which modals are open, what was called."""

from __future__ import annotations

import copy
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from slackemu.model import (
    Channel,
    EmulatorUsageError,
    JsonObject,
    Message,
    MessageVersion,
    User,
    View,
)
from slackemu.observe import Observable
from slackemu.records import Ack, ApiCall, FunctionExecution, Interaction


@dataclass(frozen=True)
class Workspace:
    """The identity of the emulated workspace, app and bot user."""

    team_id: str = "T0EMULATE1"
    team_domain: str = "emulated"
    team_name: str = "Emulated Workspace"
    app_id: str = "A0EMULATE1"
    bot_user_id: str = "U0BOT00001"
    bot_id: str = "B0BOT00001"
    bot_name: str = "vpsbot"


class World(Observable):
    """Everything Slack knows and shows, with notification on every change."""

    def __init__(self, workspace: Workspace, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.workspace = workspace
        self._clock = clock
        self._offset = 0.0
        self._last_micros = 0
        self._counter = 0
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.usergroups: dict[str, tuple[str, ...]] = {}
        self.views: list[View] = []
        self.calls: list[ApiCall] = []
        self.interactions: dict[str, Interaction] = {}
        self.triggers: dict[str, Interaction] = {}
        self.response_urls: dict[str, Interaction] = {}
        self.acks: list[Ack] = []
        self._messages: list[Message] = []
        self._stacks: dict[str, list[View]] = {}
        self.function_executions: dict[str, FunctionExecution] = {}
        """Runs of the app's workflow steps (``function_executed``), by execution id."""
        self.homes: dict[str, View] = {}
        """Each person's App Home tab as the app last published it (views.publish)."""
        self.add_user(workspace.bot_user_id, workspace.bot_name, is_bot=True)

    # -- time and ids -------------------------------------------------------------------------
    def now(self) -> float:
        """Slack's clock: the injected clock plus whatever ``advance`` added."""
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move Slack's clock forward (ages triggers and response URLs without sleeping)."""
        self._offset += seconds

    def next_ts(self) -> str:
        """A message timestamp, strictly increasing like Slack's."""
        micros = max(int(self.now() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def next_id(self, prefix: str, width: int = 10) -> str:
        """A fresh Slack-looking id such as ``V0000000003``."""
        self._counter += 1
        return f"{prefix}{self._counter:0{width}d}"

    def assign_ids(self, blocks: list[JsonObject]) -> list[JsonObject]:
        """Blocks as Slack stores them: every block and element gets an id if it lacked one."""
        for block in blocks:
            if isinstance(block, dict):
                block.setdefault("block_id", self.next_id("b", 4))
                elements = [block.get("accessory"), block.get("element")]
                if block.get("type") == "actions":
                    elements += block.get("elements") or []
                for element in elements:
                    if isinstance(element, dict) and element.get("type") not in (None, "image"):
                        element.setdefault("action_id", self.next_id("a", 4))
        return blocks

    def view_payload(
        self, spec: JsonObject, view_id: str, root: str, previous: str | None
    ) -> JsonObject:
        """A view as Slack returns it: the app's spec plus ids, hash and empty state."""
        ws = self.workspace
        payload: JsonObject = {
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "clear_on_close": False,
            "notify_on_close": False,
            **copy.deepcopy(spec),
            "id": view_id,
            "team_id": ws.team_id,
            "state": {"values": {}},
            "hash": f"{int(self.now())}.{uuid.uuid4().hex[:8]}",
            "root_view_id": root,
            "previous_view_id": previous,
            "app_id": ws.app_id,
            "app_installed_team_id": ws.team_id,
            "bot_id": ws.bot_id,
        }
        self.assign_ids(payload["blocks"])
        return payload

    # -- people and places --------------------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        is_admin: bool = False,
        is_bot: bool = False,
    ) -> User:
        """Register a person (or a bot with ``is_bot=True``)."""
        user = User(user_id, name, real_name or name, is_admin, is_bot)
        self.users[user_id] = user
        return user

    def add_channel(self, channel: Channel) -> Channel:
        """Register a channel."""
        self.channels[channel.id] = channel
        return channel

    def dm_channel(self, user_id: str) -> Channel:
        """The bot's direct-message channel with this person (created on first use)."""
        channel_id = "D" + user_id[1:]
        if channel_id not in self.channels:
            self.channels[channel_id] = Channel(
                channel_id, user_id, is_private=True, is_im=True, dm_user=user_id
            )
        return self.channels[channel_id]

    def resolve_channel(self, ref: str) -> Channel | None:
        """A channel by id, by ``#name`` or name, or a person's DM by their user id."""
        if ref in self.channels:
            return self.channels[ref]
        if ref in self.users:
            return self.dm_channel(ref)
        name = ref.removeprefix("#")
        return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def require_user(self, user_id: str) -> User:
        """The registered user, or a clear error naming ``add_user``."""
        if user_id not in self.users:
            raise EmulatorUsageError(f"unknown user {user_id!r}: call add_user() first")
        return self.users[user_id]

    # -- messages -----------------------------------------------------------------------------
    def post(self, message: Message) -> Message:
        """Record a new message."""
        self._messages.append(message)
        self.notify("message.posted", message=message)
        return message

    def edit(self, message: Message, text: str, blocks: list[JsonObject]) -> None:
        """Change a message in place, keeping its earlier version."""
        message.history.append(MessageVersion(message.text, message.blocks, self.now()))
        message.text, message.blocks = text, blocks
        self.notify("message.edited", message=message)

    def delete(self, message: Message) -> None:
        """Mark a message deleted (it stays in the record)."""
        message.deleted = True
        self.notify("message.deleted", message=message)

    def find_message(self, channel: str, ts: str) -> Message | None:
        """The live, public message at ``ts`` in ``channel``."""
        for message in self._messages:
            if message.channel == channel and message.ts == ts and not message.deleted:
                return None if message.is_ephemeral else message
        return None

    def messages(
        self,
        channel: str | None = None,
        *,
        visible_to: str | None = None,
        ephemeral: bool | None = None,
        thread_ts: str | None = None,
        include_deleted: bool = False,
    ) -> list[Message]:
        """Messages in posting order, filtered by channel, viewer, ephemerality and thread."""
        return [
            m
            for m in self._messages
            if (channel is None or m.channel == channel)
            and (include_deleted or not m.deleted)
            and (visible_to is None or m.visible_to(visible_to))
            and (ephemeral is None or m.is_ephemeral == ephemeral)
            and (thread_ts is None or m.thread_ts == thread_ts)
        ]

    # -- modals -------------------------------------------------------------------------------
    def stack(self, user_id: str) -> list[View]:
        """The person's open modal views, bottom first."""
        return list(self._stacks.get(user_id, []))

    def modal(self, user_id: str) -> View | None:
        """The modal view the person sees now, if any."""
        stack = self._stacks.get(user_id)
        return stack[-1] if stack else None

    def open_view(self, view: View, *, push: bool) -> None:
        """Show a view: on top of the person's stack, or as a new modal replacing any other."""
        if not push:
            self.clear_views(view.user)
        self.views.append(view)
        self._stacks.setdefault(view.user, []).append(view)
        self.notify("view.opened", view=view)

    def update_view(self, view: View, payload: JsonObject) -> None:
        """Replace a view's content in place, keeping its earlier version."""
        view.history.append(view.payload)
        view.payload, view.errors = payload, {}
        self.notify("view.updated", view=view)

    def close_view(self, view: View) -> None:
        """Close the top view; the one beneath (if any) shows again."""
        stack = self._stacks.get(view.user, [])
        if view in stack:
            stack.remove(view)
        view.closed = True
        self.notify("view.closed", view=view)

    def clear_views(self, user_id: str) -> None:
        """Close every view of the person's modal."""
        for view in reversed(self.stack(user_id)):
            self.close_view(view)

    def publish_home(self, user_id: str, spec: JsonObject) -> View:
        """Show ``spec`` as the person's Home tab (one view per person, replaced in place)."""
        current = self.homes.get(user_id)
        view_id = current.id if current is not None else self.next_id("V")
        payload = self.view_payload(spec, view_id, view_id, None)
        if current is None:
            current = self.homes[user_id] = View(view_id, user_id, None, payload)
            self.notify("home.published", view=current)
        else:
            self.update_view(current, payload)
            self.notify("home.published", view=current)
        return current

    def describe(self, last: int = 8) -> str:
        """A short summary of the latest messages and open modals, for failure messages."""
        lines = [f"last {last} messages:"]
        for m in self._messages[-last:]:
            to = f" (only {m.ephemeral_to})" if m.ephemeral_to else ""
            flags = " [deleted]" if m.deleted else " [edited]" if m.edited else ""
            lines.append(f"  {m.channel} {m.ts} {m.user}{to}{flags}: {m.all_text()[:160]!r}")
        lines += [f"open modal of {u}: {s[-1].title!r}" for u, s in self._stacks.items() if s]
        return "\n".join(lines)
