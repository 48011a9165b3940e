"""Three real `vpsbot run` processes on one state store, behind the Slack emulator (requests
spread round robin over them), all talking to one VPS.org simulator in the test process."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from slackemu import Message, SlackEmulator
from tests.e2e.harness import (
    ACK_WAIT,
    ALICE,
    APP_TOKEN,
    BOT_TOKEN,
    ONCALL,
    OPS,
    OPS_LOG,
    POLICY,
    SECRET,
    Clock,
    add_people,
    dump,
    fresh_simulator,
    is_placeholder,
)
from tests.e2e.test_crash import free_port, serving
from vpssim.simulator import RunningSimulator, Simulator, start_simulator

# One server's delete needs an on-call member's approval (tests/e2e/test_replicas.py).
APPROVAL = f"""
approve:
  delete:
    by: [{{usergroups: [{ONCALL}]}}]
    servers: ["api-server-05"]
"""
REPLICAS = 3
WATCH_INTERVAL = 0.05
MONITOR_INTERVAL = 0.1
SCHEDULE_INTERVAL = 0.05


@dataclass
class Replica:
    """One `vpsbot run` process and where it listens."""

    port: int
    log: Path
    proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"


@dataclass
class Cluster:
    """The replicas, the emulator in front of them and the simulator behind them."""

    tmp: Path
    state_url: str
    transport: str  # "http" or "socket"
    clock: Clock = field(default_factory=Clock)
    replicas: list[Replica] = field(default_factory=list)
    emu: SlackEmulator = field(init=False)
    sim: Simulator = field(init=False)
    _running_sim: RunningSimulator | None = None

    async def start(self) -> None:
        (self.tmp / "policy.yml").write_text(POLICY + APPROVAL)
        self.sim = fresh_simulator(self.clock)
        self._running_sim = await start_simulator(self.sim)
        socket = self.transport == "socket"
        self.emu = SlackEmulator(
            signing_secret=SECRET,
            bot_token=BOT_TOKEN,
            app_token=APP_TOKEN if socket else None,
            transport="socket" if socket else "http",
            spread=True,
            ack_timeout=ACK_WAIT,
        )
        await self.emu.start()
        add_people(self.emu)
        self.replicas = [
            Replica(free_port(), self.tmp / f"replica-{i}.log") for i in range(REPLICAS)
        ]
        await asyncio.gather(*(self.start_replica(i) for i in range(REPLICAS)))

    def env(self, replica: Replica) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "VPS_", "BOT_"))}
        assert self._running_sim is not None
        env = {
            **keep,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": self.emu.api_url,
            "VPS_API_URL": self._running_sim.url,
            "VPS_API_TOKEN": self.sim.token,
            "BOT_OPS_CHANNEL": OPS_LOG,
            "BOT_STATE_URL": self.state_url,
            "BOT_WATCH_INTERVAL_SECONDS": str(WATCH_INTERVAL),
            "BOT_MONITOR_INTERVAL_SECONDS": str(MONITOR_INTERVAL),
            "BOT_SCHEDULE_INTERVAL_SECONDS": str(SCHEDULE_INTERVAL),
            "HOST": "127.0.0.1",
            "PORT": str(replica.port),
            "BOT_METRICS_PORT": "0",  # three on one host: no metrics port to share
            # Three on one host: each its own identity, as each pod has its own host name.
            "BOT_REPLICA_ID": f"replica-{self.replicas.index(replica)}",
        }
        if self.transport == "socket":
            env["SLACK_APP_TOKEN"] = APP_TOKEN
        return env

    async def start_replica(self, index: int) -> None:
        """Start (or restart) replica `index`; its URL joins the rotation once it serves."""
        replica = self.replicas[index]
        with replica.log.open("ab") as log:
            replica.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                env=self.env(replica),
                cwd=self.tmp,
                stdout=log,
                stderr=log,
            )
        try:
            await serving(replica.port, replica.proc)
        except TimeoutError:
            raise AssertionError(f"replica {index} did not start:\n{self.logs()}") from None
        if self.transport == "http":
            self.emu.app_urls.append(replica.url)

    async def all_up(self) -> None:
        """Restart every replica a test stopped (together: they start in parallel)."""
        down = [i for i, r in enumerate(self.replicas) if r.proc and r.proc.returncode is not None]
        await asyncio.gather(*(self.start_replica(i) for i in down))
        if self.transport == "socket":
            await self.emu.wait_for(
                lambda: self.emu.socket_connections == REPLICAS, 30, what="every connection"
            )

    async def stop_replica(self, index: int, sig: signal.Signals = signal.SIGTERM) -> None:
        """Stop replica `index` (SIGTERM: gracefully; SIGKILL: a crash) and take it out of
        the rotation, as a load balancer would."""
        replica = self.replicas[index]
        if replica.url in self.emu.app_urls:
            self.emu.app_urls.remove(replica.url)
        assert replica.proc is not None
        replica.proc.send_signal(sig)
        await asyncio.wait_for(replica.proc.wait(), 15)

    def index_of(self, owner: str) -> int:
        """Which replica a lease owner ("host:pid:random") is."""
        pid = int(owner.split(":")[1])
        return next(i for i, r in enumerate(self.replicas) if r.proc and r.proc.pid == pid)

    async def sql(self, query: str, *args: Any) -> list[tuple[Any, ...]]:
        """Run one statement on the shared store (`?` placeholders) and return its rows."""
        if self.state_url.startswith("sqlite"):
            path = self.state_url.removeprefix("sqlite:///")

            def run() -> list[tuple[Any, ...]]:
                with closing(sqlite3.connect(path, timeout=5)) as db, db:
                    return list(db.execute(query, args).fetchall())

            return await asyncio.to_thread(run)
        for n in range(len(args)):
            query = query.replace("?", f"${n + 1}", 1)
        conn = await asyncpg.connect(self.state_url)
        try:
            return [tuple(row) for row in await conn.fetch(query, *args)]
        finally:
            await conn.close()

    async def answer(self, text: str, *, user: str = ALICE, channel: str = OPS) -> Message:
        """Type a command and wait for its answer (past any "Working on it…" placeholder)."""
        before = {m.ts for m in self.emu.messages(visible_to=user)}
        ack = await self.emu.slash_command(text, user=user, channel=channel)
        assert ack.ok, f"{text!r}: {ack.error}\n{self.logs()}"

        def fresh() -> Message | None:
            found = [
                m
                for m in self.emu.messages(channel, visible_to=user)
                if m.ts not in before and m.via != "slash_command" and not is_placeholder(m)
            ]
            return found[0] if found else None

        return await self.emu.wait_for(fresh, 30, what=f"an answer to {text!r}")

    def api_calls(self, method: str, suffix: str) -> list[str]:
        return [p for m, p in self.sim.requests if m == method and p.split("?")[0].endswith(suffix)]

    def ops_log(self, text: str) -> list[Message]:
        """Messages in the ops channel (and its threads) that say `text`."""
        return [m for m in self.emu.messages(OPS_LOG) if text in dump(m)]

    def logs(self) -> str:
        """The last lines each replica wrote (for failure messages)."""
        tails = []
        for i, replica in enumerate(self.replicas):
            lines = (
                replica.log.read_text(errors="replace").splitlines() if replica.log.exists() else []
            )
            tails.append(f"--- replica {i}:\n" + "\n".join(lines[-15:]))
        return "\n".join(tails)

    async def close(self) -> None:
        for replica in self.replicas:
            if replica.proc is not None and replica.proc.returncode is None:
                replica.proc.terminate()
        for replica in self.replicas:
            if replica.proc is not None:
                try:
                    await asyncio.wait_for(replica.proc.wait(), 15)
                except TimeoutError:
                    replica.proc.kill()
                    await replica.proc.wait()
        await self.emu.close()
        if self._running_sim is not None:
            await self._running_sim.close()
