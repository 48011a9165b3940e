"""Every operation the bot can make, each declared once: `Operation`, `declare`, and lookups.
A change on a server is in `change` (imported from there, as it needs the VPS models); how to
add an operation: README, "Adding an operation".

A declaration says all there is to an operation: its one name (the command word, the audit
action, the metrics label), the policy action it needs, the API call, the statuses it can run
from, whether the bot follows the server afterwards, how it is typed and how it is worded. The
command table, help, whoami, card buttons, metrics labels, the follow-up, the policy's list of
actions and the "already stopped" answers are all read from here, at the time they are needed,
so an operation declared later (a test's, say) is everywhere at once.

The built-in declarations (`bot.operations.builtin`) are loaded on the first lookup.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.operations.change import Change
    from bot.vps import Server, VPSClient

SERVER = "a server: its id (like `#12345`), name or hostname"
"""What a command that takes a server needs, said when it is missing."""

Values = Callable[[tuple[str, ...], Mapping[str, str]], Mapping[str, Any]]
"""The checked values of an operation from its typed words (after the server) and options;
raises `bot.commands.values.ParseError` saying what is wrong."""


@dataclass(frozen=True)
class Done:
    """What the API said to a change: the server if it sent it, its message, the new status."""

    server: Server | None
    detail: str | None
    status: str | None


Call = Callable[["VPSClient", "Change"], Awaitable[Done]]


def _no_values(words: tuple[str, ...], options: Mapping[str, str]) -> Mapping[str, Any]:
    return {}


@dataclass(frozen=True, kw_only=True)
class Syntax:
    """How the operation is typed after `/vps`, and its line in help."""

    usage: str  # as typed, with <placeholders>: "/vps reboot <server>"
    what: str  # what it does: "restart a running server"
    example: str  # "/vps reboot #12345"
    words: tuple[int, int] = (1, 1)  # fewest and most plain words, the server included
    needs: str = SERVER  # what is missing when there are too few words
    takes: str = "one server"  # what it takes, when there are too many
    options: tuple[str, ...] = ()
    required: tuple[str, ...] = ()  # options that must all be given
    values: Values = _no_values


@dataclass(frozen=True, kw_only=True)
class Wording:
    """How people read about it: plain text, the bot escapes `{ref}` and outside text."""

    label: str  # its button and prompt verb: "Reboot"
    done: str  # the result line after the server: "is rebooting"
    consequence: str = "{verb} {ref}."  # the confirmation prompt's second line
    doing: str | None = None  # while followed: "rebooting"
    refusals: Mapping[str, str] = field(default_factory=dict)  # status → why it can only fail
    style: str | None = None  # its card button's style: "primary", or plain


@dataclass(frozen=True, kw_only=True)
class Operation:
    """One operation, declared once."""

    name: str
    call: Call
    syntax: Syntax
    wording: Wording
    action: str = ""  # the policy action it needs; its name when not given
    runs_from: frozenset[str] | None = None  # statuses it can succeed from; None: any
    leads_to: str | None = None  # the steady status it leads to ("deleted": the server goes)
    followed: bool = False  # follow the server to its next steady state afterwards
    on_card: bool = False  # a button on the server card
    targets_server: bool = True  # False: it makes a server (create)
    several: bool = False  # may name several servers at once (a glob, filters): a plan

    @property
    def policy_action(self) -> str:
        """The policy action it needs."""
        return self.action or self.name

    def can_run_from(self, status: str) -> bool:
        """Whether it can succeed on a server in `status`."""
        return self.runs_from is None or status in self.runs_from


_DECLARED: dict[str, Operation] = {}
_loaded = False


def declare(operation: Operation) -> Operation:
    """Add an operation to the bot; its name must be new."""
    _load()
    if operation.name in _DECLARED:
        raise ValueError(f"the operation {operation.name!r} is declared already")
    _DECLARED[operation.name] = operation
    return operation


def withdraw(name: str) -> None:
    """Take a declared operation away again (a test's, when the test ends)."""
    _DECLARED.pop(name, None)


def operations() -> tuple[Operation, ...]:
    """Every declared operation, in the order declared (the order of help and of buttons)."""
    _load()
    return tuple(_DECLARED.values())


def names() -> tuple[str, ...]:
    """Every operation's name, in order."""
    return tuple(op.name for op in operations())


def find(name: str) -> Operation | None:
    """The operation of that name, if one is declared."""
    _load()
    return _DECLARED.get(name)


def get(name: str) -> Operation:
    """The operation of that name; KeyError if none is declared."""
    found = find(name)
    if found is None:
        raise KeyError(f"no operation {name!r}")
    return found


def policy_actions() -> tuple[str, ...]:
    """The policy actions the operations need, each once, in order."""
    return tuple(dict.fromkeys(op.policy_action for op in operations()))


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        from bot.operations import builtin  # noqa: F401  (declares on import)
