"""Benchmark: a slow-drip API and an API whose `next` links never end.

- Slow drip: `VPS_API_TIMEOUT_SECONDS=2`; the API sends a server's details one byte a second;
  `/vps show #12345` is timed to its answer (waiting at most `--drip-wait` seconds).
- Endless `next`: every list page links to a new one, full of made-up servers; one full
  listing (`/vps list web`: a text search reads the whole fleet when the bot knows no fresh
  copy of it) is timed to its answer, with the bot's memory growth and the API calls it made.

    .venv/bin/python bench/limits.py [--drip-wait 90] [--bot-src DIR]
"""

from __future__ import annotations

import argparse
import asyncio
from contextlib import AsyncExitStack
from pathlib import Path

from harness import Slack, seconds, start_sim, start_vpsbot

ENDLESS_WAIT = 300.0


def _told(text: str) -> str:
    return " ".join(text.split())[:100]


async def slow_drip(*, wait: float = 90.0, bot_src: str | None = None) -> str:
    """The slow-drip row: when the user heard back, and what."""
    async with AsyncExitStack() as stack, Slack() as slack:
        sim = await start_sim(stack, servers=250, latency=0.0, drip_path="/servers/12345/")
        bot = await start_vpsbot(
            stack, slack, sim, bot_src=bot_src, settings={"VPS_API_TIMEOUT_SECONDS": "2"}
        )
        await slack.warm_up(bot)
        sent = await slack.command("/vps show #12345")
        await slack.answered([sent], wait)
    if sent.answer_seconds is None:
        return f"no answer within {wait:g} s"
    return f"answered after {seconds(sent.answer_seconds)}: {_told(sent.answer_text())!r}"


async def endless_next(*, bot_src: str | None = None) -> str:
    """The endless-`next` row: memory growth of one listing, its time and API calls."""
    async with AsyncExitStack() as stack, Slack() as slack:
        sim = await start_sim(stack, servers=250, latency=0.0, endless_pages=True)
        bot = await start_vpsbot(stack, slack, sim, bot_src=bot_src)
        await slack.warm_up(bot)
        before, _ = bot.memory_mb()
        mark = await sim.mark()
        sent = await slack.command("/vps list web")
        await slack.answered([sent], ENDLESS_WAIT)
        _, peak = bot.memory_mb()
        calls = len(await sim.log(mark))
    growth = f"+{peak - before:.0f} MB peak memory, {calls} API calls"
    if sent.answer_seconds is None:
        return f"{growth}; no answer within {ENDLESS_WAIT:g} s"
    told = _told(sent.answer_text())
    return f"{growth}; answered after {seconds(sent.answer_seconds)}: {told!r}"


async def run(*, drip_wait: float = 90.0, bot_src: str | None = None) -> dict[str, str]:
    """Both rows of the table."""
    return {
        "drip": await slow_drip(wait=drip_wait, bot_src=bot_src),
        "endless": await endless_next(bot_src=bot_src),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drip-wait", type=float, default=90.0)
    parser.add_argument("--bot-src", type=lambda p: str(Path(p).resolve()), default=None)
    options = parser.parse_args()
    for key, value in asyncio.run(
        run(drip_wait=options.drip_wait, bot_src=options.bot_src)
    ).items():
        print(f"{key}: {value}")
