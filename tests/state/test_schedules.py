"""Schedules in the store: each run claimed once, skipped once, cancelled once."""

from __future__ import annotations

import asyncio

import pytest

from bot.state import StateStore
from bot.state.schedules import Schedule
from tests.state.conftest import T0, FakeClock


def _schedule(schedule_id: str = "s1", *, state: str = "active", run: float = T0 + 60) -> Schedule:
    return Schedule(
        id=schedule_id,
        user_id="U1",
        channel_id="C1",
        operation="reboot",
        command="reboot web-* batch:2 every day 03:30",
        request={"operation": "reboot", "target": "web-*"},
        timing={"days": [0, 1, 2, 3, 4, 5, 6], "clock": "03:30", "zone": "UTC"},
        state=state,
        next_run=run,
        created_at=T0,
        updated_at=T0,
        options={"batch": 2},
    )


async def test_a_schedule_is_kept_as_stored(store: StateStore) -> None:
    await store.add_schedule(_schedule())
    assert await store.get_schedule("s1") == _schedule()
    with pytest.raises(ValueError, match="exists already"):
        await store.add_schedule(_schedule())
    assert await store.get_schedule("nope") is None


async def test_each_run_is_claimed_once_and_moves_the_next_run_on(store: StateStore) -> None:
    await store.add_schedule(_schedule())
    claims = await asyncio.gather(*(store.claim_run("s1", T0 + 60, T0 + 86460) for _ in range(5)))
    assert sum(claim is not None for claim in claims) == 1
    found = await store.get_schedule("s1")
    assert found is not None
    assert (found.next_run, found.last_run, found.state) == (T0 + 86460, T0 + 60, "active")
    assert await store.claim_run("s1", T0 + 60, T0 + 86460) is None  # a replica that saw it late


async def test_a_skip_clicked_before_the_claim_shows_in_what_was_claimed(
    store: StateStore,
) -> None:
    await store.add_schedule(_schedule())
    stale = await store.get_schedule("s1")  # what a round read before the click
    assert stale is not None
    assert stale.skip_run is None
    assert await store.skip_schedule_run("s1", T0 + 60)
    claimed = await store.claim_run("s1", T0 + 60, T0 + 86460)
    assert claimed is not None
    assert claimed.skip_run == T0 + 60
    assert not await store.skip_schedule_run("s1", T0 + 60)  # claimed: too late to skip


async def test_the_last_run_ends_the_schedule(store: StateStore) -> None:
    await store.add_schedule(_schedule())
    assert await store.claim_run("s1", T0 + 60, None) is not None
    found = await store.get_schedule("s1")
    assert found is not None
    assert (found.state, found.next_run) == ("ended", None)
    assert await store.list_schedules() == []
    assert [x.id for x in await store.list_schedules(states=["ended"])] == ["s1"]


async def test_due_schedules_are_those_whose_run_has_come(
    store: StateStore, clock: FakeClock
) -> None:
    await store.add_schedule(_schedule("soon", run=T0 + 60))
    await store.add_schedule(_schedule("later", run=T0 + 3600))
    await store.add_schedule(_schedule("gone", state="cancelled", run=T0 + 10))
    assert await store.due_schedules() == []
    clock.now = T0 + 60
    assert [x.id for x in await store.due_schedules()] == ["soon"]
    assert [x.id for x in await store.due_schedules(within=3600)] == ["soon", "later"]
    listed = await store.list_schedules(user_id="U1")
    assert [x.id for x in listed] == ["soon", "later"]
    assert await store.list_schedules(user_id="U2") == []


async def test_cancel_skip_and_notice_act_once(store: StateStore, clock: FakeClock) -> None:
    await store.add_schedule(_schedule())
    notices = await asyncio.gather(*(store.notice_run("s1", T0 + 60) for _ in range(3)))
    assert notices.count(True) == 1
    skips = await asyncio.gather(*(store.skip_schedule_run("s1", T0 + 60) for _ in range(3)))
    assert skips.count(True) == 1
    assert not await store.skip_schedule_run("s1", T0 + 999)  # not its next run
    clock.now += 5
    cancels = await asyncio.gather(
        *(store.move_schedule("s1", "cancelled", expect=["active"]) for _ in range(3))
    )
    assert cancels.count(True) == 1
    found = await store.get_schedule("s1")
    assert found is not None
    assert (found.state, found.skip_run, found.noticed_run) == ("cancelled", T0 + 60, T0 + 60)
    assert found.updated_at == T0 + 5
    assert await store.claim_run("s1", T0 + 60, None) is None  # a cancelled schedule never runs
    await store.record_schedule_result("s1", "rebooted web-01")
    found = await store.get_schedule("s1")
    assert found is not None
    assert found.last_result == "rebooted web-01"


async def test_housekeeping_forgets_schedules_a_day_after_they_ended(
    store: StateStore, clock: FakeClock
) -> None:
    await store.add_schedule(_schedule("live"))
    await store.add_schedule(_schedule("done", state="ended", run=T0))
    await store.add_schedule(_schedule("unconfirmed", state="preview"))
    clock.now = T0 + 86400
    await store.purge_expired()
    assert await store.get_schedule("live") is not None
    assert await store.get_schedule("done") is None
    assert await store.get_schedule("unconfirmed") is None
