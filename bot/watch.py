"""Lifecycle follow-up: after a followed operation (create, start, …), follow the server to its
next steady state. It hears of changes through `OperationDone` (`note`, then `follow_up`).

Each watch is a row in the state store before its task starts, so a restart (even a crash)
resumes every unfinished one. The ops message and the requester's result message are edited in
place as the server moves; the end also goes to the ops message's thread.

With several replicas, a watch belongs to the replica that took it, for a lease it renews while
polling. Every replica claims, now and then, the watches whose lease ran out (their replica died)
or that were given up (their replica stopped); `finish_watch` is the atomic claim of the final
report, so a server is reported once even when two replicas briefly follow it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.expected import EXPECTED_CHANGE_TTL, expect_change
from bot.finishing import Finishing
from bot.notify import Notifier
from bot.periodic import Every
from bot.slack.blocks import Message
from bot.slack.blocks.lifecycle import build_lifecycle
from bot.slack.web import SlackWeb
from bot.state import StateStore, StateStoreUnavailable, Watch, new_id, new_replica_id
from bot.vps import VPSClient, VPSError, VPSNotFound
from bot.vps.models import STEADY_STATUSES

if TYPE_CHECKING:
    from bot.flow.events import OperationDone

logger = logging.getLogger(__name__)

STUCK_AFTER = 15 * 60.0
"""Seconds after which a server that is still moving is reported as stuck."""
LEASE_MIN, LEASE_MAX = 30.0, 60.0
"""A watch's lease: about three poll intervals, within these bounds (a slow poll, a long GC pause
or a database hiccup must not hand it over; a dead replica's watches move within a minute)."""


class Watcher:
    """Owns one task per unfinished watch; `resume()` at start, `close()` at stop; its `job()`
    takes over the watches other replicas leave."""

    def __init__(
        self,
        *,
        vps: VPSClient,
        store: StateStore,
        notifier: Notifier,
        slack: SlackWeb,
        interval: float,
        clock: Callable[[], float],
        owner: str | None = None,
        stuck_after: float = STUCK_AFTER,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._vps, self._store, self._notifier, self._slack = vps, store, notifier, slack
        self.interval, self.stuck_after = interval, stuck_after
        self.owner = owner or new_replica_id()
        self.lease = min(max(3 * interval, LEASE_MIN), LEASE_MAX)
        self._clock, self._sleep = clock, sleep
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._reports = Finishing("a lifecycle report")

    @property
    def active(self) -> int:
        """How many servers are being followed now (by this replica)."""
        return len(self._tasks)

    async def resume(self) -> int:
        """Take every unfinished watch no replica holds (after a restart or a crash), and those
        given to this process at start (`StateStore.take_back`), then keep taking those whose
        replica dies or stops (its `job()`)."""
        resumed = await self._claim(own=True)
        if resumed:
            logger.info("resumed %d lifecycle watches", resumed)
        return resumed

    async def _claim(self, *, own: bool = False) -> int:
        claimed = await self._store.claim_watches(
            self.owner, lease=self.lease, now=self._clock(), own=own
        )
        fresh = [watch for watch in claimed if watch.id not in self._tasks]
        for watch in fresh:
            self._spawn(watch)
        return len(fresh)

    def job(self) -> Every:
        """Take over, now and then, the watches whose replica died or stopped: as often as a
        poll, at least three times a lease — a watch whose replica died is taken within a
        lease and a bit; one given up at shutdown, within an interval."""
        every = min(self.interval, self.lease / 3)
        return Every(
            every, self.take_over, name="looking for watches to take over", first_delay=every
        )

    async def take_over(self) -> None:
        """One look for watches to take over."""
        try:
            taken = await self._claim()
        except StateStoreUnavailable as exc:  # an outage: no traceback, try again later
            logger.warning("could not look for watches to take over: %s", exc)
            return
        if taken:
            logger.info("took over %d lifecycle watches from another replica", taken)

    async def note(self, event: OperationDone) -> None:
        """Subscribed first to `OperationDone`: store a watch for a server a `followed`
        operation set moving, before anything is posted (a crash from here on still ends with
        a report)."""
        outcome, server, now = event.outcome, event.after, self._clock()
        if not outcome.ok or not event.change.declared.followed:
            return
        if outcome.status in STEADY_STATUSES:
            return
        watch = Watch(
            id=new_id(), server_id=server.id, server_name=server.name,
            action=event.change.operation, requested_by=event.caller.user_id,
            channel_id=event.caller.channel_id, started_at=now, deadline=now + self.stuck_after,
            last_status=outcome.status or server.status, owner=self.owner,
            lease_until=now + self.lease,
        )  # fmt: skip
        await self._store.add_watch(watch)
        event.told.follow_up = watch

    async def follow_up(self, event: OperationDone) -> None:
        """Subscribed after the answers are posted: record where they are, then follow."""
        told = event.told
        if isinstance(told.follow_up, Watch):
            await self.attach(
                told.follow_up,
                ops_channel=told.ops_channel,
                ops_ts=told.ops_ts,
                result_channel=told.result_channel,
                result_ts=told.result_ts,
                response_url=event.caller.response_url,
            )

    async def attach(self, watch: Watch, **places: Any) -> Watch:
        """Record where a stored watch's messages are, then start following it."""
        updated = await self._save(watch, **places)
        if watch.id not in self._tasks:  # not taken over already by our own claim (a slow API)
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
        """Stop following and give the watches up at once: another replica (or the next start)
        takes them over without waiting for their leases to run out."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # A report claimed is posted by no one else: those under way are finished first.
        await self._reports.wait()
        try:
            released = await self._store.release_watches(self.owner)
        except StateStoreUnavailable as exc:  # they are taken over when their leases run out
            logger.warning("could not give up the lifecycle watches: %s", exc)
            return
        except Exception:
            logger.exception("could not give up the lifecycle watches")
            return
        if released:
            logger.info("gave up %d lifecycle watches for another replica", released)

    def _spawn(self, watch: Watch) -> None:
        task = asyncio.create_task(self._run(watch.id), name=f"watch-{watch.server_id}")
        self._tasks[watch.id] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._tasks.get(watch.id) is done:
                del self._tasks[watch.id]

        task.add_done_callback(forget)

    async def _run(self, watch_id: str) -> None:
        while True:
            try:
                if not await self._wait_holding(watch_id):
                    return  # finished, or another replica has taken it over
                watch = await self._store.get_watch(watch_id)  # its places may have changed
                if watch is None or await self._step(watch):
                    return
            except asyncio.CancelledError:
                raise
            except StateStoreUnavailable as exc:
                # The store went away: without it the lease cannot be renewed nor the end
                # recorded. Let the lease lapse; whoever claims the watch next (this replica
                # too) follows it on once the store is back.
                logger.warning("stopped following watch %s, its lease lapses: %s", watch_id, exc)
                return
            except Exception:  # a bad poll is retried; the deadline ends a watch that can't go on
                logger.exception("following watch %s failed this time; trying again", watch_id)

    async def _wait_holding(self, watch_id: str) -> bool:
        """Wait one poll interval, renewing the lease at least three times a lease; False once
        the watch is no longer ours."""
        left = self.interval
        while True:
            step = min(left, self.lease / 3)
            await self._sleep(step)
            left -= step
            if not await self._store.renew_watch(
                watch_id, self.owner, lease=self.lease, now=self._clock()
            ):
                return False
            if left <= 0:
                return True

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
        # This change is reported here; the fleet monitor (on any replica) must not announce it
        # too. Noted before the watch ends: from then on, nothing else marks the change as ours.
        expected = "deleted" if outcome == "gone" else status
        await expect_change(
            self._store, watch.server_id, expected, self._clock() + EXPECTED_CHANGE_TTL
        )
        # Once claimed, the report is ours alone: a shutdown lets the claim and the report
        # finish together.
        message = self._message(watch, outcome, status, seconds, ip)
        await self._reports.run(self._claim_and_report(watch, message))

    async def _claim_and_report(self, watch: Watch, message: Message) -> None:
        if not await self._store.finish_watch(watch.id):
            return  # another replica finished (and reported) it first
        await self._show(watch, message)
        if watch.ops_ts:
            await self._notifier.post(message, thread_ts=watch.ops_ts, channel=watch.ops_channel)
        else:  # the ops message was never posted (e.g. a crash right after the API call)
            await self._notifier.post(message)

    async def _show(self, watch: Watch, message: Message) -> None:
        """Edit the ops message and the requester's result message in place."""
        if watch.ops_ts:
            await self._notifier.update(watch.ops_ts, message, channel=watch.ops_channel)
        same = (watch.result_channel, watch.result_ts) == (watch.ops_channel, watch.ops_ts)
        if watch.result_channel and watch.result_ts and not same:
            await self._slack.update_message(
                watch.result_channel, watch.result_ts, message, what="update the result message"
            )

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
