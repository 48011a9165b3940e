"""The typed values a `/vps …` line parses into, and what is wrong with a bad line.

Each command value knows its command `word` and the policy `action` it needs (None: no policy
check). A `<server>` stays the text that was typed: `bot.resolve` turns it into a server.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final, TypeAlias

from bot.commands.fields import FieldError
from bot.commands.selector import Selector
from bot.operations import get
from bot.plans import PlanOptions
from bot.vps.models import ServerCreate


@dataclass(eq=False)
class ParseError(Exception):
    """A `/vps …` line that can't be run, as data `bot.slack.wording` words: what is wrong
    (`problem`, a key such as "unknown-command"), the command word when it was recognised (so
    its usage can be shown), the options it is about (`fields`: refused, repeated or empty),
    what was typed, the accepted `choices` and the closest one (`guess`), the options
    `missing`, the declaration's words for what the command takes (`detail`), and the refused
    values (`errors`)."""

    problem: str
    command: str | None = None
    fields: tuple[str, ...] = ()
    typed: str = ""
    choices: tuple[str, ...] = ()
    guess: str | None = None
    missing: tuple[str, ...] = ()
    detail: str = ""
    errors: tuple[FieldError, ...] = ()


@dataclass(frozen=True)
class Help:
    """`help [<command>]`, an empty line: the usage, of one command or of all."""

    topic: str | None = None
    word: ClassVar[str] = "help"
    action: ClassVar[str | None] = None


@dataclass(frozen=True)
class ListServers:
    """`list [status:…] [location:…] [<text>]`: a page of servers, filtered."""

    status: str | None = None
    location: str | None = None
    text: str | None = None
    word: ClassVar[str] = "list"
    action: ClassVar[str | None] = "list"


@dataclass(frozen=True)
class Show:
    """`show <server>`: one server's details."""

    server: str
    word: ClassVar[str] = "show"
    action: ClassVar[str | None] = "show"


class Create(ServerCreate):
    """`create <name> plan:… os:… location:… […]`: a new server, every value checked; its
    values are the create request's body."""

    word: ClassVar[str] = "create"
    action: ClassVar[str | None] = "create"

    def to_request(self) -> ServerCreate:
        """Return the body of the create request (its fields are this command's)."""
        return ServerCreate(**self.model_dump())


@dataclass(frozen=True)
class CreateModal:
    """`create` alone: open the create form."""

    word: ClassVar[str] = "create"
    action: ClassVar[str | None] = "create"


@dataclass(frozen=True)
class _Declared:
    """A command that asks for a declared operation: its word is the operation's name."""

    operation: str

    @property
    def word(self) -> str:
        """The command word: the operation's name."""
        return self.operation

    @property
    def action(self) -> str | None:
        """The policy action the operation needs."""
        return get(self.operation).policy_action


@dataclass(frozen=True)
class Write(_Declared):
    """A declared operation on one server (`bot.operations`): `rename`, `set`, `stop`, …, with
    its checked values (the API body)."""

    server: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlanWrite(_Declared):
    """A declared operation on several servers at once (`several` in its declaration): which
    servers (`bot.commands.selection.Selector`), how the plan runs, and the checked values."""

    selector: Selector
    options: PlanOptions
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plans:
    """`plans`: running and recent plans the viewer may see."""

    word: ClassVar[str] = "plans"
    action: ClassVar[str | None] = None


@dataclass(frozen=True)
class Whoami:
    """`whoami`: what the caller may do here, and why."""

    word: ClassVar[str] = "whoami"
    action: ClassVar[str | None] = None


@dataclass(frozen=True)
class Approvals:
    """`approvals`: the approval requests waiting for a decision."""

    word: ClassVar[str] = "approvals"
    action: ClassVar[str | None] = None


@dataclass(frozen=True)
class Audit:
    """`audit [<server>]`: the latest recorded actions (a read: policy action `audit`)."""

    server: str | None = None
    word: ClassVar[str] = "audit"
    action: ClassVar[str | None] = "audit"


@dataclass(frozen=True)
class Schedule:
    """`schedule <command> at|in|every <when>`: a write (one server or a plan) run later.
    `when` is read against the clock when it is asked for (`bot.schedules.when`)."""

    command: Write | PlanWrite
    kind: str  # at | in | every
    when: str
    typed: str  # the command as typed, for lists and the audit
    word: ClassVar[str] = "schedule"
    action: ClassVar[str | None] = None


@dataclass(frozen=True)
class Schedules:
    """`schedules`: the schedules still to run, with Cancel."""

    word: ClassVar[str] = "schedules"
    action: ClassVar[str | None] = None


Command: TypeAlias = (
    Help
    | ListServers
    | Show
    | Create
    | CreateModal
    | Write
    | PlanWrite
    | Whoami
    | Audit
    | Approvals
    | Plans
    | Schedule
    | Schedules
)


_READS: Final = (Help, ListServers, Show, Whoami, Audit, Approvals, Plans, Schedule, Schedules)


def policy_action(word: str) -> str | None:
    """The policy action a command word needs (None: anyone may run it)."""
    for kind in _READS:
        if kind.word == word:
            return kind.action
    return get(word).policy_action
