"""User-group membership from Slack (`usergroups.users.list`), cached briefly."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.policy import GroupLookupError

logger = logging.getLogger(__name__)


class SlackGroupMembers:
    """Looks up who is in a user group; answers from a cache for `ttl` seconds."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
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
            members = await self._fetch(usergroup_id)
            if members is None:  # not cached: the next request asks Slack again
                raise GroupLookupError(usergroup_id)
            self._cache[usergroup_id] = (self._clock(), members)
            return members

    async def _fetch(self, usergroup_id: str) -> frozenset[str] | None:
        try:
            response = await self._client.usergroups_users_list(usergroup=usergroup_id)
        except SlackApiError as exc:
            logger.warning(
                "cannot read members of user group %s (%s); its rules match nobody for now",
                usergroup_id,
                exc.response.get("error"),
            )
            return None
        except Exception as exc:  # timeouts, aiohttp's errors, anything: the rule fails closed
            logger.warning(
                "cannot reach Slack for user group %s (%s); its rules match nobody for now",
                usergroup_id,
                type(exc).__name__,
            )
            return None
        users = response.get("users") or []
        return frozenset(str(u) for u in users)
