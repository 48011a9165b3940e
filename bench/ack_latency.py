"""Benchmark: how fast `/vps list` is acknowledged at 40 concurrent commands, 2 s VPS.org API.

Three processes, as in production: the VPS.org simulator (every request 2 s late), the bot
(`vpsbot run`, HTTP mode), and this script playing Slack with the emulator: it signs 40 slash
commands, sends them at once, and prints the ack latencies and when the answers arrived.

    .venv/bin/python bench/ack_latency.py [--commands 40] [--latency 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot.emulator import SlackEmulator

SECRET, BOT_TOKEN, SIM_TOKEN = "bench-secret", "xoxb-bench", "bench-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_for_port(port: int, limit: float = 20.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise TimeoutError(f"nothing listened on port {port}")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


async def main(commands: int, latency: float) -> None:
    sim_port, bot_port = free_port(), free_port()
    workdir = Path(tempfile.mkdtemp(prefix="vpsbot-bench-"))
    python = [sys.executable, "-m", "bot"]
    sim = await asyncio.create_subprocess_exec(
        *python,
        "simulator",
        "--port",
        str(sim_port),
        "--servers",
        "250",
        "--token",
        SIM_TOKEN,
        "--latency",
        str(latency),
        stdout=asyncio.subprocess.DEVNULL,
    )
    async with SlackEmulator(signing_secret=SECRET, bot_token=BOT_TOKEN) as emu:
        emu.add_user("U0BENCH01", "bench")
        emu.add_channel("C0BENCH01", "bench")
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": emu.api_url,
            "VPS_API_URL": f"http://127.0.0.1:{sim_port}/api/v1",
            "VPS_API_TOKEN": SIM_TOKEN,
            "HOST": "127.0.0.1",
            "PORT": str(bot_port),
            "BOT_STATE_URL": f"sqlite:///{workdir / 'state.db'}",
            "LOG_LEVEL": "WARNING",
            "BOT_METRICS_PORT": "0",
        }
        bot = await asyncio.create_subprocess_exec(
            *python, "run", env=env, cwd=workdir, stdout=asyncio.subprocess.DEVNULL
        )
        try:
            await wait_for_port(sim_port)
            await wait_for_port(bot_port)
            emu.app_url = f"http://127.0.0.1:{bot_port}/slack/events"
            await emu.slash_command("/vps help", user="U0BENCH01", channel="C0BENCH01")  # warm-up
            await emu.wait_for(lambda: emu.messages(visible_to="U0BENCH01"), 10)
            seen = len(emu.messages(visible_to="U0BENCH01"))
            started = time.monotonic()
            acks = await asyncio.gather(
                *(
                    emu.slash_command("/vps list", user="U0BENCH01", channel="C0BENCH01")
                    for _ in range(commands)
                )
            )
            await emu.wait_for(
                lambda: len(emu.messages(visible_to="U0BENCH01")) >= seen + commands, 60
            )
            answered = time.monotonic() - started
        finally:
            for proc in (bot, sim):
                proc.terminate()
                await proc.wait()
    elapsed = [a.elapsed * 1000 for a in acks]
    failed = [a for a in acks if not a.ok]
    print(f"{commands} concurrent /vps list, VPS.org answering {latency:g}s late (3 pages each)")
    print(
        f"ack latency ms: p50 {percentile(elapsed, 50):.1f}  p99 {percentile(elapsed, 99):.1f}  "
        f"max {max(elapsed):.1f}  mean {statistics.fmean(elapsed):.1f}"
    )
    print(f"acks over 3 s or failed: {len(failed)}")
    print(f"all {commands} answers posted after {answered:.2f}s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=40)
    parser.add_argument("--latency", type=float, default=2.0)
    options = parser.parse_args()
    asyncio.run(main(options.commands, options.latency))
