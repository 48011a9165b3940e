"""The policy's values: actions, rules, guardrails, requests and decisions, and the errors."""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Final, Protocol

from bot.operations import policy_actions

READ_ORDER: Final = ("list", "show", "audit")
READ_ACTIONS: Final = frozenset({"list", "show", "audit"})
ANY_ACTION: Final = "*"
DEFAULT_CONFIRM: Final = frozenset({"stop", "delete"})
DEFAULT_APPROVAL_TTL: Final = 30 * 60.0  # seconds
MINUTES_PER_DAY: Final = 24 * 60
DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

CONDITIONS = ("users", "usergroups", "channels", "servers")  # the Rule fields a rule may set


write_actions = policy_actions  # the policy actions of the declared operations, in order


def actions() -> tuple[str, ...]:
    """Every action a policy may name: the reads, then the operations' actions."""
    return (*READ_ORDER, *write_actions())


class PolicyError(Exception):
    """The policy file can't be read or is wrong: one `file:line: problem` per problem found,
    in `problems` and one a line in the message."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


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


def excluding(rules: Iterable[Rule], user_id: str | None) -> tuple[Rule, ...]:
    """`rules` without the member `user_id`: a rule naming no one else is left out whole."""
    return tuple(
        replace(rule, users=tuple(u for u in rule.users if u != user_id))
        for rule in rules
        if set(rule.users) != {user_id}
    )


@dataclass(frozen=True)
class ApprovalRule:
    """An `approve:` entry: who may approve `action` (a write, or "*"), where, for how long."""

    action: str
    by: tuple[Rule, ...]  # labelled "approve <action>"
    servers: tuple[str, ...] = ()  # server-name globs; () = every server
    ttl: float = DEFAULT_APPROVAL_TTL  # seconds a request waits for an approver
    line: int = 0

    def applies_to(self, server_names: Iterable[str]) -> bool:
        """Return whether a request on these servers (as it is, as it will be) needs it."""
        names = tuple(server_names)
        if not self.servers or not names:
            return True  # fail closed: a request not placed on any server still needs approval
        return any(fnmatchcase(name, glob) for name in names for glob in self.servers)

    def moves_across(self, server_names: Iterable[str]) -> bool:
        """Whether a rename takes a server into or out of the `servers:` globs (some of its
        names match them, some do not)."""
        inside = [any(fnmatchcase(name, glob) for glob in self.servers) for name in server_names]
        return bool(self.servers) and any(inside) and not all(inside)


@dataclass(frozen=True)
class OneOff:
    """A one-off freeze: from `start` to `end`, aware datetimes."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Weekly:
    """A weekly freeze: on `days`, local `start`-`end` in `timezone`; end <= start: next day.
    Written with days in its times ("fri 16:00" to "mon 08:00"), it starts on one day and
    ends `end_days_later` days after it."""

    days: tuple[int, ...]  # the days it starts on, 0 = Monday, sorted
    start: int  # minutes after local midnight, 0-1439
    end: int  # minutes after local midnight, 1-1440 (24:00)
    timezone: str  # an IANA name
    end_days_later: int | None = None  # 0-7 when the times name their days, else None

    @property
    def days_to_end(self) -> int:
        """Return how many days after its start day an occurrence ends (24:00 counts as the
        next day's 00:00)."""
        later = self.end_days_later
        if later is None:
            later = 1 if self.end <= self.start else 0
        return later + (self.end == MINUTES_PER_DAY)


def hhmm(minutes: int) -> str:
    """Return minutes after midnight as HH:MM (1440 is 24:00)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class FreezeWindow:
    """A `freeze:` entry: when, which actions it refuses, why, and who may act anyway."""

    index: int  # 1-based position under freeze:
    line: int
    when: OneOff | Weekly
    actions: frozenset[str]  # write actions only
    reason: str = ""
    except_rules: tuple[Rule, ...] = ()  # labelled "freeze <index> except"


@dataclass(frozen=True)
class WriteLimit:
    """`limits: writes:` — at most `per_user` writes per member in any `window` seconds."""

    per_user: int
    window: float
    line: int = 0


@dataclass(frozen=True)
class Policy:
    """The parsed policy file: rules, confirmations, guardrails, and where it came from."""

    rules: tuple[Rule, ...] = ()
    confirm: frozenset[str] = DEFAULT_CONFIRM
    source: str = ""
    approvals: tuple[ApprovalRule, ...] = ()
    freezes: tuple[FreezeWindow, ...] = ()
    write_limit: WriteLimit | None = None
    warnings: tuple[str, ...] = ()  # `file:line: problem` the file loads with (a dead glob)

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

    def approval_rules_for(self, action: str) -> tuple[ApprovalRule, ...]:
        """Return the approve: entries that can cover `action`: its own first, then "*"."""
        if action not in actions():
            raise ValueError(f"unknown action {action!r}")
        if action in READ_ACTIONS:
            return ()
        own = tuple(a for a in self.approvals if a.action == action)
        return own + tuple(a for a in self.approvals if a.action == ANY_ACTION)

    def approval_for(self, action: str, server_names: Iterable[str]) -> ApprovalRule | None:
        """Return the approve: entry a request needs, or None; names: the server now and after."""
        names = tuple(server_names)
        return next((a for a in self.approval_rules_for(action) if a.applies_to(names)), None)


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
    """Whether a request is allowed, by which rule and what of it matched; when denied, the
    rules that would allow it. Words for it are the Slack layer's (`bot.slack.wording`)."""

    allowed: bool
    action: str
    policy_name: str
    rule: Rule | None = None  # the rule that allows it (None: a read open to everyone)
    user: str | None = None  # what matched: the user named by the rule,
    group: str | None = None  # the group they are a member of,
    channel: str | None = None  # the channels entry naming this channel,
    globs: tuple[str, ...] = ()  # the globs the server's name matches
    servers: tuple[str, ...] = ()  # allowed only on servers matching these (allowed_actions)
    alternatives: tuple[Rule, ...] = ()  # denied: the rules for the action
    unchecked_groups: tuple[str, ...] = ()  # groups whose members could not be looked up
