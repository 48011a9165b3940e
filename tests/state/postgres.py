"""Fresh PostgreSQL databases for tests, on the server VPSBOT_TEST_POSTGRES_URL names.

Each test gets its own database, copied from a template that is migrated once per session (a
copy takes milliseconds, a migration a tenth of a second), and dropped afterwards. Without the
variable, tests that need PostgreSQL skip with one line saying so.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import asyncpg
import pytest
import sqlalchemy as sa

from bot.state import open_store

ENV = "VPSBOT_TEST_POSTGRES_URL"
SKIP = f"{ENV} is not set: no PostgreSQL server to test against"


class PostgresServer:
    """Creates and drops databases on one server (blocking: used from sync fixtures).

    A worker thread makes the next databases while tests run and drops used ones behind them,
    so a test rarely waits for the server's fsyncs.
    """

    AHEAD = 4

    def __init__(self, url: str) -> None:
        self.url = url
        self._worker = ThreadPoolExecutor(max_workers=4, thread_name_prefix="postgres-tests")
        self._template = self._worker.submit(self._make_template)
        self._ready: deque[Future[str]] = deque()
        self._drops: list[Future[None]] = []

    def database_url(self, name: str) -> str:
        """The server's URL, naming database `name` instead."""
        return sa.make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def create(self, *, migrated: bool = True) -> str:
        """A new database (`migrated`: at the latest schema, else empty); returns its URL."""
        if not migrated:
            return self.database_url(self._make("template0"))
        while len(self._ready) <= self.AHEAD:
            self._ready.append(self._worker.submit(self._make, self._template.result()))
        return self.database_url(self._ready.popleft().result())

    def drop(self, url: str) -> None:
        """Drop a database made by `create` (soon), disconnecting whoever is still on it."""
        name = sa.make_url(url).database
        self._drops.append(
            self._worker.submit(self._run, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        )

    def close(self) -> None:
        """Drop every database still here, and the template."""
        for future in self._ready:
            self.drop(self.database_url(future.result()))
        self._ready.clear()
        self.drop(self.database_url(self._template.result()))
        for future in self._drops:
            future.result()
        self._worker.shutdown()

    def _make_template(self) -> str:
        name = self._make("template0")
        asyncio.run(_migrate(self.database_url(name)))
        return name

    def _make(self, template: str) -> str:
        name = f"vpsbot_test_{secrets.token_hex(6)}"
        self._run(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def _run(self, statement: str) -> None:
        asyncio.run(self._admin(statement))

    async def _admin(self, statement: str) -> None:
        conn = await asyncpg.connect(self.url, timeout=5)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()


async def _migrate(url: str) -> None:
    store = await open_store(url)
    await store.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The test server (skips the test without VPSBOT_TEST_POSTGRES_URL)."""
    url = os.environ.get(ENV)
    if not url:
        pytest.skip(SKIP)
    server = PostgresServer(url)
    try:
        yield server
    finally:
        server.close()


class Proxy:
    """A TCP relay to the database that the test can cut (RST, port closed) and bring back."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    def route(self, url: str) -> str:
        """`url` (a database on the target) reached through this relay."""
        return sa.make_url(url).set(host="127.0.0.1", port=self.port).render_as_string(False)

    async def cut(self) -> None:
        """Refuse new connections and reset the open ones, like a database host that died."""
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        try:
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        finally:
            self._writers -= {writer, up_writer}
