"""A plan across three replicas on one state store: one drives it; when that one is killed
(SIGKILL) mid-plan, another takes it over and finishes it, and no server is called twice."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.operations.change import Member, Request
from bot.plans import PlanOptions
from bot.state import open_store
from bot.state.plans import Plan, PlanServer
from tests.e2e.harness import ALICE, OPS, dump
from tests.e2e.plans import WORKERS
from tests.e2e.replicas import Cluster
from tests.state.postgres import PostgresServer, postgres_server

__all__ = ["postgres_server"]

pytestmark = pytest.mark.asyncio(loop_scope="module")
PATIENCE = 30.0


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=["postgresql", "sqlite"])
async def cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Cluster]:
    tmp = tmp_path_factory.mktemp(f"plans-{request.param}")
    server: PostgresServer | None = None
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_server")
        url = server.create()
    else:
        url = f"sqlite:///{tmp / 'state.db'}"
    running = Cluster(tmp, url, "http")
    try:
        await running.start()
        yield running
    finally:
        await running.close()
        if server is not None:
            server.drop(url)


async def add_plan(cluster: Cluster, names: list[str], batch: int) -> None:
    store = await open_store(cluster.state_url)
    try:
        request = Request(operation="reboot", member=Member(user_id=ALICE, channel_id=OPS))
        now = cluster.clock()
        plan = Plan(
            id="plan-r", user_id=ALICE, channel_id=OPS, operation="reboot",
            request=request.model_dump(mode="json"), options=PlanOptions(batch=batch).dump(),
            state="running", created_at=now, updated_at=now, progress_channel=OPS,
        )  # fmt: skip
        servers = [
            PlanServer("plan-r", i, i // batch, WORKERS[name], name) for i, name in enumerate(names)
        ]
        await store.add_plan(plan, servers)
    finally:
        await store.close()


async def until(cluster: Cluster, query: str, wanted: object, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + PATIENCE
    while (rows := await cluster.sql(query)) != wanted:
        assert asyncio.get_running_loop().time() < deadline, f"{what}: {rows}\n{cluster.logs()}"
        await asyncio.sleep(0.05)


RUNNING = "SELECT server_name FROM plan_servers WHERE state = 'running' ORDER BY position"


async def test_a_killed_driver_s_plan_is_finished_by_another_without_a_second_call(
    cluster: Cluster,
) -> None:
    names = ["worker-01", "worker-02", "worker-03", "worker-04", "worker-06", "worker-07"]
    await add_plan(cluster, names, batch=2)
    await until(cluster, RUNNING, [("worker-01",), ("worker-02",)], "batch 1 under way")
    [(holder,)] = await cluster.sql("SELECT owner FROM plans WHERE id = 'plan-r'")
    await cluster.stop_replica(cluster.index_of(str(holder)), signal.SIGKILL)
    # The reboots end and, a minute on, the dead replica's lease has run out.
    cluster.clock.now += 61
    await cluster.sql("UPDATE plans SET lease_until = 0 WHERE owner = ?", holder)
    for batch in (names[2:4], names[4:6]):
        await until(cluster, RUNNING, [(name,) for name in batch], f"{batch} under way")
        cluster.clock.now += 10
    await until(
        cluster, "SELECT state FROM plans WHERE id = 'plan-r'", [("finished",)], "the plan's end"
    )
    [(new_holder,)] = await cluster.sql("SELECT owner FROM plans WHERE id = 'plan-r'")
    assert new_holder != holder
    called = list(cluster.api_calls("POST", "/reboot/"))
    assert sorted(called) == sorted(set(called))  # each server once
    assert len(called) == len(names)
    summary = await cluster.emu.wait_for(
        lambda: next((m for m in cluster.emu.messages(OPS) if "ended:" in m.text), None),
        PATIENCE,
        what="the summary",
    )
    assert "6 done · 0 failed · 0 skipped · 0 not started" in dump(summary)
    # One message, posted before the first call, edited by whichever replica drove.
    assert len([m for m in cluster.emu.messages(OPS) if "asked by" in dump(m)]) == 1
