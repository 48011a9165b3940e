"""The `/vps` command line: typed command values, `parse`, usage, and the create form's checks.

Where things live: `values` (what a line parses into), `parser` (the command table and `parse`),
`fields` (one check per kind of value), `checks` (several values at once; the create form),
`tokens` (Slack's escaping and shell-like quoting), `usage` (help lines).
"""

from bot.commands.checks import CREATE_FIELDS, check_create_fields
from bot.commands.parser import parse
from bot.commands.usage import DEFAULT_SLASH_COMMAND, commands, usage
from bot.commands.values import (
    Approvals,
    Audit,
    Command,
    Create,
    CreateModal,
    Help,
    ListServers,
    ParseError,
    Show,
    Whoami,
    Write,
    policy_action,
)

__all__ = [
    "CREATE_FIELDS",
    "DEFAULT_SLASH_COMMAND",
    "Approvals",
    "Audit",
    "Command",
    "Create",
    "CreateModal",
    "Help",
    "ListServers",
    "ParseError",
    "Show",
    "Whoami",
    "Write",
    "check_create_fields",
    "commands",
    "parse",
    "policy_action",
    "usage",
]
