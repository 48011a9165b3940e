"""Changes in flight in the store: recorded before the call, cleared once answered, claimed by
one replica when the one making the call died, on both backends."""

from __future__ import annotations

import asyncio
import os

import pytest

from bot.state import StateStore, new_replica_id
from bot.state.inflight import InFlight
from tests.state.conftest import T0, FakeClock
from tests.state.test_take_back import _dead_pid

LEASE = 50.0


def _flight(flight_id: str = "f1", *, owner: str = "r1:1:a", started: float = T0) -> InFlight:
    return InFlight(
        id=flight_id,
        user_id="U1",
        channel_id="C1",
        operation="stop",
        server_id=12345,
        server_name="web-01",
        change={"operation": "stop", "server": {"id": 12345, "name": "web-01", "status": "active"}},
        started_at=started,
        owner=owner,
        lease_until=started + LEASE,
        response_url="https://hooks.slack.test/r/1",
        before_status="active",
        request_id="req-1",
        approved_by="U2",
    )


async def test_a_change_is_kept_until_its_answer_is_known(store: StateStore) -> None:
    await store.add_inflight(_flight())
    assert await store.get_inflight("f1") == _flight()
    assert await store.list_inflight() == [_flight()]
    with pytest.raises(ValueError, match="exists already"):
        await store.add_inflight(_flight())
    assert not await store.clear_inflight("f1", owner="someone-else")
    assert await store.clear_inflight("f1", owner="r1:1:a")
    assert not await store.clear_inflight("f1")
    assert await store.get_inflight("f1") is None
    assert await store.list_inflight() == []


async def test_nobody_claims_a_change_while_its_call_may_still_be_answered(
    store: StateStore, clock: FakeClock
) -> None:
    await store.add_inflight(_flight())
    clock.now = T0 + LEASE - 1
    assert await store.claim_inflight("r2:2:b", lease=LEASE) == []
    clock.now = T0 + LEASE
    [claimed] = await store.claim_inflight("r2:2:b", lease=LEASE)
    assert (claimed.id, claimed.owner, claimed.lease_until) == ("f1", "r2:2:b", T0 + 2 * LEASE)
    assert claimed.change == _flight().change  # what to settle comes back whole
    assert await store.claim_inflight("r3:3:c", lease=LEASE) == []  # it is r2's now
    assert not await store.renew_inflight("f1", "r1:1:a", lease=LEASE)  # the dead caller's no more
    clock.now = T0 + 2 * LEASE - 1
    assert await store.renew_inflight("f1", "r2:2:b", lease=LEASE)
    clock.now = T0 + 2 * LEASE + 1
    assert await store.claim_inflight("r3:3:c", lease=LEASE) == []  # renewed: still r2's


async def test_each_change_left_behind_goes_to_one_claimer(
    store: StateStore, clock: FakeClock
) -> None:
    for n in range(6):
        await store.add_inflight(_flight(f"f{n}", started=T0 + n))
    clock.now = T0 + 100
    claims = await asyncio.gather(
        *(store.claim_inflight(f"r{n}:{n}:x", lease=LEASE) for n in range(4))
    )
    ids = [flight.id for claim in claims for flight in claim]
    assert sorted(ids) == [f"f{n}" for n in range(6)]  # every one, none twice
    for claim in claims:
        assert [f.started_at for f in claim] == sorted(f.started_at for f in claim)


async def test_a_lost_answer_is_kept_and_settled_at_once(
    store: StateStore, clock: FakeClock
) -> None:
    await store.add_inflight(_flight())
    clock.now = T0 + 3
    assert not await store.lose_inflight("f1", "r9:9:z", "timed out")  # not theirs
    assert await store.lose_inflight("f1", "r1:1:a", "VPS.org did not answer within 10s", after=5)
    clock.now = T0 + 7
    assert await store.claim_inflight("r2:2:b", lease=LEASE) == []  # VPS.org may still act
    clock.now = T0 + 8
    [claimed] = await store.claim_inflight("r2:2:b", lease=LEASE)  # long before its lease
    assert claimed.lost == "VPS.org did not answer within 10s"


async def test_a_restarted_replica_settles_its_earlier_runs_changes_at_once(
    store: StateStore, clock: FakeClock
) -> None:
    crashed = f"replica-a:{_dead_pid()}:1111aaaa"
    twin = f"replica-a:{os.getppid()}:2222bbbb"  # alive: never taken from
    await store.add_inflight(_flight("mine", owner=crashed))
    await store.add_inflight(_flight("twin", owner=twin))
    me = new_replica_id("replica-a")
    assert await store.take_back(me) == 1
    clock.now = T0 + 1
    assert [f.id for f in await store.claim_inflight(me, lease=LEASE)] == ["mine"]
