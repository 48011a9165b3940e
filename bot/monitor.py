"""The fleet monitor: one listing per interval; servers that appeared, disappeared or changed
status without the bot go to the ops channel.

The first poll ever is a baseline and announces nothing. Snapshots live in the state store, so a
restart does not announce again. A server the bot is following (a watch) or has just changed is
left to the watch: its change is announced once, by the watch. Statuses are compared only once
they are steady, so a reboot seen half-way is not reported twice.

With several replicas, one polls at a time: the one holding the `fleet-monitor` lease, renewed
every interval. A lease in the state store rather than `pg_try_advisory_lock` on a connection of
its own: it works the same on SQLite (several processes on one file), pins no connection, and
cannot be lost silently — a session lock vanishes with a reconnect (a database restart, a pooled
connection replaced) while its holder still believes it holds it, whereas the lease is checked
before every poll. The price is that a replica that dies keeps the monitor until its lease runs
out (three intervals, at least 30 s); one that stops gives it up at once.

The listing comes from `lister` (the bot's directory reads it page by page into its fleet
index), and the monitor keeps the snapshot it saved last while it holds the lease: a steady
fleet of 50,000 servers costs one listing per interval, not a reload of the snapshot too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.finishing import Finishing
from bot.notify import Notifier
from bot.periodic import Every
from bot.resolve import Named
from bot.slack.blocks.lifecycle import build_api_down, build_fleet_change
from bot.state import SnapshotEntry, StateStore, new_replica_id
from bot.vps import VPSError
from bot.vps.models import STEADY_STATUSES

if TYPE_CHECKING:
    from bot.flow.events import OperationDone

logger = logging.getLogger(__name__)

_API_DOWN_AFTER = 3
"""Failed polls in a row after which the ops channel hears that VPS.org is unreachable."""
LEASE = "fleet-monitor"
LEASE_MIN = 30.0
"""The monitor lease lasts three intervals, and at least this long (a slow poll keeps it)."""


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


class Listed(Named, Protocol):
    """What the monitor needs of a listed server (a `Server`, or a fleet index row)."""

    @property
    def status(self) -> str: ...


class FleetMonitor:
    """Polls the whole fleet every `interval` seconds (its `job()`)."""

    def __init__(
        self,
        *,
        lister: Callable[[], Awaitable[Sequence[Listed]]],
        store: StateStore,
        notifier: Notifier,
        interval: float,
        is_followed: Callable[[int], Awaitable[bool]],
        owner: str | None = None,
    ) -> None:
        self._lister, self._store, self._notifier = lister, store, notifier
        self._saved: dict[int, SnapshotEntry] | None = None  # what this replica saved last
        self.interval = interval
        self.owner = owner or new_replica_id()
        self.lease = max(3 * interval, LEASE_MIN)
        self._is_followed = is_followed
        self._failures = 0
        self.last_success: float | None = None  # UNIX time of the last full listing (metrics)
        self._reports = Finishing("the fleet monitor's report")

    def job(self) -> Every:
        """Poll now and every interval (off when the interval is 0); at close, give the
        monitor up at once for another replica."""
        return Every(
            self.interval, self.round, name="the fleet monitor's poll", finish=self.give_up
        )

    async def round(self) -> None:
        """Poll, if this replica holds the monitor's lease (taking or renewing it)."""
        if await self._store.acquire_lease(LEASE, self.owner, ttl=self.lease):
            await self.poll()
        else:
            self._failures = 0  # another replica polls (and counts API failures)
            self._saved = None  # ... and saves the snapshots meanwhile

    async def give_up(self) -> None:
        """Finish a report under way, then release the lease."""
        await self._reports.wait()
        try:
            await self._store.release_lease(LEASE, self.owner)
        except Exception:  # another replica takes over when the lease runs out
            logger.exception("could not give up the fleet monitor")

    async def poll(self) -> list[Change]:
        """One listing of the fleet; announces and returns the changes made outside the bot."""
        try:
            servers = await self._lister()
        except VPSError as exc:
            await self._api_down(exc)
            return []
        self._failures = 0
        self.last_success = time.time()
        previous = self._saved if self._saved is not None else await self._store.load_snapshot()
        current = self._snapshot(servers, previous)
        if previous is None:
            await self._store.save_snapshot(current)
            self._saved = current
            logger.info("fleet monitor baseline: %d servers", len(current))
            return []
        changes: list[Change] = []
        if current != previous:  # an unchanged fleet costs no write
            # Sorted, posted and saved as one step, even when the bot is stopping meanwhile: a
            # change posted (or an expectation of the bot's own consumed) and not saved would
            # be announced again by whoever polls next.
            changes = await self._reports.run(self._report(previous, current))
        self._saved = current
        return changes

    async def _report(
        self, previous: dict[int, SnapshotEntry], current: dict[int, SnapshotEntry]
    ) -> list[Change]:
        changes = [c for c in diff(previous, current) if not await self._ours(c)]
        for change in changes:
            await self._notifier.post(
                build_fleet_change(change.server_id, change.name, change.before, change.after)
            )
        await self._store.save_snapshot(current)
        return changes

    @staticmethod
    def _snapshot(
        servers: Sequence[Listed], previous: dict[int, SnapshotEntry] | None
    ) -> dict[int, SnapshotEntry]:
        """Steady statuses only: a server in transition keeps its last steady one, and a new
        one still in transition (a create under way) is left out until it settles — by then a
        create made through the bot is known as the bot's own (its watch says so), and one made
        elsewhere appears with the status it settled in. The baseline keeps every server."""
        snapshot = {}
        for server in servers:
            kept = previous.get(server.id) if previous is not None else None
            steady = server.status in STEADY_STATUSES
            if not steady and kept is None and previous is not None:
                continue
            status = server.status if steady or kept is None else kept.status
            snapshot[server.id] = SnapshotEntry(name=server.name, status=status)
        return snapshot

    async def operation_done(self, event: OperationDone) -> None:
        """Subscribed to `OperationDone`: a change that was to make a server go (noted as
        expected before its call) but failed is taken back — a later outside delete is news."""
        if event.change.declared.leads_to == "deleted" and not event.outcome.ok:
            await self._store.consume_expected_change(event.before.id, "deleted")

    async def _ours(self, change: Change) -> bool:
        """True when the bot made (and reports) this change itself."""
        # The expectation first: consumed by the change it announces, even while the watch that
        # noted it is still finishing, so none is left behind to hide a later outside change.
        expected = change.after if change.after is not None else "deleted"
        if await self._store.consume_expected_change(change.server_id, expected):
            return True
        if await self._is_followed(change.server_id):
            return True
        # A watch notes its expectation, then finishes: one that did both between the two
        # checks above has left the expectation for this one.
        return await self._store.consume_expected_change(change.server_id, expected)

    async def _api_down(self, exc: VPSError) -> None:
        self._failures += 1
        logger.warning("fleet monitor: %s", exc)
        if self._failures == _API_DOWN_AFTER:
            await self._notifier.post(build_api_down(self._failures, str(exc)))
