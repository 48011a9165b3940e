"""Opening the store from BOT_STATE_URL: URL forms, file errors, schema versions, closing."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.state import SCHEMA_VERSION, AuditEntry, AuditOutcome, StateStoreError, open_store
from bot.state.sqlite_schema import connect


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
        ("postgres://vpsbot:hunter2@db.internal/vpsbot", "'postgres'"),
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


async def test_new_file_records_schema_version_and_uses_wal(url: str, db_path: Path) -> None:
    async with await open_store(url):
        pass
    assert _pragma(db_path, "user_version") == SCHEMA_VERSION
    assert _pragma(db_path, "journal_mode") == "wal"


async def test_file_from_a_newer_vpsbot_is_refused_untouched(url: str, db_path: Path) -> None:
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


async def test_older_file_is_migrated_keeping_its_data(url: str, db_path: Path) -> None:
    with closing(connect(str(db_path), target_version=1)) as conn:
        conn.execute(
            "INSERT INTO audit (time, user_id, channel_id, action, server_id, server_name,"
            " outcome, detail) VALUES (1.5, 'U1', 'C1', 'stop', 7, 'db-01', 'executed', '')"
        )
    assert _pragma(db_path, "user_version") == 1

    async with await open_store(url) as store:
        assert await store.list_audit(7) == [
            AuditEntry(
                time=1.5,
                user_id="U1",
                channel_id="C1",
                action="stop",
                server_id=7,
                server_name="db-01",
                outcome=AuditOutcome.EXECUTED,
            )
        ]
        assert await store.list_watches() == []  # the version-2 tables exist now
    assert _pragma(db_path, "user_version") == SCHEMA_VERSION


async def test_closed_store_refuses_calls_and_closes_twice(url: str) -> None:
    store = await open_store(url)
    await store.close()
    await store.close()
    with pytest.raises(StateStoreError, match="closed"):
        await store.list_audit()


async def test_waiting_for_another_writer_does_not_block_the_event_loop(
    url: str, db_path: Path
) -> None:
    loop = asyncio.get_running_loop()
    async with await open_store(url) as store:
        with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            claim = asyncio.create_task(store.claim_confirmation("x", "U1"))
            started = loop.time()
            for _ in range(20):
                await asyncio.sleep(0.01)
            # The loop kept ticking at its pace while the claim waited (busy_timeout) in a thread.
            assert loop.time() - started < 1.0
            assert not claim.done()
            other.execute("ROLLBACK")
            result = await asyncio.wait_for(claim, timeout=5)
    assert result.outcome == "not_found"
