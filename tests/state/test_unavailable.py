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
from tests.state.postgres import Proxy


@pytest.fixture
async def proxy(pg_url: str) -> AsyncIterator[Proxy]:
    url = sa.make_url(pg_url)
    relay = Proxy(url.host or "127.0.0.1", url.port or 5432)
    await relay.start()
    yield relay
    with contextlib.suppress(AssertionError):
        await relay.cut()


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
    async with await open_store(proxy.route(pg_url)) as store:
        await store.record_audit(_entry("before"))
        await proxy.cut()

        started = loop.time()
        with pytest.raises(StateStoreUnavailable, match="cannot be reached"):
            await store.ping()
        with pytest.raises(StateStoreUnavailable) as caught:
            await store.record_audit(_entry("while down"))
        assert loop.time() - started < 20.0  # no hanging on a dead host (bounded waits of 2 s)
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
