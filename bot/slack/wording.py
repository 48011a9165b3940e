"""The words for the policy's decisions and unresolved servers.

`bot.policy` and `bot.resolve` return data; this is where it becomes mrkdwn (the command line's
refusals: `bot.slack.command_wording`). What people typed and what servers are called go
through `code`.
"""

from collections.abc import Iterable
from typing import Final

from bot.policy import Decision, Rule
from bot.policy.model import excluding
from bot.resolve import MAX_REFERENCE, Ambiguous, BadReference, NotFound, is_id
from bot.slack.text import code, escape, plain

SHOWN_CHARS: Final = 80  # an echoed value longer than this is cut
LISTED: Final = 10  # candidates, catalog entries named in one message


def either(items: Iterable[str], conjunction: str = "or") -> str:
    """Join items as "a", "a or b", "a, b or c"; "" for none."""
    words = list(items)
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def shown_value(text: str) -> str:
    """What someone typed, or a name, as inert code (cut when long)."""
    return code(plain(text, SHOWN_CHARS)) or "(blank)"


# -- the policy -------------------------------------------------------------------------------


def _group(group_id: str) -> str:
    return f"<!subteam^{group_id}>"


def _channel(entry: str) -> str:
    return entry if entry.startswith("#") else f"<#{entry}>"


def reason(decision: Decision) -> str:
    """Why a decision is what it is: the rule and what of it matched, or what no rule allows."""
    name, action, rule = decision.policy_name, decision.action, decision.rule
    if not decision.allowed:
        if decision.alternatives:
            return f'no rule for "{action}" in {name} matches you here'
        return f'no rule in {name} allows "{action}"'
    if rule is None:
        return "read-only actions are open to everyone"
    globs = either(map(code, decision.globs or rule.servers))
    matched = [
        f"user <@{decision.user}>" if decision.user else "",
        f"member of {_group(decision.group)}" if decision.group else "",
        f"channel {_channel(decision.channel)}" if decision.channel else "",
        f"{'server matches' if decision.globs else 'only on servers matching'} {globs}"
        if globs
        else "",
    ]
    where = f'rule {rule.index} for "{rule.action}" ({name}:{rule.line})'
    return f"{where}: {', '.join(filter(None, matched)) or 'anyone, anywhere'}"


def denial(decision: Decision, server_label: str | None = None) -> str:
    """The answer to a denied request; `server_label` is untrusted text."""
    if decision.allowed:
        raise ValueError("denial() needs a denied decision")
    action = f"*{decision.action}*"
    if not decision.alternatives:
        return f"No rule in {decision.policy_name} allows {action}; ask an admin to add one."
    target = escape(server_label) if server_label else "servers"
    allowed = rules_text(decision.alternatives)
    text = f"You may not {action} {target} here. It is allowed: {allowed}."
    if decision.unchecked_groups:
        groups = either(_group(g) for g in decision.unchecked_groups)
        text += f" (The members of {groups} could not be checked just now; try again shortly.)"
    return text


def rules_text(rules: Iterable[Rule], *, without: str | None = None) -> str:
    """Who `rules` let act ("; "-joined, as an approval's `by:` is read), the member `without`
    left out ("" when no one else is named)."""
    return "; ".join(dict.fromkeys(map(rule_text, excluding(rules, without))))


def rule_text(rule: Rule) -> str:
    """Who, where and on what a rule allows, in mrkdwn that Slack renders as names."""
    parts = []
    users = either(f"<@{u}>" for u in rule.users)
    groups = either(_group(g) for g in rule.usergroups)
    if users and groups:
        parts.append(f"by {users} as a member of {groups}")
    elif users or groups:
        parts.append(f"by {users}" if users else f"by members of {groups}")
    if rule.channels:
        parts.append(f"in {either(_channel(c) for c in rule.channels)}")
    if rule.servers:
        parts.append(f"on servers matching {either(map(code, rule.servers))}")
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
    ref = shown_value(found.reference)
    if isinstance(found, BadReference):
        problem = _BAD_REFERENCE[found.problem]
        how = "Give an id like `#12345`, a name or a hostname."
        return f"{ref} is not a server id or name: {problem}. {how}"
    if isinstance(found, Ambiguous):
        servers = found.candidates
        like = f"use the id instead, like `#{servers[0].id}`:"
        lines = [f"{ref} could mean {len(servers)} servers; {like}"]
        for server in servers[:LISTED]:
            host = shown_value(server.hostname) if server.hostname else "no hostname"
            lines.append(f"• `#{server.id}` {shown_value(server.name)} ({host})")
        if len(servers) > LISTED:
            lines.append(f"…and {len(servers) - LISTED} more.")
        return "\n".join(lines)
    if not found.reference:
        return "Which server? Give its id (like `#12345`), name or hostname."
    if is_id(found.reference):
        text = f"No server has the id {ref} — try `{found.slash_command} list`."
    else:
        search = f"{found.slash_command} list {found.reference.lstrip('#')}"
        text = f"No server {ref} — try {shown_value(search)}."
    if found.suggestions:
        text += f" Did you mean {either(code(name) for name in found.suggestions)}?"
    return text
