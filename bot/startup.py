"""Start-up's order: listening first (`Probes`), then waiting for the state store.

`vpsbot run` listens before it has loaded the rest: /healthz answers (alive) while the Bolt app,
the services and the store load (`load_the_rest`, in a thread), /readyz and the events URL say
not yet until it all runs.

Waiting for the state store at start: a database that is down for a moment is waited for.

A replica restarted while its database refuses connections (a failover, a restart, a network
blip) keeps trying, with capped back-off and one log line per attempt, instead of exiting into
a crash loop whose back-off grows to minutes. What waiting cannot heal — a malformed URL, wrong
credentials, a missing database, a schema newer than this vpsbot — stops it at once.
What then runs in the background (the monitor, housekeeping, sweepers) is `bot.background`'s.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from aiohttp import web

from bot import collecting_later
from bot.clients import verify_slack
from bot.config import Settings, StartupError, listening
from bot.state import StateStoreError, StateStoreUnavailable
from bot.web import (
    EVENTS_PATH,
    Probe,
    Readiness,
    SocketHealth,
    http_health,
    make_web_app,
    not_accepting,
    start_web,
)

if TYPE_CHECKING:  # loaded once the probes answer
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.catalog import Catalog
    from bot.web import SlackEvents

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class EventsURL:
    """`POST /slack/events`: 503 until start-up has built the Bolt app and the state store
    answers, then `SlackEvents`."""

    events: SlackEvents | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.events is None:
            return await not_accepting(request)
        return await self.events.handle(request)


@dataclass
class Probes:
    """The web server, listening before the bot is built: /healthz answers (alive), /readyz
    says not ready and the events URL 503 until start-up hands them over."""

    port: int
    health: Probe
    readiness: Readiness
    socket: SocketHealth | None
    events_url: EventsURL
    stop_serving: Callable[[], Awaitable[None]]

    @classmethod
    async def listen(cls, settings: Settings, stack: AsyncExitStack) -> Probes:
        socket = SocketHealth(None, opened=False) if settings.socket_mode else None
        health: Probe = socket or http_health
        readiness = Readiness(None, socket=socket)  # its store comes with the rest
        stack.push_async_callback(readiness.close)
        web_app = make_web_app(None, health, readiness)
        events_url = EventsURL()
        if socket is None:
            web_app.router.add_post(EVENTS_PATH, events_url.handle)
        with listening("HOST/PORT", settings.host, settings.port):
            runner, port = await start_web(web_app, settings.host, settings.port)
        stop_serving = _once(runner.cleanup)
        stack.push_async_callback(stop_serving)  # again, in its place, once all is built
        return cls(port, health, readiness, socket, events_url, stop_serving)


def _once(close: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    """`close`, done on the first call only."""
    done = False

    async def close_once() -> None:
        nonlocal done
        if not done:
            done = True
            await close()

    return close_once


AFTER_LISTENING = (
    "bot.app",
    "bot.catalog",
    "bot.flow.services",
    "bot.metrics",
    "bot.notify",
    "bot.settler",
    "bot.slack.groups",
    "bot.state.store",
    "bot.vps.transport",
    "bot.watch",
)
"""What `vpsbot run` needs only once the probes answer (SQLAlchemy comes with the store)."""


async def load_the_rest(
    settings: Settings, client: AsyncWebClient, read_catalog: Callable[[Settings], Catalog]
) -> Catalog:
    """Import what is needed once the probes answer and read the catalog — in a thread, so the
    probes keep answering — while Slack is asked to vouch for the tokens; StartupError (a bad
    catalog file first, as it is read first) if either fails."""

    def load() -> Catalog:
        with collecting_later():
            for name in AFTER_LISTENING:
                importlib.import_module(name)
            if settings.socket_mode:
                importlib.import_module("slack_bolt.adapter.socket_mode.async_handler")
        return read_catalog(settings)

    loaded, asked = await asyncio.gather(
        asyncio.to_thread(load), verify_slack(settings, client), return_exceptions=True
    )
    for failed in (loaded, asked):
        if isinstance(failed, BaseException):
            raise failed
    assert not isinstance(loaded, BaseException)  # noqa: S101 - raised above
    return loaded


FIRST_RETRY = 0.5
"""Seconds before the second attempt; each wait doubles, up to `MAX_RETRY`."""
MAX_RETRY = 5.0
"""The longest wait between attempts: a database back is served within about this long."""


def retry_delays(first: float = FIRST_RETRY, cap: float = MAX_RETRY) -> Iterator[float]:
    """The waits between attempts: doubling from `first`, never longer than `cap`."""
    delay = first
    while True:
        yield min(delay, cap)
        delay = min(delay * 2, cap)


async def when_reachable(
    step: Callable[[], Awaitable[T]],
    *,
    wait: bool = True,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    delays: Iterator[float] | None = None,
) -> T:
    """Run start-up's first `step` on the state store (migrations, taking leases back),
    again and again while the database cannot be reached; its result.

    StartupError (one line, naming BOT_STATE_URL) for a store that waiting cannot heal, and
    with `wait` False for one that cannot be reached either (the console: nobody to wait).
    """
    for attempt, delay in enumerate(delays or retry_delays(), start=1):
        try:
            result = await step()
        except StateStoreUnavailable as exc:
            if not wait:
                raise StartupError(f"BOT_STATE_URL: {exc}") from None
            logger.warning(
                "BOT_STATE_URL: %s; trying again in %gs (attempt %d)", exc, delay, attempt
            )
        except StateStoreError as exc:
            raise StartupError(f"BOT_STATE_URL: {exc}") from None
        else:
            if attempt > 1:
                logger.info("the state store answers (attempt %d)", attempt)
            return result
        await sleep(delay)
    raise AssertionError("retry_delays() never ends")  # pragma: no cover
