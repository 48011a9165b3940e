"""Schema migrations: files made by vpsbot before Alembic upgrade losing nothing, fresh databases
start at the latest version, replicas starting together migrate once, newer ones are refused."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa

from bot.state import (
    SCHEMA_VERSION,
    Approval,
    ApprovalOutcome,
    ApprovalState,
    AuditEntry,
    AuditOutcome,
    ClaimOutcome,
    ConfirmationState,
    SnapshotEntry,
    StateStore,
    StateStoreError,
    Watch,
    open_store,
)
from bot.state.backend import parse_state_url
from bot.state.migrate import (
    HEAD,
    MIGRATIONS,
    VERSION_TABLE,
    _alembic_turn,
    _known_revisions,
    alembic_config,
)
from tests.state.conftest import T0, FakeClock
from tests.state.legacy_schema import make_legacy_file
from tests.state.postgres import PostgresServer

_CONFIRMATION = (
    "INSERT INTO confirmations (id, user_id, channel_id, channel_name, action, server_id,"
    " server_name, params, response_url, created_at, expires_at, state)"
    " VALUES (?, 'U0ALICE01', 'C0OPS0001', 'ops', ?, 12345, 'web-server-01', ?, ?, ?, ?, ?)"
)
_AUDIT = (
    "INSERT INTO audit (time, user_id, channel_id, action, server_id, server_name, outcome,"
    " detail) VALUES (?, 'U0ALICE01', 'C0OPS0001', ?, ?, ?, ?, ?)"
)


@pytest.fixture
def blank_pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    """An empty PostgreSQL database, as an operator creates it for vpsbot."""
    url = postgres_server.create(migrated=False)
    try:
        yield url
    finally:
        postgres_server.drop(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_url(request: pytest.FixtureRequest, db_path: Path) -> str:
    """An empty database, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{db_path}"
    return str(request.getfixturevalue("blank_pg_url"))


def _fill_v1(conn: sqlite3.Connection) -> None:
    params = json.dumps({"confirm_name": "web-server-01"})
    conn.execute(
        _CONFIRMATION, ("c-pending", "delete", params, "https://r/1", T0, T0 + 300, "pending")
    )
    conn.execute(_CONFIRMATION, ("c-used", "stop", "{}", None, T0 - 50, T0 + 250, "claimed"))
    conn.execute(_AUDIT, (T0 - 10, "stop", 12345, "web-server-01", "executed", "server stopped"))
    conn.execute(_AUDIT, (T0 - 5, "delete", None, "Web-Server-01", "denied", "not allowed"))


def _fill_v2(conn: sqlite3.Connection) -> None:
    _fill_v1(conn)
    conn.execute(
        "INSERT INTO watches (id, server_id, server_name, action, requested_by, channel_id,"
        " started_at, deadline, ops_channel, ops_ts, last_status, finished_at) VALUES"
        " ('w-open', 7, 'db-01', 'start', 'U0BOB0001', 'C0DEV0001', ?, ?, 'C0OPS0001',"
        " '1700000000.000100', 'starting', NULL),"
        " ('w-done', 8, 'db-02', 'stop', 'U0BOB0001', 'C0DEV0001', ?, ?, NULL, NULL, 'stopped', ?)",
        (T0, T0 + 900, T0 - 100, T0 + 800, T0 - 20),
    )
    conn.execute(
        "INSERT INTO snapshot VALUES (7, 'db-01', 'stopped'), (12345, 'web-server-01', 'active')"
    )
    conn.execute("INSERT INTO meta VALUES ('snapshot_taken_at', ?)", (repr(T0 - 60),))
    conn.execute("INSERT INTO expected_changes VALUES (7, 'active', ?)", (T0 + 600,))


async def test_a_version_1_file_upgrades_keeping_everything(
    db_path: Path, clock: FakeClock
) -> None:
    with closing(make_legacy_file(db_path, 1)) as conn:
        _fill_v1(conn)

    async with await open_store(f"sqlite:///{db_path}", clock=clock) as store:
        await _assert_v1_data(store)
        assert await store.list_watches() == []  # the version-2 tables exist now
        assert await store.load_snapshot() is None
    _assert_at_head(db_path)


async def test_a_version_2_file_upgrades_keeping_everything(
    db_path: Path, clock: FakeClock
) -> None:
    with closing(make_legacy_file(db_path, 2)) as conn:
        _fill_v2(conn)

    async with await open_store(f"sqlite:///{db_path}", clock=clock) as store:
        await _assert_v1_data(store)
        [watch] = await store.list_watches()
        assert watch == Watch(
            id="w-open",
            server_id=7,
            server_name="db-01",
            action="start",
            requested_by="U0BOB0001",
            channel_id="C0DEV0001",
            started_at=T0,
            deadline=T0 + 900,
            ops_channel="C0OPS0001",
            ops_ts="1700000000.000100",
            last_status="starting",
        )
        assert await store.get_watch("w-done") is None  # still finished
        assert await store.load_snapshot() == {
            7: SnapshotEntry("db-01", "stopped"),
            12345: SnapshotEntry("web-server-01", "active"),
        }
        assert await store.consume_expected_change(7, "active")
        # The new parts work on the upgraded file.
        assert [w.id for w in await store.claim_watches("replica-a", lease=30)] == ["w-open"]
        assert await store.remember_request("sig", expires_at=T0 + 300)
    _assert_at_head(db_path)


async def _assert_v1_data(store: StateStore) -> None:
    pending = await store.get_confirmation("c-pending")
    assert pending is not None
    assert pending.state is ConfirmationState.PENDING
    assert pending.params == {"confirm_name": "web-server-01"}
    assert pending.response_url == "https://r/1"
    assert (await store.claim_confirmation("c-used", "U0ALICE01")).outcome is (
        ClaimOutcome.ALREADY_USED
    )
    assert (await store.claim_confirmation("c-pending", "U0ALICE01")).ok
    assert await store.list_audit() == [
        AuditEntry(
            time=T0 - 5,
            user_id="U0ALICE01",
            channel_id="C0OPS0001",
            action="delete",
            server_id=None,
            server_name="Web-Server-01",
            outcome=AuditOutcome.DENIED,
            detail="not allowed",
        ),
        AuditEntry(
            time=T0 - 10,
            user_id="U0ALICE01",
            channel_id="C0OPS0001",
            action="stop",
            server_id=12345,
            server_name="web-server-01",
            outcome=AuditOutcome.EXECUTED,
            detail="server stopped",
        ),
    ]
    assert len(await store.list_audit("WEB-SERVER-01")) == 2  # names still match in any case
    # A new denial collapses into the migrated one (count 1 → 2).
    await store.record_audit(
        AuditEntry(
            time=T0,
            user_id="U0ALICE01",
            channel_id="C0OPS0001",
            action="delete",
            server_id=None,
            server_name="Web-Server-01",
            outcome=AuditOutcome.DENIED,
        )
    )
    assert (await store.list_audit(limit=1))[0].count == 2


def _assert_at_head(db_path: Path) -> None:
    with closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("SELECT version_num FROM vpsbot_schema_version").fetchall() == [(HEAD,)]


def _columns(db_path: Path) -> dict[str, list[str]]:
    engine = sa.create_engine(f"sqlite:///{db_path}")
    try:
        inspector = sa.inspect(engine)
        return {
            table: sorted(c["name"] for c in inspector.get_columns(table))
            for table in sorted(inspector.get_table_names())
        }
    finally:
        engine.dispose()


async def test_an_upgraded_file_has_the_same_tables_as_a_new_one(tmp_path: Path) -> None:
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    make_legacy_file(old, 2).close()
    for path in (old, new):
        async with await open_store(f"sqlite:///{path}"):
            pass
    assert _columns(old) == _columns(new)


async def test_a_new_file_starts_at_the_latest_version(db_path: Path) -> None:
    async with await open_store(f"sqlite:///{db_path}"):
        pass
    _assert_at_head(db_path)


def test_the_schema_version_is_the_newest_shipped_revision() -> None:
    revisions = sorted(path.name[:4] for path in (MIGRATIONS / "versions").glob("[0-9]*.py"))
    assert revisions == [f"{n:04d}" for n in range(1, SCHEMA_VERSION + 1)]
    assert revisions[-1] == HEAD
    assert VERSION_TABLE == "vpsbot_schema_version"  # not alembic_version: a shared database


def test_the_revisions_known_at_start_are_alembic_s() -> None:
    """Start-up reads the known revisions from the files' names (Alembic stays unloaded):
    they must be the ids Alembic itself finds, or the bot would refuse its own database."""
    from alembic.script import ScriptDirectory

    shipped = {r.revision for r in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
    assert _known_revisions() == shipped


async def test_a_blank_postgres_database_is_migrated(blank_pg_url: str) -> None:
    async with await open_store(blank_pg_url) as store:
        await store.record_audit(
            AuditEntry(
                time=T0,
                user_id="U1",
                channel_id="C1",
                action="stop",
                server_id=2**40,  # ids are 64-bit
                server_name="x",
                outcome=AuditOutcome.EXECUTED,
            )
        )
        assert (await store.list_audit(2**40))[0].time == T0  # a double, not a 4-byte real
    assert await _pg_versions(blank_pg_url) == [HEAD]


async def test_replicas_starting_together_migrate_once(blank_pg_url: str) -> None:
    stores = await asyncio.gather(*(open_store(blank_pg_url) for _ in range(5)))
    for store in stores:
        await store.close()
    assert await _pg_versions(blank_pg_url) == [HEAD]


async def test_processes_starting_together_on_a_new_file_migrate_once(db_path: Path) -> None:
    stores = await asyncio.gather(*(open_store(f"sqlite:///{db_path}") for _ in range(5)))
    for store in stores:
        await store.close()
    _assert_at_head(db_path)


async def test_a_new_file_another_process_holds_locked_is_waited_for(db_path: Path) -> None:
    """Turning a new file to WAL takes its lock: a process starting while another one holds it
    (its own switch to WAL, its migration) waits its turn instead of failing "locked"."""
    with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")  # a rollback-journal file: no one else may even read
        opening = asyncio.create_task(open_store(f"sqlite:///{db_path}"))
        await asyncio.sleep(0.3)  # it has met the lock by now (or it finds the file free)
        other.execute("ROLLBACK")
    async with asyncio.timeout(30):
        store = await opening
    await store.close()
    _assert_at_head(db_path)


async def test_a_database_from_a_newer_vpsbot_is_refused_untouched(pg_url: str) -> None:
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute("UPDATE vpsbot_schema_version SET version_num = '0099'")
    finally:
        await conn.close()
    with pytest.raises(StateStoreError) as caught:
        await open_store(pg_url)
    message = str(caught.value)
    assert "schema version 99" in message
    assert f"knows only up to version {SCHEMA_VERSION}" in message
    assert "upgrade vpsbot" in message
    assert await _pg_versions(pg_url) == ["0099"]


async def _pg_versions(url: str) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        return [
            r["version_num"]
            for r in await conn.fetch("SELECT version_num FROM vpsbot_schema_version")
        ]
    finally:
        await conn.close()


_PARAMS = '{"confirm_name": "web-server-01"}'
_V3_CONFIRMATION = {
    "id": "c-pending",
    "user_id": "U0ALICE01",
    "channel_id": "C0OPS0001",
    "channel_name": "ops",
    "action": "delete",
    "server_id": 12345,
    "server_name": "web-server-01",
    "params": _PARAMS,
    "response_url": "https://r/1",
    "created_at": T0 - 10,
    "expires_at": T0 + 300,
    "state": "pending",
    "closed_at": None,
}
_V3_APPROVAL = {
    "id": "a-pending",
    "requester_id": "U0ALICE01",
    "channel_id": "C0DEV0001",
    "channel_name": "dev",
    "action": "delete",
    "word": "delete",
    "server_id": 12345,
    "server_name": "web-server-01",
    "params": _PARAMS,
    "response_url": "https://r/2",
    "created_at": T0 - 20,
    "expires_at": T0 + 1800,
    "state": "pending",
    "decided_by": None,
    "decided_at": None,
    "ops_channel": "C0OPS0001",
    "ops_ts": "1700000000.000300",
    "request_id": "req-1",
}
_V3_ROWS = {
    "confirmations": [
        _V3_CONFIRMATION,
        _V3_CONFIRMATION | {"id": "c-used", "state": "claimed", "closed_at": T0 - 40},
    ],
    "approvals": [
        _V3_APPROVAL,
        _V3_APPROVAL
        | {"id": "a-done", "action": "reboot", "word": "reboot", "params": "{}"}
        | {"state": "approved", "decided_by": "U0BOB0001", "decided_at": T0 - 25},
    ],
}


async def _make_version_3(url: str) -> None:
    """A database as vpsbot left it at schema version 3, with confirmations and approvals."""
    from alembic import command

    def upgrade(conn: sa.Connection) -> None:
        command.upgrade(alembic_config(conn), "0003")
        for name, rows in _V3_ROWS.items():
            conn.execute(sa.table(name, *map(sa.column, rows[0])).insert(), rows)

    engine = parse_state_url(url).engine(migrating=True)
    try:
        async with _alembic_turn(), engine.begin() as conn:  # Alembic's state is process-wide
            await conn.run_sync(upgrade)
    finally:
        await engine.dispose()


async def test_version_3_confirmations_and_approvals_move_to_one_table(
    blank_url: str, clock: FakeClock
) -> None:
    await _make_version_3(blank_url)

    async with await open_store(blank_url, clock=clock) as store:
        confirmation = await store.get_confirmation("c-pending")
        assert confirmation is not None
        assert (confirmation.user_id, confirmation.state) == (
            "U0ALICE01",
            ConfirmationState.PENDING,
        )
        assert confirmation.params == {"confirm_name": "web-server-01"}
        assert await store.get_approval("c-pending") is None  # each keeps its kind
        assert await store.list_approvals() == [
            Approval(
                id="a-pending",
                requester_id="U0ALICE01",
                channel_id="C0DEV0001",
                channel_name="dev",
                action="delete",
                word="delete",
                server_id=12345,
                server_name="web-server-01",
                params={"confirm_name": "web-server-01"},
                response_url="https://r/2",
                created_at=T0 - 20,
                expires_at=T0 + 1800,
                ops_channel="C0OPS0001",
                ops_ts="1700000000.000300",
                request_id="req-1",
            )
        ]
        done = await store.get_approval("a-done")
        assert done is not None
        assert (done.state, done.decided_by, done.decided_at) == (
            ApprovalState.APPROVED,
            "U0BOB0001",
            T0 - 25,
        )
        counts = await store.count_pending()
        assert (counts.confirmations, counts.approvals) == (1, 1)
        # Still single-use after the move.
        assert (await store.claim_confirmation("c-used", "U0ALICE01")).outcome is (
            ClaimOutcome.ALREADY_USED
        )
        assert (await store.claim_confirmation("c-pending", "U0ALICE01")).ok
        decided = await store.decide_approval("a-pending", "U0BOB0001", approve=True)
        assert decided.outcome is ApprovalOutcome.APPROVED
        assert (await store.decide_approval("a-done", "U0CAROL01", approve=False)).outcome is (
            ApprovalOutcome.ALREADY_DECIDED
        )
    assert not {"confirmations", "approvals"} & set(await _tables(blank_url))


async def _tables(url: str) -> list[str]:
    engine = parse_state_url(url).engine(migrating=True)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
    finally:
        await engine.dispose()
