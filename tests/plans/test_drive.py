"""The plan driver's rounds on a small fake world: a real state store and gate, a fleet whose
statuses the test sets, a client that records its calls — no Slack, no simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.finishing import Finishing
from bot.flow.context import Effects
from bot.flow.directory import FleetRow
from bot.flow.events import Events
from bot.flow.fleet_index import FleetIndex
from bot.flow.gate import Gate
from bot.metrics import Metrics
from bot.operations.change import Member, Request
from bot.plans import PlanOptions
from bot.plans.drive import Drive, PlanDriver
from bot.policy import parse_policy
from bot.state import StateStore, open_store
from bot.state.plans import Plan, PlanServer
from bot.vps import Server, VPSServerError
from bot.vps.models import ActionResult, ServerRef

T0 = 1_800_000_000.0
ALICE, OPS = "U0ALICE01", "C0OPS0001"
POLICY = f"""
rules:
  reboot:
    - channels: [{OPS}]
      servers: ["web-*"]
"""
FROZEN = f"""
rules:
  reboot:
    - channels: [{OPS}]
freeze:
  - actions: [reboot]
    start: "2027-01-15T00:00:00+00:00"
    end: "2027-01-16T00:00:00+00:00"
    reason: "release day"
"""


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


class Fleet:
    """The servers' statuses (the test moves them) and the calls made on them."""

    def __init__(self, names: Sequence[str]) -> None:
        self.status = {100 + i: "active" for i in range(len(names))}
        self.names = {100 + i: name for i, name in enumerate(names)}
        self.calls: list[int] = []
        self.listings = 0
        self.refuse: set[int] = set()

    async def fleet(self) -> list[FleetRow]:
        self.listings += 1
        return [
            FleetRow.of(Server(id=i, name=self.names[i], status=status))
            for i, status in self.status.items()
        ]

    async def reboot_server(self, server_id: int) -> ActionResult:
        self.calls.append(server_id)
        if server_id in self.refuse:
            raise VPSServerError("VPS.org is unavailable (503)", status=503)
        self.status[server_id] = "rebooting"
        ref = ServerRef(id=server_id, name=self.names[server_id], status="rebooting")
        return ActionResult(status="success", message="reboot begun", server=ref)

    def settle(self, *ids: int, status: str = "active") -> None:
        for server_id in ids:
            self.status[server_id] = status


class Shown:
    """The progress messages: what each round would show."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []
        self.finishing = Finishing("a plan's message")

    async def show(self, plan: Plan, servers: Sequence[PlanServer], *, final: bool = False) -> None:
        self.seen.append((plan.state, final))


class Ops:
    channel = None


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def store(tmp_path: Path, clock: Clock) -> AsyncIterator[StateStore]:
    opened = await open_store(f"sqlite:///{tmp_path / 'state.db'}", clock=clock)
    yield opened
    await opened.close()


def driver(
    store: Any,
    fleet: Fleet,
    clock: Clock,
    *,
    policy: str = POLICY,
    owner: str = "r1",
    touched: list[int] | None = None,
) -> tuple[PlanDriver, Shown]:
    gate = Gate(parse_policy(policy, "policy.yml"), _NoGroups(), clock=clock)
    effects = Effects(fleet, Ops(), Events(), FleetIndex(clock))  # type: ignore[arg-type]
    shown = Shown()
    drive = Drive(
        store=store,
        gate=gate,
        effects=effects,
        directory=fleet,  # type: ignore[arg-type]
        progress=shown,  # type: ignore[arg-type]
        metrics=Metrics(),
        clock=clock,
        touched=lambda: (touched if touched is not None else []).append(1),
    )

    async def no_sleep(_: float) -> None:
        return None

    return PlanDriver(drive, owner=owner, interval=1.0, sleep=no_sleep), shown


class _NoGroups:
    async def members(self, usergroup_id: str) -> frozenset[str]:
        return frozenset()


async def add_plan(
    store: StateStore, fleet: Fleet, *, states: dict[int, str] | None = None, **options: Any
) -> None:
    opts = PlanOptions.model_validate(options)
    size = opts.batch_size(len(fleet.names))
    request = Request(operation="reboot", member=Member(user_id=ALICE, channel_id=OPS))
    plan = Plan(
        id="p1", user_id=ALICE, channel_id=OPS, operation="reboot",
        request=request.model_dump(mode="json"), options=opts.dump(), state="running",
        created_at=T0, updated_at=T0,
    )  # fmt: skip
    servers = [
        PlanServer(
            "p1",
            i,
            i // size,
            sid,
            name,
            state=(states or {}).get(sid, "waiting"),
            called_at=T0 if (states or {}).get(sid) == "calling" else None,
        )
        for i, (sid, name) in enumerate(fleet.names.items())
    ]
    await store.add_plan(plan, servers)


def at(moment: str) -> float:
    return datetime.fromisoformat(moment).timestamp()


async def steps(store: StateStore) -> dict[int, str]:
    return {s.server_id: s.state for s in await store.plan_servers("p1")}


async def state(store: StateStore) -> tuple[str, str]:
    plan = await store.get_plan("p1")
    assert plan is not None
    return plan.state, plan.reason


async def test_a_batch_starts_only_once_the_one_before_has_settled(
    store: StateStore, clock: Clock
) -> None:
    fleet = Fleet(["web-01", "web-02", "web-03"])
    await add_plan(store, fleet, batch=2)
    plans, shown = driver(store, fleet, clock)
    await plans.round()
    assert fleet.calls == [100, 101]
    await plans.round()
    await plans.round()
    assert fleet.calls == [100, 101]  # still rebooting: the next batch waits
    fleet.settle(100)
    await plans.round()
    assert fleet.calls == [100, 101]
    assert await steps(store) == {100: "done", 101: "running", 102: "waiting"}
    fleet.settle(101)
    await plans.round()
    assert fleet.calls == [100, 101, 102]
    fleet.settle(102)
    await plans.round()
    assert await state(store) == ("finished", "")
    assert shown.seen[-1] == ("finished", True)


async def test_an_api_refusal_fails_the_server_and_max_fail_0_stops_new_starts(
    store: StateStore, clock: Clock
) -> None:
    fleet = Fleet(["web-01", "web-02", "web-03"])
    fleet.refuse.add(100)
    await add_plan(store, fleet, batch=2, max_fail=0)
    plans, _ = driver(store, fleet, clock)
    await plans.round()
    assert await steps(store) == {100: "failed", 101: "running", 102: "waiting"}
    fleet.settle(101)
    await plans.round()
    assert await steps(store) == {100: "failed", 101: "done", 102: "waiting"}
    assert await state(store) == ("finished", "more than 0 failed")
    assert fleet.calls == [100, 101]


async def test_a_server_not_steady_within_wait_fails(store: StateStore, clock: Clock) -> None:
    fleet = Fleet(["web-01"])
    await add_plan(store, fleet, wait=60)
    plans, _ = driver(store, fleet, clock)
    await plans.round()
    clock.now += 61
    await plans.round()
    server = (await store.plan_servers("p1"))[0]
    assert (server.state, server.detail) == ("failed", "still rebooting after 60 seconds")


async def test_a_lost_answer_is_settled_by_the_status_never_by_calling_again(
    store: StateStore, clock: Clock
) -> None:
    fleet = Fleet(["web-01", "web-02"])
    # A replica claimed both and died before their answers were stored: web-01's reboot
    # arrived (it is rebooting), web-02's did not show (it is active as before).
    await add_plan(store, fleet, batch=2, max_fail=1, states={100: "calling", 101: "calling"})
    fleet.settle(100, status="rebooting")
    plans, _ = driver(store, fleet, clock)
    clock.now = T0 + 5  # a call may still be on its way: not settled yet
    await plans.round()
    assert await steps(store) == {100: "calling", 101: "calling"}
    clock.now = T0 + 60  # as long again as VPS.org had to answer, and more
    await plans.round()
    assert fleet.calls == []
    assert await steps(store) == {100: "running", 101: "failed"}
    fleet.settle(100)
    await plans.round()
    assert await steps(store) == {100: "done", 101: "failed"}
    assert fleet.calls == []


async def test_a_server_no_longer_allowed_is_skipped_as_denied(
    store: StateStore, clock: Clock
) -> None:
    fleet = Fleet(["web-01", "db-01"])
    await add_plan(store, fleet, batch=2)
    plans, _ = driver(store, fleet, clock)
    await plans.round()
    assert fleet.calls == [100]
    server = (await store.plan_servers("p1"))[1]
    assert (server.state, server.detail) == ("skipped", "denied by the policy")
    entries = await store.list_audit("db-01")
    assert [(e.outcome.value, e.detail) for e in entries] == [
        ("skipped", "plan p1: skipped, denied by the policy")
    ]


async def test_a_freeze_that_begins_pauses_the_plan_saying_why(
    store: StateStore, clock: Clock
) -> None:
    fleet = Fleet(["web-01", "web-02"])
    await add_plan(store, fleet, batch=1)
    plans, shown = driver(store, fleet, clock, policy=FROZEN)
    clock.now = at("2027-01-14T23:59:00+00:00")
    await plans.round()
    assert fleet.calls == [100]
    fleet.settle(100)
    clock.now = at("2027-01-15T00:01:00+00:00")
    await plans.round()
    plan_state, reason = await state(store)
    assert plan_state == "paused"
    assert "release day" in reason
    assert fleet.calls == [100]
    assert shown.seen[-1] == ("paused", False)


async def test_two_replicas_never_call_a_server_twice(store: StateStore, clock: Clock) -> None:
    fleet = Fleet([f"web-{i:02d}" for i in range(6)])
    await add_plan(store, fleet, batch=3)
    one, _ = driver(store, fleet, clock, owner="r1")
    two, _ = driver(store, fleet, clock, owner="r2")
    for _ in range(4):
        await asyncio.gather(one.round(), two.round())
        fleet.settle(*fleet.calls)
    clock.now += 31  # r1's lease runs out
    for _ in range(4):
        await two.round()
        fleet.settle(*fleet.calls)
    assert sorted(fleet.calls) == sorted(set(fleet.calls)) == list(range(100, 106))
    assert await state(store) == ("finished", "")


class ResumedMidStep:
    """The store, with a Resume clicked (on another replica) while a step is under way: after
    it read the plan and its servers, before it reads the plan again."""

    def __init__(self, store: StateStore) -> None:
        self._store, self.armed, self.clicked = store, False, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def plan_servers(self, plan_id: str) -> list[PlanServer]:
        self.armed = True
        return await self._store.plan_servers(plan_id)

    async def get_plan(self, plan_id: str) -> Plan | None:
        if self.armed and not self.clicked:
            self.clicked = await self._store.move_plan(plan_id, "running", expect=["paused"])
        return await self._store.get_plan(plan_id)


async def test_a_plan_resumed_while_a_step_runs_starts_its_batch_on_fresh_statuses(
    store: StateStore, clock: Clock
) -> None:
    fleet = Fleet(["web-01", "web-02"])
    await add_plan(store, fleet, batch=1)
    assert await store.move_plan("p1", "paused", expect=["running"])
    await store.place_plan("p1", progress_channel=OPS, progress_ts="1.1")  # shown already
    plans, _ = driver(ResumedMidStep(store), fleet, clock)
    await plans.round()
    assert fleet.calls == [100]
    assert await steps(store) == {100: "running", 101: "waiting"}


class HeldFleet(Fleet):
    """A fleet whose API answers a reboot only once the test lets it."""

    def __init__(self, names: Sequence[str]) -> None:
        super().__init__(names)
        self.answer, self.both_sent = asyncio.Event(), asyncio.Event()

    async def reboot_server(self, server_id: int) -> ActionResult:
        self.calls.append(server_id)
        if len(self.calls) == len(self.names):
            self.both_sent.set()
        await self.answer.wait()
        self.calls.pop()
        return await super().reboot_server(server_id)


async def test_a_shutdown_lets_the_calls_under_way_finish_and_be_recorded(
    store: StateStore, clock: Clock
) -> None:
    fleet = HeldFleet(["web-01", "web-02"])
    await add_plan(store, fleet, batch=2)
    plans, _ = driver(store, fleet, clock)
    under_way = asyncio.create_task(plans.round())
    await fleet.both_sent.wait()
    under_way.cancel()  # the bot stops: its periodic work is cancelled, then closed
    closing = asyncio.create_task(plans.close())
    fleet.answer.set()
    await closing
    assert await steps(store) == {100: "running", 101: "running"}  # not left "calling"
    plan = await store.get_plan("p1")
    assert plan is not None
    assert plan.owner is None  # given up for another replica, once the calls were recorded


async def test_the_home_tabs_hear_when_a_plan_moves_and_only_then(
    store: StateStore, clock: Clock
) -> None:
    fleet = Fleet(["web-01", "web-02", "web-03"])
    await add_plan(store, fleet, batch=2)
    touched: list[int] = []
    plans, _ = driver(store, fleet, clock, touched=touched)
    await plans.round()  # first seen: running, 0 ended
    assert len(touched) == 1
    await plans.round()
    await plans.round()
    assert len(touched) == 1  # nothing moved
    fleet.settle(100)
    await plans.round()  # one done
    assert len(touched) == 2
    assert await store.move_plan("p1", "paused", expect=["running"])
    await plans.round()  # paused (from a click on any replica)
    assert len(touched) == 3
    assert await store.move_plan("p1", "aborted", expect=["paused"])
    fleet.settle(101)
    await plans.round()  # aborted and over
    assert len(touched) == 4
