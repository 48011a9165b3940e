"""A PostgreSQL that goes away: calls fail fast with StateStoreUnavailable, having done nothing,
and the store recovers by itself when the database is back."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
import pytest
import sqlalchemy as sa

from bot.state import AuditEntry, AuditOutcome, StateStoreUnavailable, open_store
from tests.state.conftest import T0


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


@pytest.fixture
async def proxy(pg_url: str) -> AsyncIterator[Proxy]:
    url = sa.make_url(pg_url)
    relay = Proxy(url.host or "127.0.0.1", url.port or 5432)
    await relay.start()
    yield relay
    with contextlib.suppress(AssertionError):
        await relay.cut()


def _through(pg_url: str, proxy: Proxy) -> str:
    url = sa.make_url(pg_url).set(host="127.0.0.1", port=proxy.port)
    return url.render_as_string(hide_password=False)


def _entry(detail: str) -> AuditEntry:
    return AuditEntry(
        time=T0,
        user_id="U1",
        channel_id="C1",
        action="reboot",
        server_id=1,
        server_name="a",
        outcome=AuditOutcome.CONFIRMED,
        detail=detail,
    )


async def test_a_database_that_goes_away_is_unavailable_then_recovers(
    pg_url: str, proxy: Proxy
) -> None:
    loop = asyncio.get_running_loop()
    async with await open_store(_through(pg_url, proxy)) as store:
        await store.record_audit(_entry("before"))
        await proxy.cut()

        started = loop.time()
        with pytest.raises(StateStoreUnavailable, match="cannot be reached"):
            await store.ping()
        with pytest.raises(StateStoreUnavailable) as caught:
            await store.record_audit(_entry("while down"))
        assert loop.time() - started < 5.0  # no hanging on a dead host
        assert "nothing was done" in str(caught.value)

        await proxy.start()  # the same port, as after a failover
        await store.ping()  # no reopening: the pool replaced its dead connections
        await store.record_audit(_entry("after"))
        assert [e.detail for e in await store.list_audit()] == ["after", "before"]


async def test_terminated_connections_are_replaced_transparently(pg_url: str) -> None:
    async with await open_store(pg_url) as store:
        await asyncio.gather(*(store.list_audit() for _ in range(4)))  # fill the pool
        admin = await asyncpg.connect(pg_url)
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await admin.close()
        assert killed >= 1
        await store.ping()
        await store.record_audit(_entry("after a restart"))
        assert len(await store.list_audit()) == 1
