"""Benchmark: how long a restart takes to answer `GET /healthz`, against a bare Bolt app, and
how long vpsbot takes to be ready (`GET /readyz`).

It is what a rolling deploy or a crash restart waits for. Each round starts, as real processes,
the bare Bolt baseline (`bench/bare_bolt.py`: an `AsyncApp` and an aiohttp server answering
/healthz) and `vpsbot run --simulator` (HTTP mode, metrics on, the Slack emulator in this process
answering auth.test), and times each from spawning it to its first 200 on /healthz. The bot
restarts on one state file, as a replica does (a first, unmeasured start of each creates it, warms
the file cache and writes the bytecode cache an installed package has: `PYTHONDONTWRITEBYTECODE`
is dropped for both apps). Prints the median of each and the ratio, and the same for the CPU
time each process used until it answered (steadier than the wall clock on a busy machine).
vpsbot answers /healthz before it has loaded and connected everything, so its time to the first
200 on /readyz (store open, Slack asked, the events URL served; asked every 50 ms) is printed
on a line of its own: the bare app has no readiness to compare it with.

    .venv/bin/python bench/startup.py [--rounds 7] [--bot-src DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
from harness import BENCH, POLICY, Slack, _slack_env, free_port, start_process

LIMIT = 60.0


async def _answers(port: int, path: str = "/healthz", every: float = 0.01) -> bool:
    """Return once 127.0.0.1:port answers 200 on `path` (True), or 404 (False: no such probe),
    asking every `every` seconds."""
    deadline = time.monotonic() + LIMIT
    async with httpx.AsyncClient(timeout=1.0) as client:
        while time.monotonic() < deadline:
            try:
                status = (await client.get(f"http://127.0.0.1:{port}{path}")).status_code
            except httpx.HTTPError:
                status = 0
            if status in (200, 404):
                return status == 200
            await asyncio.sleep(every)
    raise TimeoutError(f"no 200 on {path} of port {port} within {LIMIT:g} s")


def _env(slack: Slack, port: int) -> dict[str, str]:
    env = _slack_env(slack, port)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode compiled
    return env


def _bare_command(port: int) -> list[str]:
    return [sys.executable, str(BENCH / "bare_bolt.py"), "--port", str(port), "--mode", "ack"]


def _bot_env(slack: Slack, port: int, workdir: Path, bot_src: str | None) -> dict[str, str]:
    env = {
        **_env(slack, port),
        "BOT_STATE_URL": f"sqlite:///{workdir / 'state.db'}",
        "BOT_METRICS_PORT": str(free_port()),  # on, as in production; a port of its own
    }
    if bot_src:
        env["PYTHONPATH"] = bot_src
    return env


def cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) a running process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Start:
    """One start: seconds to the first 200 on /healthz, and the CPU seconds the app used by then
    (steadier than the wall clock on a busy machine); for vpsbot, the same to /readyz."""

    wall: float
    cpu: float
    ready_wall: float | None = None  # None: the bare app (or a bot without /readyz)
    ready_cpu: float | None = None


async def _start(slack: Slack, workdir: Path, bot_src: str | None, *, bare: bool) -> Start:
    """Spawn the app, wait for its first 200 on /healthz, stop it."""
    port = free_port()
    async with AsyncExitStack() as stack:
        began = time.monotonic()
        if bare:
            pid = await start_process(
                stack,
                *_bare_command(port),
                env=_env(slack, port),
                stdout=asyncio.subprocess.DEVNULL,
            )
        else:
            with (workdir / "bot.log").open("a") as errors:
                pid = await start_process(
                    stack,
                    *(sys.executable, "-m", "bot", "run", "--simulator"),
                    env=_bot_env(slack, port, workdir, bot_src),
                    cwd=workdir,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=errors,
                )
        await _answers(port)
        healthy = (time.monotonic() - began, cpu_seconds(pid))
        # Every 50 ms: each answer costs the bot CPU while it loads (Kubernetes asks every few s).
        if bare or not await _answers(port, "/readyz", every=0.05):
            return Start(*healthy)
        return Start(*healthy, time.monotonic() - began, cpu_seconds(pid))


async def measure(
    *, rounds: int = 7, bot_src: str | None = None
) -> tuple[list[Start], list[Start]]:
    """(vpsbot's, the bare app's) starts, one of each per round, alternating."""
    bot: list[Start] = []
    bare: list[Start] = []
    with tempfile.TemporaryDirectory(prefix="vpsbot-bench-startup-") as folder:
        await _rounds(Path(folder), rounds, bot_src, bot, bare)
    return bot, bare


async def _rounds(
    workdir: Path, rounds: int, bot_src: str | None, bot: list[Start], bare: list[Start]
) -> None:
    (workdir / "policy.yml").write_text(POLICY)
    async with Slack() as slack:
        for measured in [False] + [True] * rounds:
            bare_start = await _start(slack, workdir, bot_src, bare=True)
            bot_start = await _start(slack, workdir, bot_src, bare=False)
            if measured:
                bare.append(bare_start)
                bot.append(bot_start)


def _medians(starts: list[Start]) -> tuple[float, float]:
    return statistics.median(s.wall for s in starts), statistics.median(s.cpu for s in starts)


def _ready(starts: list[Start]) -> str:
    """vpsbot's median time to the first 200 on /readyz, as one phrase."""
    walls = [s.ready_wall for s in starts if s.ready_wall is not None]
    cpus = [s.ready_cpu for s in starts if s.ready_cpu is not None]
    if not walls or not cpus:
        return "no /readyz"
    return f"{statistics.median(walls):.2f} s (CPU {statistics.median(cpus):.2f} s)"


async def run(*, rounds: int = 7, bot_src: str | None = None) -> str:
    """One row of the table: the medians and the ratios."""
    bot, bare = await measure(rounds=rounds, bot_src=bot_src)
    (wall, cpu), (bare_wall, bare_cpu) = _medians(bot), _medians(bare)
    return (
        f"{wall:.2f} s vs {bare_wall:.2f} s bare ({wall / bare_wall:.2f}x); "
        f"CPU {cpu:.2f} s vs {bare_cpu:.2f} s ({cpu / bare_cpu:.2f}x); "
        f"ready (/readyz) after {_ready(bot)}; median of {rounds}"
    )


async def main(options: argparse.Namespace) -> None:
    bot, bare = await measure(rounds=options.rounds, bot_src=options.bot_src)
    print(f"start to 200 on /healthz, {options.rounds} rounds (cpus: {os.cpu_count()})")
    for name, starts in (("vpsbot", bot), ("bare Bolt", bare)):
        wall, cpu = _medians(starts)
        shown = " ".join(f"{s.wall:.2f}" for s in starts)
        print(f"{name:>9}: median {wall:.2f} s, CPU {cpu:.2f} s  (each: {shown})")
    (wall, cpu), (bare_wall, bare_cpu) = _medians(bot), _medians(bare)
    print(f"ratio: {wall / bare_wall:.2f}x (CPU {cpu / bare_cpu:.2f}x)")
    ready = " ".join(f"{s.ready_wall:.2f}" for s in bot if s.ready_wall is not None)
    print(f"vpsbot start to 200 on /readyz (no bare counterpart): median {_ready(bot)}  ({ready})")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--bot-src", type=lambda p: str(Path(p).resolve()), default=None)
    asyncio.run(main(parser.parse_args()))
