"""The settler on a real state store and the simulator over HTTP: a change left in flight is
reported done or not done from the server's status, once, and never sent again."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from pydantic import SecretStr

from bot.flow.events import Events, OperationDone
from bot.operations.change import Change
from bot.settler import Settler
from bot.state import AuditOutcome, StateStore, open_store
from bot.state.inflight import InFlight
from bot.vps import VPSClient
from tests.e2e.harness import Clock, fresh_simulator
from vpssim.simulator import Simulator, start_simulator

LEASE = 50.0
WEB = 12345


@dataclass
class World:
    sim: Simulator
    store: StateStore
    vps: VPSClient
    clock: Clock
    heard: list[OperationDone]

    def settler(self, owner: str = "replica-b:2:bbbb") -> Settler:
        events = Events()

        async def hear(event: OperationDone) -> None:
            self.heard.append(event)

        events.subscribe(hear)
        return Settler(
            store=self.store,
            vps=self.vps,
            slack=cast(Any, None),  # the subscribers would answer; here one listens
            events=events,
            owner=owner,
            lease=LEASE,
            clock=self.clock,
        )

    async def left_in_flight(
        self, operation: str, *, lost: str | None = None, planned: str | None = None
    ) -> None:
        server = self.sim.get_server(WEB)
        assert server is not None
        if planned is not None:  # a create: the server it will make
            server = {"id": 0, "name": planned, "status": "provisioning"}
        change = Change.model_validate({"operation": operation, "server": server})
        await self.store.add_inflight(
            InFlight(
                id=f"f-{operation}-{planned}",
                user_id="U0ALICE01",
                channel_id="C0OPS0001",
                operation=operation,
                server_id=int(server["id"]),  # type: ignore[call-overload]
                server_name=str(server["name"]),
                change=change.dump(),
                started_at=self.clock.now,
                owner="replica-a:1:dead",
                lease_until=self.clock.now + LEASE,
                response_url="https://hooks.slack.test/r/1",
                before_status=str(server["status"]),
                lost=lost,
            )
        )

    def calls(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.sim.requests if m != "GET"]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = Clock()
    clock.now = time.time()  # the simulator's times are then the bot's (a create's created_at)
    sim = fresh_simulator(clock)
    async with (
        await start_simulator(sim) as running,
        await open_store(f"sqlite:///{tmp_path / 'state.db'}", clock=clock) as store,
        VPSClient(running.url, SecretStr(sim.token), timeout=5) as vps,
    ):
        yield World(sim, store, vps, clock, [])


async def test_a_change_the_server_shows_is_reported_done(world: World) -> None:
    await world.left_in_flight("stop")
    settler = world.settler()
    assert await settler.round() == 0  # the dead replica's lease has not run out yet
    world.clock.now += LEASE
    world.sim.set_status(WEB, "stopping")  # VPS.org acted; the bot died before its answer
    assert await settler.round() == 1
    [event] = world.heard
    assert event.outcome.ok
    assert event.outcome.status == "stopping"  # followed from here like any stop
    assert "done, settled by reading the server" in event.outcome.message.text
    assert event.caller.response_url == "https://hooks.slack.test/r/1"  # still fresh
    [entry] = await world.store.list_audit(limit=1)
    assert (entry.outcome, entry.action, entry.server_id) == (AuditOutcome.EXECUTED, "stop", WEB)
    assert entry.detail == "settled after a restart: done (the server is stopping)"
    assert await world.store.list_inflight() == []
    assert await settler.round() == 0
    assert world.calls() == []  # nothing sent again


async def test_a_change_the_server_does_not_show_is_reported_not_done(world: World) -> None:
    await world.left_in_flight("stop", lost="the VPS.org API did not answer within 10s")
    world.clock.now += LEASE + 31 * 60  # long after: the response_url is stale
    assert await world.settler().round() == 1
    [event] = world.heard
    assert not event.outcome.ok
    assert "not done, settled by reading the server" in event.outcome.message.text
    assert "answer was lost" in str(event.outcome.message.blocks[-1].to_dict())
    assert event.caller.response_url is None  # answered through the Web API instead
    [entry] = await world.store.list_audit(limit=1)
    assert entry.outcome is AuditOutcome.FAILED
    assert entry.detail == "settled after its answer was lost: not done (the server is active)"
    assert world.calls() == []


async def test_a_server_that_cannot_be_read_is_asked_again_next_round(world: World) -> None:
    await world.left_in_flight("delete")
    world.sim.remove_server(WEB)  # the delete happened
    world.sim.inject_failure(502, method="GET", times=5)
    world.clock.now += LEASE
    settler = world.settler()
    assert await settler.round() == 0
    assert world.heard == []
    [flight] = await world.store.list_inflight()
    assert flight.lease_until <= world.clock.now + 5  # soon again, not a lease later
    world.sim.clear_failures()
    world.clock.now += 5
    assert await settler.round() == 1
    assert world.heard[0].outcome.ok  # gone: a delete is done


async def test_two_replicas_settle_a_change_once(world: World) -> None:
    await world.left_in_flight("stop")
    world.clock.now += LEASE
    first, second = world.settler("replica-b:2:b"), world.settler("replica-c:3:c")
    assert await first.round() + await second.round() == 1
    assert len(world.heard) == 1


async def test_a_create_is_done_when_a_server_of_its_name_appeared_since(world: World) -> None:
    await world.left_in_flight("create", planned="web-new")
    await world.left_in_flight("create", planned="web-never")
    world.clock.now += 1
    world.sim.add_server("web-new", status="provisioning")
    world.clock.now += LEASE
    assert await world.settler().round() == 2
    made, never = sorted(world.heard, key=lambda e: not e.outcome.ok)
    assert made.outcome.ok
    assert made.outcome.server is not None
    assert made.outcome.server.name == "web-new"
    assert f"(#{made.outcome.server.id}) is being created" in made.outcome.message.text
    assert not never.outcome.ok
    assert world.calls() == []
