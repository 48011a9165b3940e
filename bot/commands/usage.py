"""The command words in display order, and how each is typed, what it does and an example.

The operations' words and lines come from their declarations (`bot.operations`); the reads'
are here.
"""

from dataclasses import replace
from typing import Final

from bot.operations import Operation, Syntax, operations

DEFAULT_SLASH_COMMAND: Final = "/vps"
_NOTHING: Final = "no arguments"

# Written as people type them, in the order help shows them: the operations go after `show`.
READS: Final = {
    "help": Syntax(
        usage="/vps help [<command>]",
        what="this help, or one command's",
        example="/vps help create",
        words=(0, 1),
        takes="at most one command name",
    ),
    "list": Syntax(
        usage="/vps list [status:<active|stopped|suspended>] [location:<code>] [<text>]",
        what="list servers; <text> filters by name or hostname",
        example="/vps list status:active web",
        words=(0, 1),
        takes="at most one word to look for in names and hostnames",
        options=("status", "location"),
    ),
    "show": Syntax(
        usage="/vps show <server>", what="details, usage and actions", example="/vps show web-01"
    ),
    "whoami": Syntax(
        usage="/vps whoami",
        what="what you may do in this channel, and why",
        example="/vps whoami",
        words=(0, 0),
        takes=_NOTHING,
    ),
    "audit": Syntax(
        usage="/vps audit [<server>]",
        what="the latest recorded actions, newest first",
        example="/vps audit web-01",
        words=(0, 1),
        takes="at most one server",
    ),
    "approvals": Syntax(
        usage="/vps approvals",
        what="changes waiting for a second person's approval",
        example="/vps approvals",
        words=(0, 0),
        takes=_NOTHING,
    ),
    "plans": Syntax(
        usage="/vps plans",
        what="running and recent changes to several servers at once",
        example="/vps plans",
        words=(0, 0),
        takes=_NOTHING,
    ),
    "schedule": Syntax(
        usage="/vps schedule <command> at <time> | in <duration> | every <days> <time>",
        what="run a change later, once or again and again (times in BOT_TIMEZONE unless a zone "
        "is named)",
        example="/vps schedule reboot web-* batch:2 at sat 02:00 Europe/Rome",
        words=(2, 10_000),
        takes="a change and when to run it",
    ),
    "schedules": Syntax(
        usage="/vps schedules",
        what="the changes scheduled to run later, with Cancel",
        example="/vps schedules",
        words=(0, 0),
        takes=_NOTHING,
    ),
}
"""The reads, typed as the operations' declarations are (`Syntax`)."""
_OPERATIONS_AFTER: Final = 3


_PLAN_USAGE: Final = (
    " [status:<status>] [location:<code>] [batch:<n>|<n>%] [max-fail:<n>|<n>%]"
    " [pause:<duration>] [wait:<duration>]"
)


def _lines() -> dict[str, Syntax]:
    declared = {op.name: _syntax(op) for op in operations()}
    reads = list(READS.items())
    return {**dict(reads[:_OPERATIONS_AFTER]), **declared, **dict(reads[_OPERATIONS_AFTER:])}


def _syntax(op: Operation) -> Syntax:
    """An operation's line: one that may name several servers says `<servers>` and the plan's
    options."""
    if not op.several:
        return op.syntax
    usage = op.syntax.usage.replace("<server>", "<servers>", 1) + _PLAN_USAGE
    example = op.syntax.example.replace(op.syntax.example.split()[2], "web-*", 1) + " batch:2"
    return replace(op.syntax, usage=usage, example=example)


def commands() -> tuple[str, ...]:
    """Every command word, in the order help shows them."""
    return tuple(_lines())


def usage(word: str) -> tuple[str, str, str]:
    """How `word` is typed (for the slash command `/vps`), what it does, and an example;
    KeyError for a word that is not a command. `bot.slack.wording.usage` words it."""
    syntax = _lines()[word]
    return syntax.usage, syntax.what, syntax.example
