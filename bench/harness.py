"""Shared pieces of the benchmarks: the processes (simulator, vpsbot, bare Bolt), Slack, timing.

Every benchmark runs as production does: the VPS.org simulator (`bench/sim_server.py`), the bot
(`vpsbot run`, HTTP mode) or a baseline app (`bench/bare_bolt.py`) are separate processes; this
process plays Slack with the emulator. `bot_src` picks the source tree the bot runs from (another
checkout, e.g. main's, to measure "today"); the simulator and the emulator always come from this
tree.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import tempfile
import time
from collections.abc import Iterable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from slackemu import SlackEmulator
from slackemu import api_chat as emulator_chat
from slackemu import responses as emulator_responses
from slackemu.delivery import USER_AGENT, HttpDelivery
from slackemu.model import Message
from slackemu.records import Ack, Change, Interaction

SECRET, BOT_TOKEN, SIM_TOKEN = "bench-secret", "xoxb-bench", "bench-token"
FLOODER, OTHER = "U0BENCH01", "U0BENCH02"
CHANNEL = "C0BENCH01"
BENCH = Path(__file__).resolve().parent
POLICY = f"rules:\n  reboot: [{{users: [{OTHER}]}}]\n"
"""The other member may reboot (no confirmation: only stop and delete ask by default)."""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_for_port(port: int, limit: float = 60.0) -> None:
    """Return once something accepts connections on 127.0.0.1:port."""
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
    """The nearest-rank percentile."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def memory_mb(pid: int) -> tuple[float, float]:
    """(resident, peak resident) memory of a process, in MB."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


@dataclass(frozen=True)
class Request:
    """One request the simulator received."""

    method: str
    path: str
    arrived: float
    answered: float | None
    status: int | None


@dataclass
class Sim:
    """A running simulator process and its request log."""

    url: str
    control: str

    async def mark(self) -> int:
        """How many requests the API has received so far."""
        return len(await self.log())

    async def log(self, since: int = 0) -> list[Request]:
        """The requests received, from the `since`-th on."""
        async with httpx.AsyncClient() as client:
            body = (await client.get(f"{self.control}/log", params={"since": since})).json()
        return [Request(*record) for record in body["requests"]]


async def start_process(stack: AsyncExitStack, *args: str, **kwargs: object) -> int:
    """Start a process that is terminated when `stack` closes; its pid."""
    proc = await asyncio.create_subprocess_exec(*args, **kwargs)  # type: ignore[arg-type]

    async def stop() -> None:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()

    stack.push_async_callback(stop)
    return proc.pid


async def start_sim(
    stack: AsyncExitStack,
    *,
    servers: int,
    latency: float,
    page_size: int = 100,
    drip_path: str = "",
    endless_pages: bool = False,
    extra: tuple[str, ...] = (),
) -> Sim:
    """A simulator process serving `servers` servers, every answer `latency` seconds late."""
    port, control = free_port(), free_port()
    args = [
        *("--port", str(port), "--control-port", str(control), "--token", SIM_TOKEN),
        *("--servers", str(servers), "--page-size", str(page_size), "--latency", str(latency)),
    ]
    if drip_path:
        args += ["--drip-path", drip_path]
    if endless_pages:
        args.append("--endless-pages")
    args += extra
    await start_process(
        stack,
        sys.executable,
        str(BENCH / "sim_server.py"),
        *args,
        stdout=asyncio.subprocess.DEVNULL,
    )
    await wait_for_port(control)
    await wait_for_port(port)
    return Sim(f"http://127.0.0.1:{port}/api/v1", f"http://127.0.0.1:{control}")


@dataclass
class App:
    """A running Slack app process (vpsbot or a baseline)."""

    pid: int
    port: int

    def memory_mb(self) -> tuple[float, float]:
        """(resident, peak resident) memory in MB."""
        return memory_mb(self.pid)


def _slack_env(slack: Slack, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.emulator.api_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
    }


async def start_vpsbot(
    stack: AsyncExitStack,
    slack: Slack,
    sim: Sim,
    *,
    bot_src: str | None = None,
    settings: dict[str, str] | None = None,
) -> App:
    """`vpsbot run` in HTTP mode against `sim`, from `bot_src` (None: this tree)."""
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="vpsbot-bench-"))
    (workdir / "policy.yml").write_text(POLICY)
    env = {
        **_slack_env(slack, port),
        "VPS_API_URL": sim.url,
        "VPS_API_TOKEN": SIM_TOKEN,
        "BOT_STATE_URL": f"sqlite:///{workdir / 'state.db'}",
        "BOT_MONITOR_INTERVAL_SECONDS": "0",
        "BOT_METRICS_PORT": "0",  # no metrics listener: bench processes must not share a port
        **(settings or {}),
    }
    if bot_src:
        env["PYTHONPATH"] = bot_src
    with (workdir / "bot.log").open("w") as errors:
        pid = await start_process(
            stack,
            *(sys.executable, "-m", "bot", "run"),
            env=env,
            cwd=workdir,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=errors,
        )
    await wait_for_port(port)
    await wait_until_ready(port)  # its probes answer before it takes Slack's requests
    return App(pid, port)


async def wait_until_ready(port: int, limit: float = 60.0) -> None:
    """Return once the bot on 127.0.0.1:port says it is ready (`/readyz` 200)."""
    deadline = time.monotonic() + limit
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                response = await client.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code == 200:
                return
            await asyncio.sleep(0.05)
    raise TimeoutError(f"the bot on port {port} was not ready within {limit:g}s")


async def start_bare(stack: AsyncExitStack, slack: Slack, *, mode: str, sim: Sim | None) -> App:
    """The bare Bolt baseline (`bench/bare_bolt.py`) in `mode` ack or get."""
    port = free_port()
    args = ["--port", str(port), "--mode", mode, "--api-token", SIM_TOKEN]
    if sim is not None:
        args += ["--api-url", sim.url]
    pid = await start_process(
        stack,
        *(sys.executable, str(BENCH / "bare_bolt.py"), *args),
        env=_slack_env(slack, port),
        stdout=asyncio.subprocess.DEVNULL,
    )
    await wait_for_port(port)
    return App(pid, port)


@dataclass
class Sent:
    """One slash command: when it was sent, acked and first answered (monotonic seconds)."""

    text: str
    user: str
    sent: float
    ack: Ack | None = None
    acked: float | None = None
    answered: float | None = None

    @property
    def ack_seconds(self) -> float:
        """How long the app took to ack, as Slack measured it."""
        assert self.ack is not None
        return self.ack.elapsed

    @property
    def answer_seconds(self) -> float | None:
        """From sending the command to the first message answering it; None: no answer yet."""
        return None if self.answered is None else self.answered - self.sent

    @property
    def interaction(self) -> Interaction | None:
        """What the emulator recorded for it."""
        return self.ack.interaction if self.ack else None

    def answer_text(self) -> str:
        """The text of every message answering the command."""
        it = self.interaction
        text = "\n".join(m.text for m in it.responses if _is_answer(m)) if it else ""
        return text.replace("\u2060", "")  # the bot's word joiners keep "VPS.org" from linking


def _accept_any_blocks() -> None:
    """The benchmarks time the bot; judging its Block Kit is the tests' job. An older revision
    (--today) may send what this tree's stricter emulator refuses, which would stall every case."""
    for module in (emulator_responses, emulator_chat):
        module.validate_blocks = module.validate_text = lambda *_: []  # type: ignore[attr-defined]


PLACEHOLDER = "Working on it"
"""How the bot's 'still working' note starts: it is replaced by the answer, it is not one."""


def _is_answer(message: Message) -> bool:
    return not message.deleted and not message.text.startswith(PLACEHOLDER)


class _Unlimited(HttpDelivery):
    """Slack opens as many connections as it needs: no client-side pool limit or queue."""

    def __init__(self, signing_secret: str) -> None:
        super().__init__(signing_secret)
        self._client = httpx.AsyncClient(
            headers={"User-Agent": USER_AGENT},
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=1000),
        )


@dataclass
class Slack:
    """The emulator, with a clock on every command's ack and first answer."""

    emulator: SlackEmulator = field(
        default_factory=lambda: SlackEmulator(
            signing_secret=SECRET, bot_token=BOT_TOKEN, ack_timeout=60.0
        )
    )
    _waiting: list[Sent] = field(default_factory=list)

    async def __aenter__(self) -> Slack:
        _accept_any_blocks()
        await self.emulator.start()
        await self.emulator._http.close()  # type: ignore[union-attr]
        self.emulator._http = _Unlimited(SECRET)  # see _Unlimited
        for user, name in ((FLOODER, "flooder"), (OTHER, "other")):
            self.emulator.add_user(user, name)
        self.emulator.add_channel(CHANNEL, "bench", members=[FLOODER, OTHER])
        self.emulator.on_change(self._changed)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.emulator.close()

    def use(self, app: App) -> None:
        """Send commands to `app` from now on."""
        self.emulator.app_url = f"http://127.0.0.1:{app.port}/slack/events"

    def _changed(self, change: Change) -> None:
        # The emulator records a response on its interaction right after announcing it.
        if change.message is not None:
            asyncio.get_running_loop().call_soon(self._scan, time.monotonic())

    def _scan(self, now: float) -> None:
        still = []
        for sent in self._waiting:
            it = sent.interaction
            if it is not None and any(_is_answer(m) for m in it.responses):
                sent.answered = now
            else:
                still.append(sent)
        self._waiting = still

    async def command(self, text: str, *, user: str = FLOODER) -> Sent:
        """Send one slash command and return once it is acked."""
        sent = Sent(text, user, time.monotonic())
        self._waiting.append(sent)
        sent.ack = await self.emulator.slash_command(text, user=user, channel=CHANNEL)
        sent.acked = time.monotonic()
        self._scan(sent.acked)  # answered before the ack came back
        return sent

    async def commands(self, text: str, count: int, *, user: str = FLOODER) -> list[Sent]:
        """Send `count` copies of a command at once; return when all are acked."""
        return list(await asyncio.gather(*(self.command(text, user=user) for _ in range(count))))

    async def answered(self, sent: Iterable[Sent], limit: float) -> bool:
        """Wait until every command has an answer; False if some still have none after `limit`."""
        pending = list(sent)
        try:
            await self.emulator.wait_for(
                lambda: all(s.answered is not None for s in pending), limit
            )
        except TimeoutError:
            return False
        return True

    async def warm_up(self, app: App) -> None:
        """One `help` answered end to end, so the first measured command pays no start-up."""
        self.use(app)
        sent = await self.command("/vps help")
        if not await self.answered([sent], 30):
            raise RuntimeError("the app did not answer /vps help within 30 s")


def seconds(value: float | None) -> str:
    """A duration for the table."""
    if value is None:
        return "—"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"
