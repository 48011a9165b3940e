"""A plan's progress: one message where it was asked and one in the ops channel, each edited in
place as the plan moves — at most once every `EVERY` seconds per message — and edited to its
summary at the end. Every call on Slack goes through `SlackWeb` (the ops channel's through the
notifier)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from bot.finishing import Finishing
from bot.flow.events import OpsChannel
from bot.slack.blocks import Message
from bot.slack.blocks.plan_progress import PlanShown, build_plan_progress, build_plan_summary
from bot.slack.web import SlackWeb
from bot.state import StateStore
from bot.state.plans import IN_FLIGHT, Plan, PlanServer

EVERY = 2.0
"""Seconds between two edits of one message, at least."""


def shown(plan: Plan, servers: Sequence[PlanServer]) -> PlanShown:
    """What the plan's message shows of it now."""
    count = dict.fromkeys(("done", "failed", "skipped", "waiting"), 0)
    running = 0
    for server in servers:
        if server.state in IN_FLIGHT:
            running += 1
        else:
            count[server.state] = count.get(server.state, 0) + 1
    failed = [s for s in servers if s.state == "failed"]
    last = max(failed, key=lambda s: (s.settled_at or 0.0, s.position), default=None)
    batches = sorted({s.batch for s in servers})
    moving = [s.batch for s in servers if s.state in (*IN_FLIGHT, "waiting")]
    current = batches.index(min(moving)) + 1 if moving else 0
    return PlanShown(
        plan_id=plan.id,
        operation=plan.operation,
        user_id=plan.user_id,
        channel_id=plan.channel_id,
        state=plan.state,
        reason=plan.reason,
        done=count["done"],
        running=running,
        failed=count["failed"],
        skipped=count["skipped"],
        waiting=count["waiting"],
        batch=current,
        batches=len(batches),
        last_failure=(last.server_name, last.server_id, last.detail) if last else None,
        failed_servers=tuple((s.server_name, s.server_id) for s in failed),
    )


@dataclass
class _Edits:
    """When each of a plan's messages was last edited, and what it showed."""

    at: dict[str, float] = field(default_factory=dict)
    text: dict[str, str] = field(default_factory=dict)


class Progress:
    """Posts and edits the plans' messages, throttled per message."""

    def __init__(
        self,
        store: StateStore,
        slack: SlackWeb,
        ops: OpsChannel,
        *,
        every: float = EVERY,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._store, self._slack, self._ops = store, slack, ops
        self._every, self._monotonic, self._sleep = every, monotonic, sleep
        self._edits: dict[str, _Edits] = {}
        self.finishing = Finishing("a plan's message")

    async def show(self, plan: Plan, servers: Sequence[PlanServer], *, final: bool = False) -> None:
        """Post the plan's messages if they are not there yet, else edit them — unless one was
        edited less than `every` seconds ago (the next call shows the news). The `final` one
        (the summary) waits its turn instead of being skipped."""
        view = shown(plan, servers)
        message = build_plan_summary(view) if final else build_plan_progress(view)
        where = plan.progress_channel or plan.channel_id
        edits: list[Awaitable[None]] = []
        if plan.progress_ts is None:
            await self.finishing.run(self._post(plan.id, where, message, ops=False))
        else:
            edits.append(self._edit(plan.id, where, plan.progress_ts, message, final, ops=False))
        ops = plan.ops_channel or self._ops.channel
        if ops and ops != where:  # asked in the ops channel: its one message is the ops one
            if plan.ops_ts is None:
                await self.finishing.run(self._post(plan.id, ops, message, ops=True))
            else:
                edits.append(self._edit(plan.id, ops, plan.ops_ts, message, final, ops=True))
        await asyncio.gather(*edits)  # the summary's two edits wait their turns together
        if final:
            self._edits.pop(plan.id, None)

    async def _post(self, plan_id: str, channel: str, message: Message, *, ops: bool) -> None:
        """Post one of the plan's messages and remember where, together (a shutdown waits for
        both: a message posted and forgotten would be posted again)."""
        if ops:
            ts = await self._ops.post(message, channel=channel)
        else:
            ts = await self._slack.post_message(channel, message, what="post a plan's progress")
        if ts is None:
            return
        edits = self._edits.setdefault(plan_id, _Edits())
        key = f"{channel}/{ts}"
        edits.at[key], edits.text[key] = self._monotonic(), str(message.to_dict())
        if ops:
            await self._store.place_plan(plan_id, ops_channel=channel, ops_ts=ts)
        else:
            await self._store.place_plan(plan_id, progress_channel=channel, progress_ts=ts)

    async def _edit(
        self,
        plan_id: str,
        channel: str,
        ts: str,
        message: Message,
        final: bool,
        *,
        ops: bool,
    ) -> None:
        """Edit one of the plan's messages, unless it shows this already or was edited less
        than `every` seconds ago (the summary, `final`, waits for its turn instead)."""
        edits = self._edits.setdefault(plan_id, _Edits())
        key = f"{channel}/{ts}"
        text = str(message.to_dict())
        if edits.text.get(key) == text:
            return  # nothing new to show
        wait = edits.at.get(key, -self._every) + self._every - self._monotonic()
        if wait > 0:
            if not final:
                return
            await self._sleep(wait)
        edits.at[key], edits.text[key] = self._monotonic(), text
        if ops:
            await self._ops.update(ts, message, channel=channel)
        else:
            await self._slack.update_message(channel, ts, message, what="edit a plan's progress")
        # Counted from its answer too: Slack, which may have received it late, sees the next
        # one at least `every` seconds after it.
        edits.at[key] = self._monotonic()
