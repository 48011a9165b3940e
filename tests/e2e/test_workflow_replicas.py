"""Workflow Builder steps with several replicas: the step waits on the replica that got
`function_executed`, while its person's click on the DM prompt reaches another one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from slackemu import FunctionExecution, Message
from tests.e2e.harness import ALICE, OPS
from tests.e2e.replicas import Cluster
from tests.e2e.test_plan_replicas import PATIENCE

DM = f"D{ALICE[1:]}"
INPUTS = {"server": "web-server-01", "user_id": ALICE, "channel_id": OPS}


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    running = Cluster(tmp_path, f"sqlite:///{tmp_path / 'state.db'}", "http")
    try:
        await running.start()
        yield running
    finally:
        await running.close()


async def step_prompted_on_one_replica(cluster: Cluster, callback_id: str) -> tuple[
    FunctionExecution, Message
]:  # fmt: skip
    """The step reaches the first replica only; every later request reaches the second."""
    urls = cluster.emu.app_urls
    first, second = cluster.replicas[0].url, cluster.replicas[1].url
    urls[:] = [first]
    execution = await cluster.emu.run_step(callback_id, INPUTS)
    [prompt] = await cluster.emu.wait_for(
        lambda: [m for m in cluster.emu.messages(DM) if m.buttons()], PATIENCE, what="the prompt"
    )
    urls[:] = [second]  # the click (and anything after it) reaches the other replica
    return execution, prompt


async def ended(cluster: Cluster, execution: FunctionExecution) -> FunctionExecution:
    await cluster.emu.wait_for(
        lambda: execution.state != "running", PATIENCE, what=f"the step to end\n{cluster.logs()}"
    )
    return execution


async def test_a_step_confirmed_on_another_replica_completes_with_the_status(
    cluster: Cluster,
) -> None:
    execution, prompt = await step_prompted_on_one_replica(cluster, "reboot_server")
    assert (await cluster.emu.click(prompt, text="Reboot web-server-01", user=ALICE)).ok
    await cluster.emu.wait_for(
        lambda: cluster.api_calls("POST", "/reboot/"), PATIENCE, what="the reboot"
    )
    assert execution.state == "running"  # not before the server is up again
    cluster.clock.now += 61  # the simulator finishes the reboot
    await ended(cluster, execution)
    assert execution.state == "completed", execution.error
    assert execution.outputs == {"server_id": 12345, "name": "web-server-01", "status": "active"}
    assert len(cluster.api_calls("POST", "/reboot/")) == 1


async def test_a_step_that_fails_at_the_api_on_another_replica_fails_with_its_reason(
    cluster: Cluster,
) -> None:
    cluster.sim.inject_failure(
        409, method="POST", path_suffix="/reboot/", body={"detail": "Server is locked for backup"}
    )
    execution, prompt = await step_prompted_on_one_replica(cluster, "reboot_server")
    assert (await cluster.emu.click(prompt, text="Reboot web-server-01", user=ALICE)).ok
    await ended(cluster, execution)
    assert execution.state == "failed"
    assert "locked for backup" in (execution.error or "")
    assert "web-server-01" in (execution.error or "")
    assert len(cluster.api_calls("POST", "/reboot/")) == 1  # never sent twice


async def test_a_step_cancelled_on_another_replica_fails_saying_so(cluster: Cluster) -> None:
    execution, prompt = await step_prompted_on_one_replica(cluster, "stop_server")
    assert (await cluster.emu.click(prompt, text="Cancel", user=ALICE)).ok
    await ended(cluster, execution)
    assert execution.state == "failed"
    assert "Cancelled" in (execution.error or "")
    assert cluster.api_calls("POST", "/stop/") == []
