"""Lifecycle watches and the fleet snapshot (with the bot's own expected changes)."""

from __future__ import annotations

import dataclasses

import pytest

from bot.state import SnapshotEntry, StateStore, Watch, new_id, open_store
from tests.state.conftest import T0


def _watch(**overrides: object) -> Watch:
    fields: dict[str, object] = {
        "id": new_id(),
        "server_id": 12345,
        "server_name": "web-server-02",
        "action": "start",
        "requested_by": "U0ALICE01",
        "channel_id": "C0DEV0001",
        "started_at": T0,
        "deadline": T0 + 900,
        "ops_channel": "C0OPS0001",
        "ops_ts": "1700000000.000100",
        "response_url": "https://hooks.slack.test/response/2",
        "last_status": "starting",
    }
    fields.update(overrides)
    return Watch(**fields)  # type: ignore[arg-type]


async def test_watch_round_trip_update_and_finish(store: StateStore) -> None:
    first = _watch()
    second = _watch(started_at=T0 + 10, server_id=7, server_name="db-01", action="stop")
    await store.add_watch(second)
    await store.add_watch(first)
    assert await store.list_watches() == [first, second]  # oldest first

    moved = dataclasses.replace(
        first, last_status="active", result_channel="C0DEV0001", result_ts="1700000001.000200"
    )
    assert await store.update_watch(moved)
    assert await store.list_watches() == [moved, second]
    assert await store.get_watch(first.id) == moved

    assert await store.finish_watch(first.id, now=T0 + 161)
    assert await store.list_watches() == [second]
    assert await store.get_watch(first.id) is None  # finished watches are not handed out
    assert await store.get_watch("unknown") is None
    assert not await store.finish_watch(first.id)
    assert not await store.update_watch(moved)
    assert not await store.finish_watch("unknown")


async def test_watch_with_only_required_fields(store: StateStore) -> None:
    bare = Watch(
        id="w1",
        server_id=1,
        server_name="a",
        action="reboot",
        requested_by="U0BOB0001",
        channel_id="C0OPS0001",
        started_at=T0,
        deadline=T0 + 60,
    )
    await store.add_watch(bare)
    assert await store.list_watches() == [bare]


async def test_duplicate_watch_id_is_refused(store: StateStore) -> None:
    watch = _watch()
    await store.add_watch(watch)
    with pytest.raises(ValueError, match="exists already"):
        await store.add_watch(watch)


async def test_unfinished_watches_survive_reopen(url: str) -> None:
    watch = _watch()
    async with await open_store(url) as store:
        await store.add_watch(watch)
    async with await open_store(url) as store:
        assert await store.list_watches() == [watch]


async def test_snapshot_none_until_saved_then_round_trips(store: StateStore) -> None:
    assert await store.load_snapshot() is None

    await store.save_snapshot({})
    assert await store.load_snapshot() == {}

    fleet = {
        1: SnapshotEntry("web-server-01", "active"),
        2: SnapshotEntry("db-01", "stopped"),
    }
    await store.save_snapshot(fleet)
    assert await store.load_snapshot() == fleet

    await store.save_snapshot({2: SnapshotEntry("db-01", "suspended")})
    assert await store.load_snapshot() == {2: SnapshotEntry("db-01", "suspended")}


async def test_snapshot_survives_reopen(url: str) -> None:
    fleet = {12345: SnapshotEntry("web-server-01", "active")}
    async with await open_store(url) as store:
        await store.save_snapshot(fleet)
    async with await open_store(url) as store:
        assert await store.load_snapshot() == fleet


async def test_expected_change_is_consumed_once(store: StateStore) -> None:
    await store.note_expected_change(12345, "stopped", until=T0 + 600)

    assert not await store.consume_expected_change(12345, "active", now=T0 + 60)
    assert not await store.consume_expected_change(999, "stopped", now=T0 + 60)
    assert await store.consume_expected_change(12345, "stopped", now=T0 + 60)
    assert not await store.consume_expected_change(12345, "stopped", now=T0 + 61)


async def test_stale_expected_change_is_not_consumed(store: StateStore) -> None:
    await store.note_expected_change(12345, "active", until=T0 + 600)
    assert not await store.consume_expected_change(12345, "active", now=T0 + 600)


async def test_purge_drops_stale_expected_changes(store: StateStore) -> None:
    await store.note_expected_change(1, "active", until=T0 + 10)
    await store.note_expected_change(2, "active", until=T0 + 1000)
    await store.purge_expired(now=T0 + 100)
    assert await store.consume_expected_change(2, "active", now=T0)
    assert not await store.consume_expected_change(1, "active", now=T0)
