"""Benchmark: one member floods the bot with `/vps list` while another reboots a server.

250 servers, every API request 2 s late. The flooder sends N `/vps list` at once; half a second
later another member sends `/vps reboot web-server-01`. Printed: the slowest ack of the flood,
the other member's ack, when their reboot reached the API (from the API's request log) or what
they were told instead, how many of the flood's lists were answered, and the API calls made.

    .venv/bin/python bench/flood.py [--commands 300] [--latency 2] [--bot-src DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from contextlib import AsyncExitStack
from pathlib import Path

from harness import OTHER, Sim, Slack, seconds, start_sim, start_vpsbot

REBOOT_WAIT = 20.0
FLOOD_WAIT = 60.0


async def _reboot_arrival(sim: Sim, since: int, limit: float) -> float | None:
    """When the reboot request reached the API (monotonic), or None if it did not in time."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        for request in await sim.log(since):
            if request.method == "POST" and request.path.endswith("/reboot/"):
                return request.arrived
        await asyncio.sleep(0.2)
    return None


async def run(*, commands: int = 300, latency: float = 2.0, bot_src: str | None = None) -> str:
    """One row of the table: the flood of `commands` lists and the other member's reboot."""
    async with AsyncExitStack() as stack, Slack() as slack:
        sim = await start_sim(stack, servers=250, latency=latency)
        bot = await start_vpsbot(stack, slack, sim, bot_src=bot_src)
        await slack.warm_up(bot)
        mark = await sim.mark()
        flood = asyncio.create_task(slack.commands("/vps list", commands))
        await asyncio.sleep(0.5)
        reboot = await slack.command("/vps reboot web-server-01", user=OTHER)
        arrived = await _reboot_arrival(sim, mark, REBOOT_WAIT)
        flooded = await flood
        all_answered = await slack.answered(flooded, FLOOD_WAIT)
        await slack.answered([reboot], 1)
        calls = len(await sim.log(mark))
        ended = time.monotonic()
    max_ack = max(s.ack_seconds for s in flooded)
    late = sum(1 for s in flooded if s.ack_seconds > 3 or not s.ack or not s.ack.ok)
    if arrived is not None:
        reached = f"reboot at the API after {seconds(arrived - reboot.sent)}"
    else:
        told = " ".join(reboot.answer_text().split())[:90] or "nothing"
        reached = f"reboot not at the API within {REBOOT_WAIT:g} s (told: {told!r})"
    started = min(s.sent for s in flooded)
    if all_answered:
        last = max(s.answered or 0 for s in flooded)
        finished = f"every list answered after {seconds(last - started)}"
    else:
        answered = sum(1 for s in flooded if s.answered is not None)
        waited = ended - started
        finished = f"{answered}/{commands} lists answered after {seconds(waited)}"
    return (
        f"max ack {seconds(max_ack)} ({late} over 3 s); other member's ack "
        f"{seconds(reboot.ack_seconds)}, {reached}; {finished}; {calls} API calls"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=300)
    parser.add_argument("--latency", type=float, default=2.0)
    parser.add_argument("--bot-src", type=lambda p: str(Path(p).resolve()), default=None)
    options = parser.parse_args()
    print(
        asyncio.run(
            run(commands=options.commands, latency=options.latency, bot_src=options.bot_src)
        )
    )
