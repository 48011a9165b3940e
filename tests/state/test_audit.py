"""The audit log: newest first, per server by id or name, kept by age; denials collapse."""

from __future__ import annotations

import asyncio

import pytest

from bot.state import AuditEntry, AuditOutcome, StateStore, open_store
from bot.state import audit as audit_log
from tests.state.conftest import T0

DAY = 86400.0


def _entry(
    time: float,
    server_id: int | None = 12345,
    server_name: str | None = "web-server-01",
    outcome: AuditOutcome = AuditOutcome.EXECUTED,
    detail: str = "",
    user_id: str = "U0ALICE01",
    action: str = "stop",
    request_id: str = "",
) -> AuditEntry:
    return AuditEntry(
        time=time,
        user_id=user_id,
        channel_id="C0OPS0001",
        action=action,
        server_id=server_id,
        server_name=server_name,
        outcome=outcome,
        detail=detail,
        request_id=request_id,
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


async def test_a_page_further_back_starts_after_the_entry_it_names(store: StateStore) -> None:
    for i in range(6):  # pairs recorded at the same time: the id tells them apart
        await store.record_audit(_entry(T0 + i // 2, detail=f"e{i}"))
    first = await store.list_audit(limit=3)
    assert [e.detail for e in first] == ["e5", "e4", "e3"]
    last = first[-1]
    rest = await store.list_audit(limit=10, before=(last.time, last.id))
    assert [e.detail for e in rest] == ["e2", "e1", "e0"]
    assert await store.list_audit(limit=10, before=(rest[-1].time, rest[-1].id)) == []


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


async def test_audit_survives_reopen(url: str) -> None:
    entry = _entry(T0, detail="server stopped")
    async with await open_store(url) as store:
        await store.record_audit(entry)
    async with await open_store(url) as store:
        assert await store.list_audit(12345) == [entry]


async def test_request_id_and_new_outcomes_round_trip(store: StateStore) -> None:
    entries = [
        _entry(T0 + i, outcome=outcome, request_id=f"req{i:09d}")
        for i, outcome in enumerate(AuditOutcome)
    ]
    for entry in entries:
        await store.record_audit(entry)
    assert await store.list_audit(limit=50) == entries[::-1]


async def test_repeated_denials_collapse_into_one_counted_entry(store: StateStore) -> None:
    denied = AuditOutcome.DENIED
    for i in range(5):
        await store.record_audit(
            _entry(T0 + 60 * i, outcome=denied, detail=f"try {i}", request_id=f"r{i}")
        )

    [entry] = await store.list_audit()
    assert entry.count == 5
    assert entry.time == T0 + 240  # moved to the newest
    assert entry.detail == "try 4"
    assert entry.request_id == "r4"


async def test_denials_collapse_only_for_the_same_user_action_and_server(
    store: StateStore,
) -> None:
    denied = AuditOutcome.DENIED
    await store.record_audit(_entry(T0, outcome=denied))
    await store.record_audit(_entry(T0 + 1, outcome=denied, user_id="U0BOB0001"))
    await store.record_audit(_entry(T0 + 2, outcome=denied, action="delete"))
    await store.record_audit(_entry(T0 + 3, outcome=denied, server_id=7))
    await store.record_audit(_entry(T0 + 4, outcome=denied, server_name="web-server-02"))
    await store.record_audit(_entry(T0 + 5, outcome=denied, server_id=None, server_name=None))
    await store.record_audit(_entry(T0 + 6, outcome=denied, server_id=None, server_name=None))
    await store.record_audit(_entry(T0 + 7))  # executed: never collapses
    await store.record_audit(_entry(T0 + 8))

    entries = await store.list_audit()
    assert len(entries) == 8
    assert [e.count for e in entries] == [1, 1, 2, 1, 1, 1, 1, 1]


async def test_a_denial_after_an_hour_starts_a_new_entry(store: StateStore) -> None:
    denied = AuditOutcome.DENIED
    await store.record_audit(_entry(T0, outcome=denied))
    await store.record_audit(_entry(T0 + 1800, outcome=denied))  # joins: 30 minutes later
    await store.record_audit(_entry(T0 + 1800 + 3601, outcome=denied))  # an hour after that

    assert [(e.time, e.count) for e in await store.list_audit()] == [
        (T0 + 5401, 1),
        (T0 + 1800, 2),
    ]


async def test_a_denial_storm_pushes_out_nobody_else(store: StateStore) -> None:
    history = [_entry(T0 + i, user_id="U0BOB0001", detail=f"work {i}") for i in range(3)]
    for entry in history:
        await store.record_audit(entry)
    for i in range(100):
        await store.record_audit(
            _entry(T0 + 10 + i, outcome=AuditOutcome.DENIED, user_id="U0MALLORY", action="delete")
        )

    entries = await store.list_audit(limit=100)
    assert entries[0].user_id == "U0MALLORY"
    assert entries[0].count == 100
    assert entries[1:] == history[::-1]


async def test_concurrent_denials_make_one_entry(url: str) -> None:
    async with await open_store(url) as a, await open_store(url) as b:
        await asyncio.gather(
            *(
                s.record_audit(_entry(T0 + i, outcome=AuditOutcome.DENIED))
                for i, s in enumerate([a, b] * 10)
            )
        )
        entries = await a.list_audit()
    assert [e.count for e in entries] == [20]


async def test_nothing_is_pruned_by_count(store: StateStore) -> None:
    for i in range(50):
        await store.record_audit(_entry(T0 + i))
    assert await store.prune_audit(keep_days=1, now=T0 + 60) == 0
    assert len(await store.list_audit(limit=100)) == 50


async def test_a_large_prune_goes_in_batches(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_log, "PRUNE_BATCH", 3)
    old = [_entry(T0 - 40 * DAY + i) for i in range(7)]
    recent = [_entry(T0 - i) for i in range(2)]
    for entry in old + recent:
        await store.record_audit(entry)
    assert await store.prune_audit(keep_days=30, now=T0) == 7
    assert await store.list_audit() == recent


async def test_a_plan_s_servers_are_recorded_together(store: StateStore) -> None:
    entries = [
        _entry(T0, 12345, "web-01", AuditOutcome.EXECUTED, "plan p1: done, active"),
        _entry(T0, 12346, "web-02", AuditOutcome.SKIPPED, "plan p1: skipped, already stopped"),
    ]
    await store.record_audits(entries)
    await store.record_audits([])
    got = await store.list_audit()
    assert sorted((e.server_name, e.outcome, e.detail) for e in got) == [
        ("web-01", AuditOutcome.EXECUTED, "plan p1: done, active"),
        ("web-02", AuditOutcome.SKIPPED, "plan p1: skipped, already stopped"),
    ]
    with pytest.raises(ValueError, match="one by one"):
        await store.record_audits([_entry(T0, outcome=AuditOutcome.DENIED)])
