"""The plans under way, as the console's waits count them (`:wait`, the end of a script).

A plan is under way while the store says it runs, while a paused one still has servers in
flight, and while one of its messages still offers its buttons without showing where it
stands: the summary has not come yet, or the news of a Pause or a Resume (each edit of a
plan's message waits its turn, after the store has moved). A paused plan with nothing in
flight, its message offering Resume, waits for a person: it is not waited for.

A plan confirmed but not yet shown (its message comes with the driver's next round) is part of
the answer to the click that confirmed it: the console waits for it before the next line."""

from __future__ import annotations

from bot.slack import ids
from bot.state import StateStore
from bot.state.plans import DRIVEN, IN_FLIGHT
from slackemu import SlackEmulator

__all__ = ["PlansUnderWay"]

LOOKED_AT = 50
"""The newest plans looked at in a state: a console session has few."""


class PlansUnderWay:
    """Counts the plans a script waits for."""

    def __init__(self, store: StateStore, emu: SlackEmulator) -> None:
        self._store, self._emu = store, emu

    async def count(self) -> int:
        """How many plans are under way now."""
        store = self._store
        under_way = {p.id for p in await store.list_plans(states=("running",), limit=LOOKED_AT)}
        for plan in await store.list_plans(states=("paused",), limit=LOOKED_AT):
            if any(s.state in IN_FLIGHT for s in await store.plan_servers(plan.id)):
                under_way.add(plan.id)
        for message in self._emu.world.messages(ephemeral=False):
            controls = {b.action_id: b.value or "" for b in message.buttons()}
            plan_id = controls.get(ids.PLAN_ABORT)
            if plan_id is None or plan_id in under_way:
                continue  # no plan's live message, or counted already
            now = await store.get_plan(plan_id)
            if now is None or now.state != "paused" or ids.PLAN_RESUME not in controls:
                under_way.add(plan_id)
        return len(under_way)

    async def unshown(self) -> int:
        """How many plans run (or are paused) with no message yet."""
        plans = await self._store.list_plans(states=DRIVEN, limit=LOOKED_AT)
        return sum(plan.progress_ts is None for plan in plans)
