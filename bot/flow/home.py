"""The App Home tab: gathered for one viewer, as the gate lets them see it, and published.

`app_home_opened` publishes a viewer's tab at once. After a change that may touch what tabs show
(a request, a decision, an `OperationDone`), `HomeTabs.touch` refreshes the tabs of the viewers
who opened theirs on this replica — each at most every `REFRESH_EVERY` seconds: a refresh asked
sooner waits for its turn, and several asked meanwhile make one.

Nothing shown escapes the viewer's read rules: approvals are those they may decide or asked for
themselves, the fleet is shown only when they may `list` (and only the servers `list` lets them
see), the log only when they may `audit` (and only the servers `audit` lets them see).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatchcase

from bot.flow.approval_notices import may_decide, view_of
from bot.flow.caller import Caller
from bot.flow.fleet_index import FleetRow
from bot.flow.gate import Access, Gate
from bot.operations import find
from bot.schedules.views import view_of as schedule_view
from bot.slack.blocks.approvals import ApprovalView
from bot.slack.blocks.home import FleetGlance, HomeData, PlanLine, build_home
from bot.slack.web import SlackWeb
from bot.state import AuditEntry, StateStore
from bot.state.plans import DRIVEN, Plan, PlanServer
from bot.vps import Server

logger = logging.getLogger(__name__)

__all__ = ["HomeTabs", "gather"]

REFRESH_EVERY = 10.0
"""Seconds between two publications of one viewer's tab."""
CHANGES_SHOWN = 10
"""Entries of the log the tab shows."""

Fleet = Callable[[], Awaitable[list[FleetRow]]]
"""The whole fleet as the directory lists it."""


async def gather(
    viewer: Caller, gate: Gate, store: StateStore, fleet: Fleet, now: float, zone: str = "UTC"
) -> HomeData:
    """What `viewer`'s tab shows now (the schedules' next runs in `zone`, BOT_TIMEZONE)."""
    decidable, own = await _approvals(viewer, gate, store)
    plans = await _plans(viewer, gate, store)
    mine = [schedule_view(s) for s in await store.list_schedules(user_id=viewer.user_id, limit=20)]
    glance = await _fleet(viewer, gate, fleet)
    changes = await _changes(viewer, gate, store)
    return HomeData(viewer.user_id, decidable, own, plans, mine, glance, changes, zone=zone)


async def _approvals(
    viewer: Caller, gate: Gate, store: StateStore
) -> tuple[list[ApprovalView], list[ApprovalView]]:
    decidable, own = [], []
    for approval in await store.list_approvals():
        if approval.requester_id == viewer.user_id:
            own.append(view_of(approval))
        elif await may_decide(gate, store, viewer, approval):
            decidable.append(view_of(approval))
    return decidable, own


async def _plans(viewer: Caller, gate: Gate, store: StateStore) -> list[PlanLine]:
    """Running (or paused) plans the viewer asked for or may act on every server of."""
    shown = []
    for plan in await store.list_plans(states=DRIVEN, limit=50):
        servers = await store.plan_servers(plan.id)
        if plan.user_id != viewer.user_id and not await _controls(viewer, gate, plan, servers):
            continue
        done = sum(1 for s in servers if s.state in {"done", "failed", "skipped"})
        shown.append(
            PlanLine(plan.id, plan.user_id, plan.operation, plan.state, done, len(servers))
        )
    return shown


async def _controls(viewer: Caller, gate: Gate, plan: Plan, servers: Sequence[PlanServer]) -> bool:
    declared = find(plan.operation)
    if declared is None or not servers:
        return False
    action = declared.policy_action
    for server in servers:
        named = Server(id=server.server_id, name=server.server_name, status="?")
        if not await gate.permitted(viewer, [action], named):
            return False
    return True


async def _fleet(viewer: Caller, gate: Gate, fleet: Fleet) -> FleetGlance | None:
    access = await gate.authorize(viewer, "list")
    if not isinstance(access, Access):
        return None
    rows = await fleet()
    seen = [r for r in rows if _visible(r.name, access.only_servers)]
    by_status = Counter(r.status for r in seen).most_common()
    by_location = Counter(r.location or "" for r in seen).most_common()
    not_active = [(r.name, r.id, r.status) for r in seen if r.status != "active"]
    return FleetGlance(len(seen), by_status, by_location, not_active)


async def _changes(viewer: Caller, gate: Gate, store: StateStore) -> list[AuditEntry] | None:
    access = await gate.authorize(viewer, "audit")
    if not isinstance(access, Access):
        return None
    rows = await store.list_audit(None, limit=200)
    return [e for e in rows if _visible(e.server_name, access.only_servers)][:CHANGES_SHOWN]


def _visible(name: str | None, only: Sequence[str]) -> bool:
    if not only:
        return True
    return name is not None and any(fnmatchcase(name, glob) for glob in only)


@dataclass
class HomeTabs:
    """Publishes the Home tab of each viewer who opened it, at most every `every` seconds."""

    gate: Gate
    store: StateStore
    slack: SlackWeb
    fleet: Fleet
    clock: Callable[[], float]
    every: float = REFRESH_EVERY
    zone: str = "UTC"  # BOT_TIMEZONE
    _last: dict[str, float] = field(default_factory=dict)  # viewer -> monotonic time published
    _waiting: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    async def opened(self, user_id: str) -> None:
        """`app_home_opened`: the viewer's tab, now."""
        await self._publish(user_id)

    def touch(self, *_: object) -> None:
        """Something the tabs show may have changed: refresh every known viewer's tab in turn."""
        for user_id in list(self._last):
            self._schedule(user_id)

    async def touched(self, *_: object) -> None:
        """`touch`, as a subscriber to `OperationDone`."""
        self.touch()

    def _schedule(self, user_id: str) -> None:
        if user_id in self._waiting:
            return  # one refresh is on its way already; it will show this change too
        wait = max(0.0, self._last[user_id] + self.every - asyncio.get_running_loop().time())
        task = asyncio.create_task(self._later(user_id, wait), name=f"home-{user_id}")
        self._waiting[user_id] = task

    async def _later(self, user_id: str, wait: float) -> None:
        try:
            await asyncio.sleep(wait)
        finally:
            self._waiting.pop(user_id, None)
        await self._publish(user_id)

    async def _publish(self, user_id: str) -> None:
        self._last[user_id] = asyncio.get_running_loop().time()
        viewer = Caller(user_id=user_id, channel_id="")
        try:
            data = await gather(viewer, self.gate, self.store, self.fleet, self.clock(), self.zone)
        except Exception:
            logger.exception("could not gather the Home tab of %s", user_id)
            return
        now = datetime.fromtimestamp(self.clock(), UTC)
        await self.slack.publish_home(user_id, build_home(data, now))

    async def close(self) -> None:
        """Stop the refreshes still waiting."""
        tasks = list(self._waiting.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
