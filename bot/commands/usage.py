"""The command words in display order and a one-line usage (mrkdwn) with an example for each."""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = ["COMMANDS", "DEFAULT_SLASH_COMMAND", "USAGE", "usage"]

DEFAULT_SLASH_COMMAND: Final = "/vps"

COMMANDS: Final[tuple[str, ...]] = (
    "help",
    "list",
    "show",
    "create",
    "rename",
    "set",
    "update",
    "start",
    "stop",
    "reboot",
    "delete",
    "whoami",
    "audit",
    "approvals",
)

# Written as people type them; `_mrkdwn` escapes the <placeholders> Slack would take for links.
_LINES: Final = {
    "help": ("/vps help [<command>]", "this help, or one command's", "/vps help create"),
    "list": (
        "/vps list [status:<active|stopped|suspended>] [location:<code>] [<text>]",
        "list servers; <text> filters by name or hostname",
        "/vps list status:active web",
    ),
    "show": ("/vps show <server>", "details, usage and actions", "/vps show web-01"),
    "create": (
        "/vps create <name> plan:<id|name> os:<id|name> location:<code> [hostname:<fqdn>] "
        "[ssh-key:<id>] [backups:on|off]",
        "a new server (`/vps create` alone opens a form)",
        '/vps create web-02 plan:1 os:"Debian 12" location:us-west backups:on',
    ),
    "rename": ("/vps rename <server> <new-name>", "a new name", "/vps rename web-01 web-01-old"),
    "set": (
        "/vps set <server> [name:<name>] [hostname:<fqdn>] [backups:on|off]",
        "change only the fields given",
        "/vps set web-01 backups:on",
    ),
    "update": (
        "/vps update <server> name:<name> hostname:<fqdn> backups:on|off",
        "replace all three",
        "/vps update web-01 name:web-01 hostname:web-01.example.com backups:off",
    ),
    "start": ("/vps start <server>", "power on a stopped server", "/vps start web-01"),
    "stop": ("/vps stop <server>", "shut a running server down", "/vps stop web-01"),
    "reboot": ("/vps reboot <server>", "restart a running server", "/vps reboot #12345"),
    "delete": ("/vps delete <server>", "delete it for good", "/vps delete web-01"),
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


def _mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


USAGE: Final[Mapping[str, str]] = MappingProxyType(
    {
        word: f"`{_mrkdwn(syntax)}` — {_mrkdwn(what)}, e.g. `{_mrkdwn(example)}`"
        for word, (syntax, what, example) in ((w, _LINES[w]) for w in COMMANDS)
    }
)
"""Command word → its usage line in mrkdwn, written for `/vps`."""


def usage(word: str, slash_command: str = DEFAULT_SLASH_COMMAND) -> str:
    """Return the usage line of `word` for a slash command of another name (BOT_COMMAND)."""
    return USAGE[word].replace(DEFAULT_SLASH_COMMAND, slash_command)
