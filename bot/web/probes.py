"""Probes: `/healthz` (alive: the process serves) and `/readyz` (can take work now)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.state import StateStoreError, StateStoreUnavailable

if TYPE_CHECKING:  # HTTP mode never loads Socket Mode; the store loads after the probes answer
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from bot.state import StateStore

logger = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[tuple[bool, dict[str, object]]]]


async def http_health() -> tuple[bool, dict[str, object]]:
    """In HTTP mode the bot is healthy whenever it can answer."""
    return True, {"status": "ok", "mode": "http"}


@dataclass
class SocketHealth:
    """Socket Mode health: up while connected; down once disconnected longer than `grace`."""

    handler: AsyncSocketModeHandler | None  # None until start-up has built the Bolt app
    grace: float = 60.0
    clock: Callable[[], float] = time.monotonic
    opened: bool = True  # False until start-up opens the connection (after the state store)
    _down_since: float | None = None

    async def connected(self) -> bool:
        """Whether the Socket Mode connection is open now."""
        return self.handler is not None and bool(await self.handler.client.is_connected())

    async def __call__(self) -> tuple[bool, dict[str, object]]:
        """Report the socket's state; a short drop while it reconnects still counts as healthy,
        and so does a connection start-up has not opened yet (alive, only not ready)."""
        if not self.opened:
            return True, {"status": "ok", "mode": "socket", "socket": "not connected yet"}
        if await self.connected():
            self._down_since = None
            return True, {"status": "ok", "mode": "socket", "socket": "connected"}
        now = self.clock()
        if self._down_since is None:
            self._down_since = now
        down_for = now - self._down_since
        state = "reconnecting" if down_for < self.grace else "down"
        body: dict[str, object] = {
            "status": "ok" if state == "reconnecting" else "unavailable",
            "mode": "socket",
            "socket": state,
            "disconnected_seconds": round(down_for, 1),
        }
        return state == "reconnecting", body


@dataclass
class Readiness:
    """`/readyz`: start-up finished, the state store answers, Slack is connected (Socket Mode)."""

    store: StateStore | None  # None until start-up has made it (after the probes answer)
    socket: SocketHealth | None = None
    timeout: float = 1.0
    state: str = "starting"  # starting (or waiting for the state store) → ready → stopping
    _ping: asyncio.Task[None] | None = field(default=None, repr=False)
    _last: dict[str, str] = field(default_factory=dict, repr=False)

    async def __call__(self) -> tuple[bool, dict[str, object]]:
        """Every check by name, "ok" or what is wrong; ready only when all are ok."""
        checks = {
            "startup": "ok" if self.state == "ready" else self.state,
            "state_store": await self._store_answers(),
        }
        if self.socket is not None:
            checks["slack"] = "ok" if await self.socket.connected() else "disconnected"
        ready = all(value == "ok" for value in checks.values())
        self._log_changes(checks)
        body: dict[str, object] = {
            "status": "ready" if ready else "not ready",
            "mode": "http" if self.socket is None else "socket",
            "checks": checks,
        }
        return ready, body

    async def _store_answers(self) -> str:
        # One ping at a time: probes arriving while the store hangs wait for the same one
        # instead of piling up calls on a store that is already stuck.
        if self._ping is None or self._ping.done():
            self._ping = asyncio.create_task(self._ping_store(), name="readyz-ping")
            # Its outcome may arrive after every waiter gave up: collect it so it isn't "lost".
            self._ping.add_done_callback(lambda t: t.cancelled() or t.exception())
        try:
            async with asyncio.timeout(self.timeout):
                await asyncio.shield(self._ping)
        except TimeoutError:
            return f"no answer within {self.timeout:g}s"
        except StateStoreError:
            return "unavailable"
        except Exception as exc:  # a store bug must not make the probe itself fail with a 500
            logger.warning("readiness: the state store ping failed (%s)", type(exc).__name__)
            return "unavailable"
        return "ok"

    async def _ping_store(self) -> None:
        if self.store is None:
            raise StateStoreUnavailable("not opened yet")
        await self.store.ping()

    async def close(self) -> None:
        """Stop a ping still in flight (at shutdown)."""
        if self._ping is not None and not self._ping.done():
            self._ping.cancel()
            await asyncio.gather(self._ping, return_exceptions=True)

    def _log_changes(self, checks: dict[str, str]) -> None:
        # One line when a check changes, not one per probe (Kubernetes asks every few seconds).
        for name, value in checks.items():
            before = self._last.get(name)
            if before is not None and before != value:
                log = logger.info if value == "ok" else logger.warning
                log("readiness: %s is %s (was %s)", name, value, before)
        self._last = checks
