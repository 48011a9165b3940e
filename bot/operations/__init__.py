"""The operations the bot can make, each declared once (`registry`), and a change on a server
(`change`: imported from there, as it needs the VPS models). How to add one: README, "Adding an
operation"."""

from bot.operations.registry import (
    SERVER,
    Done,
    Operation,
    Syntax,
    Wording,
    declare,
    find,
    get,
    names,
    operations,
    policy_actions,
    withdraw,
)

__all__ = [
    "SERVER",
    "Done",
    "Operation",
    "Syntax",
    "Wording",
    "declare",
    "find",
    "get",
    "names",
    "operations",
    "policy_actions",
    "withdraw",
]
