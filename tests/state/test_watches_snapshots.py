"""Lifecycle watches (and their leases) and the fleet snapshot (with the bot's own expected
changes)."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from bot.state import SnapshotEntry, StateStore, Watch, new_id, open_store
from tests.state.conftest import T0, FakeClock


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


async def test_claim_takes_unowned_and_run_out_watches_once(store: StateStore) -> None:
    unowned = _watch(started_at=T0 - 30)
    mine = _watch(owner="a", lease_until=T0 + 30)
    run_out = _watch(owner="dead", lease_until=T0 - 1, started_at=T0 - 10)
    for watch in (unowned, mine, run_out):
        await store.add_watch(watch)

    claimed = await store.claim_watches("b", lease=45, now=T0)

    assert [w.id for w in claimed] == [unowned.id, run_out.id]  # oldest first
    assert all(w.owner == "b" and w.lease_until == T0 + 45 for w in claimed)
    assert await store.claim_watches("c", lease=45, now=T0) == []
    assert (await store.get_watch(mine.id)) == mine


async def test_concurrent_claims_give_each_watch_to_one_replica(url: str, clock: FakeClock) -> None:
    watches = [_watch(started_at=T0 + i) for i in range(6)]
    async with await open_store(url, clock=clock) as a, await open_store(url, clock=clock) as b:
        for watch in watches:
            await a.add_watch(watch)
        batches = await asyncio.gather(
            *(s.claim_watches(f"r{i}", lease=30) for i, s in enumerate([a, b] * 3))
        )
    claimed = sorted(w.id for batch in batches for w in batch)
    assert claimed == sorted(w.id for w in watches)


async def test_renew_keeps_a_watch_and_fails_once_it_is_lost(store: StateStore) -> None:
    watch = _watch(owner="a", lease_until=T0 + 30)
    await store.add_watch(watch)

    assert await store.renew_watch(watch.id, "a", lease=30, now=T0 + 20)
    assert await store.claim_watches("b", lease=30, now=T0 + 49) == []  # renewed until T0+50
    assert [w.id for w in await store.claim_watches("b", lease=30, now=T0 + 50)] == [watch.id]
    assert not await store.renew_watch(watch.id, "a", lease=30, now=T0 + 51)
    assert await store.renew_watch(watch.id, "b", lease=30, now=T0 + 51)
    assert await store.finish_watch(watch.id)
    assert not await store.renew_watch(watch.id, "b", lease=30)


async def test_release_hands_watches_over_at_once(store: StateStore) -> None:
    ours = [_watch(owner="a", lease_until=T0 + 60, started_at=T0 + i) for i in range(2)]
    theirs = _watch(owner="b", lease_until=T0 + 60)
    for watch in (*ours, theirs):
        await store.add_watch(watch)

    assert await store.release_watches("a") == 2
    taken = await store.claim_watches("c", lease=30, now=T0 + 1)
    assert [w.id for w in taken] == [w.id for w in ours]
    assert await store.release_watches("a") == 0


async def test_update_leaves_owner_and_lease_alone(store: StateStore) -> None:
    watch = _watch(owner="a", lease_until=T0 + 30)
    await store.add_watch(watch)
    stale = dataclasses.replace(watch, owner="b", lease_until=T0 + 999, last_status="active")
    assert await store.update_watch(stale)
    assert await store.get_watch(watch.id) == dataclasses.replace(watch, last_status="active")


async def test_concurrent_finishes_report_once(url: str, clock: FakeClock) -> None:
    watch = _watch()
    async with await open_store(url, clock=clock) as a, await open_store(url, clock=clock) as b:
        await a.add_watch(watch)
        finished = await asyncio.gather(*(s.finish_watch(watch.id) for s in [a, b] * 5))
    assert finished.count(True) == 1


async def test_purge_forgets_watches_a_day_after_they_finished(store: StateStore) -> None:
    watch = _watch()
    await store.add_watch(watch)
    await store.finish_watch(watch.id, now=T0)
    await store.purge_expired(now=T0 + 86400)
    await store.add_watch(watch)  # the id is free again: the finished row is gone
    assert await store.list_watches() == [watch]
