"""Plans in the store: stored with their servers, moved once, driven by one replica at a time."""

from __future__ import annotations

import asyncio

import pytest

from bot.state import StateStore
from bot.state.plans import Plan, PlanServer
from tests.state.conftest import T0, FakeClock


def _plan(plan_id: str = "p1", *, state: str = "preview", created: float = T0) -> Plan:
    return Plan(
        id=plan_id,
        user_id="U1",
        channel_id="C1",
        operation="reboot",
        request={"operation": "reboot", "target": "web-*"},
        options={"batch": 2, "max_fail": 0},
        state=state,
        created_at=created,
        updated_at=created,
    )


def _servers(plan_id: str = "p1", count: int = 3) -> list[PlanServer]:
    return [PlanServer(plan_id, i, i // 2, 100 + i, f"web-{i:02d}") for i in range(count)]


async def test_a_plan_keeps_its_servers_in_order(store: StateStore) -> None:
    await store.add_plan(_plan(), list(reversed(_servers())))
    assert await store.get_plan("p1") == _plan()
    servers = await store.plan_servers("p1")
    assert [(s.position, s.batch, s.server_id, s.state) for s in servers] == [
        (0, 0, 100, "waiting"),
        (1, 0, 101, "waiting"),
        (2, 1, 102, "waiting"),
    ]
    with pytest.raises(ValueError, match="exists already"):
        await store.add_plan(_plan(), [])
    assert await store.get_plan("nope") is None


async def test_a_plan_moves_once_from_any_caller(store: StateStore, clock: FakeClock) -> None:
    await store.add_plan(_plan(), _servers())
    clock.now += 5
    moves = await asyncio.gather(
        *(store.move_plan("p1", "running", expect=["preview"]) for _ in range(5))
    )
    assert moves.count(True) == 1
    plan = await store.get_plan("p1")
    assert plan is not None
    assert (plan.state, plan.updated_at) == ("running", T0 + 5)
    assert not await store.move_plan("p1", "cancelled", expect=["preview"])
    assert await store.move_plan("p1", "paused", expect=["running"], reason="a freeze began")
    plan = await store.get_plan("p1")
    assert plan is not None
    assert (plan.state, plan.reason) == ("paused", "a freeze began")


async def test_a_server_step_moves_once_and_is_stamped(store: StateStore, clock: FakeClock) -> None:
    await store.add_plan(_plan(), _servers())
    clock.now += 1
    assert await store.move_server("p1", 0, "calling", expect=["waiting"])
    assert not await store.move_server("p1", 0, "calling", expect=["waiting"])
    clock.now += 2
    assert await store.move_server("p1", 0, "failed", expect=["calling"], detail="refused")
    first = (await store.plan_servers("p1"))[0]
    assert (first.state, first.detail, first.called_at, first.settled_at) == (
        "failed",
        "refused",
        T0 + 1,
        T0 + 3,
    )


async def test_one_replica_drives_a_plan_until_its_lease_runs_out(
    store: StateStore, clock: FakeClock
) -> None:
    await store.add_plan(_plan("p1", state="running"), _servers("p1"))
    await store.add_plan(_plan("p2", state="preview", created=T0 + 1), _servers("p2"))
    assert [x.id for x in await store.claim_plans("A", lease=60)] == ["p1"]
    assert await store.claim_plans("B", lease=60) == []
    clock.now += 30
    assert await store.renew_plan("p1", "A", lease=60)
    assert not await store.renew_plan("p1", "B", lease=60)
    clock.now += 61  # A died: its lease ran out
    assert [x.id for x in await store.claim_plans("B", lease=60)] == ["p1"]
    assert not await store.renew_plan("p1", "A", lease=60)
    assert await store.release_plans("B") == 1
    plan = await store.get_plan("p1")
    assert plan is not None
    assert plan.owner is None


async def test_plans_are_listed_newest_first_and_placed(store: StateStore) -> None:
    await store.add_plan(_plan("p1", state="finished"), [])
    await store.add_plan(_plan("p2", state="running", created=T0 + 1), [])
    assert [x.id for x in await store.list_plans()] == ["p2", "p1"]
    assert [x.id for x in await store.list_plans(states=["running"])] == ["p2"]
    assert await store.list_plans(user_id="U2") == []
    await store.place_plan("p2", progress_channel="C1", progress_ts="1.2")
    plan = await store.get_plan("p2")
    assert plan is not None
    assert (plan.progress_channel, plan.progress_ts) == ("C1", "1.2")
    with pytest.raises(ValueError, match="not a place"):
        await store.place_plan("p2", state="done")


async def test_several_servers_move_once_together(store: StateStore, clock: FakeClock) -> None:
    await store.add_plan(_plan(), _servers(count=4))
    clock.now += 1
    racing = await asyncio.gather(
        *(store.move_servers("p1", [0, 1, 2], "calling", expect=["waiting"]) for _ in range(3))
    )
    assert sorted(position for moved in racing for position in moved) == [0, 1, 2]
    assert await store.servers_in_flight() == {100, 101, 102}
    assert await store.move_servers("p1", [], "running", expect=["calling"]) == []
    clock.now += 2
    assert await store.move_servers("p1", [0, 1, 3], "done", expect=["calling"]) == [0, 1]
    servers = await store.plan_servers("p1")
    assert [(s.state, s.called_at, s.settled_at) for s in servers] == [
        ("done", T0 + 1, T0 + 3),
        ("done", T0 + 1, T0 + 3),
        ("calling", T0 + 1, None),
        ("waiting", None, None),
    ]
    assert await store.servers_in_flight() == {102}


async def test_an_aborted_plan_is_driven_while_servers_are_in_flight(
    store: StateStore, clock: FakeClock
) -> None:
    await store.add_plan(_plan(state="running"), _servers(count=3))
    assert [x.id for x in await store.claim_plans("A", lease=30)] == ["p1"]
    await store.move_servers("p1", [0, 1], "calling", expect=["waiting"])
    assert await store.move_plan("p1", "aborted", expect=["running"])
    clock.now += 31  # A died: another follows the servers called to their end
    assert [x.id for x in await store.claim_plans("B", lease=30)] == ["p1"]
    await store.move_servers("p1", [0, 1], "done", expect=["calling"])
    clock.now += 31
    assert await store.claim_plans("C", lease=30) == []


async def test_servers_are_claimed_only_while_the_plan_runs(store: StateStore) -> None:
    await store.add_plan(_plan(state="running"), _servers())
    assert await store.move_plan("p1", "aborted", expect=["running"])  # Abort came first
    moved = await store.move_servers(
        "p1", [0, 1], "calling", expect=["waiting"], while_plan=["running"]
    )
    assert moved == []
    assert {s.state for s in await store.plan_servers("p1")} == {"waiting"}
    assert await store.move_plan("p1", "running", expect=["aborted"])
    moved = await store.move_servers(
        "p1", [0, 1], "calling", expect=["waiting"], while_plan=["running"]
    )
    assert moved == [0, 1]
