"""Start-up's wait for the state store: capped, growing back-off with one line an attempt, and
an immediate stop for what waiting cannot heal."""

from __future__ import annotations

import logging
from itertools import islice

import pytest

from bot.config import StartupError
from bot.startup import MAX_RETRY, retry_delays, when_reachable
from bot.state import StateStoreError, StateStoreUnavailable

REFUSED = 'cannot open database postgresql://***@db/vpsbot: cannot be reached (Error: database "vpsbot" is not currently accepting connections)'  # noqa: E501


def test_the_waits_between_attempts_grow_then_stay_at_the_cap() -> None:
    delays = list(islice(retry_delays(), 10))
    assert delays == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0]
    assert max(delays) == MAX_RETRY  # a database back is served within a few seconds


async def test_an_unreachable_store_is_tried_again_with_one_line_an_attempt(
    caplog: pytest.LogCaptureFixture,
) -> None:
    attempts: list[int] = []
    slept: list[float] = []

    async def step() -> str:
        attempts.append(1)
        if len(attempts) < 5:
            raise StateStoreUnavailable(REFUSED)
        return "open"

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    caplog.set_level(logging.INFO, logger="bot.startup")
    assert await when_reachable(step, sleep=sleep) == "open"
    assert slept == [0.5, 1.0, 2.0, 4.0]
    lines = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in lines] == [
        f"BOT_STATE_URL: {REFUSED}; trying again in {delay:g}s (attempt {n})"
        for n, delay in enumerate(slept, start=1)
    ]
    assert all(r.exc_info is None for r in caplog.records)  # no traceback for an outage
    assert caplog.records[-1].getMessage() == "the state store answers (attempt 5)"


@pytest.mark.parametrize(
    "problem",
    [
        'cannot open database postgresql://***@db/vpsbot: Error: password authentication failed for user "vpsbot"',  # noqa: E501
        'cannot open database postgresql://***@db/vpsbot: Error: role "vpsbot" does not exist',
        'cannot open database postgresql://***@db/nope: Error: database "nope" does not exist',
        "cannot open state file /x.db: it has schema version 9, but this vpsbot knows only up to "
        "version 3; upgrade vpsbot or point BOT_STATE_URL at another file",
    ],
)
async def test_what_waiting_cannot_heal_stops_at_once(problem: str) -> None:
    slept: list[float] = []

    async def step() -> None:
        raise StateStoreError(problem)

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    with pytest.raises(StartupError) as caught:
        await when_reachable(step, sleep=sleep)
    assert str(caught.value) == f"BOT_STATE_URL: {problem}"
    assert slept == []


async def test_without_waiting_an_unreachable_store_stops_the_start_at_once() -> None:
    async def step() -> None:
        raise StateStoreUnavailable(REFUSED)

    with pytest.raises(StartupError) as caught:
        await when_reachable(step, wait=False)  # the console: nobody would see it wait
    assert str(caught.value) == f"BOT_STATE_URL: {REFUSED}"
