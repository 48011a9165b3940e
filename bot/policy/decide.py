"""Deciding: is a request allowed, and if not, which rules would allow it."""

from dataclasses import replace
from fnmatch import fnmatchcase

from bot.policy.model import (
    READ_ACTIONS,
    Decision,
    GroupLookupError,
    GroupMembers,
    Policy,
    Request,
    Rule,
    actions,
)


async def decide(policy: Policy, request: Request, groups: GroupMembers) -> Decision:
    """Decide whether `request` is allowed by `policy`."""
    return await _evaluate(policy, request, _Groups(groups), any_server=False)


async def decide_any(policy: Policy, request: Request, groups: GroupMembers) -> Decision:
    """Decide whether `request` could be allowed on some server (its server name is ignored);
    the decision's `servers` names the globs it is limited to, if any."""
    return await _evaluate(policy, request, _Groups(groups), any_server=True)


async def allowed_actions(
    policy: Policy,
    user_id: str,
    channel_id: str,
    channel_name: str | None,
    groups: GroupMembers,
) -> list[Decision]:
    """Decide every action for a user in a channel, whatever the server (for whoami and help)."""
    cache = _Groups(groups)
    return [
        await _evaluate(
            policy, Request(user_id, channel_id, channel_name, action), cache, any_server=True
        )
        for action in actions()
    ]


async def first_match(
    rules: tuple[Rule, ...], request: Request, groups: GroupMembers
) -> Rule | None:
    """Return the first of `rules` that matches `request` (e.g. a freeze's `except:` or an
    approval's `by:`), or None. The request's server name is checked against `servers:`."""
    cache = _Groups(groups)
    for rule in rules:
        if not _static_match(rule, request, any_server=False):
            continue
        if rule.usergroups and await cache.first_with(request.user_id, rule.usergroups) is None:
            continue
        return rule
    return None


class _Groups:
    """Group members for one decision (or one whoami): each group looked up at most once."""

    def __init__(self, source: GroupMembers) -> None:
        self._source = source
        self._members: dict[str, frozenset[str] | None] = {}

    async def first_with(self, user_id: str, group_ids: tuple[str, ...]) -> str | None:
        """Return the first of `group_ids` that has `user_id` as a member, or None."""
        for group_id in group_ids:
            if group_id not in self._members:
                try:
                    self._members[group_id] = await self._source.members(group_id)
                except GroupLookupError:
                    self._members[group_id] = None  # fail closed: not a member
            members = self._members[group_id]
            if members is not None and user_id in members:
                return group_id
        return None

    def unchecked(self, rules: tuple[Rule, ...]) -> tuple[str, ...]:
        """Return the groups named by `rules` whose lookup failed."""
        named = {g for rule in rules for g in rule.usergroups}
        return tuple(g for g, m in self._members.items() if m is None and g in named)


async def _evaluate(
    policy: Policy, request: Request, groups: _Groups, *, any_server: bool
) -> Decision:
    """Decide a request; with `any_server`, a servers condition holds for some server."""
    action = request.action
    if action not in actions():
        raise ValueError(f"unknown action {action!r}")
    if action in READ_ACTIONS and not any(r.action == action for r in policy.rules):
        # A read with no rule of its own is open; once it has rules, they (and "*") decide.
        return Decision(allowed=True, action=action, policy_name=policy.name)
    rules = policy.rules_for(action)
    # Rules that need no group lookup go first, so a plain match costs no Slack call.
    candidates = [r for r in rules if _static_match(r, request, any_server=any_server)]
    restricted: list[Decision] = []
    for rule in sorted(candidates, key=lambda r: bool(r.usergroups)):
        group = await groups.first_with(request.user_id, rule.usergroups)
        if rule.usergroups and group is None:
            continue
        decision = _allow(policy, rule, request, group, any_server=any_server)
        if not decision.servers:
            return decision
        restricted.append(decision)
    if restricted:  # allowed on some servers only: the globs of every rule that allows it
        globs = tuple(dict.fromkeys(g for d in restricted for g in d.servers))
        return replace(restricted[0], servers=globs)
    return Decision(
        allowed=False,
        action=action,
        policy_name=policy.name,
        alternatives=rules,
        unchecked_groups=groups.unchecked(rules),
    )


def _static_match(rule: Rule, request: Request, *, any_server: bool) -> bool:
    """Return whether the conditions that need no lookup (users, channels, servers) hold."""
    if rule.users and request.user_id not in rule.users:
        return False
    if rule.channels and not any(_channel_is(c, request) for c in rule.channels):
        return False
    if rule.servers and not any_server:
        name = request.server_name
        return name is not None and any(fnmatchcase(name, glob) for glob in rule.servers)
    return True


def _channel_is(entry: str, request: Request) -> bool:
    """Return whether a channels entry (an ID or "#name") names the request's channel."""
    if not entry.startswith("#"):
        return entry == request.channel_id
    name = request.channel_name
    if name is None:
        return False
    # A "#name" entry is lowercase ASCII (the loader refuses anything else). Only ASCII is
    # folded: a character that lowercases into ASCII (the Kelvin sign, U+212A, into "k")
    # must not pass for a letter of another channel's name.
    name = name.removeprefix("#")
    return name.isascii() and name.lower() == entry[1:]


def _allow(
    policy: Policy, rule: Rule, request: Request, group: str | None, *, any_server: bool
) -> Decision:
    name = request.server_name or ""
    return Decision(
        allowed=True,
        action=request.action,
        policy_name=policy.name,
        rule=rule,
        user=request.user_id if rule.users else None,
        group=group,
        channel=next((c for c in rule.channels if _channel_is(c, request)), None),
        globs=() if any_server else tuple(s for s in rule.servers if fnmatchcase(name, s)),
        servers=rule.servers if any_server else (),
    )
