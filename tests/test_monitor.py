"""The fleet monitor stopped at the worst moment: a change posted is a change remembered."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.monitor import FleetMonitor
from bot.notify import Notifier
from bot.periodic import Periodic
from bot.slack.blocks import Message
from bot.state import open_store


@dataclass(frozen=True)
class Row:
    id: int
    name: str
    status: str
    hostname: str | None = None


class StoppedRightAfterPosting(Notifier):
    """The ops channel takes the notice, and a deploy stops the bot at that very moment."""

    def __init__(self) -> None:
        super().__init__(slack=None, channel="C0OPS")  # type: ignore[arg-type]
        self.posted: list[Message] = []
        self.periodic: Periodic | None = None
        self.stopping: asyncio.Task[None] | None = None
        self.stop_began = asyncio.Event()

    async def post(self, message: Message, **_: Any) -> str | None:
        self.posted.append(message)
        assert self.periodic is not None
        self.stopping = asyncio.create_task(self.periodic.aclose())
        self.stop_began.set()
        await asyncio.sleep(0)  # the stop begins before the poll goes on
        return "1.0"


async def test_a_change_posted_as_the_bot_stops_is_saved_and_never_posted_again(
    tmp_path: Path,
) -> None:
    fleets = [[Row(1, "web-01", "active")], [Row(1, "web-01", "suspended")]]

    async def lister() -> list[Row]:
        return fleets[0] if len(fleets) == 1 else fleets.pop(0)

    async def followed(_: int) -> bool:
        return False

    async with await open_store(f"sqlite:///{tmp_path / 'state.db'}") as store:
        notifier = StoppedRightAfterPosting()
        monitor = FleetMonitor(
            lister=lister, store=store, notifier=notifier, interval=0.01, is_followed=followed
        )
        notifier.periodic = periodic = Periodic(monitor.job())
        periodic.start()
        async with asyncio.timeout(30):
            await notifier.stop_began.wait()
            assert notifier.stopping is not None
            await notifier.stopping
        assert len(notifier.posted) == 1
        snapshot = await store.load_snapshot()
        assert snapshot is not None
        # What the next replica (or the next start) compares against: the change is known.
        assert snapshot[1].status == "suspended"


async def test_a_change_of_the_bot_s_own_seen_as_the_bot_stops_is_not_announced_later(
    tmp_path: Path,
) -> None:
    async with await open_store(f"sqlite:///{tmp_path / 'state.db'}") as store:
        polls = 0

        async def lister() -> list[Row]:
            nonlocal polls
            polls += 1
            if polls == 1:  # the baseline
                return [Row(1, "web-01", "active")]
            if polls == 2:  # meanwhile the bot stopped web-01 itself
                await store.note_expected_change(1, "stopped", 2e9)
            return [Row(1, "web-01", "stopped")]

        async def followed(_: int) -> bool:
            return False

        notifier = StoppedRightAfterPosting()
        monitor = FleetMonitor(
            lister=lister, store=store, notifier=notifier, interval=0.01, is_followed=followed
        )
        notifier.periodic = periodic = Periodic(monitor.job())
        consume = store.consume_expected_change

        async def consumed_then_stopped(server_id: int, status: str) -> bool:
            ours = await consume(server_id, status)
            notifier.stopping = asyncio.create_task(periodic.aclose())  # a deploy, right now
            notifier.stop_began.set()
            await asyncio.sleep(0)
            return ours

        store.consume_expected_change = consumed_then_stopped  # type: ignore[method-assign]
        periodic.start()
        async with asyncio.timeout(30):
            await notifier.stop_began.wait()
            assert notifier.stopping is not None
            await notifier.stopping
        assert notifier.posted == []  # the bot's own change: its watch reports it
        snapshot = await store.load_snapshot()
        assert snapshot is not None
        assert snapshot[1].status == "stopped"  # so the next poller does not announce it
