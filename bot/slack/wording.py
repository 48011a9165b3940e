"""The words of the policy's decisions, the command line's refusals and unresolved servers.

`bot.policy`, `bot.commands` and `bot.resolve` return data (a decision and its rules, a
`ParseError` or `FieldError`, a `NotFound`); this is where it becomes mrkdwn. What people
typed and what servers are called go through `code`; our own literals are quoted as typed.
A field error has a second style, plain text, for a modal's inline errors (Slack does not
format those).
"""

from collections.abc import Iterable
from dataclasses import replace
from typing import Final

from bot.policy import Decision, Rule
from bot.resolve import MAX_REFERENCE, Ambiguous, BadReference, NotFound, is_id
from bot.slack.text import code, escape, plain

__all__ = ["denial", "reason", "rule_text", "rules_text", "unresolved"]

_SHOWN_CHARS: Final = 80  # an echoed value longer than this is cut
_LISTED: Final = 10  # candidates, catalog entries named in one message


def _either(items: Iterable[str], conjunction: str = "or") -> str:
    """Join items as "a", "a or b", "a, b or c"; "" for none."""
    words = list(items)
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def _shown(text: str) -> str:
    """What someone typed, or a name, as inert code (cut when long)."""
    return code(plain(text, _SHOWN_CHARS)) or "(blank)"


# -- the policy -------------------------------------------------------------------------------


def _group(group_id: str) -> str:
    return f"<!subteam^{group_id}>"


def _channel(entry: str) -> str:
    """A channels entry as Slack shows it: a channel mention, or #name as text."""
    return entry if entry.startswith("#") else f"<#{entry}>"


def _globs(globs: Iterable[str]) -> str:
    return _either(code(g) for g in globs)


def reason(decision: Decision) -> str:
    """Why a decision is what it is: the rule and what of it matched, or what no rule allows."""
    name, action, rule = decision.policy_name, decision.action, decision.rule
    if not decision.allowed:
        if decision.alternatives:
            return f'no rule for "{action}" in {name} matches you here'
        return f'no rule in {name} allows "{action}"'
    if rule is None:
        return "read-only actions are open to everyone"
    matched = []
    if decision.user:
        matched.append(f"user <@{decision.user}>")
    if decision.group:
        matched.append(f"member of {_group(decision.group)}")
    if decision.channel:
        matched.append(f"channel {_channel(decision.channel)}")
    if decision.globs:
        matched.append(f"server matches {_globs(decision.globs)}")
    elif rule.servers:
        matched.append(f"only on servers matching {_globs(rule.servers)}")
    where = f'rule {rule.index} for "{rule.action}" ({name}:{rule.line})'
    return f"{where}: {', '.join(matched) or 'anyone, anywhere'}"


def denial(decision: Decision, server_label: str | None = None) -> str:
    """The answer to a denied request; `server_label` is untrusted text."""
    if decision.allowed:
        raise ValueError("denial() needs a denied decision")
    action = f"*{decision.action}*"
    if not decision.alternatives:
        return f"No rule in {decision.policy_name} allows {action}; ask an admin to add one."
    target = escape(server_label) if server_label else "servers"
    allowed = "; ".join(dict.fromkeys(rule_text(r) for r in decision.alternatives))
    text = f"You may not {action} {target} here. It is allowed: {allowed}."
    if decision.unchecked_groups:
        groups = _either(_group(g) for g in decision.unchecked_groups)
        text += f" (The members of {groups} could not be checked just now; try again shortly.)"
    return text


def rules_text(rules: Iterable[Rule], *, without: str | None = None) -> str:
    """Who `rules` let act ("; "-joined, as an approval's `by:` is read), leaving the member
    `without` out of them: a rule naming no one else is left out whole ("" when all are)."""
    described = []
    for rule in rules:
        if without is not None and without in rule.users:
            others = tuple(u for u in rule.users if u != without)
            if not others:
                continue
            rule = replace(rule, users=others)  # the rule as shown, without them
        described.append(rule_text(rule))
    return "; ".join(dict.fromkeys(described))


def rule_text(rule: Rule) -> str:
    """Who, where and on what a rule allows, in mrkdwn that Slack renders as names."""
    parts = []
    users = _either(f"<@{u}>" for u in rule.users)
    groups = _either(_group(g) for g in rule.usergroups)
    if users and groups:
        parts.append(f"by {users} as a member of {groups}")
    elif users or groups:
        parts.append(f"by {users}" if users else f"by members of {groups}")
    if rule.channels:
        parts.append(f"in {_either(_channel(c) for c in rule.channels)}")
    if rule.servers:
        parts.append(f"on servers matching {_globs(rule.servers)}")
    return " ".join(parts) or "by anyone, anywhere"


# -- servers that a reference does not name ---------------------------------------------------

_BAD_REFERENCE: Final = {
    "empty": "it is empty",
    "long": f"it is longer than {MAX_REFERENCE} characters",
    "digits": "ids are made of the digits 0-9 only",
    "large": "no server id is that large",
    "spaces": "a name or hostname has no spaces",
}


def unresolved(found: NotFound | Ambiguous | BadReference) -> str:
    """Why a reference names no one server, and how to name one."""
    ref = _shown(found.reference)
    if isinstance(found, BadReference):
        problem = _BAD_REFERENCE[found.problem]
        how = "Give an id like `#12345`, a name or a hostname."
        return f"{ref} is not a server id or name: {problem}. {how}"
    if isinstance(found, Ambiguous):
        servers = found.candidates
        lines = [
            f"{ref} could mean {len(servers)} servers; use the id instead, like `#{servers[0].id}`:"
        ]
        for server in servers[:_LISTED]:
            host = _shown(server.hostname) if server.hostname else "no hostname"
            lines.append(f"• `#{server.id}` {_shown(server.name)} ({host})")
        if len(servers) > _LISTED:
            lines.append(f"…and {len(servers) - _LISTED} more.")
        return "\n".join(lines)
    if not found.reference:
        return "Which server? Give its id (like `#12345`), name or hostname."
    if is_id(found.reference):
        text = f"No server has the id {ref} — try `{found.slash_command} list`."
    else:
        search = f"{found.slash_command} list {found.reference.lstrip('#')}"
        text = f"No server {ref} — try {_shown(search)}."
    if found.suggestions:
        text += f" Did you mean {_either(code(name) for name in found.suggestions)}?"
    return text
