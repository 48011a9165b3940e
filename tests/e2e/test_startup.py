"""A real `vpsbot run` process starting in hard conditions: its database refusing connections,
a restart after a crash (kill -9) with watches under way, a Slack it cannot reach."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import asyncpg
import httpx
import pytest
import sqlalchemy as sa

from bot.clients import verify_slack
from bot.config import Settings, StartupError
from bot.runner import start_bot
from bot.state import SCHEMA_VERSION
from slackemu import SlackEmulator
from tests.e2e.harness import (
    ALICE,
    APP_TOKEN,
    BOT_TOKEN,
    OPS,
    OPS_LOG,
    POLICY,
    SECRET,
    Clock,
    Harness,
    add_people,
    dump,
    eventually,
    fresh_simulator,
)
from tests.e2e.test_crash import free_port, serving
from tests.state.postgres import PostgresServer, postgres_server
from vpssim.simulator import RunningSimulator, start_simulator

__all__ = ["postgres_server"]

LEASE = 30.0
"""A watch's shortest lease (bot.watch.LEASE_MIN): what a restart no longer waits out."""


@dataclass
class Bot:
    """One `vpsbot run` process (HTTP mode) between the Slack emulator and the simulator."""

    tmp: Path
    emu: SlackEmulator
    sim: RunningSimulator
    token: str
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: asyncio.subprocess.Process | None = None

    def __post_init__(self) -> None:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "VPS_", "BOT_"))}
        self.env = {
            **keep,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": self.emu.api_url,
            "VPS_API_URL": self.sim.url,
            "VPS_API_TOKEN": self.token,
            "BOT_OPS_CHANNEL": OPS_LOG,
            "BOT_WATCH_INTERVAL_SECONDS": "0.05",
            "BOT_MONITOR_INTERVAL_SECONDS": "0",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "BOT_METRICS_PORT": "0",
            **self.env,
        }
        self.emu.app_url = f"http://127.0.0.1:{self.port}/slack/events"

    @property
    def log(self) -> Path:
        return self.tmp / "bot.log"

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run",
                env=self.env, cwd=self.tmp, stdout=log, stderr=log,
            )  # fmt: skip

    async def get(self, path: str) -> httpx.Response:
        async with httpx.AsyncClient() as client:
            return await client.get(f"http://127.0.0.1:{self.port}{path}", timeout=5)

    async def until(self, path: str, status: int, within: float = 60.0) -> httpx.Response:
        """Wait until GET `path` answers `status` (the process must stay up meanwhile)."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            assert self.proc is not None
            assert self.proc.returncode is None, f"the bot exited:\n{self.log.read_text()}"
            try:
                response = await self.get(path)
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code == status:
                return response
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{path} never answered {status}:\n{self.log.read_text()}")
            await asyncio.sleep(0.05)

    async def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(sig)
            await asyncio.wait_for(self.proc.wait(), 30)


@pytest.fixture
async def outside(tmp_path: Path) -> AsyncIterator[tuple[SlackEmulator, RunningSimulator, Clock]]:
    (tmp_path / "policy.yml").write_text(POLICY)
    clock = Clock()
    sim = fresh_simulator(clock)
    running = await start_simulator(sim)
    try:
        async with SlackEmulator(signing_secret=SECRET, bot_token=BOT_TOKEN) as emu:
            add_people(emu)
            yield emu, running, clock
    finally:
        await running.close()


async def _admin(server: PostgresServer, statement: str) -> None:
    conn = await asyncpg.connect(server.url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def test_a_replica_started_while_its_database_refuses_connections_serves_once_it_is_back(
    outside: tuple[SlackEmulator, RunningSimulator, Clock],
    tmp_path: Path,
    postgres_server: PostgresServer,
) -> None:
    emu, sim, _ = outside
    # A new, empty database: migrated once it answers.
    database = await asyncio.to_thread(postgres_server.create, migrated=False)
    name = sa.make_url(database).database
    # Nobody is connected to a new database: refusing new connections refuses them all.
    await _admin(postgres_server, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    bot = Bot(tmp_path, emu, sim, sim.simulator.token, {"BOT_STATE_URL": database})
    try:
        await bot.start()
        await bot.until("/healthz", 200)  # alive: Kubernetes does not restart it
        ready = await bot.get("/readyz")
        assert ready.status_code == 503  # "starting" while it loads, then waiting for the store

        async def waiting() -> bool:
            nonlocal ready
            ready = await bot.get("/readyz")
            return bool(ready.json()["checks"]["startup"] == "waiting for the state store")

        await eventually(waiting, "start-up to wait for the state store", within=30)
        assert ready.status_code == 503
        assert ready.json()["checks"]["state_store"] != "ok"
        ack = await emu.slash_command("/vps list", user=ALICE, channel=OPS)
        assert ack.status == 503  # no Slack work taken while the store cannot record it

        def attempts() -> list[str]:
            return [line for line in bot.log.read_text().splitlines() if "trying again" in line]

        await emu.wait_for(lambda: len(attempts()) >= 2, 30, what="two attempts in the log")
        assert bot.proc is not None
        assert bot.proc.returncode is None  # still up
        assert "not currently accepting connections" in attempts()[0]
        assert "Traceback" not in bot.log.read_text()  # one line an attempt

        await _admin(postgres_server, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        ready = await bot.until("/readyz", 200, within=30)
        assert ready.json()["checks"] == {"startup": "ok", "state_store": "ok"}
        ack = await emu.slash_command("/vps list", user=ALICE, channel=OPS)
        assert ack.status == 200
        listed = await emu.wait_for(
            lambda: [m for m in emu.messages(OPS, visible_to=ALICE) if "web-server-01" in dump(m)],
            10,
            what="the listing",
        )
        assert listed
    finally:
        await bot.stop()
        postgres_server.drop(database)


async def test_a_restart_is_alive_before_slack_vouches_for_it_and_takes_no_work_meanwhile(
    outside: tuple[SlackEmulator, RunningSimulator, Clock], tmp_path: Path
) -> None:
    """/healthz answers once the process listens, before Slack has answered auth.test (what a
    rollout or a crash restart waits for is short); /readyz and the events URL say not yet until
    start-up is done, and then it serves."""
    emu, sim, _ = outside
    emu.inject_rate_limit("auth.test", retry_after=5)  # Slack keeps the start waiting 5 s
    bot = Bot(tmp_path, emu, sim, sim.simulator.token)
    try:
        await bot.start()
        await bot.until("/healthz", 200)
        assert not [call for call in emu.calls("auth.test") if call.ok]  # not vouched for yet
        assert (await bot.get("/readyz")).status_code == 503
        ack = await emu.slash_command("/vps list", user=ALICE, channel=OPS)
        assert ack.status == 503  # no Slack work taken before it is ready

        await bot.until("/readyz", 200, within=30)
        assert [call for call in emu.calls("auth.test") if call.ok]
        ack = await emu.slash_command("/vps list", user=ALICE, channel=OPS)
        assert ack.status == 200
    finally:
        await bot.stop()


async def test_a_replica_restarted_after_a_crash_follows_its_servers_again_at_once(
    outside: tuple[SlackEmulator, RunningSimulator, Clock], tmp_path: Path
) -> None:
    emu, sim, clock = outside
    # Another replica on this host, with an identity of its own, stays up throughout: it must
    # not take the watch before its lease has run out.
    other = Bot(tmp_path / "other", emu, sim, sim.simulator.token)
    (tmp_path / "other").mkdir()
    state = {"BOT_STATE_URL": f"sqlite:///{tmp_path / 'state.db'}"}
    other.env.update(state, BOT_REPLICA_ID="replica-b")
    bot = Bot(tmp_path, emu, sim, sim.simulator.token, {**state, "BOT_REPLICA_ID": "replica-a"})
    try:
        await bot.start()
        await serving(bot.port)
        await other.start()
        await serving(other.port)
        emu.app_url = f"http://127.0.0.1:{bot.port}/slack/events"
        await emu.slash_command("/vps reboot web-server-01", user=ALICE, channel=OPS)
        await emu.wait_for(lambda: emu.messages(OPS_LOG), 10, what="the ops notice")
        await bot.stop(signal.SIGKILL)  # a crash: its lease on the watch stays for 30 s
        clock.now += 61  # the reboot ends while it is down
        await bot.start()  # the same replica again: same identity, a new process
        await serving(bot.port)

        def reported() -> bool:
            return any("is active" in m.text for m in emu.messages(OPS_LOG))

        # Well inside the lease the crashed process left behind: taken back, not waited out.
        await emu.wait_for(reported, LEASE / 2, what="the report after the restart")
        log = bot.log.read_text()
        assert "took back 1 lease this replica held" in log
        assert "took over" not in other.log.read_text()  # the other replica kept off it
    finally:
        await bot.stop()
        await other.stop()


async def test_a_state_file_from_a_newer_vpsbot_stops_the_start_at_once(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await harness.stop()
    with closing(sqlite3.connect(harness.tmp / "state.db")) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StartupError, match=f"schema version {SCHEMA_VERSION + 1}"):
        await harness.start()
    assert "trying again" not in caplog.text


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"username": "vpsbot_no_such_role"}, 'role "vpsbot_no_such_role" does not exist'),
        ({"database": "vpsbot_no_such_database"}, "vpsbot_no_such_database"),
    ],
)
async def test_postgresql_credentials_or_a_database_that_are_wrong_stop_the_start_at_once(
    harness: Harness,
    postgres_server: PostgresServer,
    caplog: pytest.LogCaptureFixture,
    change: dict[str, str],
    said: str,
) -> None:
    await harness.stop()
    url = sa.make_url(postgres_server.url).set(**change)
    harness.overrides["bot_state_url"] = url.render_as_string(hide_password=False)
    with pytest.raises(StartupError) as caught:
        await harness.start()
    assert str(caught.value).startswith("BOT_STATE_URL: cannot open database postgresql://")
    assert said in str(caught.value)
    assert "trying again" not in caplog.text


def _files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


async def test_a_start_that_cannot_reach_slack_says_so_and_leaves_no_state_file(
    tmp_path: Path,
) -> None:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "VPS_", "BOT_"))}
    env = {
        **keep,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/",  # nobody answers there
        "HOST": "127.0.0.1",
        "PORT": str(free_port()),
        "BOT_METRICS_PORT": "0",
    }  # BOT_STATE_URL unset: sqlite:///vpsbot.db, here
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--simulator",
        env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2
    assert "vpsbot: SLACK_API_URL: cannot reach Slack at http://127.0.0.1:" in err.decode()
    assert _files_in(tmp_path) == []  # no vpsbot.db left behind


async def test_a_slack_that_cannot_be_reached_says_what_to_set_when_its_url_is_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "VPS_", "BOT_")):
            monkeypatch.delenv(name)

    class Unreachable:  # Slack as seen without a network
        async def auth_test(self) -> None:
            raise OSError("Network is unreachable")

    settings = Settings(_env_file=None, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET)  # type: ignore[call-arg]
    with pytest.raises(StartupError) as caught:
        await verify_slack(settings, cast(Any, Unreachable()))
    message = str(caught.value)
    assert message.startswith("Slack: cannot reach Slack at https://slack.com/api/ (OSError)")
    assert "SLACK_API_URL" not in message  # never set: not what to fix
    assert "network access to Slack" in message
    assert "SLACK_BOT_TOKEN" in message
    assert "only `vpsbot console` runs fully offline" in message


async def test_socket_mode_connects_only_once_the_database_answers(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    (tmp_path / "policy.yml").write_text(POLICY)
    database = postgres_server.create()
    name = sa.make_url(database).database
    await _admin(postgres_server, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    port = free_port()
    clock = Clock()
    emulator = SlackEmulator(signing_secret=SECRET, bot_token=BOT_TOKEN, app_token=APP_TOKEN)
    async with emulator as emu:
        add_people(emu)
        h = Harness(emu=emu, sim=fresh_simulator(clock), tmp=tmp_path, clock=clock)
        h.overrides = {
            "slack_app_token": APP_TOKEN,
            "slack_signing_secret": None,
            "bot_state_url": database,
            "port": port,
        }
        starting = asyncio.create_task(
            start_bot(h.settings(), simulator=h.sim, clock=clock, wait_for_store=True)
        )
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:

                async def probed() -> bool:
                    try:
                        return (await client.get("/readyz")).status_code == 503
                    except httpx.HTTPError:
                        return False

                await eventually(probed, "the probes to answer", within=30)
                health = await client.get("/healthz")
                assert health.status_code == 200  # alive, however long the database takes
                assert health.json()["socket"] == "not connected yet"

                async def waiting() -> bool:
                    checks = (await client.get("/readyz")).json()["checks"]
                    return bool(checks["startup"] == "waiting for the state store")

                await eventually(waiting, "start-up to wait for the state store", within=30)
                assert emu.socket_connections == 0  # no Slack work taken meanwhile
                assert not starting.done()

                await _admin(postgres_server, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
                h.bot = await asyncio.wait_for(starting, 30)
                await emu.wait_for_socket()
                assert (await client.get("/readyz")).status_code == 200
            await h.answer("/vps whoami")
        finally:
            if not starting.done():
                starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
            await h.stop()
            postgres_server.drop(database)


async def test_a_replica_waiting_for_its_database_stops_cleanly_on_sigterm(
    outside: tuple[SlackEmulator, RunningSimulator, Clock],
    tmp_path: Path,
    postgres_server: PostgresServer,
) -> None:
    emu, sim, _ = outside
    database = postgres_server.create()
    name = sa.make_url(database).database
    await _admin(postgres_server, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    bot = Bot(tmp_path, emu, sim, sim.simulator.token, {"BOT_STATE_URL": database})
    try:
        await bot.start()
        await bot.until("/healthz", 200)
        await emu.wait_for(lambda: "trying again" in bot.log.read_text(), 30, what="an attempt")
        await bot.stop(signal.SIGTERM)  # a rollout while it waits
        assert bot.proc is not None
        assert bot.proc.returncode == 0, bot.log.read_text()
        assert "Traceback" not in bot.log.read_text()
    finally:
        await bot.stop(signal.SIGKILL)
        await _admin(postgres_server, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        postgres_server.drop(database)
