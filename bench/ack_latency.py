"""Benchmark: how fast `/vps list` is acknowledged under concurrent commands, 2 s VPS.org API.

Three processes, as in production: the VPS.org simulator (every request 2 s late), the bot
(`vpsbot run`, HTTP mode) or the baseline (`bench/bare_bolt.py`: a bare Bolt app that only acks
and responds), and this script playing Slack with the emulator: it sends N slash commands at
once, `--rounds` times for each app (alternating), and prints the ack latencies and the ratios.

    .venv/bin/python bench/ack_latency.py [--commands 40] [--latency 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from contextlib import AsyncExitStack
from pathlib import Path

from harness import Slack, percentile, start_bare, start_sim, start_vpsbot

ANSWER_WAIT = 90.0


async def _round(
    slack: Slack, commands: int, latency: float, bot_src: str | None, bare: bool
) -> list[float]:
    """Ack latencies (seconds) of one burst of `commands` concurrent `/vps list`."""
    async with AsyncExitStack() as stack:
        sim = await start_sim(stack, servers=250, latency=latency)
        if bare:
            app = await start_bare(stack, slack, mode="ack", sim=None)
        else:
            app = await start_vpsbot(stack, slack, sim, bot_src=bot_src)
        await slack.warm_up(app)
        sent = await slack.commands("/vps list", commands)
        await slack.answered(sent, ANSWER_WAIT)  # no work left over for the next round
    return [s.ack_seconds for s in sent]


def _summary(acks: list[float]) -> tuple[float, float]:
    return percentile(acks, 50), percentile(acks, 99)


async def measure(
    *, commands: int = 40, latency: float = 2.0, rounds: int = 3, bot_src: str | None = None
) -> tuple[list[float], list[float]]:
    """(vpsbot's, the bare app's) ack latencies over every round."""
    bot: list[float] = []
    bare: list[float] = []
    async with Slack() as slack:
        for _ in range(rounds):
            bare += await _round(slack, commands, latency, bot_src, bare=True)
            bot += await _round(slack, commands, latency, bot_src, bare=False)
    return bot, bare


async def run(
    *, commands: int = 40, latency: float = 2.0, rounds: int = 3, bot_src: str | None = None
) -> str:
    """One row of the table: p50 and p99 against the bare app, with the ratios."""
    bot, bare = await measure(commands=commands, latency=latency, rounds=rounds, bot_src=bot_src)
    (b50, b99), (r50, r99) = _summary(bot), _summary(bare)
    return (
        f"p50 {b50 * 1000:.0f} ms vs {r50 * 1000:.0f} ms bare ({b50 / r50:.1f}x); "
        f"p99 {b99 * 1000:.0f} ms vs {r99 * 1000:.0f} ms ({b99 / r99:.1f}x); "
        f"max {max(bot) * 1000:.0f} ms, {sum(a > 3 for a in bot)} over 3 s"
    )


async def main(options: argparse.Namespace) -> None:
    bot, bare = await measure(
        commands=options.commands,
        latency=options.latency,
        rounds=options.rounds,
        bot_src=options.bot_src,
    )
    print(
        f"{options.commands} concurrent /vps list, VPS.org answering {options.latency:g}s late, "
        f"{options.rounds} rounds"
    )
    for name, acks in (("vpsbot", bot), ("bare Bolt", bare)):
        print(
            f"{name:>9} ack ms: p50 {percentile(acks, 50) * 1000:.1f}  "
            f"p99 {percentile(acks, 99) * 1000:.1f}  max {max(acks) * 1000:.1f}  "
            f"mean {statistics.fmean(acks) * 1000:.1f}"
        )
    print(
        f"ratio: p50 {percentile(bot, 50) / percentile(bare, 50):.2f}x  "
        f"p99 {percentile(bot, 99) / percentile(bare, 99):.2f}x"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=40)
    parser.add_argument("--latency", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bot-src", type=lambda p: str(Path(p).resolve()), default=None)
    asyncio.run(main(parser.parse_args()))
