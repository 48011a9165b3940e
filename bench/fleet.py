"""Benchmark: a 50,000-server fleet, API pages of 100, every request 20 ms late.

One bot with the fleet monitor on: its first (baseline) listing is timed from the API's request
log, then `/vps list` and `/vps show <name>` are timed from the command to the answer, with the
API calls each made, and finally the bot's peak memory.

    .venv/bin/python bench/fleet.py [--servers 50000] [--latency 0.02] [--repeat 2] [--bot-src DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
from harness import SIM_TOKEN, Sim, Slack, seconds, start_sim, start_vpsbot

FIRST_ID = 12345
OPS = "C0OPS0001"


async def _name_of(sim: Sim, server_id: int) -> str:
    """A server's name, asked of the API directly (before anything is measured)."""
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {SIM_TOKEN}"}) as client:
        response = await client.get(f"{sim.url}/servers/{server_id}/")
    return str(response.json()["name"])


async def _monitor_listing(sim: Sim, since: int, pages: int, limit: float) -> str:
    """How long the monitor's first listing took and its API calls, from the request log."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    log = await sim.log(since)
    while loop.time() < deadline:
        log = await sim.log(since)
        done = [r.answered for r in log if r.answered is not None]
        if len(done) >= pages:
            took = max(done) - min(r.arrived for r in log)
            return f"{seconds(took)}, {len(log)} API calls"
        await asyncio.sleep(0.2)
    return f"not done within {limit:g} s ({len(log)} API calls)"


async def _timed(slack: Slack, sim: Sim, text: str, repeat: int) -> tuple[list[float | None], int]:
    """Answer times of `repeat` runs of `text` one after another, and API calls per run."""
    times: list[float | None] = []
    calls = 0
    for _ in range(repeat):
        mark = await sim.mark()
        sent = await slack.command(text)
        await slack.answered([sent], 120)
        times.append(sent.answer_seconds)
        calls = len(await sim.log(mark))
    return times, calls


def _figure(times: list[float | None], calls: int) -> str:
    done = [t for t in times if t is not None]
    if not done:
        return f"no answer within 120 s, {calls} API calls"
    return f"{seconds(statistics.median(done))}, {calls} API calls"


async def run(
    *, servers: int = 50_000, latency: float = 0.02, repeat: int = 2, bot_src: str | None = None
) -> dict[str, str]:
    """The fleet rows of the table."""
    async with AsyncExitStack() as stack, Slack() as slack:
        slack.emulator.add_channel(OPS, "ops")
        sim = await start_sim(stack, servers=servers, latency=latency)
        target = await _name_of(sim, FIRST_ID + servers * 3 // 4)
        mark = await sim.mark()
        bot = await start_vpsbot(
            stack,
            slack,
            sim,
            bot_src=bot_src,
            settings={"BOT_MONITOR_INTERVAL_SECONDS": "3600", "BOT_OPS_CHANNEL": OPS},
        )
        monitor = await _monitor_listing(sim, mark, -(-servers // 100), 300)
        await asyncio.sleep(1)  # the snapshot is saved after the listing
        await slack.warm_up(bot)
        list_times, list_calls = await _timed(slack, sim, "/vps list", repeat)
        show_times, show_calls = await _timed(slack, sim, f"/vps show {target}", repeat)
        rss, peak = bot.memory_mb()
    return {
        "fleet_list": _figure(list_times, list_calls),
        "fleet_show": _figure(show_times, show_calls),
        "fleet_monitor": monitor,
        "fleet_rss": f"{peak:.0f} MB peak ({rss:.0f} MB at the end)",
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=50_000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--bot-src", type=lambda p: str(Path(p).resolve()), default=None)
    options = parser.parse_args()
    rows = asyncio.run(
        run(
            servers=options.servers,
            latency=options.latency,
            repeat=options.repeat,
            bot_src=options.bot_src,
        )
    )
    for key, value in rows.items():
        print(f"{key}: {value}")
