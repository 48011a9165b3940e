"""Pause, Resume, Abort and "Retry the failed" on a plan's message, from any replica.

A click moves the plan's state in the store by compare-and-set, once whoever else clicks; the
driver (on whichever replica holds the plan) reads it between steps. Only the requester and
members the policy allows the plan's action on every one of its servers may click them.
"""

from __future__ import annotations

import logging

from bot.commands.selector import Selector
from bot.flow.caller import Caller
from bot.flow.services import Services
from bot.operations.change import Request
from bot.plans import PlanOptions
from bot.plans.preview import ask_plan
from bot.slack.blocks.notes import build_note
from bot.slack.blocks.plan_progress import build_plan_note
from bot.state import AuditEntry, AuditOutcome
from bot.state.plans import DRIVEN, ENDED, Plan, PlanServer
from bot.vps import Server

logger = logging.getLogger(__name__)

MOVES = {
    "pause": (("running",), "paused", AuditOutcome.PAUSED),
    "resume": (("paused",), "running", AuditOutcome.RESUMED),
    "abort": (DRIVEN, "aborted", AuditOutcome.ABORTED),
}
"""Each control: the states it moves the plan from, to, and how the audit log says it."""
DONE = {
    "pause": "Paused: no new server starts; those under way finish.",
    "resume": "Resumed: the next batch starts once the one under way has settled.",
    "abort": "Aborted: no new server starts; those under way finish.",
}


async def plan_clicked(services: Services, caller: Caller, plan_id: str, control: str) -> None:
    """A plan's button: `control` is pause, resume, abort or retry."""
    reply = services.reply_to(caller)
    plan = await services.store.get_plan(plan_id) if 0 < len(plan_id) <= 100 else None
    if plan is None:
        await reply.ephemeral(build_plan_note("That plan is not known here any more."))
        return
    servers = await services.store.plan_servers(plan.id)
    if not await _may_control(services, caller, plan, servers):
        await reply.ephemeral(
            build_note(
                "Only whoever asked for this plan, or someone the policy allows its action on "
                "every one of its servers, may do that.",
                icon=":lock:",
            )
        )
        return
    if control == "retry":
        await _retry(services, caller, plan, servers)
        return
    expect, to, outcome = MOVES[control]
    if not await services.store.move_plan(plan.id, to, expect=expect):
        now = await services.store.get_plan(plan.id)
        state = now.state if now is not None else "gone"
        await reply.ephemeral(build_plan_note(f"Nothing to do: the plan is {state} now."))
        return
    await services.store.record_audit(
        AuditEntry(
            time=services.clock(),
            user_id=caller.user_id,
            channel_id=caller.channel_id,
            action=plan.operation,
            server_id=None,
            server_name=None,
            outcome=outcome,
            detail=f"plan {plan.id}",
        )
    )
    services.home.touch()  # the tabs listing it show its new state
    await reply.ephemeral(build_plan_note(DONE[control]))


async def _may_control(
    services: Services, caller: Caller, plan: Plan, servers: list[PlanServer]
) -> bool:
    if caller.user_id == plan.user_id:
        return True
    action = Request.model_validate(plan.request).declared.policy_action
    for server in servers:
        shown = Server(id=server.server_id, name=server.server_name, status="unknown")
        if not await services.gate.permitted(caller, [action], shown):
            return False
    return bool(servers)


async def _retry(services: Services, caller: Caller, plan: Plan, servers: list[PlanServer]) -> None:
    """A new plan of the servers that failed, previewed for the clicker as if they had typed
    it: their policy, the servers' state now, the preview and its confirmation."""
    failed = [s for s in servers if s.state == "failed"]
    if plan.state not in ENDED or not failed:
        await services.reply_to(caller).ephemeral(
            build_plan_note("Nothing to retry: no server of this plan has failed.")
        )
        return
    again = Request.model_validate(plan.request).model_copy(
        update={
            "member": caller.member,
            "selector": Selector(words=tuple(f"#{s.server_id}" for s in failed)),
            "plan": PlanOptions.model_validate(plan.options),
        }
    )
    await ask_plan(services.context(caller), services.gate, again)
