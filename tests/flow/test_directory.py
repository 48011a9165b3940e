"""The fleet index, single-flight and per-member read slots, without Slack or the API."""

from __future__ import annotations

import asyncio

import pytest

from bot.flow.deadline import TooLong, deadline
from bot.flow.directory import FleetIndex, ReadSlots, SingleFlight
from bot.resolve import ServerRef
from bot.vps import Server


def server(id_: int, name: str, hostname: str | None = None) -> Server:
    return Server(id=id_, name=name, hostname=hostname, status="active")


def test_the_index_finds_names_hostnames_and_ids_and_forgets() -> None:
    index = FleetIndex(clock=lambda: 100.0)
    index.replace_all([server(1, "web-01", "web01.example.com"), server(2, "Web-01")])
    assert index.complete_at == 100.0
    assert index.candidates(ServerRef(text="web-01")) == [1, 2]  # any case: resolve decides
    assert index.candidates(ServerRef(text="WEB01.example.com.")) == [1]
    assert index.candidates(ServerRef(text="2", id=2)) == [2]
    index.learn(server(1, "web-old", "web01.example.com"))  # renamed by the bot itself
    assert index.candidates(ServerRef(text="web-old")) == [1]
    assert index.candidates(ServerRef(text="web-01")) == [2]
    index.forget(2)
    assert index.candidates(ServerRef(text="Web-01")) == []
    assert [s.name for s in index.servers()] == ["web-old"]


def test_a_full_listing_replaces_what_the_index_knew() -> None:
    index = FleetIndex()
    index.replace_all([server(1, "a"), server(2, "b")])
    index.replace_all([server(2, "b")])
    assert index.candidates(ServerRef(text="a")) == []
    assert len(index) == 1


async def test_identical_calls_in_flight_share_one() -> None:
    flight, calls = SingleFlight(), []
    release = asyncio.Event()

    async def slow() -> int:
        calls.append(1)
        await release.wait()
        return 42

    waiting = [asyncio.create_task(flight.run("k", slow)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiting) == [42] * 5
    assert len(calls) == 1
    assert await flight.run("k", slow) == 42  # a later call makes its own
    assert len(calls) == 2


async def test_a_shared_failure_reaches_every_waiter_once() -> None:
    flight = SingleFlight()
    release = asyncio.Event()

    async def failing() -> int:
        await release.wait()
        raise RuntimeError("API down")

    waiting = [asyncio.create_task(flight.run("k", failing)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)


async def test_a_waiter_past_its_deadline_leaves_the_others_their_answer() -> None:
    flight, calls = SingleFlight(), []
    release = asyncio.Event()

    async def slow() -> int:
        calls.append(1)
        await release.wait()
        return 42

    async def hurried() -> int:
        with deadline(0.05):
            return await flight.run("k", slow)

    patient = asyncio.create_task(flight.run("k", slow))  # no deadline: the fleet monitor, say
    with pytest.raises(TooLong):
        await asyncio.wait_for(hurried(), timeout=10)
    release.set()
    assert await patient == 42  # the shared call went on for the one still waiting
    assert len(calls) == 1


async def test_the_last_waiter_to_leave_ends_the_shared_call() -> None:
    flight, ended = SingleFlight(), asyncio.Event()

    async def endless() -> int:
        try:
            await asyncio.Event().wait()
        finally:
            ended.set()
        return 0

    with deadline(0.05), pytest.raises(TooLong):
        await asyncio.wait_for(flight.run("k", endless), timeout=10)
    await asyncio.wait_for(ended.wait(), timeout=10)  # nobody wants it: it was stopped

    async def quick() -> int:
        return 7

    with deadline(10.0):  # a later call starts afresh
        assert await flight.run("k", quick) == 7


def test_read_slots_refuse_over_the_limit_and_free_on_exit() -> None:
    slots = ReadSlots(limit=2)
    with slots.take("U1") as a, slots.take("U1") as b, slots.take("U1") as c:
        assert (a, b, c) == (True, True, False)
        with slots.take("U2") as other:
            assert other  # someone else is not held up
    with slots.take("U1") as again:
        assert again


@pytest.mark.parametrize("limit", [1, 4])
def test_a_refused_read_holds_no_slot(limit: int) -> None:
    slots = ReadSlots(limit=limit)
    for _ in range(10):
        with slots.take("U1"):
            pass
    with slots.take("U1") as free:
        assert free
