"""The permissions map: load and validate the policy file, and decide who may do what where.

A request is allowed when ANY rule for its action (or for "*") matches, and a rule matches
when ALL the conditions it lists hold. A read (list, show, audit) with no rule of its own is
open to everyone; once it has rules, they decide. A write with no matching rule is denied.
A file that is wrong stops the bot: `PolicyError` names the file, the line and the problem.
The guardrails live here too, as data and pure functions: who must approve an action
(`Policy.approval_for`), which freeze windows are on (`active_freezes`, `freeze_ends`,
`upcoming_freezes`) and the write limit (`Policy.write_limit`).
Nothing here calls Slack; group membership comes through `GroupMembers`, looked up only when a
rule needs it and at most once per group per decision.
"""

from bot.policy.decide import allowed_actions, decide, decide_any, first_match
from bot.policy.guardrails import settings_problems
from bot.policy.loader import load_policy, parse_policy
from bot.policy.model import (
    ANY_ACTION,
    READ_ACTIONS,
    ApprovalRule,
    Decision,
    FreezeWindow,
    GroupLookupError,
    GroupMembers,
    Policy,
    PolicyError,
    Request,
    Rule,
    Weekly,
    WriteLimit,
    actions,
    write_actions,
)
from bot.policy.windows import FreezeHit, active_freezes, freeze_ends, upcoming_freezes

__all__ = [
    "ANY_ACTION",
    "READ_ACTIONS",
    "ApprovalRule",
    "Decision",
    "FreezeHit",
    "FreezeWindow",
    "GroupLookupError",
    "GroupMembers",
    "Policy",
    "PolicyError",
    "Request",
    "Rule",
    "Weekly",
    "WriteLimit",
    "actions",
    "active_freezes",
    "allowed_actions",
    "decide",
    "decide_any",
    "first_match",
    "freeze_ends",
    "load_policy",
    "parse_policy",
    "settings_problems",
    "upcoming_freezes",
    "write_actions",
]
