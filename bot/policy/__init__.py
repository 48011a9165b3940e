"""The permissions map: load and validate the policy file, and decide who may do what where.

A request is allowed when ANY rule for its action (or for "*") matches, and a rule matches
when ALL the conditions it lists hold. A read (list, show, audit) with no rule of its own is
open to everyone; once it has rules, they decide. A write with no matching rule is denied.
A file that is wrong stops the bot: `PolicyError` names the file, the line and the problem.
Nothing here calls Slack; group membership comes through `GroupMembers`, looked up only when a
rule needs it and at most once per group per decision.
"""

from bot.policy.decide import allowed_actions, decide, decide_any, denial_text, describe_rule
from bot.policy.loader import load_policy, parse_policy
from bot.policy.model import (
    ACTIONS,
    ANY_ACTION,
    DEFAULT_CONFIRM,
    READ_ACTIONS,
    Decision,
    GroupLookupError,
    GroupMembers,
    Policy,
    PolicyError,
    Request,
    Rule,
)

__all__ = [
    "ACTIONS",
    "ANY_ACTION",
    "DEFAULT_CONFIRM",
    "READ_ACTIONS",
    "Decision",
    "GroupLookupError",
    "GroupMembers",
    "Policy",
    "PolicyError",
    "Request",
    "Rule",
    "allowed_actions",
    "decide",
    "decide_any",
    "denial_text",
    "describe_rule",
    "load_policy",
    "parse_policy",
]
