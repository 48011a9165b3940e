"""`parse`: the text after `/vps` to a command value, every value checked before any API call.

Problems are found in this order, and the first kind found is the answer: an unclosed quote,
an unknown command word, unknown / repeated / empty options, too few or too many words, missing
options, then the values themselves (every refused value is named at once).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Final

from bot.catalog import Catalog
from bot.commands.checks import Collector, check_create
from bot.commands.fields import check_location, check_status, closest
from bot.commands.selection import (
    FILTERS,
    MAX_SERVERS_TYPED,
    SELECTING,
    check_selection,
    several,
)
from bot.commands.selector import is_glob
from bot.commands.tokens import clean, split_option, tokenise
from bot.commands.usage import READS, commands
from bot.commands.values import (
    Approvals,
    Audit,
    Command,
    Create,
    CreateModal,
    Help,
    ListServers,
    ParseError,
    Plans,
    PlanWrite,
    Schedule,
    Schedules,
    Show,
    Whoami,
    Write,
)
from bot.operations import Syntax, find, get


@dataclass(frozen=True)
class _Args:
    """The words after the command word: plain words in order, options by canonical key."""

    words: tuple[str, ...]
    options: Mapping[str, str]

    def word(self, index: int) -> str | None:
        return self.words[index] if index < len(self.words) else None


_NAMING: Final = ("name", "hostname")
"""Values that name a server: never given to several servers at once."""
_SEVERAL: Final = "servers (names, #ids or a glob like web-*) and options"
_ANY: Final = 10_000

_Build = Callable[[str, _Args, Catalog], Command]
"""How a command's value is built once the shape of what was typed is right."""


_WHEN: Final = ("at", "in", "every")
"""The words that end a scheduled command and say when it runs."""


def parse(text: str, catalog: Catalog) -> Command:
    """Return the command typed after `/vps`; raise ParseError saying what is wrong."""
    cleaned = clean(text)
    words = tokenise(cleaned) if cleaned else []
    if not words or not words[0]:
        return Help()
    if words[0].casefold() == "schedule":
        return _build_schedule(words[1:], catalog)
    return _parse_words(words, catalog)


def _parse_words(words: list[str], catalog: Catalog) -> Command:
    word = words[0].casefold()
    found = _spec(word)
    if found is None:
        raise _unknown_command(words[0])
    if word == "create" and len(words) == 1:
        return CreateModal()
    build, syntax = found
    return build(word, _shape(word, syntax, words[1:]), catalog)


def _unknown_command(typed: str, command: str | None = None) -> ParseError:
    guess = closest(typed.casefold(), commands())
    return ParseError("unknown-command", command, typed=typed, choices=commands(), guess=guess)


def _shape(word: str, spec: Syntax, rest: list[str]) -> _Args:
    """Sort words from options and check the shape: known keys, once each, enough words."""
    plain: list[str] = []
    options: dict[str, str] = {}
    for item in rest:
        option = split_option(item)
        if option is None:
            plain.append(item)
            continue
        typed, key, value = option
        if key not in spec.options:
            raise ParseError(
                "unknown-option",
                word,
                typed=typed,
                choices=spec.options,
                guess=closest(key, spec.options),
                detail=spec.takes,
            )
        if key in options or not value.strip():
            raise ParseError("twice" if key in options else "no-value", word, (key,))
        options[key] = value
    fewest, most = spec.words
    if len(plain) < fewest:
        raise ParseError("too-few", word, detail=spec.needs)
    if len(plain) > most:
        raise ParseError("too-many", word, typed=" ".join(plain[most:]), detail=spec.takes)
    missing = tuple(key for key in spec.required if key not in options)
    if missing:
        raise ParseError("missing", word, choices=spec.required, missing=missing)
    return _Args(words=tuple(plain), options=options)


def _build_help(word: str, args: _Args, catalog: Catalog) -> Command:
    topic = args.word(0)
    if topic is None:
        return Help()
    if topic.casefold() not in commands():
        raise _unknown_command(topic, command=word)
    return Help(topic=topic.casefold())


def _build_list(word: str, args: _Args, catalog: Catalog) -> Command:
    values = Collector(args.options)
    status = values.take("status", check_status, None)
    location = values.take("location", lambda raw: check_location(raw, catalog), None)
    values.raise_errors(word)
    return ListServers(status=status, location=location, text=args.word(0))


def _build_create(word: str, args: _Args, catalog: Catalog) -> Command:
    fields = dict(args.options)
    name = args.word(0)
    if name is not None and "name" in fields:
        raise ParseError("name-twice", word)
    if name is not None:
        fields["name"] = name
    missing = tuple(k for k in ("name", "plan", "os", "location") if k not in fields)
    if missing:
        raise ParseError("create-missing", word, missing=missing)
    result = check_create(fields, catalog)
    if isinstance(result, Create):
        return result
    raise ParseError("invalid", word, tuple(result), errors=tuple(result.values()))


def _build_write(word: str, args: _Args, catalog: Catalog) -> Command:
    """A declared operation on a server: the server as typed, the values its declaration
    checks (the words after the server, the options). One that may name several servers
    (`several`) is a plan when the line names more than one plain reference."""
    declared = get(word)
    if declared.several and several(args.words, args.options):
        return _build_plan(word, args, catalog)
    if not args.words:
        raise ParseError("too-few", word, detail=declared.syntax.needs)
    globbed = next((w for w in args.words[:1] if is_glob(w)), None)
    if globbed is not None:
        raise ParseError("one-server", word, typed=globbed)
    values = declared.syntax.values(args.words[1:], args.options)
    return Write(operation=word, server=args.words[0], values=dict(values))


def _build_plan(word: str, args: _Args, catalog: Catalog) -> Command:
    """Several servers: the selector, the plan's options and the operation's own values.
    A name change stays one server's (two servers may not take one name)."""
    own = {k: v for k, v in args.options.items() if k not in SELECTING}
    values = get(word).syntax.values((), own)
    if any(key in values for key in _NAMING):
        raise ParseError("one-server-names", word)
    if not args.words and not any(key in args.options for key in FILTERS):
        raise ParseError("too-few", word, detail=get(word).syntax.needs)
    if len(args.words) > MAX_SERVERS_TYPED:
        typed = " ".join(args.words[MAX_SERVERS_TYPED:])
        raise ParseError("too-many", word, typed=typed, detail=_SEVERAL)
    selector, options = check_selection(args.words, args.options, catalog, word)
    return PlanWrite(operation=word, selector=selector, options=options, values=dict(values))


def _build_schedule(words: list[str], catalog: Catalog) -> Command:
    """`schedule <command> at|in|every <when>`: the command parsed as if typed now (a write),
    `when` kept as typed; the last `at`, `in` or `every` after the command says when."""
    cut = next(
        (i for i in range(len(words) - 1, 0, -1) if words[i].casefold() in _WHEN),
        None,
    )
    if cut is None or cut == len(words) - 1:
        raise ParseError("schedule-when", "schedule")
    command = _parse_words(words[:cut], catalog)
    if not isinstance(command, Write | PlanWrite):
        raise ParseError("schedule-what", "schedule", typed=words[0])
    when = " ".join(words[cut + 1 :])
    return Schedule(command, words[cut].casefold(), when, " ".join(words[:cut]))


_BUILDERS: Final[Mapping[str, _Build]] = {
    "help": _build_help,
    "list": _build_list,
    "show": lambda word, args, catalog: Show(server=args.words[0]),
    "whoami": lambda word, args, catalog: Whoami(),
    "audit": lambda word, args, catalog: Audit(server=args.word(0)),
    "approvals": lambda word, args, catalog: Approvals(),
    "plans": lambda word, args, catalog: Plans(),
    "schedules": lambda word, args, catalog: Schedules(),
    "schedule": lambda word, args, catalog: _not_twice(),
}


def _not_twice() -> Command:
    raise ParseError("schedule-what", "schedule", typed="schedule")


def _spec(word: str) -> tuple[_Build, Syntax] | None:
    """How `word`'s value is built and what it takes: a read's, or an operation's declaration."""
    if word in READS:
        return _BUILDERS[word], READS[word]
    op = find(word)
    if op is None:
        return None
    if op.several:  # its servers may be several words, or filters alone
        options = op.syntax.options + SELECTING
        return _build_write, replace(op.syntax, options=options, words=(0, _ANY), takes=_SEVERAL)
    return (_build_write if op.targets_server else _build_create), op.syntax
