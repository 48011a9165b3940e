"""The typed values a `/vps …` line parses into, and the error a bad line gets.

Each command value knows its command `word` and the policy `action` it needs (None: no policy
check). A `<server>` stays the text that was typed: `bot.resolve` turns it into a server.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar, Literal, TypeAlias, get_args

from bot.vps.models import ServerCreate, ServerUpdate

__all__ = [
    "POLICY_ACTIONS",
    "Audit",
    "Command",
    "Create",
    "CreateModal",
    "Help",
    "ListServers",
    "ParseError",
    "Rename",
    "ServerAction",
    "SetFields",
    "Show",
    "Update",
    "Verb",
    "Whoami",
]

Verb: TypeAlias = Literal["start", "stop", "reboot", "delete"]


class ParseError(Exception):
    """A `/vps …` line that can't be run: `message` is mrkdwn for the person who typed it.

    `command` is the command word when it was recognised (so its usage can be shown) and
    `fields` names the options whose values were refused, if any.
    """

    def __init__(
        self, message: str, *, command: str | None = None, fields: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        self.command = command
        self.fields = fields


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


@dataclass(frozen=True, kw_only=True)
class Create:
    """`create <name> plan:… os:… location:… […]`: a new server, every value checked."""

    name: str
    plan_id: int
    os_id: int
    location: str
    hostname: str | None = None
    ssh_key_id: int | None = None
    backups_enabled: bool | None = None
    word: ClassVar[str] = "create"
    action: ClassVar[str | None] = "create"

    def to_request(self) -> ServerCreate:
        """Return the body of the create request."""
        return ServerCreate(
            name=self.name,
            plan_id=self.plan_id,
            os_id=self.os_id,
            location=self.location,
            hostname=self.hostname,
            ssh_key_id=self.ssh_key_id,
            backups_enabled=self.backups_enabled,
        )


@dataclass(frozen=True)
class CreateModal:
    """`create` alone: open the create form."""

    word: ClassVar[str] = "create"
    action: ClassVar[str | None] = "create"


@dataclass(frozen=True)
class Rename:
    """`rename <server> <new-name>`: a partial update of the name."""

    server: str
    name: str
    word: ClassVar[str] = "rename"
    action: ClassVar[str | None] = "update"

    def to_request(self) -> ServerUpdate:
        """Return the body of the partial update (PATCH)."""
        return ServerUpdate(name=self.name)


@dataclass(frozen=True, kw_only=True)
class SetFields:
    """`set <server> [name:…] [hostname:…] [backups:…]`: a partial update, at least one field."""

    server: str
    name: str | None = None
    hostname: str | None = None
    backups_enabled: bool | None = None
    word: ClassVar[str] = "set"
    action: ClassVar[str | None] = "update"

    def to_request(self) -> ServerUpdate:
        """Return the body of the partial update (PATCH): only the given fields."""
        return ServerUpdate(
            name=self.name, hostname=self.hostname, backups_enabled=self.backups_enabled
        )


@dataclass(frozen=True, kw_only=True)
class Update:
    """`update <server> name:… hostname:… backups:…`: all three, for the full update (PUT)."""

    server: str
    name: str
    hostname: str
    backups_enabled: bool
    word: ClassVar[str] = "update"
    action: ClassVar[str | None] = "update"


@dataclass(frozen=True)
class ServerAction:
    """`start|stop|reboot|delete <server>`: the action is the verb itself."""

    verb: Verb
    server: str

    @property
    def word(self) -> str:
        """The command word, the same as the verb."""
        return self.verb

    @property
    def action(self) -> str | None:
        """The policy action, the same as the verb."""
        return self.verb


@dataclass(frozen=True)
class Whoami:
    """`whoami`: what the caller may do here, and why."""

    word: ClassVar[str] = "whoami"
    action: ClassVar[str | None] = None


@dataclass(frozen=True)
class Audit:
    """`audit [<server>]`: the latest recorded actions (a read: policy action `audit`)."""

    server: str | None = None
    word: ClassVar[str] = "audit"
    action: ClassVar[str | None] = "audit"


Command: TypeAlias = (
    Help
    | ListServers
    | Show
    | Create
    | CreateModal
    | Rename
    | SetFields
    | Update
    | ServerAction
    | Whoami
    | Audit
)


POLICY_ACTIONS: Mapping[str, str | None] = MappingProxyType(
    {
        **{
            kind.word: kind.action
            for kind in (Help, ListServers, Show, Create, Rename, SetFields, Update, Whoami, Audit)
        },
        **{verb: verb for verb in get_args(Verb)},
    }
)
"""Command word → the policy action it needs (None: anyone may run it)."""
