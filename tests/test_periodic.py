"""The one helper for periodic work, on a fake clock: its sleeps wait until the test lets
them end, so every round is driven by the test, not by time."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.periodic import Every, Periodic

LONG = 30.0


class Clock:
    """A fake `sleep`: each call is recorded and waits until `tick()` ends it."""

    def __init__(self) -> None:
        self.slept: list[float] = []
        self._waiting: asyncio.Queue[asyncio.Future[None]] = asyncio.Queue()

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        done = asyncio.get_running_loop().create_future()
        await self._waiting.put(done)
        await done

    async def asleep(self) -> None:
        """Wait until a loop sleeps."""
        async with asyncio.timeout(LONG):
            done = await self._waiting.get()
        await self._waiting.put(done)

    async def tick(self) -> None:
        """End the sleep a loop is in (waiting for it to sleep first)."""
        async with asyncio.timeout(LONG):
            done = await self._waiting.get()
        done.set_result(None)


class Rounds:
    """A job's work: counts its rounds; each may fail or wait for the test."""

    def __init__(self) -> None:
        self.count = 0
        self.running = 0
        self.most_at_once = 0
        self.fail_next = False
        self.hold: asyncio.Event | None = None
        self.began = asyncio.Event()

    async def __call__(self) -> None:
        self.count += 1
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        self.began.set()
        try:
            if self.hold is not None:
                await self.hold.wait()
            if self.fail_next:
                self.fail_next = False
                raise RuntimeError("the store said no")
        finally:
            self.running -= 1


async def test_a_job_runs_at_once_then_after_each_interval() -> None:
    clock, work = Clock(), Rounds()
    periodic = Periodic(Every(60, work, name="job"), sleep=clock.sleep)
    periodic.start()
    await clock.asleep()
    assert (work.count, clock.slept) == (1, [60])
    await clock.tick()
    await clock.asleep()
    assert (work.count, clock.slept) == (2, [60, 60])
    await periodic.aclose()


async def test_a_first_delay_comes_before_the_first_round() -> None:
    clock, work = Clock(), Rounds()
    periodic = Periodic(Every(10, work, name="job", first_delay=5), sleep=clock.sleep)
    periodic.start()
    await clock.asleep()
    assert (work.count, clock.slept) == (0, [5])
    await clock.tick()
    await clock.asleep()
    assert (work.count, clock.slept) == (1, [5, 10])
    await periodic.aclose()


async def test_a_failed_round_is_logged_once_with_its_traceback_and_the_job_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, work = Clock(), Rounds()
    work.fail_next = True
    periodic = Periodic(Every(60, work, name="pruning the audit", finish=None), sleep=clock.sleep)
    periodic.start()
    await clock.asleep()
    await clock.tick()
    await clock.asleep()
    assert work.count == 2  # it went on
    failures = [r for r in caplog.records if r.name == "bot.periodic"]
    assert [r.getMessage() for r in failures] == ["pruning the audit failed; trying again in 60s"]
    assert failures[0].levelno == logging.ERROR
    assert failures[0].exc_info is not None
    await periodic.aclose()


async def test_closing_cancels_a_round_under_way_then_finishes_the_job_once() -> None:
    clock, work = Clock(), Rounds()
    work.hold = asyncio.Event()  # never set: the round is under way when the stop comes
    finished: list[str] = []

    async def finish() -> None:
        assert work.running == 0  # the round was stopped first
        finished.append("released")

    periodic = Periodic(Every(60, work, name="job", finish=finish), sleep=clock.sleep)
    periodic.start()
    async with asyncio.timeout(LONG):
        await work.began.wait()
    await periodic.aclose()
    await periodic.aclose()  # a second close does nothing more
    assert finished == ["released"]
    assert work.count == 1


async def test_two_rounds_of_one_job_never_run_at_once() -> None:
    clock, work = Clock(), Rounds()
    work.hold = asyncio.Event()
    periodic = Periodic(Every(60, work, name="job"), sleep=clock.sleep)
    periodic.start()
    async with asyncio.timeout(LONG):
        await work.began.wait()
    extra = asyncio.create_task(periodic.run_once("job"))  # a test's round, meanwhile
    await asyncio.sleep(0)
    assert work.count == 1  # it waits for the loop's round
    work.hold.set()
    assert await extra
    assert (work.count, work.most_at_once) == (2, 1)
    await periodic.aclose()


async def test_a_round_runs_directly_without_timers() -> None:
    work = Rounds()
    periodic = Periodic(Every(3600, work, name="job"))  # never started
    assert await periodic.run_once("job")
    work.fail_next = True
    assert not await periodic.run_once("job")  # logged, not raised
    assert work.count == 2


async def test_a_job_that_is_off_never_runs_nor_finishes() -> None:
    clock, work, finished = Clock(), Rounds(), []

    async def finish() -> None:
        finished.append(True)

    on = Rounds()
    periodic = Periodic(
        Every(0, work, name="off", finish=finish), Every(60, on, name="on"), sleep=clock.sleep
    )
    periodic.start()
    await clock.asleep()
    await periodic.aclose()
    assert (work.count, on.count, finished) == (0, 1, [])


async def test_a_periodic_never_started_closes_without_finishing_its_jobs() -> None:
    finished: list[bool] = []

    async def finish() -> None:
        finished.append(True)

    periodic = Periodic(Every(60, Rounds(), name="job", finish=finish))
    await periodic.aclose()  # start-up failed before the work started
    periodic.start()  # too late: closed
    assert finished == []


async def test_a_job_whose_finish_fails_leaves_the_others_finished(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, finished = Clock(), []

    async def broken() -> None:
        raise RuntimeError("lease table gone")

    async def release() -> None:
        finished.append("released")

    periodic = Periodic(
        Every(60, Rounds(), name="monitor", finish=broken),
        Every(60, Rounds(), name="sweeper", finish=release),
        sleep=clock.sleep,
    )
    periodic.start()
    await periodic.aclose()
    assert finished == ["released"]
    assert "stopping monitor failed" in caplog.text
