"""`vpsbot run`: build the services from Settings, connect to Slack, serve until stopped.

The probes answer first: the web server listens once the settings and the policy are read, and
the rest (the Bolt app, the services, SQLAlchemy and the state store) loads in a thread meanwhile
— /healthz says alive, /readyz and the events URL say not yet, until it all runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aiohttp
from pydantic import SecretStr

from bot.background import periodic_work
from bot.clients import connect_socket, serve_metrics, vps_client
from bot.config import Settings, StartupError
from bot.policy import Policy, PolicyError, load_policy, settings_problems
from bot.startup import Probes, load_the_rest, when_reachable
from bot.state import new_replica_id
from bot.web import Probe

if TYPE_CHECKING:  # loaded after the probes answer (`load_the_rest`), or only where used
    from slack_bolt.async_app import AsyncApp

    from bot.catalog import Catalog
    from bot.flow.services import Services
    from bot.vps import VPSClient
    from bot.watch import Watcher
    from vpssim.simulator import Simulator

logger = logging.getLogger(__name__)

DEMO_BANNER = (
    "*** DEMO MODE: vpsbot is talking to its built-in VPS.org simulator, not to VPS.org. "
    "Nothing you do here touches a real server. ***"
)


@dataclass
class RunningBot:
    """A started bot: its HTTP port, its services, and how to stop it."""

    port: int
    services: Services
    mode: str
    health: Probe
    app: AsyncApp
    watcher: Watcher
    _stack: AsyncExitStack = field(default_factory=AsyncExitStack)
    metrics_port: int | None = None  # None: BOT_METRICS_PORT=0, no /metrics

    async def close(self) -> None:
        """Stop serving and release every connection, in reverse order of opening."""
        await self._stack.aclose()


def load_policy_for(settings: Settings) -> Policy:
    """The policy file; a missing default file means the read-only default policy."""
    path = settings.bot_policy_file
    if not path.exists():
        if "bot_policy_file" in settings.model_fields_set:
            raise StartupError(f"BOT_POLICY_FILE: {path} does not exist")
        logger.warning("no %s: every write is denied until a policy file allows it", path)
        return Policy.default()
    try:
        policy = load_policy(path)
    except PolicyError as exc:
        raise StartupError(str(exc)) from None
    if problems := settings_problems(policy, settings.bot_ops_channel):
        raise StartupError("\n".join(problems))
    return policy


def load_catalog_for(settings: Settings) -> Catalog:
    """The create catalog: BOT_CATALOG_FILE, or the built-in one."""
    from bot.catalog import CatalogError, load_catalog

    try:
        return load_catalog(settings.bot_catalog_file)
    except CatalogError as exc:
        raise StartupError(f"BOT_CATALOG_FILE: {exc}") from None


async def start_bot(
    settings: Settings,
    *,
    simulator: Simulator | None = None,
    announce: Callable[[str], None] = lambda line: print(line, flush=True),
    clock: Callable[[], float] = time.time,
    socket_ping_interval: float = 10.0,
    policy: Policy | None = None,
    wait_for_store: bool = False,
) -> RunningBot:
    """Start everything `vpsbot run` needs; StartupError (nothing left running) if it can't.

    `wait_for_store`: a state store that cannot be reached is waited for (`vpsbot run`, with
    its probes answering meanwhile) instead of stopping the start. `policy` replaces the policy
    file (the console's demo policy); `clock` and `socket_ping_interval` are for tests.
    """
    problems = settings.problems_for_run(simulator=simulator is not None)
    if problems:
        raise StartupError("\n".join(problems))
    policy = policy or load_policy_for(settings)
    for warning in policy.warnings:  # a glob that can never match: it loads, but say so
        logger.warning("%s", warning)
    async with AsyncExitStack() as stack:  # all closed again unless start-up gets to its end
        probes = await Probes.listen(settings, stack)
        from bot.metrics import Metrics
        from bot.slack.web import SlackWeb, slack_client

        metrics = Metrics()
        client = slack_client(settings, metrics)
        # Before the state store is touched: a start Slack refuses leaves no state file behind.
        catalog = await load_the_rest(settings, client, load_catalog_for)
        from bot.app import create_app
        from bot.flow.services import Services
        from bot.notify import Notifier
        from bot.slack.groups import SlackGroupMembers
        from bot.state import store_for
        from bot.vps.transport import load_async_backend
        from bot.watch import Watcher
        from bot.web import ReplayGuard, SlackEvents

        try:
            store = store_for(settings.bot_state_url, clock=clock)  # not connected yet
        except ValueError as exc:
            raise StartupError(f"BOT_STATE_URL: {exc}") from None
        stack.push_async_callback(store.close)
        readiness = probes.readiness
        readiness.store = store

        vps = await _vps(settings, simulator, announce, stack)
        vps.on_request = metrics.vps_request
        http = aiohttp.ClientSession()  # for the answers through response_url
        stack.push_async_callback(http.close)  # closed after the drain
        slack = SlackWeb(client, session=http)
        notifier = Notifier(slack, settings.bot_ops_channel)
        # This process's name on the leases it holds (watches, the fleet monitor); closing the
        # watcher and the monitor gives them up at once, so another replica takes over.
        replica = new_replica_id(settings.bot_replica_id)
        watcher = Watcher(
            vps=vps,
            store=store,
            notifier=notifier,
            slack=slack,
            interval=settings.bot_watch_interval_seconds,
            clock=clock,
            owner=replica,
        )
        services = Services(
            settings=settings,
            vps=vps,
            policy=policy,
            groups=SlackGroupMembers(slack),
            store=store,
            catalog=catalog,
            slack=slack,
            ops=notifier,
            clock=clock,
            metrics=metrics,
            replica=replica,
        )
        secret = settings.slack_signing_secret
        app = create_app(services, signing_secret=secret.get_secret_value() if secret else None)

        # The work that needs the state store starts once it answers; closed after the drain.
        background = AsyncExitStack()
        stack.push_async_callback(background.aclose)
        # Closed in reverse: requests stop coming (socket, then HTTP) before in-flight work drains.
        stack.push_async_callback(services.drain)
        socket = probes.socket
        if socket is not None:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            assert settings.slack_app_token is not None  # noqa: S101 - socket_mode says so
            socket.handler = AsyncSocketModeHandler(  # connected once the store answers
                app,
                settings.slack_app_token.get_secret_value(),
                web_client=client,
                ping_interval=socket_ping_interval,
            )
            stack.push_async_callback(socket.handler.close_async)
        readiness.state = "waiting for the state store"
        stack.push_async_callback(readiness.close)
        stack.push_async_callback(probes.stop_serving)  # requests stop before the drain
        metrics_port = await serve_metrics(settings, metrics, stack)
        # Pushed last, so it runs first on close: not ready any more while everything stops.
        stack.callback(setattr, readiness, "state", "stopping")

        async def first_contact() -> None:
            await store.upgrade()  # migrations: once, under the lock replicas share
            if taken := await store.take_back(replica):
                leases = "lease" if taken == 1 else "leases"
                logger.info("took back %d %s this replica held before it restarted", taken, leases)
            await watcher.resume()

        await when_reachable(first_contact, wait=wait_for_store)
        readiness.state = "starting"
        background.push_async_callback(watcher.close)
        background.push_async_callback(services.home.close)
        background.push_async_callback(services.steps.close)
        periodic = periodic_work(settings, services, watcher, notifier, replica, socket)
        background.push_async_callback(periodic.aclose)  # before the watcher gives its watches up
        where = f"http://{settings.host}:{probes.port}"
        if socket is not None and socket.handler is not None:
            socket.opened = True
            await connect_socket(socket.handler, settings)
            announce(f"vpsbot connected to Slack over Socket Mode; health at {where}/healthz")
        else:  # the events URL said 503 until now, the store answering
            assert secret is not None  # noqa: S101 - problems_for_run requires it in HTTP mode
            guard, ack_first = ReplayGuard(store), services.ack_first
            events = SlackEvents(app, secret.get_secret_value(), guard, ack_first=ack_first)
            probes.events_url.events = events
            announce(f"vpsbot listening on {where}/slack/events (health at {where}/healthz)")
        periodic.start()
        if metrics_port is not None:
            announce(f"metrics at http://{settings.host}:{metrics_port}/metrics")
        readiness.state = "ready"
        load_async_backend()
        # Everything made so far (modules, the app, the clients) lives as long as the process:
        # out of the collector's sight, a full collection under a burst of requests takes
        # milliseconds instead of pausing every request for half a second.
        gc.freeze()
        mode = "socket" if socket is not None else "http"
        return RunningBot(
            probes.port, services, mode, probes.health, app, watcher, stack.pop_all(), metrics_port
        )
    raise AssertionError("unreachable")  # pragma: no cover - a start either returns or raises


async def _vps(
    settings: Settings,
    simulator: Simulator | None,
    announce: Callable[[str], None],
    stack: AsyncExitStack,
) -> VPSClient:
    """The VPS.org client: of VPS_API_URL, or of the simulator started here (--simulator)."""
    if simulator is not None:
        from vpssim.simulator import start_simulator

        running = await start_simulator(simulator)
        stack.push_async_callback(running.close)
        announce(DEMO_BANNER)
        simulated = {"vps_api_url": running.url, "vps_api_token": SecretStr(simulator.token)}
        settings = settings.model_copy(update=simulated)
    vps = vps_client(settings)
    stack.push_async_callback(vps.aclose)
    return vps


async def run_bot(settings: Settings, *, simulator: Simulator | None = None) -> int:
    """Run until SIGINT or SIGTERM; 0 on a clean stop (also while start-up still waits for
    the state store)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    starting = asyncio.create_task(start_bot(settings, simulator=simulator, wait_for_store=True))
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if not starting.done():  # stopped while starting: start_bot closes what it opened
        starting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await starting
        logger.info("stopped before start-up finished")
        return 0
    bot = starting.result()  # a StartupError is raised here
    try:
        await stopping
    finally:
        stopping.cancel()
        logger.info("stopping")
        await bot.close()
    return 0
