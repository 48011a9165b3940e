"""A bot killed (SIGKILL) between the API call and the server settling still reports it."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

import httpx

from slackemu import SlackEmulator
from tests.e2e.harness import (
    ACK_WAIT,
    ALICE,
    BOT_TOKEN,
    OPS,
    OPS_LOG,
    POLICY,
    SECRET,
    Clock,
    add_people,
    fresh_simulator,
)
from vpssim.simulator import start_simulator


def free_port() -> int:
    """A free port below the kernel's ephemeral range (32768 and up on Linux), for a process to
    listen on later: a port from that range may meanwhile become the source port of one of the
    many outgoing connections of tests running beside this one ("address already in use")."""
    while True:
        port = random.randint(20000, 32000)  # spreading the tests apart, not a secret
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def bot_env(emu: SlackEmulator, vps_url: str, vps_token: str, port: int) -> dict[str, str]:
    """The environment of a `vpsbot run` process (HTTP mode on `port`) against the emulator and
    the simulator, with none of this machine's own SLACK_/VPS_/BOT_ settings."""
    own = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "VPS_", "BOT_"))}
    return {
        **own,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": emu.api_url,
        "VPS_API_URL": vps_url,
        "VPS_API_TOKEN": vps_token,
        "BOT_OPS_CHANNEL": OPS_LOG,
        "BOT_WATCH_INTERVAL_SECONDS": "0.05",
        "BOT_MONITOR_INTERVAL_SECONDS": "0",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "BOT_METRICS_PORT": "0",
    }


async def serving(
    port: int, proc: asyncio.subprocess.Process | None = None, within: float = 60.0
) -> None:
    """Wait until the bot on `port` is ready (/readyz 200: it answers its probes while it waits
    for the state store, but takes Slack's requests only once ready); fail at once if `proc`,
    the bot, has ended meanwhile."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    async with httpx.AsyncClient() as client:
        while loop.time() < deadline:
            if proc is not None and proc.returncode is not None:
                raise TimeoutError(f"the bot ended (exit code {proc.returncode}) before ready")
            try:
                response = await client.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
            except httpx.HTTPError:
                pass
            else:
                if response.status_code == 200:
                    return
            await asyncio.sleep(0.05)
    raise TimeoutError(f"the bot on {port} was not ready within {within:g}s")


async def test_a_killed_bot_reports_the_server_after_restart(tmp_path: Path) -> None:
    (tmp_path / "policy.yml").write_text(POLICY)
    clock = Clock()
    sim = fresh_simulator(clock)
    running = await start_simulator(sim)
    async with SlackEmulator(
        signing_secret=SECRET, bot_token=BOT_TOKEN, ack_timeout=ACK_WAIT
    ) as emu:
        add_people(emu)
        port = free_port()
        env = bot_env(emu, running.url, sim.token, port)

        async def start() -> asyncio.subprocess.Process:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                env=env,
                cwd=tmp_path,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            await serving(port, proc)
            emu.app_url = f"http://127.0.0.1:{port}/slack/events"
            return proc

        bot = await start()
        try:
            await emu.slash_command("/vps reboot web-server-01", user=ALICE, channel=OPS)
            await emu.wait_for(lambda: emu.messages(OPS_LOG), 30, what="the ops notice")
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
            clock.now += 61  # the reboot ends while no bot is running
            # ... and the dead process's lease on its watch (30 s) runs out meanwhile.
            with closing(sqlite3.connect(tmp_path / "vpsbot.db")) as db, db:
                db.execute("UPDATE watches SET lease_until = 0")
            bot = await start()

            def reported() -> bool:
                return any("is active" in m.text for m in emu.messages(OPS_LOG))

            await emu.wait_for(reported, 30, what="the report after the restart")
        finally:
            bot.terminate()
            await bot.wait()
    await running.close()
