"""What replicas share: the replay guard, write limits, named leases and pending counts."""

from __future__ import annotations

import asyncio

from bot.state import PendingCounts, StateStore, open_store
from tests.state.conftest import T0, FakeClock


async def test_a_request_is_new_once(store: StateStore) -> None:
    assert await store.remember_request("v0=abc:1700000000", expires_at=T0 + 300)
    assert not await store.remember_request("v0=abc:1700000000", expires_at=T0 + 300)
    assert await store.remember_request("v0=def:1700000000", expires_at=T0 + 300)


async def test_concurrent_repeats_on_two_stores_are_new_once(url: str, clock: FakeClock) -> None:
    async with await open_store(url, clock=clock) as a, await open_store(url, clock=clock) as b:
        seen = await asyncio.gather(
            *(s.remember_request("sig", expires_at=T0 + 300) for s in [a, b] * 5)
        )
    assert seen.count(True) == 1


async def test_many_keys_at_once_are_each_new_once(url: str, clock: FakeClock) -> None:
    # Keys asked for at the same moment share a transaction: each still answers on its own.
    keys = [f"sig-{i % 120}" for i in range(300)]
    async with await open_store(url, clock=clock) as a, await open_store(url, clock=clock) as b:
        seen = await asyncio.gather(
            *(
                s.remember_request(k, expires_at=T0 + 300)
                for s, k in zip([a, b] * 150, keys, strict=True)
            )
        )
    new = [k for k, fresh in zip(keys, seen, strict=True) if fresh]
    assert sorted(new) == sorted({f"sig-{i}" for i in range(120)})


async def test_an_expired_key_is_forgotten(store: StateStore) -> None:
    assert await store.remember_request("sig", expires_at=T0 + 300)
    # Past its window it counts as new again, purged or not.
    assert await store.remember_request("sig", expires_at=T0 + 700, now=T0 + 400)
    assert not await store.remember_request("sig", expires_at=T0 + 700, now=T0 + 500)
    await store.purge_expired(now=T0 + 701)
    assert await store.remember_request("sig", expires_at=T0 + 1000, now=T0 + 701)


async def test_writes_under_the_limit_are_taken(store: StateStore) -> None:
    for i in range(3):
        assert await store.take_write_slot("U1", limit=3, window=600, now=T0 + i) is None
    # The fourth waits until the oldest of the three leaves the window.
    assert await store.peek_write_slot("U1", limit=3, window=600, now=T0 + 10) == T0 + 600
    assert await store.take_write_slot("U1", limit=3, window=600, now=T0 + 10) == T0 + 600
    assert await store.take_write_slot("U1", limit=3, window=600, now=T0 + 11) == T0 + 600
    # Refusals were not counted: once the oldest leaves, one more fits.
    assert await store.take_write_slot("U1", limit=3, window=600, now=T0 + 600) is None
    assert await store.take_write_slot("U1", limit=3, window=600, now=T0 + 600.5) == T0 + 601
    assert await store.take_write_slot("U2", limit=3, window=600, now=T0 + 10) is None


async def test_peek_records_nothing(store: StateStore) -> None:
    for _ in range(5):
        assert await store.peek_write_slot("U1", limit=1, window=60) is None
    assert await store.take_write_slot("U1", limit=1, window=60) is None
    assert await store.peek_write_slot("U1", limit=1, window=60) == T0 + 60


async def test_a_lowered_limit_waits_for_enough_writes_to_leave(store: StateStore) -> None:
    for i in range(5):
        assert await store.take_write_slot("U1", limit=10, window=600, now=T0 + i) is None
    # Five counted, limit now 2: four must leave; the fourth-oldest leaves at T0 + 3 + 600.
    assert await store.take_write_slot("U1", limit=2, window=600, now=T0 + 10) == T0 + 603


async def test_concurrent_writers_on_two_stores_never_over_admit(
    url: str, clock: FakeClock
) -> None:
    async with await open_store(url, clock=clock) as a, await open_store(url, clock=clock) as b:
        answers = await asyncio.gather(
            *(s.take_write_slot("U1", limit=4, window=600) for s in [a, b] * 8)
        )
        assert answers.count(None) == 4
        assert await a.peek_write_slot("U1", limit=5, window=600) is None  # exactly 4 counted


async def test_purge_forgets_writes_that_left_their_window(store: StateStore) -> None:
    await store.take_write_slot("U1", limit=1, window=60, now=T0)
    await store.purge_expired(now=T0 + 60)
    # Even with a longer window now, the purged write no longer counts.
    assert await store.peek_write_slot("U1", limit=1, window=600, now=T0 + 61) is None


async def test_a_lease_is_held_by_one_owner_until_released_or_run_out(store: StateStore) -> None:
    assert await store.acquire_lease("fleet-monitor", "a", ttl=30, now=T0)
    assert not await store.acquire_lease("fleet-monitor", "b", ttl=30, now=T0 + 1)
    assert await store.acquire_lease("fleet-monitor", "a", ttl=30, now=T0 + 20)  # renewed
    assert not await store.acquire_lease("fleet-monitor", "b", ttl=30, now=T0 + 49)
    assert await store.acquire_lease("fleet-monitor", "b", ttl=30, now=T0 + 50)  # ran out
    assert not await store.acquire_lease("fleet-monitor", "a", ttl=30, now=T0 + 51)

    await store.release_lease("fleet-monitor", "a")  # not a's: nothing happens
    assert not await store.acquire_lease("fleet-monitor", "a", ttl=30, now=T0 + 52)
    await store.release_lease("fleet-monitor", "b")
    assert await store.acquire_lease("fleet-monitor", "a", ttl=30, now=T0 + 53)
    assert await store.acquire_lease("other", "b", ttl=30, now=T0 + 53)  # leases are by name


async def test_one_of_many_contenders_gets_the_lease(url: str, clock: FakeClock) -> None:
    async with await open_store(url, clock=clock) as a, await open_store(url, clock=clock) as b:
        won = await asyncio.gather(
            *(s.acquire_lease("fleet-monitor", f"r{i}", ttl=30) for i, s in enumerate([a, b] * 5))
        )
    assert won.count(True) == 1


async def test_pending_counts(store: StateStore) -> None:
    assert await store.count_pending() == PendingCounts(confirmations=0, approvals=0)
    fields = {"channel_id": "C1", "channel_name": "ops", "server_id": 1, "server_name": "a"}
    used = await store.create_confirmation(user_id="U1", action="stop", ttl_seconds=300, **fields)
    await store.create_confirmation(user_id="U1", action="stop", ttl_seconds=300, **fields)
    await store.create_confirmation(user_id="U1", action="stop", ttl_seconds=10, **fields)
    await store.claim_confirmation(used.id, "U1")
    await store.open_approval(
        per_user=None,
        window=0.0,
        max_pending=1,
        requester_id="U1",
        action="delete",
        word="delete",
        ttl_seconds=600,
        **fields,
    )

    assert await store.count_pending(now=T0 + 5) == PendingCounts(confirmations=2, approvals=1)
    assert await store.count_pending(now=T0 + 400) == PendingCounts(confirmations=0, approvals=1)


async def test_the_writes_a_limit_counts_can_be_read(store: StateStore) -> None:
    # What whoami shows: how many of the member's writes the window still holds.
    assert await store.count_writes("U1", window=600) == 0
    for i in range(3):
        assert await store.take_write_slot("U1", limit=5, window=600, now=T0 + i) is None
    assert await store.take_write_slot("U2", limit=5, window=600, now=T0) is None
    assert await store.count_writes("U1", window=600, now=T0 + 10) == 3
    assert await store.count_writes("U1", window=600, now=T0 + 600.5) == 2  # the first left
    assert await store.count_writes("U1", window=60, now=T0 + 10) == 3
    assert await store.count_writes("U2", window=600, now=T0 + 10) == 1
