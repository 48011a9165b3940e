"""The permissions map: load and validate the policy file, and decide who may do what where.

A request is allowed when ANY rule for its action (or for "*") matches, and a rule matches
when ALL the conditions it lists hold. With no matching rule, list and show are allowed and
every other action is denied. A file that is wrong stops the bot: `PolicyError` names the
file, the line and the problem. Nothing here calls Slack; group membership comes through
`GroupMembers`, looked up only when a rule needs it and at most once per group per decision.
"""

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Final, NoReturn, Protocol

import yaml

from bot.slack.text import code, escape

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
    "denial_text",
    "describe_rule",
    "load_policy",
    "parse_policy",
]

ACTIONS: Final[tuple[str, ...]] = (
    "list",
    "show",
    "create",
    "update",
    "start",
    "stop",
    "reboot",
    "delete",
)
READ_ACTIONS: Final = frozenset({"list", "show"})
ANY_ACTION: Final = "*"
DEFAULT_CONFIRM: Final = frozenset({"stop", "delete"})

_CONDITIONS = ("users", "usergroups", "channels", "servers")
_WRITE_ACTIONS = tuple(a for a in ACTIONS if a not in READ_ACTIONS)
_KNOWN_ACTIONS = ", ".join(ACTIONS) + ', "*"'
_STR_TAG = "tag:yaml.org,2002:str"
_NULL_TAG = "tag:yaml.org,2002:null"


class PolicyError(Exception):
    """The policy file can't be read or is wrong; the message names the file and the line."""


class GroupLookupError(Exception):
    """A user group's members could not be looked up (raised by GroupMembers implementations)."""


class GroupMembers(Protocol):
    """Looks up the members of a Slack user group (usergroups.users.list behind a cache)."""

    async def members(self, usergroup_id: str) -> frozenset[str]:
        """Return the user IDs in the group; raise GroupLookupError when Slack can't say."""
        ...


@dataclass(frozen=True)
class Rule:
    """One rule of the policy file: every condition it lists must hold; () = not listed."""

    action: str  # the action it is listed under, or "*"
    index: int  # 1-based position under that action
    line: int
    users: tuple[str, ...] = ()
    usergroups: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()  # channel IDs or "#name"
    servers: tuple[str, ...] = ()  # server-name globs, case-sensitive


@dataclass(frozen=True)
class Policy:
    """The parsed policy file: its rules, the actions that need confirming, where it came from."""

    rules: tuple[Rule, ...] = ()
    confirm: frozenset[str] = DEFAULT_CONFIRM
    source: str = ""

    @classmethod
    def default(cls) -> "Policy":
        """Return the policy of a bot without a policy file: read-only, stop/delete confirmed."""
        return cls()

    @property
    def name(self) -> str:
        """Return the file's name as users may see it (never its directory)."""
        return Path(self.source).name or "the policy"

    def rules_for(self, action: str) -> tuple[Rule, ...]:
        """Return the rules that can allow `action`: its own first, then those for "*"."""
        own = tuple(r for r in self.rules if r.action == action)
        return own + tuple(r for r in self.rules if r.action == ANY_ACTION)

    def needs_confirmation(self, action: str) -> bool:
        """Return whether `action` waits for a confirmation click before the API call."""
        return action in self.confirm


@dataclass(frozen=True)
class Request:
    """Who asks for which action, where, and on which server (None: no server involved)."""

    user_id: str
    channel_id: str
    channel_name: str | None
    action: str
    server_name: str | None = None


@dataclass(frozen=True, kw_only=True)
class Decision:
    """Whether a request is allowed, why, and (when denied) which rules would allow it."""

    allowed: bool
    action: str
    reason: str
    policy_name: str
    alternatives: tuple[str, ...] = ()  # mrkdwn, one per rule that could allow it
    servers: tuple[str, ...] = ()  # allowed only on servers matching these (allowed_actions)
    unchecked_groups: tuple[str, ...] = ()  # groups whose members could not be looked up
    rule: Rule | None = None


def load_policy(path: Path) -> Policy:
    """Read and validate the policy file at `path`; raise PolicyError when it is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise PolicyError(f"{path}: cannot read the policy file: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise PolicyError(f"{path}: not UTF-8 text: {e.reason}") from e
    return parse_policy(text, str(path))


def parse_policy(text: str, source: str) -> Policy:
    """Validate policy YAML; `source` names it in errors and in answers to users."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{source}:{mark.line + 1}" if mark else source
        problem = ", ".join(filter(None, (e.context, e.problem)))
        if "alias" in (e.context or ""):
            problem = f'{problem} (write "*" in quotes)'
        raise PolicyError(f"{where}: not valid YAML: {problem}") from e
    except yaml.YAMLError as e:
        raise PolicyError(f"{source}: not valid YAML: {e}") from e
    return _Parser(source).policy(root)


async def decide(policy: Policy, request: Request, groups: GroupMembers) -> Decision:
    """Decide whether `request` is allowed by `policy`."""
    return await _evaluate(policy, request, _Groups(groups), any_server=False)


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
        for action in ACTIONS
    ]


def denial_text(decision: Decision, server_label: str | None = None) -> str:
    """Return the mrkdwn answer to a denied request; `server_label` is untrusted text."""
    if decision.allowed:
        raise ValueError("denial_text() needs a denied decision")
    action = f"*{decision.action}*"
    if not decision.alternatives:
        return f"No rule in {decision.policy_name} allows {action}; ask an admin to add one."
    target = escape(server_label) if server_label else "servers"
    text = f"You may not {action} {target} here. It is allowed: {'; '.join(decision.alternatives)}."
    if decision.unchecked_groups:
        groups = _either(_group(g) for g in decision.unchecked_groups)
        text += f" (The members of {groups} could not be checked just now; try again shortly.)"
    return text


def describe_rule(rule: Rule) -> str:
    """Return who, where and on what a rule allows, in mrkdwn that Slack renders as names."""
    parts = []
    users = _either(f"<@{u}>" for u in rule.users)
    groups = _either(_group(g) for g in rule.usergroups)
    if users and groups:
        parts.append(f"by {users} as a member of {groups}")
    elif users or groups:
        parts.append(f"by {users}" if users else f"by members of {groups}")
    if rule.channels:
        parts.append(f"in {_either(_channel(c) for c in rule.channels)}")
    if rule.servers:
        parts.append(f"on servers matching {_either(code(s) for s in rule.servers)}")
    return " ".join(parts) or "by anyone, anywhere"


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
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if action in READ_ACTIONS:
        reason = "read-only actions are open to everyone"
        return Decision(allowed=True, action=action, reason=reason, policy_name=policy.name)
    rules = policy.rules_for(action)
    # Rules that need no group lookup go first, so a plain match costs no Slack call.
    candidates = [r for r in rules if _static_match(r, request, any_server=any_server)]
    restricted: Decision | None = None
    for rule in sorted(candidates, key=lambda r: bool(r.usergroups)):
        group = await groups.first_with(request.user_id, rule.usergroups)
        if rule.usergroups and group is None:
            continue
        decision = _allow(policy, rule, request, group, any_server=any_server)
        if not decision.servers:
            return decision
        restricted = restricted or decision
    if restricted:
        return restricted
    return Decision(
        allowed=False,
        action=action,
        reason=f'no rule for "{action}" in {policy.name} matches you here'
        if rules
        else f'no rule in {policy.name} allows "{action}"',
        policy_name=policy.name,
        alternatives=tuple(dict.fromkeys(describe_rule(r) for r in rules)),
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
    return name is not None and entry[1:].lower() == name.removeprefix("#").lower()


def _allow(
    policy: Policy, rule: Rule, request: Request, group: str | None, *, any_server: bool
) -> Decision:
    """Return the decision allowing a request by `rule`, saying what matched."""
    matched = []
    if rule.users:
        matched.append(f"user <@{request.user_id}>")
    if group:
        matched.append(f"member of {_group(group)}")
    for entry in rule.channels:
        if _channel_is(entry, request):
            matched.append(f"channel {_channel(entry)}")
            break
    if rule.servers and any_server:
        matched.append(f"only on servers matching {_either(code(s) for s in rule.servers)}")
    elif rule.servers:
        name = request.server_name or ""
        hits = _either(code(s) for s in rule.servers if fnmatchcase(name, s))
        matched.append(f"server matches {hits}")
    where = f'rule {rule.index} for "{rule.action}" ({policy.name}:{rule.line})'
    return Decision(
        allowed=True,
        action=request.action,
        reason=f"{where}: {', '.join(matched) or 'anyone, anywhere'}",
        policy_name=policy.name,
        servers=rule.servers if any_server else (),
        rule=rule,
    )


def _either(items: Iterator[str] | tuple[str, ...]) -> str:
    """Join items as "a", "a or b", "a, b or c"; "" for none."""
    words = list(items)
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} or {words[-1]}"


def _group(group_id: str) -> str:
    """Return the mention of a user group."""
    return f"<!subteam^{group_id}>"


def _channel(entry: str) -> str:
    """Return a channels entry as Slack shows it: a channel mention, or #name as text."""
    return entry if entry.startswith("#") else f"<#{entry}>"


# -- parsing ------------------------------------------------------------------------------

_PATTERNS: Mapping[str, tuple[re.Pattern[str], str]] = {
    "users": (re.compile(r"[UW][A-Z0-9]{2,}"), "is not a Slack user ID (like U0ADMIN01)"),
    "usergroups": (re.compile(r"S[A-Z0-9]{2,}"), "is not a Slack user-group ID (like S0ONCALL1)"),
    "channels": (
        re.compile(r"[CGD][A-Z0-9]{2,}|#[a-z0-9_-]{1,80}"),
        "is not a channel ID (like C0OPS0001) or a #channel-name (lowercase)",
    ),
    "servers": (re.compile(r".*\S.*", re.DOTALL), "is not a server-name pattern (like web-*)"),
}
_HINTS = {
    "users": "use the member ID from their profile (⋮ → Copy member ID), not the @name",
    "usergroups": "use the group's ID, not its @handle",
}


class _Parser:
    """Turns the composed YAML tree into a Policy, failing at the first problem."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._rules: list[Rule] = []

    def policy(self, root: yaml.Node | None) -> Policy:
        """Return the Policy a whole file describes."""
        if root is None or root.tag == _NULL_TAG:
            return Policy(source=self.source)
        confirm = DEFAULT_CONFIRM
        for key, key_node, node in self._mapping(root, "the policy file"):
            if key == "rules":
                self._parse_rules(node)
            elif key == "confirm":
                confirm = self._confirm(node)
            else:
                self._fail(key_node, f"unknown key {_quote(key)} (known: rules, confirm)")
        return Policy(rules=tuple(self._rules), confirm=confirm, source=self.source)

    def _parse_rules(self, node: yaml.Node) -> None:
        """Collect the rules under `rules:`, action by action."""
        if node.tag == _NULL_TAG:
            return
        for action, key_node, rules in self._mapping(node, '"rules"'):
            if action not in ACTIONS and action != ANY_ACTION:
                self._fail(key_node, f"unknown action {_quote(action)} (known: {_KNOWN_ACTIONS})")
            if rules.tag == _NULL_TAG:
                continue
            if not isinstance(rules, yaml.SequenceNode):
                self._fail(rules, f'the rules for "{action}" must be a list ("- channels: [...]")')
            for index, rule in enumerate(rules.value, start=1):
                self._rules.append(self._rule(action, index, rule))

    def _rule(self, action: str, index: int, node: yaml.Node) -> Rule:
        """Return one rule: a mapping of condition name to a list of values."""
        what = f'rule {index} for "{action}"'
        if not isinstance(node, yaml.MappingNode):
            self._fail(node, f"{what} must be a mapping of conditions ({', '.join(_CONDITIONS)})")
        conditions: dict[str, tuple[str, ...]] = {}
        for name, key_node, values in self._mapping(node, what):
            if name not in _CONDITIONS:
                known = ", ".join(_CONDITIONS)
                self._fail(key_node, f"unknown condition {_quote(name)} (known: {known})")
            conditions[name] = self._values(name, values)
        return Rule(
            action=action,
            index=index,
            line=_line(node),
            users=conditions.get("users", ()),
            usergroups=conditions.get("usergroups", ()),
            channels=conditions.get("channels", ()),
            servers=conditions.get("servers", ()),
        )

    def _values(self, name: str, node: yaml.Node) -> tuple[str, ...]:
        """Return a condition's values, each checked against its kind of ID or pattern."""
        if not isinstance(node, yaml.SequenceNode):
            self._fail(node, f'"{name}" must be a list, like {name}: [...]')
        if not node.value:
            self._fail(node, f'"{name}" is empty; leave it out to match everyone/everywhere')
        pattern, problem = _PATTERNS[name]
        values = []
        for item in node.value:
            value = self._string(item, f'"{name}" entries')
            if not pattern.fullmatch(value):
                hint = _HINTS.get(name) if value.startswith("@") else None
                self._fail(item, f"{_quote(value)} {problem}" + (f"; {hint}" if hint else ""))
            values.append(value)
        return tuple(values)

    def _confirm(self, node: yaml.Node) -> frozenset[str]:
        """Return the actions under `confirm:` ("*" = every action that changes something)."""
        if not isinstance(node, yaml.SequenceNode):
            self._fail(node, "confirm must be a list of actions, like confirm: [stop, delete]")
        actions: set[str] = set()
        for item in node.value:
            action = self._string(item, "confirm entries")
            if action in READ_ACTIONS:
                self._fail(item, f'"{action}" changes nothing and is never confirmed')
            if action not in ACTIONS and action != ANY_ACTION:
                known = ", ".join(_WRITE_ACTIONS) + ', "*"'
                self._fail(item, f"unknown action {_quote(action)} in confirm (known: {known})")
            actions.update(_WRITE_ACTIONS if action == ANY_ACTION else (action,))
        return frozenset(actions)

    def _mapping(self, node: yaml.Node, what: str) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
        """Yield a mapping's (key, key node, value node), refusing duplicate keys."""
        if not isinstance(node, yaml.MappingNode):
            self._fail(node, f"{what} must be a mapping (key: value)")
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = self._string(key_node, "keys")
            if key in seen:
                self._fail(key_node, f"duplicate key {_quote(key)} (first at line {seen[key]})")
            seen[key] = _line(key_node)
            yield key, key_node, value_node

    def _string(self, node: yaml.Node, what: str) -> str:
        """Return a scalar's text, refusing numbers, booleans, nulls, lists and mappings."""
        if not isinstance(node, yaml.ScalarNode):
            self._fail(node, f"{what} must be text, not a list or mapping")
        if node.tag != _STR_TAG:
            shown = "nothing" if node.tag == _NULL_TAG else str(node.value)
            self._fail(node, f"{what} must be text, not {shown}")
        return str(node.value)

    def _fail(self, node: yaml.Node, problem: str) -> NoReturn:
        """Raise the PolicyError for `problem` at `node`'s line."""
        raise PolicyError(f"{self.source}:{_line(node)}: {problem}")


def _line(node: yaml.Node) -> int:
    """Return the 1-based line a node starts on."""
    return int(node.start_mark.line) + 1


def _quote(value: str) -> str:
    """Quote a value from the file for an error message, showing invisible characters."""
    return json.dumps(value)
