"""A bot killed (SIGKILL) after the Confirm click, while VPS.org holds the call: the next `vpsbot
run` on the same state file learns from the server whether the change happened, tells the
requester and the ops channel done or not done — and never sends the call again."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from slackemu import Message, SlackEmulator
from tests.e2e.harness import (
    ACK_WAIT,
    ALICE,
    BOT_TOKEN,
    OPS,
    OPS_LOG,
    POLICY,
    SECRET,
    Clock,
    Harness,
    add_people,
    dump,
    fresh_simulator,
)
from tests.e2e.test_crash import bot_env, free_port, serving
from tests.e2e.test_notifications import restart_with
from vpssim.simulator import Simulator, start_simulator

STOP = ("POST", "/api/v1/servers/12345/stop/")


@dataclass
class Bots:
    """Start `vpsbot run` processes on one state file, one after another."""

    emu: SlackEmulator
    env: dict[str, str]
    cwd: Path
    port: int

    async def start(self) -> asyncio.subprocess.Process:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=self.env,
            cwd=self.cwd,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await serving(self.port, proc)
        self.emu.app_url = f"http://127.0.0.1:{self.port}/slack/events"
        return proc


@asynccontextmanager
async def world(tmp_path: Path) -> AsyncIterator[tuple[SlackEmulator, Simulator, Clock, Bots]]:
    (tmp_path / "policy.yml").write_text(POLICY)
    clock = Clock()
    sim = fresh_simulator(clock)
    running = await start_simulator(sim)
    try:
        async with SlackEmulator(
            signing_secret=SECRET, bot_token=BOT_TOKEN, ack_timeout=ACK_WAIT
        ) as emu:
            add_people(emu)
            port = free_port()
            env = bot_env(emu, running.url, sim.token, port)
            yield emu, sim, clock, Bots(emu, env, tmp_path, port)
    finally:
        await running.close()


async def held(sim: Simulator, count: int) -> None:
    """Wait (bounded) until the simulator holds `count` requests."""
    for _ in range(3000):
        if sim.holding == count:
            return
        await asyncio.sleep(0.01)
    raise TimeoutError(f"the simulator holds {sim.holding} requests, not {count}")


def settled_for(emu: SlackEmulator, said: str) -> list[Message]:
    """Messages Alice can see in the channel she asked in that settle the stop as `said`."""
    return [
        m
        for m in emu.messages(OPS, visible_to=ALICE, ephemeral=False)
        if f": {said}, settled by reading the server" in m.text  # ": done" is not ": not done"
    ]


@pytest.mark.parametrize("acted", [True, False], ids=["done", "not-done"])
async def test_a_change_in_flight_when_the_bot_died_is_settled_by_the_next_run(
    tmp_path: Path, acted: bool
) -> None:
    async with world(tmp_path) as (emu, sim, clock, bots):
        # VPS.org holds the stop: having made it (the answer is late) or before making it.
        sim.inject_hold(600, method="POST", path_suffix="/12345/stop/", acted=acted)
        bot = await bots.start()
        try:
            await emu.slash_command("/vps stop web-server-01", user=ALICE, channel=OPS)
            prompt = await emu.wait_for(
                lambda: emu.last_message(OPS, visible_to=ALICE, ephemeral=True),
                30,
                what="the confirmation prompt",
            )
            await emu.click(prompt, text="Stop web-server-01")
            await held(sim, 1)  # the call is in flight
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
            await held(sim, 0)  # its connection dropped with the process
            status = sim.get_server(12345)["status"]  # type: ignore[index]
            assert status == ("stopping" if acted else "active")
            assert settled_for(emu, "done") == []
            assert settled_for(emu, "not done") == []

            bot = await bots.start()  # the same state file, the same host
            said = "done" if acted else "not done"
            [result] = await emu.wait_for(
                lambda: settled_for(emu, said), 30, what=f"the requester told {said}"
            )
            shown = dump(result)
            assert "web-server-01" in shown
            assert "the bot restarted before VPS.org answered" in shown
            if acted:
                assert "web-server-01 (#12345) is stopping" in shown
            else:
                assert "Couldn't stop web-server-01" in shown
                assert "Nothing was sent again" in shown

            def ops_told() -> list[Message]:
                return [m for m in emu.messages(OPS_LOG) if f": {said}, settled" in m.text]

            await emu.wait_for(ops_told, 30, what="the ops channel told")
            if acted:  # followed to its steady state, as any stop
                clock.now += 61

                def stopped() -> bool:
                    return any("is stopped" in dump(m) for m in emu.messages(OPS_LOG))

                await emu.wait_for(stopped, 30, what="the follow-up's report")
            assert sim.requests.count(STOP) == 1  # never sent again
            with closing(sqlite3.connect(tmp_path / "vpsbot.db")) as db:
                left = db.execute("SELECT count(*) FROM inflight").fetchone()[0]
                details = [
                    row[0] for row in db.execute("SELECT detail FROM audit WHERE action = 'stop'")
                ]
            assert left == 0
            assert f"settled after a restart: {said} (the server is {status})" in details
        finally:
            bot.terminate()
            await bot.wait()


@pytest.mark.parametrize("acted", [True, False], ids=["done", "not-done"])
async def test_a_call_whose_answer_is_lost_is_settled_not_sent_again(
    harness: Harness, acted: bool
) -> None:
    await restart_with(harness, vps_api_timeout_seconds=0.5, bot_watch_interval_seconds=0.05)
    harness.sim.inject_hold(600, method="POST", path_suffix="/12345/reboot/", acted=acted)
    before = harness.seen(ALICE)
    await harness.command("/vps reboot web-server-01")
    note = await harness.new_message(
        before, user=ALICE, within=30, where=lambda m: "did not answer the reboot" in dump(m)
    )
    assert note.is_ephemeral
    assert "It is *not* sent again" in dump(note)
    await held(harness.sim, 0)  # the bot gave up waiting: its connection is gone
    said = "done" if acted else "not done"
    assert settled_for(harness.emu, said) == []  # VPS.org is given time to act first
    harness.clock.now += 1  # past that time (as long again as it had to answer)
    [result] = await harness.emu.wait_for(
        lambda: settled_for(harness.emu, said), 30, what=f"the requester told {said}"
    )
    assert "answer was lost on its way" in dump(result)
    assert harness.api_calls("POST", "/12345/reboot/") == ["/api/v1/servers/12345/reboot/"]
