"""User-group membership from Slack (`usergroups.users.list`), cached briefly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from bot.policy import GroupLookupError
from bot.slack.web import SlackWeb


class SlackGroupMembers:
    """Looks up who is in a user group; answers from a cache for `ttl` seconds."""

    def __init__(
        self,
        slack: SlackWeb,
        *,
        ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._slack = slack
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def members(self, usergroup_id: str) -> frozenset[str]:
        """The user IDs in the group; GroupLookupError (rules fail closed) when Slack can't say."""
        lock = self._locks.setdefault(usergroup_id, asyncio.Lock())
        async with lock:
            cached = self._cache.get(usergroup_id)
            if cached and self._clock() - cached[0] < self._ttl:
                return cached[1]
            members = await self._slack.usergroup_members(usergroup_id)
            if members is None:  # not cached: the next request asks Slack again
                raise GroupLookupError(usergroup_id)
            self._cache[usergroup_id] = (self._clock(), members)
            return members
