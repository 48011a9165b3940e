"""Full listings: pages fetched concurrently in API order, duplicates dropped, caps that hold."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import aclosing

import httpx
import pytest

from bot.vps import VPSBadResponse, VPSClient, VPSNotFound, VPSServerError, VPSTooLarge
from bot.vps.client import ClientLimits
from vpssim.simulator import RunningSimulator, Simulator, start_simulator

TOKEN = "sim-token-for-tests"
BASE = "https://admin.vps.org/api/v1"


@pytest.fixture
async def running() -> AsyncIterator[RunningSimulator]:
    running = await start_simulator(Simulator(token=TOKEN, seed=250, page_size=10))
    yield running
    await running.close()


def server(server_id: int) -> dict[str, object]:
    return {"id": server_id, "name": f"s-{server_id}", "status": "active"}


class PagedAPI:
    """A scripted list endpoint: numbered pages of `size`, counting requests in flight."""

    def __init__(self, total: int, size: int, *, link: str = "page") -> None:
        self.total, self.size, self.link = total, size, link
        self.in_flight = self.most_in_flight = 0
        self.asked: list[str] = []
        self.failures: dict[int, httpx.Response] = {}
        self.delays: dict[int, float] = {}

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(str(request.url))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delays.get(self.number(request), 0.01))
            return self.answer(request)
        finally:
            self.in_flight -= 1

    def answer(self, request: httpx.Request) -> httpx.Response:
        number = self.number(request)
        if number in self.failures:
            return self.failures[number]
        start = (number - 1) * self.size
        ids = range(start + 1, min(start + self.size, self.total) + 1)
        more = start + self.size < self.total
        return httpx.Response(
            200,
            json={
                "count": self.total,
                "next": self.link_to(number + 1) if more else None,
                "previous": None,
                "results": [server(i) for i in ids],
            },
        )

    def number(self, request: httpx.Request) -> int:
        params = request.url.params
        if self.link == "page":
            return int(params.get("page", "1"))
        if self.link == "offset":
            return int(params.get("offset", "0")) // self.size + 1
        return int(params.get("cursor", "c1")[1:])

    def link_to(self, number: int) -> str:
        value = {
            "page": str(number),
            "offset": str((number - 1) * self.size),
            "cursor": f"c{number}",
        }[self.link]
        return f"{BASE}/servers/?status=active&{self.link}={value}"

    def client(self, limits: ClientLimits | None = None) -> VPSClient:
        return VPSClient(
            BASE, "t", limits=limits, transport=httpx.MockTransport(self.handle), sleep=no_wait
        )


async def no_wait(_: float) -> None:
    return None


@pytest.mark.parametrize("link", ["page", "offset"])
async def test_numbered_pages_are_fetched_eight_at_a_time_and_kept_in_order(link: str) -> None:
    api = PagedAPI(total=1_000, size=20, link=link)
    async with api.client() as client:
        servers = await client.list_servers(status="active")
    assert [s.id for s in servers] == list(range(1, 1_001))
    assert len(api.asked) == 50  # one request per page, none twice
    assert len(set(api.asked)) == 50
    assert api.most_in_flight == 8


async def test_pages_linked_by_a_cursor_are_followed_one_by_one() -> None:
    api = PagedAPI(total=95, size=10, link="cursor")
    async with api.client() as client:
        servers = await client.list_servers()
    assert [s.id for s in servers] == list(range(1, 96))
    assert api.most_in_flight == 1


async def test_the_simulators_fleet_lists_in_full_and_in_order(running: RunningSimulator) -> None:
    async with VPSClient(running.url, TOKEN) as client:
        servers = await client.list_servers()
        active = await client.list_servers(status="active", location="us-west")
    assert [s.id for s in servers] == list(range(12345, 12595))
    assert {s.status for s in active} == {"active"}
    assert {s.location for s in active} == {"us-west"}
    assert len(active) > 10  # more than one page of 10, still complete
    expected = [
        i
        for i in range(12345, 12595)
        if (view := running.simulator.get_server(i))
        and view["status"] == "active"
        and view["location"] == "us-west"
    ]
    assert [s.id for s in active] == expected


async def test_a_server_shown_on_two_pages_is_listed_once() -> None:
    api = PagedAPI(total=30, size=10)
    # The fleet shifted while it was listed: page 2 starts with the last server of page 1.
    shifted = {"count": 30, "next": api.link_to(3), "previous": None}
    shifted["results"] = [server(i) for i in range(10, 20)]
    api.failures[2] = httpx.Response(200, json=shifted)
    async with api.client() as client:
        servers = await client.list_servers()
    assert [s.id for s in servers] == [*range(1, 20), *range(21, 31)]


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(404, json={"detail": "Invalid page."}), VPSNotFound),
        (httpx.Response(500, text="oops"), VPSServerError),
    ],
)
async def test_a_failing_page_fails_the_listing_as_it_always_did(
    answer: httpx.Response, error: type[Exception]
) -> None:
    api = PagedAPI(total=200, size=10)
    api.failures[7] = answer
    async with api.client() as client:
        with pytest.raises(error):
            await client.list_servers()
    await asyncio.sleep(0)  # nothing left running: the other pages were cancelled or done
    assert api.in_flight == 0


async def test_a_reader_of_pages_costs_only_the_pages_it_reads() -> None:
    api = PagedAPI(total=500, size=10)
    async with api.client() as client:
        read = []
        async for page in client.iter_server_pages():
            read.append(page)
            if len(read) == 3:
                break
        assert [s.id for s in read[-1].results] == list(range(21, 31))
        assert len(api.asked) == 3
        assert api.most_in_flight == 1


async def test_a_full_reader_stopping_early_leaves_nothing_running() -> None:
    api = PagedAPI(total=500, size=10)
    api.delays = dict.fromkeys(range(3, 51), 30.0)  # still being fetched when the reader stops
    async with api.client() as client, aclosing(client.iter_server_pages(ahead=True)) as pages:
        async for page in pages:
            if page.results[0].id == 11:
                break
    assert api.in_flight == 0
    assert len(api.asked) <= 1 + 8


# -- caps: an API that never stops, or lists more than the bot will hold ------------------------


async def test_endless_next_links_stop_soon_after_the_servers_the_api_counted(
    running: RunningSimulator,
) -> None:
    running.simulator.endless_pages = True
    async with VPSClient(running.url, TOKEN) as client:
        with pytest.raises(VPSBadResponse, match="kept linking to more pages"):
            await client.list_servers()
    # 250 servers counted, pages of 10: 25 pages and at most a page or so beyond them.
    assert len(running.simulator.requests) <= 28


async def test_a_listing_counted_beyond_the_cap_is_refused_after_one_request(
    running: RunningSimulator,
) -> None:
    async with VPSClient(running.url, TOKEN, limits=ClientLimits(list_servers=200)) as client:
        with pytest.raises(VPSTooLarge, match="longer than the bot reads"):
            await client.list_servers()
    assert len(running.simulator.requests) == 1


async def test_a_listing_stops_at_its_byte_cap(running: RunningSimulator) -> None:
    async with VPSClient(running.url, TOKEN, limits=ClientLimits(list_bytes=20_000)) as client:
        with pytest.raises(VPSTooLarge, match="longer than the bot reads"):
            await client.list_servers()


async def test_endless_empty_pages_stop_at_the_page_cap() -> None:
    asked: list[str] = []

    def empty(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        number = int(request.url.params.get("page", "1"))
        body = {"count": 0, "next": f"{BASE}/servers/?page={number + 1}", "results": []}
        return httpx.Response(200, json=body)

    limits = ClientLimits(list_pages=5)
    async with VPSClient(BASE, "t", limits=limits, transport=httpx.MockTransport(empty)) as client:
        with pytest.raises(VPSTooLarge):
            await client.list_servers()
    assert len(asked) == 6


async def test_no_single_answer_is_read_beyond_its_cap() -> None:
    huge = json.dumps({"id": 1, "name": "x" * 5_000, "status": "active"})
    transport = httpx.MockTransport(lambda _: httpx.Response(200, text=huge))
    limits = ClientLimits(answer_bytes=1_000)
    async with VPSClient(BASE, "t", limits=limits, transport=transport) as client:
        with pytest.raises(VPSTooLarge, match="larger than 1,000 bytes"):
            await client.get_server(1)
