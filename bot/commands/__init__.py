"""The `/vps` command line: typed command values, `parse`, usage, and the create form's checks.

Where things live: `values` (what a line parses into), `parser` (the command table and `parse`),
`fields` (one check per kind of value), `checks` (several values at once; the create form),
`tokens` (Slack's escaping and shell-like quoting), `usage` (help lines).
"""

from bot.commands.checks import CREATE_FIELDS, check_create_fields
from bot.commands.parser import parse
from bot.commands.usage import COMMANDS, DEFAULT_SLASH_COMMAND, USAGE, usage
from bot.commands.values import (
    POLICY_ACTIONS,
    Approvals,
    Audit,
    Command,
    Create,
    CreateModal,
    Help,
    ListServers,
    ParseError,
    Rename,
    ServerAction,
    SetFields,
    Show,
    Update,
    Verb,
    Whoami,
)

__all__ = [
    "COMMANDS",
    "CREATE_FIELDS",
    "DEFAULT_SLASH_COMMAND",
    "POLICY_ACTIONS",
    "USAGE",
    "Approvals",
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
    "check_create_fields",
    "parse",
    "usage",
]
