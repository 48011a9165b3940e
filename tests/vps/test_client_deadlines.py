"""Bounded waits: a whole-request deadline, a call budget, busy pools, writes beside reads."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from bot.vps import (
    RetryPolicy,
    VPSBusy,
    VPSClient,
    VPSConnectError,
    VPSRateLimited,
    VPSTimeout,
)
from bot.vps.client import ClientLimits
from vpssim.simulator import RunningSimulator, Simulator, start_simulator

TOKEN = "sim-token-for-tests"
BASE = "https://admin.vps.org/api/v1"


@pytest.fixture
async def running() -> AsyncIterator[RunningSimulator]:
    running = await start_simulator(Simulator(token=TOKEN, seed=250))
    yield running
    await running.close()


class FakeTime:
    """A clock that moves only when the client sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


# -- the deadline covers the whole request, body included --------------------------------------


async def test_an_api_dripping_its_body_fails_at_the_deadline_not_after_the_body(
    running: RunningSimulator,
) -> None:
    # About 700 bytes at 20 bytes a second: the body alone would take half a minute.
    running.simulator.inject_slow_body(path_suffix="/12345/", times=10, bytes_per_second=20)
    async with VPSClient(running.url, TOKEN, timeout=0.5) as client:
        started = time.monotonic()
        with pytest.raises(VPSTimeout, match=r"did not answer within 0\.5s — try again"):
            await client.get_server(12345)
        waited = time.monotonic() - started
    # Retries included, a call ends within twice the timeout (the documented budget), not
    # after the half minute the body takes (bounded generously: the machine may be busy).
    assert waited < 10
    assert 1 <= len(running.simulator.requests) <= 2


async def test_a_dripping_answer_to_a_write_is_not_resent(running: RunningSimulator) -> None:
    running.simulator.inject_slow_body(method="POST", times=10, bytes_per_second=20)
    async with VPSClient(running.url, TOKEN, timeout=0.3) as client:
        with pytest.raises(VPSTimeout, match="may or may not have been made"):
            await client.stop_server(12345)
    assert [m for m, _ in running.simulator.requests] == ["POST"]


async def test_a_call_with_its_retries_ends_within_its_budget() -> None:
    clock = FakeTime()
    answers = iter([httpx.Response(503, headers={"Retry-After": "15"}, json={})] * 4)
    transport = httpx.MockTransport(lambda _: next(answers))
    async with VPSClient(
        BASE, "t", timeout=10, transport=transport, sleep=clock.sleep, clock=clock
    ) as client:
        with pytest.raises(Exception, match=r"unavailable \(503\)"):
            await client.get_server(1)
    # 15 s waited after the first 503; a second wait would end past 2 x 10 s: raised at once.
    assert clock.sleeps == [15.0]


async def test_a_retry_after_beyond_the_budget_is_raised_at_once() -> None:
    clock = FakeTime()
    transport = httpx.MockTransport(
        lambda _: httpx.Response(429, headers={"Retry-After": "25"}, json={})
    )
    async with VPSClient(
        BASE, "t", timeout=10, transport=transport, sleep=clock.sleep, clock=clock
    ) as client:
        with pytest.raises(VPSRateLimited, match="try again in 25s"):
            await client.stop_server(1)
    assert clock.sleeps == []


# -- connection slots: busy is busy, and writes never queue behind reads -----------------------


async def test_a_full_connection_pool_is_reported_as_busy_not_as_a_connection_problem() -> None:
    calls: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.PoolTimeout("no connection available")

    outcomes: list[str] = []
    async with VPSClient(
        BASE,
        "t",
        transport=httpx.MockTransport(refuse),
        on_request=lambda _m, _e, outcome, _s: outcomes.append(outcome),
    ) as client:
        with pytest.raises(VPSBusy, match=r"the VPS\.org API is busy — try again in a moment"):
            await client.reboot_server(1)
    assert len(calls) == 1  # nothing was sent and nothing more is queued behind it
    assert outcomes == ["busy"]


async def test_reads_beyond_the_cap_wait_then_are_told_the_api_is_busy(
    running: RunningSimulator,
) -> None:
    running.simulator.latency = 10.0
    limits = ClientLimits(reads_in_flight=2, slot_wait=0.2)
    async with VPSClient(running.url, TOKEN, timeout=20, limits=limits) as client:
        slow = [asyncio.create_task(client.get_server(12345)) for _ in range(2)]
        await _until(lambda: len(running.simulator.requests) == 2)
        with pytest.raises(VPSBusy):
            await client.get_server(12346)
        for task in slow:
            task.cancel()
        await asyncio.gather(*slow, return_exceptions=True)
    assert len(running.simulator.requests) == 2  # the third read was never sent


async def test_a_write_does_not_wait_behind_reads_that_fill_their_pool(
    running: RunningSimulator,
) -> None:
    running.simulator.latency = 0.3
    limits = ClientLimits(reads_in_flight=2, writes_in_flight=1)
    async with VPSClient(running.url, TOKEN, timeout=5, limits=limits) as client:
        reads = [asyncio.create_task(client.get_server(12345)) for _ in range(6)]
        await _until(lambda: len(running.simulator.requests) == 2)
        await client.reboot_server(12346)
        await asyncio.gather(*reads)
    # Six reads, two at a time: the reboot went out beside the first two, not after all six.
    methods = [method for method, _ in running.simulator.requests]
    assert methods == ["GET", "GET", "POST", "GET", "GET", "GET", "GET"]


async def test_a_refused_connection_is_still_a_connection_problem() -> None:
    async def no_wait(_: float) -> None:
        return None

    async with VPSClient(
        "http://127.0.0.1:9/api/v1", TOKEN, retry=RetryPolicy(attempts=1), sleep=no_wait
    ) as client:
        with pytest.raises(VPSConnectError, match="could not connect"):
            await client.start_server(1)


async def _until(condition: Callable[[], bool], limit: float = 5.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.01)
