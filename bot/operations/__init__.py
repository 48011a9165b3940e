"""The operations the bot can make, each declared once (`registry`), and a change on a server
(`change`). How to add one: README, "Adding an operation"."""

from bot.operations.change import Change, Request
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
    "Change",
    "Done",
    "Operation",
    "Request",
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
