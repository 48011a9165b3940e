"""Opening the store from BOT_STATE_URL: URL forms, file errors, schema versions, closing."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.state import (
    SCHEMA_VERSION,
    AuditEntry,
    AuditOutcome,
    StateStoreError,
    StateStoreUnavailable,
    open_store,
)
from bot.state.backend import SQLITE_QUEUE_SECONDS, WAIT_SECONDS, parse_state_url


def _pragma(path: Path, name: str) -> object:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]


async def test_relative_url_is_relative_to_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with await open_store("sqlite:///vpsbot.db"):
        pass
    assert (tmp_path / "vpsbot.db").is_file()


async def test_absolute_url_uses_four_slashes(tmp_path: Path) -> None:
    path = tmp_path / "abs.db"
    assert str(path).startswith("/")
    async with await open_store("sqlite:////" + str(path).lstrip("/")):
        pass
    assert path.is_file()


async def test_memory_url_works_within_one_store() -> None:
    async with await open_store("sqlite:///:memory:") as store:
        assert await store.load_snapshot() is None


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("mysql://vpsbot:hunter2@db.internal/vpsbot", "'mysql'"),
        ("redis://cache:6379/0", "'redis'"),
        ("vpsbot.db", "no scheme"),
    ],
)
async def test_unknown_scheme_names_it_and_what_is_supported(url: str, named: str) -> None:
    with pytest.raises(ValueError, match="unsupported state store URL") as caught:
        await open_store(url)
    message = str(caught.value)
    assert named in message
    assert "sqlite:///relative/path.db" in message
    assert "sqlite:////absolute/path.db" in message
    assert "postgresql://user:password@host:5432/dbname" in message
    assert "hunter2" not in message  # a URL may carry a password: never echo it


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite://host/x.db"])
async def test_sqlite_url_without_a_file_path_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match=r"sqlite:///relative/path\.db"):
        await open_store(url)


async def test_missing_directory_is_named(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "state.db"
    with pytest.raises(StateStoreError) as caught:
        await open_store(f"sqlite:///{path}")
    assert str(caught.value) == (
        f"cannot open state file {path}: directory {path.parent} does not exist"
    )
    assert not path.parent.exists()


async def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"this is not a database, just some text\n" * 100)
    with pytest.raises(StateStoreError, match=f"cannot open state file {path}: .*not a database"):
        await open_store(f"sqlite:///{path}")


async def test_new_file_records_schema_version_and_uses_wal(sqlite_url: str, db_path: Path) -> None:
    async with await open_store(sqlite_url):
        pass
    assert _pragma(db_path, "user_version") == SCHEMA_VERSION
    assert _pragma(db_path, "journal_mode") == "wal"


async def test_file_from_a_newer_vpsbot_is_refused_untouched(
    sqlite_url: str, db_path: Path
) -> None:
    url = sqlite_url
    async with await open_store(url):
        pass
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StateStoreError) as caught:
        await open_store(url)
    message = str(caught.value)
    assert str(db_path) in message
    assert f"schema version {SCHEMA_VERSION + 1}" in message
    assert "upgrade vpsbot" in message
    assert _pragma(db_path, "user_version") == SCHEMA_VERSION + 1


async def test_closed_store_refuses_calls_and_closes_twice(url: str) -> None:
    store = await open_store(url)
    await store.close()
    await store.close()
    with pytest.raises(StateStoreError, match="closed"):
        await store.list_audit()
    with pytest.raises(StateStoreError, match="closed"):
        await store.ping()


async def test_waiting_for_another_writer_does_not_block_the_event_loop(
    sqlite_url: str, db_path: Path
) -> None:
    async with await open_store(sqlite_url) as store:
        with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            claim = asyncio.create_task(store.claim_confirmation("x", "U1"))
            for _ in range(5):
                await asyncio.sleep(0.01)
            # The loop kept ticking while the claim waited: a wait that blocked the loop would
            # have returned only once it gave up (2 s), the claim done by then.
            assert not claim.done()
            other.execute("ROLLBACK")
            result = await asyncio.wait_for(claim, timeout=30)
    assert result.outcome == "not_found"


async def test_a_file_locked_too_long_is_unavailable_without_blocking_the_loop(
    sqlite_url: str, db_path: Path
) -> None:
    loop = asyncio.get_running_loop()
    async with await open_store(sqlite_url) as store:
        with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")  # another process keeps the write lock
            started = loop.time()
            claim = asyncio.create_task(store.claim_confirmation("x", "U1"))
            ping = asyncio.create_task(store.ping())  # /readyz: a write could not be taken
            ticks = 0
            while not (claim.done() and ping.done()):
                await asyncio.sleep(0.05)
                ticks += 1
            waited = loop.time() - started
            with pytest.raises(StateStoreUnavailable, match="locked") as caught:
                claim.result()
            with pytest.raises(StateStoreUnavailable):
                ping.result()
            other.execute("ROLLBACK")
        # About two seconds (callers still answer Slack in time), not the queue's 15 s.
        assert WAIT_SECONDS * 0.75 < waited < SQLITE_QUEUE_SECONDS * 0.75
        assert ticks >= 5  # the loop kept running meanwhile (a blocked loop ticks once)
        assert str(db_path) in str(caught.value)
        assert "nothing was done" in str(caught.value)
        # Once the lock is gone, the same store works again.
        assert (await store.claim_confirmation("x", "U1")).outcome == "not_found"
        await store.ping()


async def test_callers_queued_behind_a_long_transaction_wait_their_turn(sqlite_url: str) -> None:
    """A burst of clicks, each recording its audit entry, queues for the process's one SQLite
    connection: a long queue is work being done, and no entry is dropped at the 2 s mark."""
    async with await open_store(sqlite_url) as store:
        held = asyncio.Event()

        async def long_turn() -> None:
            async with store._engine.connect():  # the callers ahead hold the connection
                held.set()
                await asyncio.sleep(WAIT_SECONDS + 0.5)

        ahead = asyncio.create_task(long_turn())
        await held.wait()
        entry = AuditEntry(
            time=1.0, user_id="U1", channel_id="C1", action="stop", server_id=1,
            server_name="web-01", outcome=AuditOutcome.DENIED, detail="", request_id="r1",
        )  # fmt: skip
        await asyncio.wait_for(store.record_audit(entry), timeout=10)
        await ahead
        assert [e.request_id for e in await store.list_audit()] == ["r1"]


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
async def test_a_postgres_server_that_is_not_there_is_unavailable_and_redacted(
    scheme: str,
) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"{scheme}://vpsbot:hunter2@127.0.0.1:{port}/vpsbot"
    with pytest.raises(StateStoreUnavailable) as caught:
        await open_store(url)
    message = str(caught.value)
    assert message.startswith(f"cannot open database {scheme}://***@127.0.0.1:{port}/vpsbot: ")
    assert "hunter2" not in message


@pytest.mark.parametrize(
    "url", ["postgresql://", "postgresql://u:hunter2@h:notaport/db", "postgres://u:hunter2@h"]
)
async def test_a_malformed_postgres_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="postgresql://user:password@host:5432/dbname") as caught:
        await open_store(url)
    assert "hunter2" not in str(caught.value)


async def test_postgres_urls_of_both_spellings_open_the_same_database(pg_url: str) -> None:
    with_password = pg_url.replace("postgresql://postgres@", "postgres://postgres:hunter2@")
    async with await open_store(pg_url) as a, await open_store(with_password) as b:
        await a.remember_request("seen", expires_at=2e9)
        assert not await b.remember_request("seen", expires_at=2e9)
        assert "hunter2" not in repr(b)
        await b.ping()


async def test_a_missing_postgres_database_is_named(pg_url: str) -> None:
    missing = pg_url.rsplit("/", 1)[0] + "/vpsbot_no_such_database"
    with pytest.raises(StateStoreError, match="vpsbot_no_such_database") as caught:
        await open_store(missing)
    assert not isinstance(caught.value, StateStoreUnavailable)


def test_libpq_sslmode_reaches_asyncpg_as_ssl() -> None:
    backend = parse_state_url("postgres://u:hunter2@db.internal/vpsbot?sslmode=require")
    assert backend.url.drivername == "postgresql+asyncpg"
    assert dict(backend.url.query) == {"ssl": "require"}
    assert backend.shown == "postgres://***@db.internal/vpsbot?sslmode=require"


async def test_a_write_given_up_while_waiting_for_the_lock_frees_the_store_at_once(
    sqlite_url: str, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A write would wait a minute for the lock here: a read that came only once the write had
    # given up would not come within the test's 10 s (nor the queue's 15).
    monkeypatch.setattr("bot.state.backend.WAIT_SECONDS", 60.0)
    async with await open_store(sqlite_url) as store:
        created = await store.create_confirmation(
            user_id="U1",
            channel_id="C1",
            channel_name="ops",
            action="stop",
            server_id=1,
            server_name="a",
            ttl_seconds=60,
        )
        with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")  # another process keeps the write lock
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.3):  # a caller that stops waiting (as /readyz does)
                    await store.claim_confirmation(created.id, "U1")
            # Given up at once, and the store's connection with it: a read answers now, while
            # the lock is still held.
            async with asyncio.timeout(10):
                assert await store.get_confirmation(created.id) == created
            other.execute("ROLLBACK")
        assert (await store.claim_confirmation(created.id, "U1")).ok
