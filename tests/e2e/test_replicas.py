"""Several replicas: three `vpsbot run` processes on one state store (PostgreSQL, or one SQLite
file on one host), requests spread round robin over them, in HTTP and in Socket Mode.

Confirmations and approvals act once whichever replica gets the click; a watch is reported once,
by another replica when its own dies; the fleet is listed once per interval for all of them;
the audit log is one; a replica stopped or restarted mid-flow loses nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import signal
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from slackemu import Message
from tests.e2e.harness import ALICE, BOB, CAROL, GENERAL, ONCALL, OPS, dump
from tests.e2e.replicas import MONITOR_INTERVAL, REPLICAS, WATCH_INTERVAL, Cluster
from tests.state.postgres import PostgresServer, postgres_server

__all__ = ["postgres_server"]

# One xdist worker runs them all (tests/conftest.py): a cluster per setup, not per worker.
pytestmark = pytest.mark.asyncio(loop_scope="module")
SETUPS = ["http-postgresql", "socket-postgresql", "http-sqlite"]
PATIENCE = 30.0
"""Seconds a test waits for what the replicas do: generous, for a loaded machine."""


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=SETUPS)
async def cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Cluster]:
    transport, backend = str(request.param).split("-")
    tmp = tmp_path_factory.mktemp(str(request.param))
    server: PostgresServer | None = None
    if backend == "postgresql":
        server = request.getfixturevalue("postgres_server")
        url = server.create()
    else:
        url = f"sqlite:///{tmp / 'state.db'}"
    running = Cluster(tmp, url, transport)
    try:
        await running.start()
        if transport == "socket":
            await running.emu.wait_for(
                lambda: running.emu.socket_connections == REPLICAS,
                PATIENCE,
                what="every connection",
            )
        yield running
    finally:
        await running.close()
        if server is not None:
            server.drop(url)


async def listings(cluster: Cluster, count: int) -> None:
    """Wait until the fleet monitor (whichever replica holds it) has listed `count` more times."""
    listed = len(cluster.api_calls("GET", "/servers/"))
    await cluster.emu.wait_for(
        lambda: len(cluster.api_calls("GET", "/servers/")) >= listed + count,
        PATIENCE,
        what=f"{count} more listings",
    )


def seen_by_the_monitor(cluster: Cluster, *names: str) -> list[Message]:
    """Fleet-monitor notes about these servers (changes made outside the bot)."""
    return [m for n in names for m in cluster.ops_log(n) if "fleet monitor" in dump(m)]


def thread_replies(cluster: Cluster, text: str) -> list[Message]:
    return [m for m in cluster.ops_log(text) if m.thread_ts and m.thread_ts != m.ts]


async def owner(cluster: Cluster, server_id: int) -> str:
    """The replica holding the unfinished watch on `server_id`, once the watch is under way
    (its ops message posted and recorded)."""
    query = (
        "SELECT owner FROM watches"
        " WHERE server_id = ? AND finished_at IS NULL AND ops_ts IS NOT NULL"
    )
    deadline = asyncio.get_running_loop().time() + PATIENCE
    while not (rows := await cluster.sql(query, server_id)) or rows[0][0] is None:
        assert asyncio.get_running_loop().time() < deadline, f"no owner of {server_id}"
        await asyncio.sleep(WATCH_INTERVAL)
    return str(rows[0][0])


async def new_owner(cluster: Cluster, server_id: int, old: str, within: float) -> str:
    """Wait until another replica holds the watch on `server_id`."""
    deadline = asyncio.get_running_loop().time() + within
    while (current := await owner(cluster, server_id)) == old:
        assert asyncio.get_running_loop().time() < deadline, f"{old} still holds {server_id}"
        await asyncio.sleep(WATCH_INTERVAL)
    return current


async def test_a_confirmation_asked_on_one_replica_is_clicked_on_another(
    cluster: Cluster,
) -> None:
    await cluster.all_up()
    prompt = await cluster.answer("/vps stop worker-01")  # one replica makes the prompt ...
    ack = await cluster.emu.click(prompt, text="Stop worker-01")  # ... the next one gets the click
    assert ack.ok
    await cluster.emu.wait_for(lambda: cluster.ops_log("worker-01"), PATIENCE, what="the stop")
    assert len(cluster.api_calls("POST", "/12347/stop/")) == 1


async def test_nine_concurrent_clicks_across_replicas_make_one_call(cluster: Cluster) -> None:
    await cluster.all_up()
    prompt = await cluster.answer("/vps stop worker-02")
    before = {m.ts for m in cluster.emu.messages()}
    acks = await asyncio.gather(
        *(cluster.emu.click(prompt, text="Stop worker-02") for _ in range(9))
    )
    assert all(ack.ok for ack in acks)
    await cluster.emu.wait_for(lambda: cluster.ops_log("worker-02"), PATIENCE, what="the stop")

    def already_used() -> int:
        # On a loaded machine a click may find the shared SQLite file busy past its wait: it
        # is told "nothing was done, try again" — never a second stop.
        said = ("Already", "unavailable")
        fresh = [m for m in cluster.emu.messages() if m.ts not in before]
        return len([m for m in fresh if any(s in m.text for s in said)])

    await cluster.emu.wait_for(lambda: already_used() == 8, PATIENCE, what="eight other answers")
    assert len(cluster.api_calls("POST", "/12351/stop/")) == 1
    assert "Confirmed" in dump(prompt)  # a later click, finding it stopping, left it alone


async def test_an_approval_asked_on_one_replica_is_decided_on_another_once(
    cluster: Cluster,
) -> None:
    await cluster.all_up()
    prompt = await cluster.answer("/vps delete api-server-05")
    await cluster.emu.click(prompt, text="Delete api-server-05")
    modal = await cluster.emu.wait_for(lambda: cluster.emu.modal(ALICE), PATIENCE, what="the form")
    assert (await cluster.emu.submit_view(modal, {"delete_name": "api-server-05"})).ok
    requests = await cluster.emu.wait_for(
        lambda: [m for m in cluster.ops_log("api-server-05") if "Approval needed" in m.text],
        PATIENCE,
        what="the approval request",
    )
    request = requests[0]
    approve = next(b for b in request.buttons() if b.text == "Approve")
    # Four approvals at once, spread over the replicas (Bob twice): one delete.
    cluster.emu.set_usergroup(ONCALL, [BOB, CAROL])
    await asyncio.gather(
        *(
            cluster.emu.click(request, action_id=approve.action_id, user=user)
            for user in (BOB, CAROL, BOB, CAROL)
        )
    )
    await cluster.emu.wait_for(lambda: "Approved by" in dump(request), PATIENCE, what="the outcome")
    await cluster.emu.wait_for(
        lambda: cluster.api_calls("DELETE", "/12365/"), PATIENCE, what="the approved delete"
    )
    await cluster.emu.wait_for(
        lambda: [m for m in cluster.emu.messages(OPS) if "was deleted" in m.text],
        PATIENCE,
        what="the result where it was asked",
    )
    assert len(cluster.api_calls("DELETE", "/12365/")) == 1


async def test_the_audit_log_is_the_same_on_every_replica(cluster: Cluster) -> None:
    await cluster.all_up()
    await cluster.answer("/vps reboot worker-07")
    await cluster.answer("/vps reboot worker-08")
    await cluster.answer("/vps delete worker-09", user=BOB, channel=GENERAL)  # denied
    for _ in range(REPLICAS):  # each /vps audit goes to the next replica
        shown = dump(await cluster.answer("/vps audit"))
        for part in ("worker-07", "worker-08", "worker-09", "denied"):
            assert part in shown, shown


async def test_the_fleet_is_listed_once_per_interval_and_a_change_reported_once(
    cluster: Cluster,
) -> None:
    loop = asyncio.get_running_loop()
    await cluster.all_up()

    began = loop.time()
    await listings(cluster, 5)
    # One lister: five listings take four intervals at least; three listers, under two.
    assert loop.time() - began >= 4 * MONITOR_INTERVAL * 0.9

    cluster.sim.set_status(12353, "suspended")  # worker-04, changed outside the bot
    await cluster.emu.wait_for(lambda: cluster.ops_log("worker-04"), PATIENCE, what="the change")
    await listings(cluster, 5)
    assert len(cluster.ops_log("worker-04")) == 1
    assert seen_by_the_monitor(cluster, "worker-04")


async def lease_holder(cluster: Cluster) -> str | None:
    rows = await cluster.sql("SELECT owner FROM leases WHERE name = 'fleet-monitor'")
    return str(rows[0][0]) if rows else None


async def test_a_replica_restarted_mid_flow_hands_over_at_once_and_loses_nothing(
    cluster: Cluster,
) -> None:
    await cluster.all_up()
    prompt = await cluster.answer("/vps stop worker-10")  # a pending confirmation
    await cluster.answer("/vps reboot worker-06")  # a watch
    watcher = await owner(cluster, 12356)
    monitor = await lease_holder(cluster)
    assert monitor is not None
    stopping = {cluster.index_of(watcher), cluster.index_of(monitor)}
    # SIGTERM: in-flight work ends, the leases are given up — not left to run out (30 s).
    await asyncio.gather(*(cluster.stop_replica(i) for i in stopping))
    # Well before the lease (30 s) could have run out:
    await new_owner(cluster, 12356, watcher, within=25)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE
    while (await lease_holder(cluster)) in (None, watcher, monitor):
        assert loop.time() < deadline, "no other replica took the fleet monitor over"
        await asyncio.sleep(MONITOR_INTERVAL / 2)

    await cluster.all_up()  # restarted: the rotation includes them again
    await cluster.emu.click(prompt, text="Stop worker-10")
    await cluster.emu.wait_for(lambda: cluster.ops_log("worker-10"), PATIENCE, what="the stop")
    cluster.clock.now += 61  # the reboot ends
    reported = "worker-06 (#12356) is active"
    await cluster.emu.wait_for(
        lambda: thread_replies(cluster, reported), PATIENCE, what="the report"
    )
    await listings(cluster, 3)
    assert len(cluster.api_calls("POST", "/12363/stop/")) == 1
    assert len(thread_replies(cluster, reported)) == 1
    assert not seen_by_the_monitor(cluster, "worker-10", "worker-06")  # the bot's own changes


async def test_a_killed_replica_s_watch_is_reported_once_by_another(cluster: Cluster) -> None:
    await cluster.all_up()
    await cluster.answer("/vps reboot api-server-01")
    holder = await owner(cluster, 12350)
    index = cluster.index_of(holder)
    await cluster.stop_replica(index, signal.SIGKILL)
    # A minute passes: the reboot ends, and the dead replica's leases (30 s) run out.
    cluster.clock.now += 61
    await cluster.sql("UPDATE watches SET lease_until = 0 WHERE owner = ?", holder)
    await cluster.sql("UPDATE leases SET expires_at = 0 WHERE owner = ?", holder)

    reported = "api-server-01 (#12350) is active"
    await cluster.emu.wait_for(
        lambda: thread_replies(cluster, reported), PATIENCE, what="the report"
    )
    await listings(cluster, 3)  # many watch intervals later, still one report
    assert len(thread_replies(cluster, reported)) == 1
    assert not seen_by_the_monitor(cluster, "api-server-01")
    [notice] = [m for m in cluster.ops_log("api-server-01") if m.thread_ts in (None, m.ts)]
    assert reported in dump(notice)  # the ops message was edited to its end by another replica


async def test_a_killed_replica_s_new_server_is_reported_active_once_by_another(
    cluster: Cluster,
) -> None:
    await cluster.all_up()
    await cluster.answer("/vps create api-new-09 plan:1 os:5 location:us-west")
    query = "SELECT server_id FROM watches WHERE server_name = ?"
    deadline = asyncio.get_running_loop().time() + PATIENCE
    while not (rows := await cluster.sql(query, "api-new-09")):
        assert asyncio.get_running_loop().time() < deadline, "the new server is not followed"
        await asyncio.sleep(WATCH_INTERVAL)
    server_id = int(rows[0][0])
    holder = await owner(cluster, server_id)
    await cluster.stop_replica(cluster.index_of(holder), signal.SIGKILL)
    cluster.clock.now += 161  # provisioning ends; the dead replica's leases run out
    await cluster.sql("UPDATE watches SET lease_until = 0 WHERE owner = ?", holder)
    await cluster.sql("UPDATE leases SET expires_at = 0 WHERE owner = ?", holder)

    reported = f"api-new-09 (#{server_id}) is active at "
    await cluster.emu.wait_for(
        lambda: thread_replies(cluster, reported), PATIENCE, what="the report"
    )
    await listings(cluster, 3)  # many watch intervals later, still one report
    assert len(thread_replies(cluster, reported)) == 1
    assert not seen_by_the_monitor(cluster, "api-new-09")


async def test_a_request_replayed_to_another_replica_is_not_acted_on(cluster: Cluster) -> None:
    if cluster.transport != "http":
        pytest.skip("Socket Mode requests carry no signature to capture and replay")
    await cluster.all_up()
    await cluster.answer("/vps reboot worker-11")
    sent = cluster.emu.last_sent
    assert sent is not None
    others = [r.url for r in cluster.replicas if r.url != sent.url]
    for url in others:  # the very same signed bytes, to each of the other replicas
        ack = await cluster.emu.replay(dataclasses.replace(sent, url=url))
        assert ack.status == 200
    await cluster.emu.wait_for(
        lambda: (
            sum(
                r.log.read_text(errors="replace").count("acked but not acted on")
                for r in cluster.replicas
            )
            == len(others)
        ),
        PATIENCE,
        what="each replay to be dropped after its ack",
    )
    assert len(cluster.api_calls("POST", "/12366/reboot/")) == 1


async def test_a_schedule_runs_once_across_the_replicas(cluster: Cluster) -> None:
    """Three replicas look for due runs every 50 ms; the run is claimed by one of them."""
    await cluster.all_up()
    [server_id] = [
        i
        for i in range(12_000, 13_000)
        if (found := cluster.sim.get_server(i)) is not None and found["name"] == "worker-12"
    ]
    preview = await cluster.answer("/vps schedule reboot worker-12 in 2s")
    assert "Schedule reboot" in [b.text for b in preview.buttons()], dump(preview)
    await cluster.emu.click(preview, text="Schedule reboot")  # on another replica
    await cluster.emu.wait_for(
        lambda: cluster.ops_log("executed: worker-12"), PATIENCE, what="the run's report"
    )
    assert len(cluster.ops_log("executed: worker-12")) == 1
    assert len(cluster.api_calls("POST", f"/{server_id}/reboot/")) == 1
