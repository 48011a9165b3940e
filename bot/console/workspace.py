"""The console's people and channels in the emulator, made on the fly from names like `bob`."""

from __future__ import annotations

import re
from collections.abc import Iterable

from slackemu import SLACKBOT, Channel, SlackEmulator, User

__all__ = ["ConsoleWorkspace", "WorkspaceError"]

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,20}")
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")
# An id in the style of the README's examples, the name inside it: U0ALICE01 is alice.
_NAMED_ID = re.compile(r"[UW]0([A-Z]+?)0*[1-9][0-9]*")


class WorkspaceError(ValueError):
    """A name that can't be a Slack user or channel name."""


def _made_id(prefix: str, name: str, taken: set[str]) -> str:
    """An id in the style of the README's examples: bob → U0BOB0001, alice → U0ALICE01."""
    core = re.sub(r"[^A-Z0-9]", "", name.upper())[:6] or "X"
    for serial in range(1, 1000):
        candidate = f"{prefix}0{core.ljust(6, '0')}{serial}"
        if candidate not in taken:
            return candidate
    raise WorkspaceError(f"too many people or channels named like {name!r}")


class ConsoleWorkspace:
    """Finds or creates users and channels by name or id; tells renderers their names."""

    def __init__(self, emu: SlackEmulator) -> None:
        self.emu = emu

    def user(self, ref: str) -> User:
        """The person called `ref` (a name, @name or user id), created if new."""
        ref = ref.strip().removeprefix("@")
        users = self.emu.world.users
        if _USER_ID.fullmatch(ref):
            known = users.get(ref)
            if known is not None and (known.is_bot or known.id == SLACKBOT):
                raise WorkspaceError(f"{ref} is a bot; slash commands come from people")
            return known or self.emu.add_user(ref, self._name_for(ref))
        name = ref.lower()
        if not _NAME.fullmatch(name):
            raise WorkspaceError(f"{ref!r} is not a user name (letters, digits, . _ -)")
        found = next((u for u in users.values() if u.name == name and not u.is_bot), None)
        return found or self.emu.add_user(_made_id("U", name, set(users)), name)

    def meet(self, user_ids: Iterable[str]) -> None:
        """Know these members (the ones the policy names) before anyone mentions them, so a
        sentence naming several people draws each the same way: `@alice`, never a bare id
        beside a name."""
        for user_id in user_ids:
            if _USER_ID.fullmatch(user_id) and user_id not in self.emu.world.users:
                self.emu.add_user(user_id, self._name_for(user_id))

    def _name_for(self, user_id: str) -> str:
        """The name a member known only by id goes by: the one in a README-style id (U0BOB0001
        is bob) when nobody has it yet; else the id itself, as a mention of it shows."""
        found = _NAMED_ID.fullmatch(user_id)
        name = found.group(1).lower() if found else ""
        taken = {u.name for u in self.emu.world.users.values()}
        return name if name and name not in taken else user_id

    def channel(self, ref: str, *, channel_id: str | None = None) -> Channel:
        """The channel called `ref` (#name, name or channel id), created if new."""
        ref = ref.strip()
        channels = self.emu.world.channels
        if _CHANNEL_ID.fullmatch(ref):
            return channels.get(ref) or self.emu.add_channel(ref, ref.lower())
        name = ref.removeprefix("#").lower()
        if not _NAME.fullmatch(name):
            raise WorkspaceError(f"{ref!r} is not a channel name (letters, digits, . _ -)")
        found = next((c for c in channels.values() if c.name == name and not c.is_im), None)
        if found is not None:
            return found
        return self.emu.add_channel(channel_id or _made_id("C", name, set(channels)), name)

    def user_name(self, user_id: str) -> str | None:
        """A user's name, for `<@U…>` mentions."""
        user = self.emu.world.users.get(user_id)
        return user.name if user else None

    def is_direct(self, channel_id: str) -> bool:
        """Whether it is someone's direct messages with the bot."""
        channel = self.emu.world.channels.get(channel_id)
        return channel is not None and channel.is_im

    def channel_name(self, channel_id: str) -> str | None:
        """A channel's name, for `<#C…>` mentions ("direct message" for a DM's)."""
        channel = self.emu.world.channels.get(channel_id)
        if channel is not None and channel.is_im:
            return "direct message"
        return channel.name if channel else None
