"""`vpsbot run`: build the services from Settings, connect to Slack, serve until stopped.

The probes answer first: the web server listens once the settings and the policy are read, and
the rest (the Bolt app, the services, SQLAlchemy and the state store) loads in a thread meanwhile
— /healthz says alive, /readyz and the events URL say not yet, until it all runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.config import Settings, StartupError
from bot.policy import Policy, PolicyError, load_policy, settings_problems
from bot.redact import redact_url
from bot.startup import Probes
from bot.state import new_replica_id
from bot.web import Health, Readiness, start_web

if TYPE_CHECKING:  # loaded after the probes answer (`_load_the_rest`), or only where used
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.catalog import Catalog
    from bot.flow.services import Services
    from bot.metrics import Metrics
    from bot.vps import VPSClient
    from bot.watch import Watcher
    from bot.web import SlackEvents
    from vpssim.simulator import Simulator

AFTER_LISTENING = (
    "bot.app",
    "bot.catalog",
    "bot.flow.services",
    "bot.metrics",
    "bot.notify",
    "bot.slack.groups",
    "bot.startup",
    "bot.state.store",
    "bot.vps.transport",
    "bot.watch",
)
"""What `vpsbot run` needs only once the probes answer (SQLAlchemy comes with the store)."""

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
    health: Health
    app: AsyncApp
    watcher: Watcher
    _stack: AsyncExitStack = field(default_factory=AsyncExitStack)
    readiness: Readiness | None = None
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


def vps_client(settings: Settings) -> VPSClient:
    """The VPS.org client for VPS_API_URL and VPS_API_TOKEN."""
    from bot.vps import VPSClient

    if settings.vps_api_token is None:
        raise StartupError("VPS_API_TOKEN: required — a VPS.org API token")
    return VPSClient(
        settings.vps_api_url, settings.vps_api_token, timeout=settings.vps_api_timeout_seconds
    )


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
    stack = AsyncExitStack()
    try:
        probes = await Probes.listen(settings, stack)
        return await _start(
            settings,
            policy,
            probes,
            simulator,
            announce,
            stack,
            clock,
            socket_ping_interval,
            wait_for_store,
        )
    except BaseException:
        await stack.aclose()
        raise


def _load_the_rest(settings: Settings) -> Catalog:
    """Import what is needed once the probes answer, without the cyclic collector (as
    `bot.cli` imports the rest), and read the catalog: in a thread, so the probes keep
    answering (and Slack is asked) meanwhile."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        for name in AFTER_LISTENING:
            importlib.import_module(name)
        if settings.socket_mode:
            importlib.import_module("slack_bolt.adapter.socket_mode.async_handler")
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
    return load_catalog_for(settings)


async def _load_asking_slack(settings: Settings, client: AsyncWebClient) -> Catalog:
    """The catalog, once the rest is loaded and Slack has vouched for the tokens (both at
    once); StartupError (a bad catalog file first, as it is read first) if either fails."""
    loaded, asked = await asyncio.gather(
        asyncio.to_thread(_load_the_rest, settings),
        verify_slack(settings, client),
        return_exceptions=True,
    )
    for failed in (loaded, asked):
        if isinstance(failed, BaseException):
            raise failed
    assert not isinstance(loaded, BaseException)  # noqa: S101 - raised above
    return loaded


async def _start(
    settings: Settings,
    policy: Policy,
    probes: Probes,
    simulator: Simulator | None,
    announce: Callable[[str], None],
    stack: AsyncExitStack,
    clock: Callable[[], float],
    socket_ping_interval: float,
    wait_for_store: bool,
) -> RunningBot:
    from bot.metrics import Metrics
    from bot.slack.web import SlackWeb, slack_client

    metrics = Metrics()
    client = slack_client(settings, metrics)
    # Before the state store is touched: a start Slack refuses leaves no state file behind.
    catalog = await _load_asking_slack(settings, client)
    from bot.app import create_app
    from bot.flow.services import Services
    from bot.notify import Notifier
    from bot.slack.groups import SlackGroupMembers
    from bot.startup import periodic_work, when_reachable
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
    slack = SlackWeb(client, session=await _http_session(stack))
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
    )
    secret = settings.slack_signing_secret
    app = create_app(services, signing_secret=secret.get_secret_value() if secret else None)

    # The work that needs the state store starts once it answers; closed after the drain.
    background = AsyncExitStack()
    stack.push_async_callback(background.aclose)
    # Closed in reverse: requests stop coming (socket, then HTTP) before in-flight work drains.
    stack.push_async_callback(services.drain)
    events: SlackEvents | None = None
    handler: AsyncSocketModeHandler | None = None
    socket = probes.socket
    if socket is not None:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        assert settings.slack_app_token is not None  # noqa: S101 - socket_mode says so
        handler = AsyncSocketModeHandler(
            app,
            settings.slack_app_token.get_secret_value(),
            web_client=client,
            ping_interval=socket_ping_interval,
        )
        stack.push_async_callback(handler.close_async)
        socket.handler = handler  # connected once the store answers
        mode = "socket"
    else:
        assert secret is not None  # noqa: S101 - problems_for_run requires it in HTTP mode
        events = SlackEvents(
            app,
            secret.get_secret_value(),
            ReplayGuard(store),
            ack_first=services.ack_first,
            accepting=False,  # 503 until the store answers
        )
        probes.events_url.events = events
        mode = "http"
    readiness.state = "waiting for the state store"
    stack.push_async_callback(readiness.close)
    stack.push_async_callback(probes.stop_serving)  # requests stop before the drain
    metrics_port = await _serve_metrics(settings, metrics, stack)
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
    periodic = periodic_work(settings, services, watcher, notifier, replica, socket)
    background.push_async_callback(periodic.aclose)  # before the watcher gives its watches up
    if handler is not None and socket is not None:
        socket.opened = True
        await _connect_socket(handler, settings)
    periodic.start()
    if events is not None:
        events.accepting = True
    where = f"http://{settings.host}:{probes.port}"
    if mode == "socket":
        announce(f"vpsbot connected to Slack over Socket Mode; health at {where}/healthz")
    else:
        announce(f"vpsbot listening on {where}/slack/events (health at {where}/healthz)")
    if metrics_port is not None:
        announce(f"metrics at http://{settings.host}:{metrics_port}/metrics")
    readiness.state = "ready"
    load_async_backend()
    # Everything made so far (modules, the app, the clients) lives as long as the process: out
    # of the collector's sight, a full collection under a burst of requests takes milliseconds
    # instead of pausing every request for half a second.
    gc.freeze()
    return RunningBot(
        probes.port, services, mode, probes.health, app, watcher, stack, readiness, metrics_port
    )


async def _vps(
    settings: Settings,
    simulator: Simulator | None,
    announce: Callable[[str], None],
    stack: AsyncExitStack,
) -> VPSClient:
    """The VPS.org client: of VPS_API_URL, or of the simulator started here (--simulator)."""
    if simulator is None:
        vps = vps_client(settings)
    else:
        from bot.vps import VPSClient
        from vpssim.simulator import start_simulator

        running_sim = await start_simulator(simulator)
        stack.push_async_callback(running_sim.close)
        announce(DEMO_BANNER)
        vps = VPSClient(running_sim.url, simulator.token, timeout=settings.vps_api_timeout_seconds)
    stack.push_async_callback(vps.aclose)
    return vps


async def _serve_metrics(settings: Settings, metrics: Metrics, stack: AsyncExitStack) -> int | None:
    """Serve /metrics on HOST:BOT_METRICS_PORT (unless 0)."""
    if settings.bot_metrics_port == 0:
        return None
    from bot.metrics import make_metrics_app

    try:
        runner, port = await start_web(
            make_metrics_app(metrics), settings.host, settings.bot_metrics_port
        )
    except OSError as exc:
        raise StartupError(
            f"BOT_METRICS_PORT: cannot listen on {settings.host}:{settings.bot_metrics_port} "
            f"({exc.strerror or exc})"
        ) from None
    stack.push_async_callback(runner.cleanup)
    return port


async def _http_session(stack: AsyncExitStack) -> aiohttp.ClientSession:
    """One HTTP session for the answers through response_url (closed after the drain)."""
    session = aiohttp.ClientSession()
    stack.push_async_callback(session.close)
    return session


async def verify_slack(settings: Settings, client: AsyncWebClient) -> None:
    """Fail fast on a token Slack refuses or a Slack that cannot be reached."""
    await _ask_slack("SLACK_BOT_TOKEN", settings, client.auth_test())
    if settings.slack_app_token is not None:
        token = settings.slack_app_token.get_secret_value()
        await _ask_slack("SLACK_APP_TOKEN", settings, client.apps_connections_open(app_token=token))


async def _ask_slack(variable: str, settings: Settings, call: Awaitable[object]) -> None:
    try:
        await call
    except SlackApiError as exc:
        raise StartupError(f"{variable}: Slack refused it ({exc.response.get('error')})") from None
    except Exception as exc:  # connection errors of every kind
        where = f"cannot reach Slack at {redact_url(settings.slack_api_url)} ({type(exc).__name__})"
        if "slack_api_url" in settings.model_fields_set:  # the address set is the suspect
            raise StartupError(f"SLACK_API_URL: {where}") from None
        raise StartupError(
            f"Slack: {where}: `vpsbot run` (with --simulator too) needs network access to Slack "
            "and the app's SLACK_BOT_TOKEN; only `vpsbot console` runs fully offline"
        ) from None


async def _connect_socket(handler: AsyncSocketModeHandler, settings: Settings) -> None:
    """Open the Socket Mode connection, or say why it could not be opened."""
    try:
        await asyncio.wait_for(handler.connect_async(), timeout=30)  # type: ignore[no-untyped-call]
    except TimeoutError:
        raise StartupError(
            "SLACK_APP_TOKEN: no Socket Mode connection within 30s "
            f"({redact_url(settings.slack_api_url)})"
        ) from None


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
