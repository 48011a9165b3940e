"""What a stored schedule names: its servers (as found when it was scheduled), how it recurs,
the approval it needs, and who may cancel it or skip a run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.flow.caller import Caller
from bot.flow.gate import Gate
from bot.operations import get
from bot.policy import ApprovalRule
from bot.schedules.when import load_when
from bot.slack.blocks.schedules import ScheduleView
from bot.state.records import Approval
from bot.state.schedules import Schedule
from bot.vps import Server


def servers_of(schedule: Schedule) -> list[tuple[int, str]]:
    """The servers (id, name) the schedule named when it was scheduled."""
    listed = (schedule.options or {}).get("servers", [])
    return [(int(row[0]), str(row[1])) for row in listed]


def view_of(schedule: Schedule) -> ScheduleView:
    """What the schedule's messages show of it."""
    try:
        recurs = load_when(schedule.timing).describe()
    except (KeyError, ValueError, TypeError):
        recurs = "?"
    return ScheduleView(
        schedule_id=schedule.id,
        operation=schedule.operation,
        command=schedule.command,
        recurs=recurs,
        user_id=schedule.user_id,
        servers=servers_of(schedule),
        next_run=schedule.next_run,
        several="selector" in schedule.request,
        last_result=schedule.last_result,
        state=schedule.state,
    )


def approval_needed(
    gate: Gate, action: str, servers: Sequence[tuple[int, str]]
) -> ApprovalRule | None:
    """The approval the schedule needs: the rule of the first of its servers that needs one."""
    for server_id, name in servers:
        rule = gate.approval_for(action, Server(id=server_id, name=name, status="?"))
        if rule is not None:
            return rule
    return None


async def may_control(gate: Gate, caller: Caller, schedule: Schedule) -> bool:
    """Whether `caller` may cancel the schedule or skip a run: its requester, or a member the
    policy allows its action on every server it names."""
    if caller.user_id == schedule.user_id:
        return True
    action = _action(schedule)
    servers = servers_of(schedule)
    if not servers:
        return False
    for server_id, name in servers:
        named = Server(id=server_id, name=name, status="?")
        if action not in await gate.permitted(caller, [action], named):
            return False
    return True


def _action(schedule: Schedule) -> str:
    return get(schedule.operation).policy_action


def schedule_of(params: Mapping[str, Any]) -> str | None:
    """The schedule an approval's params name, if it is a schedule's."""
    found = params.get("schedule") if isinstance(params, Mapping) else None
    return found if isinstance(found, str) else None


def schedule_changes(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What a schedule's approval request shows: the command and when it runs."""
    return [("Scheduled", str(params.get("command", "")))]


async def may_decide_schedule(
    gate: Gate, decider: Caller, approval: Approval, schedule: Schedule
) -> bool:
    """Whether `decider` may approve the schedule: not its requester, and among the approvers
    of the rule its servers need."""
    if decider.user_id == approval.requester_id:
        return False
    servers = servers_of(schedule)
    rule = approval_needed(gate, approval.action, servers)
    if rule is None:
        return False
    return all([await gate.may_approve(decider, rule, name) for _, name in servers])
