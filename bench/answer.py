"""Benchmark: command → answer for `/vps list`, against a bare Bolt app that makes one API GET.

250 servers, pages of 100, every API request 20 ms late. The bot and the baseline
(`bench/bare_bolt.py --mode get`: ack, one httpx GET of the first page, respond) run side by
side; commands go one at a time, alternating between them, and the medians are compared.

    .venv/bin/python bench/answer.py [--commands 20] [--latency 0.02] [--bot-src DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from contextlib import AsyncExitStack
from pathlib import Path

from harness import App, Slack, start_bare, start_sim, start_vpsbot


async def _answer_time(slack: Slack, app: App, text: str) -> float:
    slack.use(app)
    sent = await slack.command(text)
    if not await slack.answered([sent], 60):
        raise RuntimeError(f"no answer to {text} within 60 s")
    assert sent.answer_seconds is not None
    return sent.answer_seconds


async def measure(
    *, commands: int = 20, latency: float = 0.02, bot_src: str | None = None
) -> tuple[list[float], list[float]]:
    """(vpsbot's, the bare app's) command → answer times."""
    bot_times: list[float] = []
    bare_times: list[float] = []
    async with AsyncExitStack() as stack, Slack() as slack:
        sim = await start_sim(stack, servers=250, latency=latency)
        bare = await start_bare(stack, slack, mode="get", sim=sim)
        bot = await start_vpsbot(stack, slack, sim, bot_src=bot_src)
        await slack.warm_up(bare)
        await slack.warm_up(bot)
        await _answer_time(slack, bot, "/vps list")  # first use: connections, imports
        await _answer_time(slack, bare, "/vps list")
        for _ in range(commands):
            bare_times.append(await _answer_time(slack, bare, "/vps list"))
            bot_times.append(await _answer_time(slack, bot, "/vps list"))
    return bot_times, bare_times


async def run(*, commands: int = 20, latency: float = 0.02, bot_src: str | None = None) -> str:
    """One row of the table: the medians and their ratio."""
    bot, bare = await measure(commands=commands, latency=latency, bot_src=bot_src)
    ours, theirs = statistics.median(bot), statistics.median(bare)
    return (
        f"{ours * 1000:.0f} ms vs {theirs * 1000:.0f} ms bare + 1 GET "
        f"({ours / theirs:.2f}x, medians of {commands})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--bot-src", type=lambda p: str(Path(p).resolve()), default=None)
    options = parser.parse_args()
    print(
        asyncio.run(
            run(commands=options.commands, latency=options.latency, bot_src=options.bot_src)
        )
    )
