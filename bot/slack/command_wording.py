"""The words for the command line's refusals: a typed value that is not allowed, a `/vps …`
line that does not parse, and a command's usage line.

`bot.commands` returns data (`FieldError`, `ParseError`); this is where it becomes mrkdwn (a
field error also plain text, for a modal's inline errors).
"""

from collections.abc import Callable, Mapping
from typing import Final

from bot.commands.fields import MAX_LENGTH, FieldError
from bot.commands.usage import DEFAULT_SLASH_COMMAND
from bot.commands.usage import usage as usage_of
from bot.commands.values import ParseError
from bot.slack.text import plain
from bot.slack.wording import LISTED, SHOWN_CHARS, either, shown_value

_ENTITIES: Final = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})

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
        return (lambda text: f"“{text}”"), (lambda text: f"“{plain(text, SHOWN_CHARS)}”")
    return (lambda text: f"`{text}`"), shown_value


def field_error(error: FieldError, *, modal: bool = False) -> str:
    """What is wrong with a typed value and what is allowed."""
    lit, value = _quoting(modal)
    invalid, problem, shown = f"Invalid {lit(error.field)}:", error.problem, value(error.value)
    if problem == "required":
        return f"{lit(error.field)} is required."
    if error.field in _RULES:
        rule = _RULES[error.field].format(lit(_EXAMPLES[error.field]))
        chars = either([("a space" if ch == " " else value(ch)) for ch in error.choices], "and")
        most = MAX_LENGTH[error.field]
        said = _NAME_PROBLEMS[problem].format(shown=shown, chars=chars, size=error.size, most=most)
        return f"{invalid} {said}. {rule}"
    if problem == "ambiguous":
        more = "the whole code" if error.field == "location" else "more of the name, or the id"
        could = either(map(value, error.choices[:LISTED]))
        return f"{invalid} {shown} could be {could}; give {more}."
    if problem == "not-code":
        known = either(map(lit, error.choices[:LISTED]))
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
        return f"{invalid} {shown}.{hint} Use {either(map(lit, error.choices))}."
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
    listing = [f"{value(n)} (id {i})" for n, i in zip(names[:LISTED], error.ids, strict=False)]
    if len(names) > LISTED:
        listing.append(f"{len(names) - LISTED} more")
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
    choices = either(map(lit, error.choices), "and")
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
        listed=either(map(lit, error.choices)),
        missing=either(map(lit, error.missing), "and"),
        needed=either([("a name" if k == "name" else lit(k)) for k in error.missing], "and"),
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
