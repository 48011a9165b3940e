"""What a plan's approval request holds in its params, shows of them, and who may decide it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.flow.caller import Caller
from bot.flow.gate import Gate
from bot.state.plans import PlanServer
from bot.state.records import Approval
from bot.vps import Server


def plan_of(params: Mapping[str, Any]) -> str | None:
    """The plan an approval's params name, if it is a plan's."""
    plan = params.get("plan") if isinstance(params, Mapping) else None
    return plan if isinstance(plan, str) else None


def plan_changes(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What a plan's approval request shows: how many servers, the first ones, the options."""
    first = [str(name) for name in params.get("first", [])]
    count = int(params.get("count", len(first)))
    more = f" and {count - len(first)} more" if count > len(first) else ""
    return [
        ("Servers", f"{count}: {', '.join(first)}{more}"),
        ("Options", str(params.get("options", ""))),
    ]


async def may_decide_plan(
    gate: Gate, decider: Caller, approval: Approval, servers: Sequence[PlanServer]
) -> bool:
    """Whether `decider` may approve the plan: not its requester, and among the approvers of
    every rule its servers need."""
    if decider.user_id == approval.requester_id:
        return False
    for server in servers:
        named = Server(id=server.server_id, name=server.server_name, status="?")
        rule = gate.approval_for(approval.action, named)
        if rule is not None and not await gate.may_approve(decider, rule, server.server_name):
            return False
    return True
