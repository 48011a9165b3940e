"""Lifecycle follow-up: after create/start/stop/reboot, follow the server to its next steady state.

Each watch is a row in the state store before its task starts, so a restart (even a crash)
resumes every unfinished one. The ops message and the requester's result message are edited in
place as the server moves; the end also goes to the ops message's thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.monitor import expect_change
from bot.notify import Notifier
from bot.slack.blocks import Message
from bot.slack.blocks.lifecycle import build_lifecycle
from bot.state import StateStore, Watch
from bot.vps import Server, VPSClient, VPSError, VPSNotFound

logger = logging.getLogger(__name__)

FOLLOWED_ACTIONS = frozenset({"create", "start", "stop", "reboot"})
STUCK_AFTER = 15 * 60.0
"""Seconds after which a server that is still moving is reported as stuck."""
EXPECTED_CHANGE_TTL = 6 * 3600.0
"""How long the fleet monitor keeps quiet about a change the bot reported itself."""


class Watcher:
    """Owns one task per unfinished watch; `resume()` at start, `close()` at stop."""

    def __init__(
        self,
        *,
        vps: VPSClient,
        store: StateStore,
        notifier: Notifier,
        slack: AsyncWebClient,
        interval: float,
        clock: Callable[[], float],
        stuck_after: float = STUCK_AFTER,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._vps, self._store, self._notifier, self._slack = vps, store, notifier, slack
        self.interval, self.stuck_after = interval, stuck_after
        self._clock, self._sleep = clock, sleep
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def active(self) -> int:
        """How many servers are being followed now."""
        return len(self._tasks)

    async def resume(self) -> int:
        """Pick up every unfinished watch in the store (after a restart or a crash)."""
        watches = await self._store.list_watches()
        for watch in watches:
            self._spawn(watch)
        if watches:
            logger.info("resumed %d lifecycle watches", len(watches))
        return len(watches)

    async def follow(self, watch: Watch) -> Watch:
        """Store the watch (so it survives a crash); `attach()` starts following it."""
        await self._store.add_watch(watch)
        return watch

    def new_watch(
        self, *, watch_id: str, server: Server, action: str, user_id: str, channel_id: str
    ) -> Watch:
        """A watch starting now for `server` after `action`."""
        now = self._clock()
        return Watch(
            id=watch_id,
            server_id=server.id,
            server_name=server.name,
            action=action,
            requested_by=user_id,
            channel_id=channel_id,
            started_at=now,
            deadline=now + self.stuck_after,
            last_status=server.status,
        )

    async def attach(self, watch: Watch, **places: Any) -> Watch:
        """Record where the watch's messages are (ops ts, result ts), then start following:
        from here on only the watch's own task writes its row."""
        updated = await self._save(watch, **places)
        self._spawn(updated)
        return updated

    async def _save(self, watch: Watch, **changes: Any) -> Watch:
        updated = dataclasses.replace(watch, **changes)
        await self._store.update_watch(updated)
        return updated

    async def is_following(self, server_id: int) -> bool:
        """True while an unfinished watch follows this server (its changes are reported here)."""
        return any(w.server_id == server_id for w in await self._store.list_watches())

    async def close(self) -> None:
        """Stop following (the watches stay in the store for the next start)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, watch: Watch) -> None:
        task = asyncio.create_task(self._run(watch.id), name=f"watch-{watch.server_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, watch_id: str) -> None:
        while True:
            await self._sleep(self.interval)
            try:
                watch = await self._store.get_watch(watch_id)  # its places may have changed
                if watch is None or await self._step(watch):
                    return
            except asyncio.CancelledError:
                raise
            except Exception:  # a bad poll is retried; the deadline ends a watch that can't go on
                logger.exception("following watch %s failed this time; trying again", watch_id)

    async def _step(self, watch: Watch) -> bool:
        """One poll; True when the watch is over."""
        seconds = self._clock() - watch.started_at
        try:
            server = await self._vps.get_server(watch.server_id)
        except VPSNotFound:
            await self._finish(watch, "gone", watch.last_status or "unknown", seconds, None)
            return True
        except VPSError as exc:
            logger.warning("following %s: %s", watch.server_name, exc)
            if self._clock() >= watch.deadline:
                await self._finish(watch, "stuck", watch.last_status or "unknown", seconds, None)
                return True
            return False
        if server.is_steady:
            await self._finish(watch, "steady", server.status, seconds, server.ip_address)
            return True
        if self._clock() >= watch.deadline:
            await self._finish(watch, "stuck", server.status, seconds, None)
            return True
        if server.status != watch.last_status:  # edits only when there is news: no rate limits
            watch = await self._save(watch, last_status=server.status)
            await self._show(watch, self._message(watch, "progress", server.status, seconds, None))
        return False

    async def _finish(
        self, watch: Watch, outcome: str, status: str, seconds: float, ip: str | None
    ) -> None:
        if not await self._store.finish_watch(watch.id):
            return  # another replica finished (and reported) it first
        message = self._message(watch, outcome, status, seconds, ip)
        await self._show(watch, message)
        if watch.ops_ts:
            await self._notifier.post(message, thread_ts=watch.ops_ts, channel=watch.ops_channel)
        else:  # the ops message was never posted (e.g. a crash right after the API call)
            await self._notifier.post(message)
        # This change is reported here; the fleet monitor must not announce it again.
        expected = "deleted" if outcome == "gone" else status
        await expect_change(
            self._store, watch.server_id, expected, self._clock() + EXPECTED_CHANGE_TTL
        )

    async def _show(self, watch: Watch, message: Message) -> None:
        """Edit the ops message and the requester's result message in place."""
        if watch.ops_ts:
            await self._notifier.update(watch.ops_ts, message, channel=watch.ops_channel)
        same = (watch.result_channel, watch.result_ts) == (watch.ops_channel, watch.ops_ts)
        if watch.result_channel and watch.result_ts and not same:
            try:
                await self._slack.chat_update(
                    channel=watch.result_channel, ts=watch.result_ts, **message.to_dict()
                )
            except SlackApiError as exc:
                logger.warning("could not update the result message: %s", exc.response.get("error"))
            except Exception:
                logger.exception("could not update the result message")

    @staticmethod
    def _message(
        watch: Watch, outcome: str, status: str, seconds: float, ip: str | None
    ) -> Message:
        return build_lifecycle(
            action=watch.action,
            server_name=watch.server_name,
            server_id=watch.server_id,
            status=status,
            user_id=watch.requested_by,
            channel_id=watch.channel_id,
            seconds=seconds,
            ip_address=ip,
            outcome=outcome,
        )
