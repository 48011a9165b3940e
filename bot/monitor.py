"""The fleet monitor: one listing per interval; servers that appeared, disappeared or changed
status without the bot go to the ops channel.

The first poll ever is a baseline and announces nothing. Snapshots live in the state store, so a
restart does not announce again. A server the bot is following (a watch) or has just changed is
left to the watch: its change is announced once, by the watch. Statuses are compared only once
they are steady, so a reboot seen half-way is not reported twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.notify import Notifier
from bot.slack.blocks.lifecycle import build_api_down, build_fleet_change
from bot.state import SnapshotEntry, StateStore
from bot.vps import Server, VPSClient, VPSError

logger = logging.getLogger(__name__)

_API_DOWN_AFTER = 3
"""Failed polls in a row after which the ops channel hears that VPS.org is unreachable."""


@dataclass(frozen=True)
class Change:
    """One difference between two snapshots."""

    server_id: int
    name: str
    before: str | None  # None: the server is new
    after: str | None  # None: the server is gone


def diff(old: dict[int, SnapshotEntry], new: dict[int, SnapshotEntry]) -> list[Change]:
    """What changed between two snapshots, in id order."""
    changes = []
    for sid in sorted(old.keys() | new.keys()):
        was, now = old.get(sid), new.get(sid)
        if was is None and now is not None:
            changes.append(Change(sid, now.name, None, now.status))
        elif now is None and was is not None:
            changes.append(Change(sid, was.name, was.status, None))
        elif was is not None and now is not None and was.status != now.status:
            changes.append(Change(sid, now.name, was.status, now.status))
    return changes


async def expect_change(store: StateStore, server_id: int, status: str, until: float) -> None:
    """Keep the monitor quiet about a change the bot reports itself — only where its snapshot
    would otherwise show one, so no leftover expectation hides a later outside change."""
    snapshot = await store.load_snapshot()
    if snapshot is None:  # the monitor is off or has not polled yet: nothing to announce twice
        return
    known = snapshot.get(server_id)
    if status == "deleted" and known is None:
        return
    if known is not None and known.status == status:
        return
    await store.note_expected_change(server_id, status, until)


class FleetMonitor:
    """Polls the whole fleet every `interval` seconds; owns its one task."""

    def __init__(
        self,
        *,
        vps: VPSClient,
        store: StateStore,
        notifier: Notifier,
        interval: float,
        is_followed: Callable[[int], Awaitable[bool]],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        observe: Callable[[list[Server]], None] = lambda _: None,
    ) -> None:
        self._vps, self._store, self._notifier = vps, store, notifier
        self._observe = observe  # every listing also refreshes the bot's fleet index
        self.interval = interval
        self._is_followed = is_followed
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None
        self._failures = 0
        self.last_success: float | None = None  # UNIX time of the last full listing (metrics)

    def start(self) -> None:
        """Start polling (a no-op when the interval is 0: the monitor is off)."""
        if self.interval > 0 and self._task is None:
            self._task = asyncio.create_task(self._loop(), name="fleet-monitor")

    async def close(self) -> None:
        """Stop polling."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.poll()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("the fleet monitor's poll failed")
            await self._sleep(self.interval)

    async def poll(self) -> list[Change]:
        """One listing of the fleet; announces and returns the changes made outside the bot."""
        try:
            servers = await self._vps.list_servers()
        except VPSError as exc:
            await self._api_down(exc)
            return []
        self._failures = 0
        self.last_success = time.time()
        self._observe(servers)
        previous = await self._store.load_snapshot()
        current = await self._snapshot(servers, previous or {})
        if previous is None:
            await self._store.save_snapshot(current)
            logger.info("fleet monitor baseline: %d servers", len(current))
            return []
        changes = [c for c in diff(previous, current) if not await self._ours(c)]
        for change in changes:
            await self._notifier.post(
                build_fleet_change(change.server_id, change.name, change.before, change.after)
            )
        if current != previous:  # an unchanged fleet costs no write
            await self._store.save_snapshot(current)
        return changes

    async def _snapshot(
        self, servers: list[Server], previous: dict[int, SnapshotEntry]
    ) -> dict[int, SnapshotEntry]:
        """Steady statuses only: a server in transition keeps its last steady one."""
        snapshot = {}
        for server in servers:
            kept = previous.get(server.id)
            status = server.status if server.is_steady or kept is None else kept.status
            snapshot[server.id] = SnapshotEntry(name=server.name, status=status)
        return snapshot

    async def _ours(self, change: Change) -> bool:
        """True when the bot made (and reports) this change itself."""
        if await self._is_followed(change.server_id):
            return True
        expected = change.after if change.after is not None else "deleted"
        return await self._store.consume_expected_change(change.server_id, expected)

    async def _api_down(self, exc: VPSError) -> None:
        self._failures += 1
        logger.warning("fleet monitor: %s", exc)
        if self._failures == _API_DOWN_AFTER:
            await self._notifier.post(build_api_down(self._failures, str(exc)))
