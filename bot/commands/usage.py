"""The command words in display order and a one-line usage (mrkdwn) with an example for each.

The operations' words and lines come from their declarations (`bot.operations`); the reads'
are here.
"""

from typing import Final

from bot.operations import operations

__all__ = ["DEFAULT_SLASH_COMMAND", "commands", "usage"]

DEFAULT_SLASH_COMMAND: Final = "/vps"

# Written as people type them; `_mrkdwn` escapes the <placeholders> Slack would take for links.
_BEFORE: Final = {
    "help": ("/vps help [<command>]", "this help, or one command's", "/vps help create"),
    "list": (
        "/vps list [status:<active|stopped|suspended>] [location:<code>] [<text>]",
        "list servers; <text> filters by name or hostname",
        "/vps list status:active web",
    ),
    "show": ("/vps show <server>", "details, usage and actions", "/vps show web-01"),
}
_AFTER: Final = {
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


def _lines() -> dict[str, tuple[str, str, str]]:
    declared = {
        op.name: (op.syntax.usage, op.syntax.what, op.syntax.example) for op in operations()
    }
    return {**_BEFORE, **declared, **_AFTER}


def commands() -> tuple[str, ...]:
    """Every command word, in the order help shows them."""
    return tuple(_lines())


def _mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def usage(word: str, slash_command: str = DEFAULT_SLASH_COMMAND) -> str:
    """The usage line of `word` in mrkdwn, for the slash command of that name (BOT_COMMAND);
    KeyError for a word that is not a command."""
    syntax, what, example = _lines()[word]
    line = f"`{_mrkdwn(syntax)}` — {_mrkdwn(what)}, e.g. `{_mrkdwn(example)}`"
    return line.replace(DEFAULT_SLASH_COMMAND, slash_command)
