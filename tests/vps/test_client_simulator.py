"""The client against the simulator over real loopback HTTP: every endpoint, every error."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.vps import (
    RetryPolicy,
    ServerCreate,
    ServerStatus,
    ServerUpdate,
    VPSBadRequest,
    VPSClient,
    VPSNotFound,
    VPSPaymentRequired,
    VPSRateLimited,
    VPSServerError,
    VPSTimeout,
    VPSUnauthorized,
)
from vpssim.simulator import Durations, RunningSimulator, Simulator, start_simulator

TOKEN = "sim-token-for-tests"
NEW = ServerCreate(
    name="web-server-02",
    plan_id=1,
    os_id=5,
    location="us-west",
    hostname="web02.example.com",
    backups_enabled=True,
)


class Clock:
    """A clock the test moves by hand, so lifecycle steps need no sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def running(clock: Clock) -> AsyncIterator[RunningSimulator]:
    sim = Simulator(token=TOKEN, seed=250, durations=Durations(), clock=clock)
    running = await start_simulator(sim)
    yield running
    await running.close()


@pytest.fixture
async def client(running: RunningSimulator) -> AsyncIterator[VPSClient]:
    async def no_wait(_: float) -> None:
        return None

    async with VPSClient(running.url, TOKEN, retry=RetryPolicy(attempts=3), sleep=no_wait) as c:
        yield c


async def test_250_servers_are_listed_in_full_across_3_pages(
    client: VPSClient, running: RunningSimulator
) -> None:
    pages = [page async for page in client.iter_server_pages()]
    assert len(pages) == 3
    servers = await client.list_servers()
    assert len(servers) == 250
    assert len({s.id for s in servers}) == 250
    assert servers[0].name == "web-server-01"
    assert servers[1].name == "db-server-01"
    list_requests = [p for m, p in running.simulator.requests if m == "GET"]
    assert all(p.startswith("/api/v1/servers/") for p in list_requests)


async def test_list_filters_by_status_and_location(client: VPSClient) -> None:
    everything = await client.list_servers()
    stopped = await client.list_servers(status="stopped", location="us-east")
    expected = {s.id for s in everything if s.status == "stopped" and s.location == "us-east"}
    assert stopped
    assert {s.id for s in stopped} == expected


async def test_get_server_has_details_and_usage(client: VPSClient) -> None:
    server = await client.get_server(12345)
    assert server.name == "web-server-01"
    assert server.ipv6_address
    assert server.plan is not None
    assert server.plan.bandwidth
    assert server.resource_usage is not None
    assert server.resource_usage.cpu_percent is not None


async def test_create_provisions_then_becomes_active_with_an_ip(
    client: VPSClient, clock: Clock
) -> None:
    server = await client.create_server(NEW)
    assert server.status == ServerStatus.PROVISIONING
    assert server.ip_address is None
    assert server.message
    assert "provisioned" in server.message
    clock.now += Durations().provisioning + 1
    ready = await client.get_server(server.id)
    assert ready.status == ServerStatus.ACTIVE
    assert ready.ip_address


async def test_replace_and_update_change_the_server(client: VPSClient) -> None:
    replaced = await client.replace_server(
        12345, name="web-server-updated", hostname="web-updated.example.com", backups_enabled=False
    )
    assert (replaced.name, replaced.hostname, replaced.backups_enabled) == (
        "web-server-updated",
        "web-updated.example.com",
        False,
    )
    updated = await client.update_server(12345, ServerUpdate(name="new-server-name"))
    assert updated.name == "new-server-name"
    assert updated.hostname == "web-updated.example.com"


async def test_power_actions_follow_the_lifecycle(client: VPSClient, clock: Clock) -> None:
    stopping = await client.stop_server(12345)
    assert (stopping.status, stopping.server.status) == ("success", "stopping")
    clock.now += 60
    assert (await client.get_server(12345)).status == "stopped"
    with pytest.raises(VPSBadRequest, match="not running"):
        await client.reboot_server(12345)
    with pytest.raises(VPSBadRequest, match="not running"):
        await client.stop_server(12345)
    assert (await client.start_server(12345)).server.status == "starting"
    clock.now += 60
    with pytest.raises(VPSBadRequest, match="already running"):
        await client.start_server(12345)
    assert (await client.reboot_server(12345)).server.status == "rebooting"


async def test_delete_then_not_found(client: VPSClient) -> None:
    await client.delete_server(12346)
    with pytest.raises(VPSNotFound, match="server 12346 not found"):
        await client.get_server(12346)
    with pytest.raises(VPSNotFound):
        await client.delete_server(12346)


@pytest.mark.parametrize("verb", ["get", "replace", "update", "delete", "start", "stop", "reboot"])
async def test_every_server_endpoint_says_not_found(client: VPSClient, verb: str) -> None:
    calls = {
        "get": lambda: client.get_server(999),
        "replace": lambda: client.replace_server(
            999, name="a", hostname="a.example.com", backups_enabled=True
        ),
        "update": lambda: client.update_server(999, ServerUpdate(name="a")),
        "delete": lambda: client.delete_server(999),
        "start": lambda: client.start_server(999),
        "stop": lambda: client.stop_server(999),
        "reboot": lambda: client.reboot_server(999),
    }
    with pytest.raises(VPSNotFound, match="server 999 not found"):
        await calls[verb]()


async def test_a_wrong_token_is_refused_everywhere(running: RunningSimulator) -> None:
    async with VPSClient(running.url, "wrong-token") as bad:
        with pytest.raises(VPSUnauthorized, match="VPS_API_TOKEN"):
            await bad.list_servers()
        with pytest.raises(VPSUnauthorized):
            await bad.stop_server(12345)


async def test_create_validation_errors_name_the_fields(client: VPSClient) -> None:
    bad = ServerCreate(name="web_01!", plan_id=999, os_id=5, location="mars", hostname="nope")
    with pytest.raises(VPSBadRequest) as caught:
        await client.create_server(bad)
    assert {"name", "plan_id", "location", "hostname"} <= set(caught.value.field_errors)


async def test_put_without_all_fields_is_refused(client: VPSClient) -> None:
    with pytest.raises(VPSBadRequest) as caught:
        await client.replace_server(12345, name="x", hostname="", backups_enabled=True)
    assert "hostname" in caught.value.field_errors


async def test_running_out_of_credits_is_402(client: VPSClient, running: RunningSimulator) -> None:
    running.simulator.credits = 0
    with pytest.raises(VPSPaymentRequired, match="insufficient credits"):
        await client.create_server(NEW)


async def test_rate_limit_with_retry_after_is_retried(
    client: VPSClient, running: RunningSimulator
) -> None:
    running.simulator.inject_failure(429, retry_after=1, times=2)
    assert (await client.get_server(12345)).id == 12345
    running.simulator.inject_failure(429, retry_after=1, times=5)
    with pytest.raises(VPSRateLimited):
        await client.get_server(12345)


async def test_a_proxy_html_502_on_create_is_not_resent(
    client: VPSClient, running: RunningSimulator
) -> None:
    running.simulator.inject_failure(
        502, method="POST", body="<html>502 Bad Gateway</html>", content_type="text/html"
    )
    before = len(await client.list_servers())
    with pytest.raises(VPSServerError, match=r"unavailable \(502\)"):
        await client.create_server(NEW)
    assert len(await client.list_servers()) == before
    assert sum(1 for m, _ in running.simulator.requests if m == "POST") == 1


async def test_a_dropped_connection_on_stop_is_not_resent(
    client: VPSClient, running: RunningSimulator
) -> None:
    running.simulator.inject_disconnect(method="POST", path_suffix="/stop/")
    with pytest.raises(VPSTimeout, match="check the server before trying again"):
        await client.stop_server(12345)
    assert sum(1 for m, _ in running.simulator.requests if m == "POST") == 1


async def test_a_slow_api_times_out(running: RunningSimulator) -> None:
    running.simulator.latency = 2.0
    async with VPSClient(running.url, TOKEN, timeout=0.2, retry=RetryPolicy(attempts=1)) as slow:
        with pytest.raises(VPSTimeout, match=r"did not answer within 0\.2s"):
            await slow.get_server(12345)
