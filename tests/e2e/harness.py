"""The real bot (HTTP or Socket Mode) between the Slack emulator and the VPS.org simulator."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.flow.requests import WORKING
from bot.runner import RunningBot, start_bot
from slackemu import Ack, Message, SlackEmulator
from vpssim.simulator import Durations, Simulator

SECRET = "e2e-signing-secret"
BOT_TOKEN = "xoxb-e2e-bot-token"
APP_TOKEN = "xapp-e2e-app-token"

ALICE, BOB, CAROL, ADMIN = "U0ALICE01", "U0BOB0001", "U0CAROL01", "U0ADMIN01"
OPS, GENERAL, OPS_LOG = "C0OPS0001", "C0GENERAL", "C0OPSLOG1"
ONCALL = "S0ONCALL1"

POLICY = f"""
rules:
  "*":
    - users: [{ADMIN}]
  stop:
    - channels: [{OPS}]
    - usergroups: [{ONCALL}]
  reboot:
    - channels: [{OPS}]
  delete:
    - users: [{ALICE}]
      channels: [{OPS}]
  start:
    - servers: ["web-*"]
  update:
    - channels: [{OPS}]
  create:
    - channels: ["#ops"]
confirm: [stop, delete]
"""


ACK_WAIT = 30.0
"""How long the emulator waits for an ack in these tests. Slack gives up after 3 s; on a loaded
test machine an ack is judged for arriving, not for its speed (`bench/ack_latency.py` and
`bench/flood.py` measure that)."""


def is_placeholder(message: Message) -> bool:
    """The "Working on it…" note a slow answer shows first; the answer replaces it."""
    return WORKING in dump(message)


class Clock:
    """Wall-clock seconds that a test moves by hand (for expiry), shared by bot and simulator."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Harness:
    """Everything a test drives: the emulator, the simulator and the running bot."""

    emu: SlackEmulator
    sim: Simulator
    tmp: Path
    clock: Clock
    overrides: dict[str, Any] = field(default_factory=dict)
    bot: RunningBot | None = None

    def settings(self) -> Settings:
        values: dict[str, Any] = {
            "slack_bot_token": BOT_TOKEN,
            "slack_signing_secret": SECRET,
            "slack_api_url": self.emu.api_url,
            "bot_policy_file": self.tmp / "policy.yml",
            "bot_state_url": f"sqlite:///{self.tmp / 'state.db'}",
            "bot_ops_channel": OPS_LOG,
            "bot_monitor_interval_seconds": 0,  # tests that want the monitor turn it on
            "host": "127.0.0.1",
            "port": 0,
            "bot_metrics_port": 0,  # tests that scrape /metrics pick a free port
            **self.overrides,
        }
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    async def start(self) -> RunningBot:
        """Start (or restart) the bot; the emulator sends to its new port."""
        self.bot = await start_bot(
            self.settings(),
            simulator=self.sim,
            announce=lambda _: None,
            clock=self.clock,
            socket_ping_interval=0.5,  # reconnects within a second, not ten
        )
        self.emu.app_url = f"http://127.0.0.1:{self.bot.port}/slack/events"
        return self.bot

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.close()
            self.bot = None

    async def command(self, text: str, *, user: str = ALICE, channel: str = OPS) -> Ack:
        """Type a slash command; it must be acknowledged."""
        ack = await self.emu.slash_command(text, user=user, channel=channel)
        assert ack.status == 200, f"{text!r} got HTTP {ack.status}: {ack.error}"
        assert ack.ok, f"{text!r} was not acknowledged: {ack.error}"
        return ack

    async def answer(
        self, text: str, *, user: str = ALICE, channel: str = OPS, within: float = 20.0
    ) -> Message:
        """Type a command and wait for its answer: the first new message the person sees in
        that channel, past any "Working on it…" placeholder."""
        before = {m.ts for m in self.emu.messages(visible_to=user)}
        await self.command(text, user=user, channel=channel)
        return await self.new_message(before, user=user, channel=channel, within=within)

    async def new_message(
        self,
        before: set[str],
        *,
        user: str,
        channel: str | None = None,
        within: float = 20.0,
        where: Callable[[Message], bool] = lambda _: True,
    ) -> Message:
        def fresh() -> Message | None:
            found = [
                m
                for m in self.emu.messages(channel, visible_to=user)
                if m.ts not in before
                and m.via != "slash_command"
                and not is_placeholder(m)
                and where(m)
            ]
            return found[0] if found else None

        return await self.emu.wait_for(fresh, within, what=f"a new message for {user}")

    def seen(self, user: str = ALICE) -> set[str]:
        return {m.ts for m in self.emu.messages(visible_to=user)}

    def api_calls(self, method: str, suffix: str = "") -> list[str]:
        """Requests the simulator received with this method and path ending."""
        return [
            path
            for m, path in self.sim.requests
            if m == method and path.split("?")[0].endswith(suffix)
        ]

    def ops_log(self) -> list[Message]:
        return self.emu.messages(OPS_LOG)


async def eventually(check: Callable[[], Awaitable[bool]], what: str, within: float = 20.0) -> None:
    """Wait until an async condition holds (polling the state store, say), or fail saying what."""
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"waited {within}s for {what}")
        await asyncio.sleep(0.01)


def dump(message: Message) -> str:
    """Everything Slack would render of a message as one string to search, as a person reads
    it: code spans show without their backticks (values inside keep every byte)."""
    raw = message.text + json.dumps(message.blocks, ensure_ascii=False)
    return raw.replace("`", "")


def fresh_simulator(clock: Clock) -> Simulator:
    # Durations long enough that a stopped server stays "stopping" until a test moves time.
    return Simulator(seed=25, durations=Durations(), clock=clock)


def add_people(emu: SlackEmulator) -> None:
    for user_id, name in ((ALICE, "alice"), (BOB, "bob"), (CAROL, "carol"), (ADMIN, "admin")):
        emu.add_user(user_id, name)
    emu.add_channel(OPS, "ops")
    emu.add_channel(GENERAL, "general")
    emu.add_channel(OPS_LOG, "ops-log")
    emu.set_usergroup(ONCALL, [BOB])


@asynccontextmanager
async def running(
    tmp: Path,
    migrated: Path,
    *,
    socket: bool = False,
    connected: bool = True,
    **overrides: object,
) -> AsyncIterator[Harness]:
    """The emulator, the simulator and the bot in `tmp`, over HTTP or Socket Mode (connected
    before this yields, unless not `connected`), with these settings overridden."""
    (tmp / "policy.yml").write_text(POLICY)
    shutil.copyfile(migrated, tmp / "state.db")
    clock = Clock()
    app_token = APP_TOKEN if socket else None
    emu = SlackEmulator(
        signing_secret=SECRET, bot_token=BOT_TOKEN, app_token=app_token, ack_timeout=ACK_WAIT
    )
    await emu.start()
    add_people(emu)
    h = Harness(emu=emu, sim=fresh_simulator(clock), tmp=tmp, clock=clock)
    h.overrides = dict(overrides)
    if socket:
        h.overrides |= {"slack_app_token": APP_TOKEN, "slack_signing_secret": None}
    try:
        await h.start()
        if socket and connected:
            await emu.wait_for_socket()
        yield h
    finally:
        await h.stop()
        await emu.close()
