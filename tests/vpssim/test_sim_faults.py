"""The simulator's large-fleet listing and the faults the benchmarks use, over loopback HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from vpssim.simulator import Durations, RunningSimulator, Simulator, start_simulator

TOKEN = "test-token-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> Simulator:
    return Simulator(token=TOKEN, seed=250, page_size=100, durations=Durations(), clock=clock)


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    running: RunningSimulator = await start_simulator(sim)
    async with httpx.AsyncClient(base_url=running.url, headers=AUTH, timeout=5) as client:
        yield client
    await running.close()


async def ids(client: httpx.AsyncClient, **query: str) -> list[int]:
    found: list[int] = []
    url: str | None = "servers/"
    params: dict[str, str] | None = query
    while url:
        body = (await client.get(url, params=params)).json()
        found += [s["id"] for s in body["results"]]
        url, params = body["next"], None
    return found


async def test_listings_follow_every_change_of_the_fleet(
    client: httpx.AsyncClient, sim: Simulator, clock: FakeClock
) -> None:
    stopped = await ids(client, status="stopped")
    active = await ids(client, status="active")
    target = active[0]
    assert (await client.post(f"servers/{target}/stop/")).status_code == 200
    assert target not in await ids(client, status="active")  # stopping: in neither list
    assert target not in await ids(client, status="stopped")
    clock.now += 5  # the stop completes without a request to the server itself
    assert await ids(client, status="stopped") == sorted([*stopped, target])

    assert (await client.delete(f"servers/{active[1]}/")).status_code == 204
    added = sim.add_server("late-box", status="stopped")
    sim.remove_server(active[2])
    everyone = await ids(client)
    assert active[1] not in everyone
    assert active[2] not in everyone
    assert everyone[-1] == added["id"]
    assert len(everyone) == 249
    assert added["id"] in await ids(client, status="stopped")


async def test_endless_pages_link_on_forever_with_new_servers(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    sim.endless_pages = True
    last = (await client.get("servers/", params={"page": 3})).json()
    assert len(last["results"]) == 50
    assert last["next"].endswith("page=4")
    seen = {s["id"] for s in last["results"]}
    for number in (4, 5, 400):
        page = (await client.get("servers/", params={"page": number})).json()
        assert page["count"] == 250
        assert page["next"].endswith(f"page={number + 1}")
        fresh = {s["id"] for s in page["results"]}
        assert len(fresh) == 100
        assert not fresh & seen
        seen |= fresh


async def test_a_slow_body_arrives_whole_but_a_little_at_a_time(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    expected = (await client.get("servers/12345/")).json()
    sim.inject_slow_body(path_suffix="/12345/", bytes_per_second=2_000)
    chunks: list[bytes] = []
    async with client.stream("GET", "servers/12345/") as response:
        assert response.status_code == 200
        assert int(response.headers["Content-Length"]) > 500
        async for chunk in response.aiter_raw():
            chunks.append(chunk)
    assert httpx.Response(200, content=b"".join(chunks)).json() == expected
    assert len(chunks) > 10  # it trickled
    assert (await client.get("servers/12345/")).json() == expected  # once only


async def _held_then_given_up(client: httpx.AsyncClient, sim: Simulator) -> None:
    """POST a stop that the simulator holds; give up waiting for its answer; wait (bounded)
    until the simulator holds nothing any more."""
    with pytest.raises(httpx.ReadTimeout):
        await client.post("servers/12345/stop/", timeout=httpx.Timeout(5, read=0.3))
    for _ in range(500):
        if sim.holding == 0:
            return
        await asyncio.sleep(0.01)
    raise TimeoutError("the simulator still holds the request")


async def test_a_request_held_before_acting_is_never_acted_on_once_its_caller_gives_up(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    assert sim.get_server(12345)["status"] == "active"  # type: ignore[index]
    sim.inject_hold(30, method="POST", path_suffix="/stop/")
    await _held_then_given_up(client, sim)
    assert sim.get_server(12345)["status"] == "active"  # type: ignore[index]
    assert sim.requests[-1] == ("POST", "/api/v1/servers/12345/stop/")


async def test_a_request_held_after_acting_is_made_but_answered_late(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    sim.inject_hold(30, method="POST", path_suffix="/stop/", acted=True)
    await _held_then_given_up(client, sim)
    assert sim.get_server(12345)["status"] == "stopping"  # type: ignore[index]
    answer = await client.post("servers/12345/start/")  # held once only
    assert answer.status_code == 400  # a stopping server can't be started
