"""Pending confirmations: single-use, for one user, until they expire — across tasks and stores."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.state import (
    ClaimOutcome,
    Confirmation,
    ConfirmationState,
    StateStore,
    open_store,
)
from tests.state.conftest import T0, FakeClock

TTL = 300.0


async def _ask(store: StateStore, **overrides: Any) -> Confirmation:
    fields: dict[str, Any] = {
        "user_id": "U0ALICE01",
        "channel_id": "C0OPS0001",
        "channel_name": "ops",
        "action": "stop",
        "server_id": 12345,
        "server_name": "web-server-01",
        "params": {},
        "response_url": "https://hooks.slack.test/response/1",
        "ttl_seconds": TTL,
    }
    fields.update(overrides)
    return await store.create_confirmation(**fields)


async def test_created_confirmation_reads_back_as_pending(store: StateStore) -> None:
    params = {"name": "web-02", "hostname": "web02.example.com", "backups": True}
    created = await _ask(store, action="update", params=params)

    assert created.state is ConfirmationState.PENDING
    assert created.created_at == T0
    assert created.expires_at == T0 + TTL
    assert len(created.id) >= 20
    assert await store.get_confirmation(created.id) == created
    assert (await store.get_confirmation(created.id)).params == params  # type: ignore[union-attr]


async def test_ids_are_unguessable_and_distinct(store: StateStore) -> None:
    ids = {(await _ask(store)).id for _ in range(50)}
    assert len(ids) == 50


async def test_create_confirmation_without_server_or_response_url(store: StateStore) -> None:
    created = await _ask(store, action="create", server_id=None, response_url=None)
    assert await store.get_confirmation(created.id) == created


async def test_unknown_confirmation_is_none_and_not_found(store: StateStore) -> None:
    assert await store.get_confirmation("nope") is None
    result = await store.claim_confirmation("nope", "U0ALICE01")
    assert result.outcome is ClaimOutcome.NOT_FOUND
    assert result.confirmation is None
    assert (await store.cancel_confirmation("nope", "U0ALICE01")).outcome is ClaimOutcome.NOT_FOUND


async def test_claim_once_then_already_used(store: StateStore) -> None:
    created = await _ask(store)

    first = await store.claim_confirmation(created.id, "U0ALICE01")
    second = await store.claim_confirmation(created.id, "U0ALICE01")

    assert first.ok
    assert first.outcome is ClaimOutcome.CLAIMED
    assert first.confirmation is not None
    assert first.confirmation.state is ConfirmationState.CLAIMED
    assert first.confirmation.server_name == "web-server-01"
    assert second.outcome is ClaimOutcome.ALREADY_USED
    assert not second.ok


async def test_twenty_concurrent_claims_make_one_winner(store: StateStore) -> None:
    created = await _ask(store)

    results = await asyncio.gather(
        *(store.claim_confirmation(created.id, "U0ALICE01") for _ in range(20))
    )

    outcomes = [r.outcome for r in results]
    assert outcomes.count(ClaimOutcome.CLAIMED) == 1
    assert outcomes.count(ClaimOutcome.ALREADY_USED) == 19


async def test_two_stores_on_one_file_make_one_winner(url: str, clock: FakeClock) -> None:
    async with await open_store(url, clock=clock) as a, await open_store(url, clock=clock) as b:
        created = await _ask(a)
        results = await asyncio.gather(
            *(s.claim_confirmation(created.id, "U0ALICE01") for s in [a, b] * 10)
        )
    assert [r.outcome for r in results].count(ClaimOutcome.CLAIMED) == 1


async def test_claim_and_cancel_race_has_one_winner(store: StateStore) -> None:
    created = await _ask(store)
    results = await asyncio.gather(
        store.cancel_confirmation(created.id, "U0ALICE01"),
        store.claim_confirmation(created.id, "U0ALICE01"),
        store.cancel_confirmation(created.id, "U0ALICE01"),
    )
    assert sum(r.ok for r in results) == 1


async def test_wrong_user_does_not_consume_it(store: StateStore) -> None:
    created = await _ask(store)

    intruder = await store.claim_confirmation(created.id, "U0MALLORY")
    cancel_attempt = await store.cancel_confirmation(created.id, "U0MALLORY")
    owner = await store.claim_confirmation(created.id, "U0ALICE01")

    assert intruder.outcome is ClaimOutcome.WRONG_USER
    assert cancel_attempt.outcome is ClaimOutcome.WRONG_USER
    assert owner.outcome is ClaimOutcome.CLAIMED


async def test_claim_at_deadline_is_expired_and_marks_it(store: StateStore) -> None:
    created = await _ask(store)

    late = await store.claim_confirmation(created.id, "U0ALICE01", now=created.expires_at)

    assert late.outcome is ClaimOutcome.EXPIRED
    assert late.confirmation is not None
    assert late.confirmation.state is ConfirmationState.EXPIRED
    stored = await store.get_confirmation(created.id)
    assert stored is not None
    assert stored.state is ConfirmationState.EXPIRED
    # Still expired if the clock were wrong later: the record no longer counts as pending.
    again = await store.claim_confirmation(created.id, "U0ALICE01", now=T0)
    assert again.outcome is ClaimOutcome.EXPIRED


async def test_claim_just_before_deadline_wins(store: StateStore) -> None:
    created = await _ask(store)
    result = await store.claim_confirmation(created.id, "U0ALICE01", now=created.expires_at - 0.001)
    assert result.outcome is ClaimOutcome.CLAIMED


async def test_store_clock_decides_expiry_when_no_now_is_given(
    store: StateStore, clock: FakeClock
) -> None:
    created = await _ask(store)
    clock.now += TTL + 1
    assert (await store.claim_confirmation(created.id, "U0ALICE01")).outcome is ClaimOutcome.EXPIRED


async def test_cancel_then_claim_is_already_used(store: StateStore) -> None:
    created = await _ask(store)

    cancelled = await store.cancel_confirmation(created.id, "U0ALICE01")
    claim = await store.claim_confirmation(created.id, "U0ALICE01")

    assert cancelled.outcome is ClaimOutcome.CANCELLED
    assert cancelled.ok
    assert claim.outcome is ClaimOutcome.ALREADY_USED
    assert claim.confirmation is not None
    assert claim.confirmation.state is ConfirmationState.CANCELLED


async def test_cancel_after_expiry_is_expired(store: StateStore) -> None:
    created = await _ask(store)
    late = await store.cancel_confirmation(created.id, "U0ALICE01", now=T0 + TTL + 5)
    assert late.outcome is ClaimOutcome.EXPIRED


async def test_purge_marks_overdue_expired_and_deletes_old_ones(store: StateStore) -> None:
    old = await _ask(store, ttl_seconds=10)  # expires T0+10
    overdue = await _ask(store, ttl_seconds=100)  # expires T0+100
    fresh = await _ask(store, ttl_seconds=1000)  # expires T0+1000

    deleted = await store.purge_expired(now=T0 + 150, keep_seconds=60)

    assert deleted == 1
    assert await store.get_confirmation(old.id) is None
    overdue_now = await store.get_confirmation(overdue.id)
    assert overdue_now is not None
    assert overdue_now.state is ConfirmationState.EXPIRED
    fresh_now = await store.get_confirmation(fresh.id)
    assert fresh_now is not None
    assert fresh_now.state is ConfirmationState.PENDING


async def test_pending_confirmation_survives_reopen(url: str, clock: FakeClock) -> None:
    async with await open_store(url, clock=clock) as first:
        created = await _ask(first, params={"confirm_name": "web-server-01"})
    async with await open_store(url, clock=clock) as second:
        assert await second.get_confirmation(created.id) == created
        assert (await second.claim_confirmation(created.id, "U0ALICE01")).ok
    async with await open_store(url, clock=clock) as third:
        result = await third.claim_confirmation(created.id, "U0ALICE01")
        assert result.outcome is ClaimOutcome.ALREADY_USED


async def test_params_must_be_json_and_ttl_positive(store: StateStore) -> None:
    with pytest.raises(TypeError):
        await _ask(store, params={"when": object()})
    with pytest.raises(ValueError, match="ttl_seconds"):
        await _ask(store, ttl_seconds=0)
