"""One approval for a schedule, asked when it is scheduled: the request names the command, its
servers and when it runs. Approved, the schedule moves `approval` → `active`; rejected or
withdrawn → `refused` / `cancelled`; expired → `expired`. A run that comes while it waits does
not happen (`bot.schedules.runs`).

It is a pending approval like any other (`bot.flow.approvals`: one decision, on any replica),
whose params name the schedule (`{"schedule": id, …}`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial

from bot.flow.approval_requests import open_for_many, post_request
from bot.flow.approvals import Choice
from bot.flow.approvals_many import decide_many
from bot.flow.context import RequestContext
from bot.flow.gate import Gate
from bot.policy import ApprovalRule
from bot.schedules.views import approval_needed, may_decide_schedule, schedule_of, servers_of
from bot.slack.blocks.notes import build_note
from bot.state import OpenOutcome
from bot.state.records import Approval
from bot.state.schedules import Schedule

logger = logging.getLogger(__name__)

FIRST_SERVERS = 5


async def request_schedule_approval(
    ctx: RequestContext, schedule: Schedule, servers: Sequence[tuple[int, str]], rule: ApprovalRule
) -> None:
    """Record and store the request, post it to the ops channel, tell the requester."""
    count = len(servers)
    first = [name for _, name in servers[:FIRST_SERVERS]]
    more = f" and {count - len(first)} more" if count > len(first) else ""
    shown = f"{', '.join(first)}{more}"
    params = {"schedule": schedule.id, "count": count, "command": schedule.command}
    about, server_id = f"schedule {schedule.id}", servers[0][0] if count == 1 else None
    opened = await open_for_many(ctx, schedule, rule, about, shown, params, server_id=server_id)
    if opened.outcome is not OpenOutcome.OPENED or opened.approval is None:
        await ctx.store.move_schedule(schedule.id, "refused", expect=("approval",))
        await ctx.reply.ephemeral(
            build_note(
                f"You have {opened.pending} approval requests waiting already; this schedule "
                "was not sent. Wait for them to be decided, then schedule it again."
            )
        )
        return
    approval = opened.approval
    await ctx.store.move_schedule(
        schedule.id, "approval", expect=("approval",), approval_id=approval.id
    )
    await post_request(ctx, approval, rule)


async def decide_schedule(
    ctx: RequestContext, gate: Gate, approval: Approval, choice: Choice
) -> None:
    """A click on a schedule's request: may the clicker decide it → decide once → move it."""
    schedule_id = schedule_of(dict(approval.params))
    schedule = await ctx.store.get_schedule(schedule_id) if schedule_id else None
    if schedule is None:
        await ctx.reply.ephemeral(build_note("This approval request is damaged."))
        return
    found, rule = schedule, approval_needed(gate, approval.action, servers_of(schedule))
    may = partial(may_decide_schedule, gate, ctx.caller, approval, schedule)

    async def settle(_: Approval, outcome: str) -> None:
        await settle_schedule(ctx, found.id, outcome)

    await decide_many(ctx, approval, choice, f"schedule {schedule.id}", rule, may, settle)


async def settle_schedule(ctx: RequestContext, schedule_id: str, outcome: str) -> None:
    """Move the schedule as the decision says: approved → active, rejected → refused,
    withdrawn → cancelled, else expired."""
    to = {"approved": "active", "rejected": "refused", "withdrawn": "cancelled"}.get(
        outcome, "expired"
    )
    if not await ctx.store.move_schedule(schedule_id, to, expect=("approval",), now=ctx.clock()):
        logger.warning("schedule %s was not awaiting approval when it was %s", schedule_id, outcome)
