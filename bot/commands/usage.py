"""The command words in display order, and how each is typed, what it does and an example.

The operations' words and lines come from their declarations (`bot.operations`); the reads'
are here.
"""

from typing import Final

from bot.operations import operations

DEFAULT_SLASH_COMMAND: Final = "/vps"

# Written as people type them, in the order help shows them: the operations go after `show`.
_READS: Final = {
    "help": ("/vps help [<command>]", "this help, or one command's", "/vps help create"),
    "list": (
        "/vps list [status:<active|stopped|suspended>] [location:<code>] [<text>]",
        "list servers; <text> filters by name or hostname",
        "/vps list status:active web",
    ),
    "show": ("/vps show <server>", "details, usage and actions", "/vps show web-01"),
    "whoami": ("/vps whoami", "what you may do in this channel, and why", "/vps whoami"),
    "audit": (
        "/vps audit [<server>]",
        "the latest recorded actions, newest first",
        "/vps audit web-01",
    ),
    "approvals": (
        "/vps approvals",
        "changes waiting for a second person's approval",
        "/vps approvals",
    ),
}
_OPERATIONS_AFTER: Final = 3


def _lines() -> dict[str, tuple[str, str, str]]:
    declared = {
        op.name: (op.syntax.usage, op.syntax.what, op.syntax.example) for op in operations()
    }
    reads = list(_READS.items())
    return {**dict(reads[:_OPERATIONS_AFTER]), **declared, **dict(reads[_OPERATIONS_AFTER:])}


def commands() -> tuple[str, ...]:
    """Every command word, in the order help shows them."""
    return tuple(_lines())


def usage(word: str) -> tuple[str, str, str]:
    """How `word` is typed (for the slash command `/vps`), what it does, and an example;
    KeyError for a word that is not a command. `bot.slack.wording.usage` words it."""
    return _lines()[word]
