"""Approvals: decided exactly once, never by the requester, until they expire."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from bot.state import (
    Approval,
    ApprovalOutcome,
    ApprovalState,
    OpenOutcome,
    StateStore,
    open_store,
)
from tests.state.conftest import T0, FakeClock

TTL = 1800.0
ALICE, BOB, CAROL = "U0ALICE01", "U0BOB0001", "U0CAROL01"
_NTH = itertools.count()


async def _request(store: StateStore, **overrides: Any) -> Approval:
    """A new pending approval, as a member asks for one (each a different request)."""
    fields: dict[str, Any] = {
        "requester_id": ALICE,
        "channel_id": "C0DEV0001",
        "channel_name": "dev",
        "action": "delete",
        "word": "delete",
        "server_id": 12345,
        "server_name": "prod-db-01",
        "params": {"confirm_name": "prod-db-01", "nth": next(_NTH)},
        "response_url": "https://hooks.slack.test/response/9",
        "ttl_seconds": TTL,
        "request_id": "a1b2c3d4e5f6",
    }
    fields.update(overrides)
    opened = await store.open_approval(per_user=None, window=0.0, max_pending=100, **fields)
    assert opened.approval is not None
    return opened.approval


async def test_created_approval_reads_back_as_pending(store: StateStore) -> None:
    created = await _request(store)

    assert created.state is ApprovalState.PENDING
    assert (created.created_at, created.expires_at) == (T0, T0 + TTL)
    assert created.decided_by is None
    assert await store.get_approval(created.id) == created
    assert await store.get_approval("nope") is None


async def test_message_location_is_remembered(store: StateStore) -> None:
    created = await _request(store)
    await store.set_approval_message(created.id, "C0OPS0001", "1700000000.000300")
    stored = await store.get_approval(created.id)
    assert stored is not None
    assert (stored.ops_channel, stored.ops_ts) == ("C0OPS0001", "1700000000.000300")


@pytest.mark.parametrize(("approve", "outcome"), [(True, "approved"), (False, "rejected")])
async def test_decided_once_then_already_decided(
    store: StateStore, approve: bool, outcome: str
) -> None:
    created = await _request(store)

    first = await store.decide_approval(created.id, BOB, approve=approve, now=T0 + 60)
    again = await store.decide_approval(created.id, CAROL, approve=not approve, now=T0 + 61)

    assert first.ok
    assert first.outcome == outcome
    assert first.approval is not None
    assert first.approval.state == outcome
    assert (first.approval.decided_by, first.approval.decided_at) == (BOB, T0 + 60)
    assert again.outcome is ApprovalOutcome.ALREADY_DECIDED
    assert not again.ok
    assert again.approval == first.approval


async def test_the_requester_cannot_decide_their_own(store: StateStore) -> None:
    created = await _request(store)

    for approve in (True, False):
        result = await store.decide_approval(created.id, ALICE, approve=approve)
        assert result.outcome is ApprovalOutcome.SELF_APPROVAL
    assert (await store.decide_approval(created.id, BOB, approve=True)).ok


async def test_the_requester_withdraws_their_own_once(store: StateStore) -> None:
    created = await _request(store)

    assert (await store.withdraw_approval(created.id, BOB)).outcome is (
        ApprovalOutcome.SELF_APPROVAL  # not Bob's to withdraw
    )
    withdrawn = await store.withdraw_approval(created.id, ALICE, now=T0 + 5)
    assert withdrawn.ok
    assert withdrawn.approval is not None
    assert (withdrawn.approval.state, withdrawn.approval.decided_by) == ("rejected", ALICE)
    late = await store.decide_approval(created.id, BOB, approve=True)
    assert late.outcome is ApprovalOutcome.ALREADY_DECIDED


async def test_an_overdue_withdrawal_expires_it(store: StateStore) -> None:
    created = await _request(store)
    result = await store.withdraw_approval(created.id, ALICE, now=T0 + TTL)
    assert result.outcome is ApprovalOutcome.EXPIRED
    assert result.expired_here


async def test_unknown_approval_is_not_found(store: StateStore) -> None:
    result = await store.decide_approval("nope", BOB, approve=True)
    assert result.outcome is ApprovalOutcome.NOT_FOUND
    assert result.approval is None


async def test_concurrent_approvals_on_two_stores_make_one_decision(
    url: str, clock: FakeClock
) -> None:
    async with await open_store(url, clock=clock) as a, await open_store(url, clock=clock) as b:
        created = await _request(a)
        results = await asyncio.gather(
            *(
                s.decide_approval(created.id, approver, approve=i % 3 != 0)
                for i, (s, approver) in enumerate([(a, BOB), (b, CAROL)] * 6)
            )
        )
    assert sum(r.ok for r in results) == 1
    assert [r.outcome for r in results].count(ApprovalOutcome.ALREADY_DECIDED) == 11


async def test_a_decision_at_the_deadline_expires_it_once(store: StateStore) -> None:
    created = await _request(store)

    late = await store.decide_approval(created.id, BOB, approve=True, now=created.expires_at)
    later = await store.decide_approval(created.id, CAROL, approve=True, now=T0)

    assert late.outcome is ApprovalOutcome.EXPIRED
    assert late.expired_here
    assert late.approval is not None
    assert late.approval.state is ApprovalState.EXPIRED
    assert later.outcome is ApprovalOutcome.EXPIRED
    assert not later.expired_here  # reported once, by the call that expired it
    assert await store.expire_approvals(now=T0 + 2 * TTL) == []


async def test_expire_approvals_returns_each_overdue_one_once(url: str, clock: FakeClock) -> None:
    async with await open_store(url, clock=clock) as a, await open_store(url, clock=clock) as b:
        short = await _request(a, ttl_seconds=10)
        older = await _request(a, ttl_seconds=20, now=T0 - 5)
        fresh = await _request(a, ttl_seconds=TTL)
        decided = await _request(a, ttl_seconds=10)
        await a.decide_approval(decided.id, BOB, approve=False)

        batches = await asyncio.gather(*(s.expire_approvals(now=T0 + 100) for s in [a, b, a, b]))
        expired = [approval for batch in batches for approval in batch]
        assert [x.id for x in expired] == [older.id, short.id]  # oldest first, once each
        assert all(x.state is ApprovalState.EXPIRED for x in expired)
        fresh_now = await a.get_approval(fresh.id)
        assert fresh_now is not None
        assert fresh_now.state is ApprovalState.PENDING


async def test_list_approvals_pending_only_or_all(store: StateStore) -> None:
    first = await _request(store)
    second = await _request(store, now=T0 + 1, server_name="prod-db-02")
    done = await _request(store, now=T0 + 2)
    overdue = await _request(store, now=T0 - TTL)
    await store.decide_approval(done.id, BOB, approve=True, now=T0 + 3)

    pending = await store.list_approvals(now=T0 + 10)
    everything = await store.list_approvals(pending_only=False, now=T0 + 10)

    assert [x.id for x in pending] == [first.id, second.id]
    assert [x.id for x in everything] == [overdue.id, first.id, second.id, done.id]


async def test_pending_approvals_survive_reopen(url: str, clock: FakeClock) -> None:
    async with await open_store(url, clock=clock) as store:
        created = await _request(store)
    async with await open_store(url, clock=clock) as store:
        assert await store.list_approvals() == [created]
        assert (await store.decide_approval(created.id, BOB, approve=True)).ok


async def test_purge_forgets_approvals_a_day_after_they_ended(store: StateStore) -> None:
    decided = await _request(store)
    pending = await _request(store, ttl_seconds=10 * 86400)
    await store.decide_approval(decided.id, BOB, approve=True, now=T0 + 10)

    await store.purge_expired(now=T0 + 10 + 86400 - 1)
    assert await store.get_approval(decided.id) is not None
    await store.purge_expired(now=T0 + 10 + 86400)
    assert await store.get_approval(decided.id) is None
    assert await store.get_approval(pending.id) is not None


async def test_params_must_be_json_and_ttl_positive(store: StateStore) -> None:
    with pytest.raises(TypeError):
        await _request(store, params={"when": object()})
    with pytest.raises(ValueError, match="ttl_seconds"):
        await _request(store, ttl_seconds=0)


def _ask(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "requester_id": ALICE,
        "channel_id": "C0DEV0001",
        "channel_name": "dev",
        "action": "reboot",
        "word": "reboot",
        "server_id": 12345,
        "server_name": "prod-db-01",
        "params": {},
        "ttl_seconds": TTL,
    }
    fields.update(overrides)
    return fields


async def test_a_member_has_at_most_so_many_requests_pending(store: StateStore) -> None:
    bounds: dict[str, Any] = {"per_user": None, "window": 0.0, "max_pending": 2}
    for server_id in (1, 2):
        opened = await store.open_approval(**bounds, **_ask(server_id=server_id))
        assert opened.outcome is OpenOutcome.OPENED
    full = await store.open_approval(**bounds, **_ask(server_id=3))
    assert (full.outcome, full.pending) == (OpenOutcome.FULL, 2)
    other = await store.open_approval(**bounds, **_ask(server_id=3, requester_id=BOB))
    assert other.outcome is OpenOutcome.OPENED  # a count per member
    first = next(a for a in await store.list_approvals() if a.requester_id == ALICE)
    await store.decide_approval(first.id, CAROL, approve=False)
    again = await store.open_approval(**bounds, **_ask(server_id=3))
    assert again.outcome is OpenOutcome.OPENED  # a decided one no longer counts


async def test_pending_requests_and_writes_share_the_write_limit(store: StateStore) -> None:
    bounds: dict[str, Any] = {"per_user": 3, "window": 600.0, "max_pending": 10}
    await store.take_write_slot(ALICE, limit=3, window=600.0, now=T0 - 10)
    await store.take_write_slot(ALICE, limit=3, window=600.0, now=T0 - 5)
    assert (await store.open_approval(**bounds, **_ask())).outcome is OpenOutcome.OPENED
    full = await store.open_approval(**bounds, **_ask(server_id=2))
    assert (full.outcome, full.pending, full.writes) == (OpenOutcome.FULL, 1, 2)
    later = await store.open_approval(**bounds, now=T0 + 600, **_ask(server_id=2))
    assert later.outcome is OpenOutcome.OPENED  # the writes left the window


async def test_the_same_request_pending_is_not_stored_twice(store: StateStore) -> None:
    bounds: dict[str, Any] = {"per_user": None, "window": 0.0, "max_pending": 10}
    first = await store.open_approval(**bounds, **_ask(params={"name": "a"}))
    checked = await store.open_approval(commit=False, **bounds, **_ask(params={"name": "a"}))
    again = await store.open_approval(**bounds, **_ask(params={"name": "a"}))
    assert checked.outcome is again.outcome is OpenOutcome.WAITING
    assert again.approval == first.approval
    other = await store.open_approval(**bounds, **_ask(params={"name": "b"}))
    assert other.outcome is OpenOutcome.OPENED  # other values: another request
    assert len(await store.list_approvals()) == 2
