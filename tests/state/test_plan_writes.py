"""A plan confirmed: its writes charged and its state moved together, once."""

from __future__ import annotations

import asyncio

from bot.state import StateStore
from tests.state.conftest import FakeClock
from tests.state.test_plans import _plan, _servers

HOUR = 3600.0


async def test_a_double_click_moves_and_charges_once(store: StateStore) -> None:
    await store.add_plan(_plan(), _servers(count=3))
    charges = await asyncio.gather(
        *(
            store.confirm_plan("p1", "running", user_id="U1", writes=3, limit=10, window=HOUR)
            for _ in range(4)
        )
    )
    assert [c.moved for c in charges].count(True) == 1
    assert [c.gone for c in charges].count(True) == 3
    assert await store.count_writes("U1", window=HOUR) == 3
    plan = await store.get_plan("p1")
    assert plan is not None
    assert plan.state == "running"


async def test_a_plan_over_the_allowance_moves_nowhere(store: StateStore) -> None:
    await store.add_plan(_plan(), _servers(count=3))
    assert await store.take_write_slot("U1", limit=4, window=HOUR) is None
    assert await store.take_write_slot("U1", limit=4, window=HOUR) is None
    charge = await store.confirm_plan(
        "p1", "approval", user_id="U1", writes=3, limit=4, window=HOUR
    )
    assert (charge.moved, charge.allowed, charge.gone) == (False, 2, False)
    plan = await store.get_plan("p1")
    assert plan is not None
    assert plan.state == "preview"
    assert await store.count_writes("U1", window=HOUR) == 2


async def test_without_a_limit_nothing_is_counted(store: StateStore) -> None:
    await store.add_plan(_plan(), _servers(count=3))
    charge = await store.confirm_plan("p1", "running", user_id="U1", writes=3, limit=None, window=0)
    assert charge.moved
    assert await store.count_writes("U1", window=HOUR) == 0
    gone = await store.confirm_plan("nope", "running", user_id="U1", writes=1, limit=5, window=HOUR)
    assert gone.gone


async def test_previews_nobody_answered_expire(store: StateStore, clock: FakeClock) -> None:
    await store.add_plan(_plan("old"), _servers("old"))
    await store.add_plan(_plan("running", state="running"), _servers("running"))
    clock.now += 200
    await store.add_plan(_plan("new", created=clock.now), _servers("new"))
    clock.now += 200
    assert await store.expire_previews(ttl=300) == 1
    states = {p.id: p.state for p in await store.list_plans()}
    assert states == {"old": "expired", "running": "running", "new": "preview"}
