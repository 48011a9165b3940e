"""The words for the policy's decisions, the command line's refusals and unresolved servers.

`bot.policy`, `bot.commands` and `bot.resolve` return data; this is where it becomes mrkdwn
(a field error also plain text, for a modal's inline errors). What people typed and what
servers are called go through `code`.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Final

from bot.commands.fields import MAX_LENGTH, FieldError
from bot.commands.usage import DEFAULT_SLASH_COMMAND
from bot.commands.usage import usage as usage_of
from bot.commands.values import ParseError
from bot.policy import Decision, Rule
from bot.policy.model import excluding
from bot.resolve import MAX_REFERENCE, Ambiguous, BadReference, NotFound, is_id
from bot.slack.text import code, escape, plain

_SHOWN_CHARS: Final = 80  # an echoed value longer than this is cut
_LISTED: Final = 10  # candidates, catalog entries named in one message
_ENTITIES: Final = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


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
    globs = _either(map(code, decision.globs or rule.servers))
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
        groups = _either(_group(g) for g in decision.unchecked_groups)
        text += f" (The members of {groups} could not be checked just now; try again shortly.)"
    return text


def rules_text(rules: Iterable[Rule], *, without: str | None = None) -> str:
    """Who `rules` let act ("; "-joined, as an approval's `by:` is read), the member `without`
    left out ("" when no one else is named)."""
    return "; ".join(dict.fromkeys(map(rule_text, excluding(rules, without))))


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
        parts.append(f"on servers matching {_either(map(code, rule.servers))}")
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
        like = f"use the id instead, like `#{servers[0].id}`:"
        lines = [f"{ref} could mean {len(servers)} servers; {like}"]
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


# -- the command line -------------------------------------------------------------------------

_EXAMPLES: Final = {
    "name": "web-01",
    "hostname": "web-01.example.com",
    "plan": "1",
    "os": "5",
    "location": "us-west",
    "ssh-key": "42",
    "backups": "on",
    "status": "active",
    "batch": "2",
    "max-fail": "10%",
    "pause": "30s",
    "wait": "10m",
}
"""A value of each field, as the messages show it."""
_RULES: Final = {
    "name": "A name is 1 to 63 letters (A-Z, a-z), digits and hyphens, not starting or ending "
    "with a hyphen, like {}.",
    "hostname": "A hostname is a fully qualified domain name like {}: two or more labels "
    "separated by dots, each 1 to 63 letters, digits and hyphens, not starting or ending "
    "with a hyphen.",
}
_NAME_PROBLEMS: Final = {
    "empty": "it is empty",
    "chars": "{shown} contains {chars}",
    "long": "{shown} is {size} characters long; the most is {most}",
    "starts": "{shown} starts with a hyphen",
    "ends": "{shown} ends with a hyphen",
    "single": "{shown} is a single label; it needs a domain too",
    "empty-label": "{shown} has an empty label (two dots in a row, or a dot at the start)",
    "ip": "{shown} looks like an IP address, not a domain name",
    "label-long": f"{{shown}} has a label longer than {MAX_LENGTH['name']} characters",
    "label-hyphen": "{shown} has a label that starts or ends with a hyphen",
}


def _quoting(modal: bool) -> tuple[Callable[[str], str], Callable[[str], str]]:
    """How to quote our own literals and a value someone typed: mrkdwn for a slash command's
    answer, plain text in a modal."""
    if modal:
        return (lambda text: f"“{text}”"), (lambda text: f"“{plain(text, _SHOWN_CHARS)}”")
    return (lambda text: f"`{text}`"), _shown


def field_error(error: FieldError, *, modal: bool = False) -> str:
    """What is wrong with a typed value and what is allowed."""
    lit, value = _quoting(modal)
    invalid, problem, shown = f"Invalid {lit(error.field)}:", error.problem, value(error.value)
    if problem == "required":
        return f"{lit(error.field)} is required."
    if error.field in _RULES:
        rule = _RULES[error.field].format(lit(_EXAMPLES[error.field]))
        chars = _either([("a space" if ch == " " else value(ch)) for ch in error.choices], "and")
        most = MAX_LENGTH[error.field]
        said = _NAME_PROBLEMS[problem].format(shown=shown, chars=chars, size=error.size, most=most)
        return f"{invalid} {said}. {rule}"
    if problem == "ambiguous":
        more = "the whole code" if error.field == "location" else "more of the name, or the id"
        could = _either(map(value, error.choices[:_LISTED]))
        return f"{invalid} {shown} could be {could}; give {more}."
    if problem == "not-code":
        known = _either(map(lit, error.choices[:_LISTED]))
        return (
            f"{invalid} {shown} is not a location code. A location is a code of lowercase "
            f"letters, digits and hyphens, like {lit(_EXAMPLES['location'])}."
            + (f" Known locations: {known}." if known else "")
        )
    if problem == "not-boolean":
        also = f"{lit('yes')}/{lit('no')} and {lit('true')}/{lit('false')} work too"
        return f"{invalid} {shown}. Use {lit('on')} or {lit('off')} ({also})."
    if problem == "not-status":
        hint = f" Did you mean {lit(error.guess)}?" if error.guess else ""
        return f"{invalid} {shown}.{hint} Use {_either(map(lit, error.choices))}."
    if problem in ("not-count", "not-duration"):
        like = "a number or a percentage" if problem == "not-count" else "a duration"
        return f"{invalid} {shown}. Give {like}, like {lit(_EXAMPLES[error.field])}."
    if problem == "not-id":
        example = lit(_EXAMPLES["ssh-key"])
        return f"{invalid} {shown} is not an id. An id is a positive whole number, like {example}."
    # a plan or OS the catalog doesn't know ("bad-id", "unknown"): the ids and names it does
    names = error.choices
    noun, article = ("operating system", "an") if error.field == "os" else (error.field, "a")
    guess = f" Did you mean {value(error.guess)}?" if error.guess else ""
    said = f"there is no {noun} named {shown}.{guess}"
    if problem == "bad-id":
        said = f"{shown} is not {article} {noun} id."
    listing = [f"{value(n)} (id {i})" for n, i in zip(names[:_LISTED], error.ids, strict=False)]
    if len(names) > _LISTED:
        listing.append(f"{len(names) - _LISTED} more")
    known = f" or one of these names: {', '.join(listing)}" if listing else ""
    spaced = next((name for name in names if " " in name), None)
    example = value(f'{error.field}:"{spaced}"')
    quoting = f" A name with spaces goes in quotes, like {example}." if spaced and not modal else ""
    return f"{invalid} {said} Give {article} {noun} id (a positive whole number){known}.{quoting}"


def form_errors(errors: Mapping[str, FieldError]) -> dict[str, str]:
    """A modal's inline errors, keyed as the fields are: plain text."""
    return {key: field_error(error, modal=True) for key, error in errors.items()}


_PARSE_ERRORS: Final = {
    "twice": "{key} is given twice; give each option once.",
    "no-value": "{key} has no value; put it right after the colon, like {example}.",
    "too-few": "{word} needs {detail}.",
    "too-many": "Too many words for {word}: {typed}. It takes {detail}.{quoting}",
    "missing": "{word} needs all of {choices}; missing: {missing}. To change only some of them, "
    "use `set`.",
    "create-missing": "{word} needs {needed}. Or type {word} alone to fill in a form.",
    "needs-one": "{word} needs at least one of {listed}, like {example}.",
    "name-twice": "The name is given twice: give it as the first word or as `name:`, not both.",
    "one-server": "{word} acts on one server at a time, and {typed} names several. Name one "
    "server.",
    "one-server-names": "A name or hostname is changed on one server at a time; name one server.",
    "schedule-when": "{word} needs a change and when to run it: `at <time>`, `in <duration>` "
    "or `every <days> <time>`, like `/vps schedule reboot web-01 at sat 02:00`.",
    "schedule-what": "Only a change to servers can be scheduled (like `reboot`, `stop`, `set`); "
    "{typed} is not one.",
    "backslash": "The line ends with a lone backslash (`\\`); remove it.",
    "unclosed-quote": "There is an unclosed quote ({example}) in {typed}: quotes come in pairs, "
    'like `name:"web 01"`. To type an apostrophe, put the word in double quotes, like `"it\'s"`.',
}


def parse_error(error: ParseError) -> str:
    """What is wrong with a `/vps …` line, for the person who typed it."""
    lit, value = _quoting(False)
    word, typed, problem = lit(error.command or ""), value(error.typed), error.problem
    choices = _either(map(lit, error.choices), "and")
    guess = f" Did you mean {lit(error.guess)}?" if error.guess else ""
    if problem == "invalid":
        return "\n".join(map(field_error, error.errors))
    if problem == "unknown-command":
        return f"Unknown command {typed}." + (guess or f" The commands are {choices}.")
    if problem == "unknown-option":
        if not error.choices:
            return f"{word} has no option {typed}; it takes {error.detail}."
        return f"{word} has no option {typed}.{guess} Its options are {choices}."
    field = next(iter(error.fields), "")
    return _PARSE_ERRORS[problem].format(
        word=word,
        typed=typed,
        key=lit(field),
        detail=error.detail,
        example=lit(f"{field}:{_EXAMPLES.get(field, '')}" if field else error.detail),
        choices=choices,
        listed=_either(map(lit, error.choices)),
        missing=_either(map(lit, error.missing), "and"),
        needed=_either([("a name" if k == "name" else lit(k)) for k in error.missing], "and"),
        quoting=' A value with spaces goes in quotes, like `os:"Debian 12"`.'
        if error.command == "create"
        else "",
    )


def usage(word: str, slash_command: str = DEFAULT_SLASH_COMMAND) -> str:
    """The usage line of `word`, for the slash command of that name (BOT_COMMAND); KeyError
    for a word that is not a command. <placeholders> are escaped: Slack would take them for
    links."""
    syntax, what, example = (part.translate(_ENTITIES) for part in usage_of(word))
    return f"`{syntax}` — {what}, e.g. `{example}`".replace(DEFAULT_SLASH_COMMAND, slash_command)
