"""The audit log: newest first, per server by id or name, and bounded."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.state import AuditEntry, AuditOutcome, StateStore, open_store
from tests.state.conftest import T0, FakeClock

DAY = 86400.0


def _entry(
    time: float,
    server_id: int | None = 12345,
    server_name: str | None = "web-server-01",
    outcome: AuditOutcome = AuditOutcome.EXECUTED,
    detail: str = "",
) -> AuditEntry:
    return AuditEntry(
        time=time,
        user_id="U0ALICE01",
        channel_id="C0OPS0001",
        action="stop",
        server_id=server_id,
        server_name=server_name,
        outcome=outcome,
        detail=detail,
    )


async def test_entries_come_back_newest_first(store: StateStore) -> None:
    asked = _entry(T0, outcome=AuditOutcome.ASKED)
    confirmed = _entry(T0 + 5, outcome=AuditOutcome.CONFIRMED)
    failed = _entry(T0 + 6, outcome=AuditOutcome.FAILED, detail="402: not enough credits")
    for entry in (confirmed, asked, failed):  # recorded out of order
        await store.record_audit(entry)

    assert await store.list_audit() == [failed, confirmed, asked]


async def test_entries_of_equal_time_keep_recording_order(store: StateStore) -> None:
    first, second = _entry(T0, detail="first"), _entry(T0, detail="second")
    await store.record_audit(first)
    await store.record_audit(second)
    assert await store.list_audit() == [second, first]


async def test_limit_returns_the_latest(store: StateStore) -> None:
    for i in range(30):
        await store.record_audit(_entry(T0 + i))
    latest = await store.list_audit(limit=5)
    assert [e.time for e in latest] == [T0 + i for i in range(29, 24, -1)]
    assert len(await store.list_audit()) == 20
    assert await store.list_audit(limit=0) == []


async def test_filter_by_server_id_and_by_name(store: StateStore) -> None:
    web = _entry(T0, server_id=1, server_name="web-server-01")
    db = _entry(T0 + 1, server_id=2, server_name="db-01")
    created = _entry(T0 + 2, server_id=None, server_name="new-box", outcome=AuditOutcome.DENIED)
    for entry in (web, db, created):
        await store.record_audit(entry)

    assert await store.list_audit(2) == [db]
    assert await store.list_audit("web-server-01") == [web]
    assert await store.list_audit("WEB-Server-01") == [web]
    assert await store.list_audit("new-box") == [created]
    assert await store.list_audit(999) == []
    assert await store.list_audit("web") == []


async def test_prune_by_age(store: StateStore) -> None:
    old, recent = _entry(T0 - 40 * DAY), _entry(T0 - 10 * DAY)
    await store.record_audit(old)
    await store.record_audit(recent)

    assert await store.prune_audit(keep_days=30, now=T0) == 1
    assert await store.list_audit() == [recent]


async def test_prune_by_row_count_keeps_the_newest(store: StateStore) -> None:
    for i in range(10):
        await store.record_audit(_entry(T0 + i))

    assert await store.prune_audit(keep_days=365, max_rows=3, now=T0) == 7
    assert [e.time for e in await store.list_audit()] == [T0 + 9, T0 + 8, T0 + 7]


async def test_store_caps_the_log_at_audit_max_rows(db_path: Path, clock: FakeClock) -> None:
    async with await open_store(f"sqlite:///{db_path}", clock=clock, audit_max_rows=3) as store:
        for i in range(5):
            await store.record_audit(_entry(T0 + i))
        assert [e.time for e in await store.list_audit()] == [T0 + 4, T0 + 3, T0 + 2]


async def test_audit_max_rows_must_be_positive(db_path: Path) -> None:
    with pytest.raises(ValueError, match="audit_max_rows"):
        await open_store(f"sqlite:///{db_path}", audit_max_rows=0)


async def test_audit_survives_reopen(url: str) -> None:
    entry = _entry(T0, detail="server stopped")
    async with await open_store(url) as store:
        await store.record_audit(entry)
    async with await open_store(url) as store:
        assert await store.list_audit(12345) == [entry]
