"""What every part of the store shares: the engine, the clock, transactions and their errors."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.state.backend import DRIVER_ERRORS, WRITE, Backend
from bot.state.errors import StateStoreError


class StoreCore:
    """The engine behind one BOT_STATE_URL; each part of the store (confirmations, audit, …)
    builds on it. Every method that looks at the time takes `now` (UNIX seconds); None means
    the store's clock.
    """

    def __init__(
        self, engine: AsyncEngine, backend: Backend, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._engine = engine
        self._writer = engine.execution_options(**{WRITE: True})
        self._backend = backend
        self._clock = clock
        self._closed = False

    def __repr__(self) -> str:
        return f"StateStore({self._backend.shown!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def backend(self) -> str:
        """`sqlite` or `postgresql`."""
        return self._backend.kind

    async def close(self) -> None:
        """Release the store's connections; safe to call twice. Any later call raises
        StateStoreError."""
        if not self._closed:
            self._closed = True
            await self._engine.dispose()

    async def ping(self) -> None:
        """Check the store could take a write now: StateStoreUnavailable when it could not
        within the bounded wait (/readyz). On SQLite that means taking (and giving back) the
        file's write lock, which another process may hold; on PostgreSQL, an answer."""
        if self._backend.kind == "sqlite":
            async with self._write():
                return
        async with self._read() as conn:
            await conn.execute(sa.select(1))

    def _now(self, now: float | None) -> float:
        return self._clock() if now is None else now

    def _read(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A read transaction: what it reads comes from one moment."""
        return self._open(self._engine.connect())

    def _write(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A write transaction, committed when the block ends (on SQLite it holds the file's
        write lock from its start, so what it reads stays true until it commits)."""
        return self._open(self._writer.begin())

    @asynccontextmanager
    async def _open(
        self, opening: AbstractAsyncContextManager[AsyncConnection]
    ) -> AsyncIterator[AsyncConnection]:
        """The connection `opening` gives, the driver's errors made the store's."""
        if self._closed:
            raise StateStoreError(f"the state store {self._backend.shown} is closed")
        try:
            async with opening as conn:
                yield conn
        except DRIVER_ERRORS as error:
            raise self._backend.translate(error) from error


def plain(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """`params` round-tripped through JSON now: a value JSON can't hold fails here (TypeError),
    and the caller gets back exactly what reading the row later returns."""
    loaded: dict[str, Any] = json.loads(json.dumps(dict(params or {})))
    return loaded
