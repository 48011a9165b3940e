"""The policy's values: actions, rules, requests and decisions, and the errors."""

from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

ACTIONS: Final[tuple[str, ...]] = (
    "list",
    "show",
    "audit",
    "create",
    "update",
    "start",
    "stop",
    "reboot",
    "delete",
)
READ_ACTIONS: Final = frozenset({"list", "show", "audit"})
ANY_ACTION: Final = "*"
DEFAULT_CONFIRM: Final = frozenset({"stop", "delete"})

CONDITIONS = ("users", "usergroups", "channels", "servers")
WRITE_ACTIONS = tuple(a for a in ACTIONS if a not in READ_ACTIONS)
KNOWN_ACTIONS = ", ".join(ACTIONS) + ', "*"'


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
