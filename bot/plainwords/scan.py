"""The parts of a message: verbs, servers, filters, the new name, what create needs.

Words are read left to right, the longest phrase first; what each word is depends on the
lexicon, the catalog and the fleet's names, never on a guess: a word that is no name in the
fleet is kept as typed (with the names it is close to), so the command names what was said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from bot.catalog import Catalog
from bot.operations import find
from bot.plainwords.lexicon import Phrases, fold, lexicon, words_of
from bot.plainwords.names import FleetNames, distance
from bot.plainwords.options import take_options, take_when

__all__ = ["Name", "Parts", "scan"]

_NAMELIKE = re.compile(r"[a-z0-9][a-z0-9.-]*")
_GLOB = re.compile(r"[a-z0-9.*?-]*[*?][a-z0-9.*?-]*")
_ID = re.compile(r"#?\d{3,}")
_FIELD = re.compile(r"(status|location|plan|os|hostname|backups|name)[:=](\S+)")
_FQDN = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)+\.[a-z]{2,}")


@dataclass(frozen=True)
class Name:
    """A server as the words name it: as typed, the fleet's name if it is one, and the names
    it is close to if it is not."""

    typed: str
    exact: str | None
    near: tuple[str, ...] = ()


@dataclass
class Parts:
    """What the words say, before it is a command."""

    verbs: list[str] = field(default_factory=list)
    names: list[Name] = field(default_factory=list)  # servers and new names, in order
    globs: list[str] = field(default_factory=list)
    groups: list[tuple[str, list[str]]] = field(default_factory=list)  # word, its members
    plural: bool = False
    every: bool = False
    negated: bool = False
    backups: bool = False
    switch: list[str] = field(default_factory=list)  # "on" / "off" said near "backups"
    status: str | None = None
    statuses: set[str] = field(default_factory=set)  # two different ones: two readings
    location: str | None = None
    plan: str | None = None
    os: str | None = None
    hostname: str | None = None
    rename_to: int | None = None  # index into names of the word after "to"
    options: dict[str, str] = field(default_factory=dict)
    unknown: int = 0  # words that meant nothing known
    when: str | None = None  # "in 10m", "at 22:00": a schedule
    vague_time: bool = False  # "tonight", "domani": a time the bot will not guess


def scan(text: str, fleet: FleetNames, catalog: Catalog) -> Parts:
    """The parts of `text`, against this fleet and catalog."""
    words = lexicon()
    rest, options = take_options(" ".join(words_of(text)))
    rest, when, vague = take_when(rest)
    parts, said = Parts(options=options, when=when, vague_time=vague), rest.split()
    places = _places(catalog)
    i = 0
    while i < len(said):
        word = said[i]
        step = (
            _phrase(parts, said, i, places)
            or _split_verb(parts, said, i)
            or _word(parts, said, i, fleet)
        )
        if step == 0:
            if _typo_verb(word, words.verbs.singles()) is not None:
                parts.verbs.append(_typo_verb(word, words.verbs.singles()) or "")
            else:
                parts.unknown += 1
            step = 1
        i += step
    return parts


def _phrase(parts: Parts, said: list[str], i: int, places: Phrases) -> int:
    """A phrase of the lexicon or the catalog at `i`: its length (0: none)."""
    words = lexicon()
    verb = words.verbs.at(said, i)
    status = words.statuses.at(said, i)
    if status is not None and (verb is None or (parts.verbs and status[0] >= verb[0])):
        parts.status = parts.status or status[1]
        parts.statuses.add(status[1])
        return status[0]
    if (switch := words.backups_switch.at(said, i)) is not None and (
        parts.backups or any(w in words.backups for w in said[i + 1 : i + 4])
    ):
        parts.switch.append(switch[1])
        return switch[0]
    if verb is not None:
        parts.verbs.append(verb[1])
        return verb[0]
    if (negation := words.negations.at(said, i)) is not None:
        parts.negated = True
        return negation[0]
    if (place := places.at(said, i)) is not None:
        kind, _, value = place[1].partition(":")
        if kind == "location":
            parts.location = parts.location or value
        elif kind == "plan":
            parts.plan = parts.plan or value
        else:
            parts.os = parts.os or value
        return place[0]
    if (plural := words.plural.at(said, i)) is not None:
        parts.plural = True
        return plural[0]
    return 0


def _split_verb(parts: Parts, said: list[str], i: int) -> int:
    """ "turn web-01 on", "shut it down": the verb, its particle taken out of what follows."""
    particles = lexicon().split_verbs.get(said[i])
    if particles is None:
        return 0
    found = [j for j in range(i + 1, min(i + 6, len(said))) if said[j] in particles]
    if not found:
        return 0
    verbs = {particles[said[j]] for j in found}
    parts.verbs.append(verbs.pop() if len(verbs) == 1 else "reboot")  # "off and on again"
    for j in reversed(found):
        del said[j]
    return 1


def _word(parts: Parts, said: list[str], i: int, fleet: FleetNames) -> int:
    """One word that is no phrase: 1 when it meant something, else 0."""
    words, word = lexicon(), said[i]
    article = i > 0 and said[i - 1] in words.plural_articles
    if (typed := _FIELD.fullmatch(word)) is not None:
        key, value = typed.groups()
        if key == "status":
            parts.status = value
            parts.statuses.add(value)
        elif key == "backups":
            parts.backups, parts.switch = True, [*parts.switch, value]
        else:
            setattr(parts, key if key != "name" else "hostname", value)
        return 1
    if word in words.backups:
        parts.backups = True
    elif word in words.all_words:
        parts.every = True
    elif word in words.singular:
        pass
    elif word in words.rename_to and "rename" in parts.verbs and parts.names:
        parts.rename_to = len(parts.names)
    elif (name := fleet.exact(word)) is not None:
        parts.names.append(Name(word, name))
    elif find(word) is not None:  # a declared operation's own name ("rebuild web-01")
        parts.verbs.append(word)
    elif _GLOB.fullmatch(word):
        parts.globs.append(word)
    elif _ID.fullmatch(word):
        parts.names.append(Name(word, "#" + word.lstrip("#")))
    elif word.isalnum() and not word.isdigit() and (members := fleet.group(word)):
        parts.groups.append((word, members))
        parts.plural = parts.plural or article
    elif word.endswith("s") and word[:-1].isalnum() and (members := fleet.group(word[:-1])):
        parts.groups.append((word[:-1], members))  # "the workers"
        parts.plural = True
    elif _FQDN.fullmatch(word):
        parts.hostname = word
    elif word in words.filler or word in words.numbers or word.isdigit():
        pass
    elif _NAMELIKE.fullmatch(word) and (
        any(c.isdigit() or c == "-" for c in word) or fleet.near(word)
    ):
        parts.names.append(Name(word, None, tuple(fleet.near(word))))
    else:
        return 0
    return 1


def _typo_verb(word: str, verbs: set[str]) -> str | None:
    """The verb a word is one slip away from ("rebot", "riavvai"); a short word only by two
    letters swapped ("lsit"), as "last" is no typo of "list"."""
    if len(word) < 4:
        return None
    close = sorted(
        v
        for v in verbs
        if distance(word, v, 1) <= 1 and (len(word) > 4 or sorted(word) == sorted(v))
    )
    if len(close) != 1:
        return None
    found = lexicon().verbs.at([close[0]], 0)
    return found[1] if found else None


@cache
def _places_for(catalog: Catalog) -> Phrases:
    entries = []
    for loc in catalog.locations:
        for spelled in {loc.code, loc.code.replace("-", " "), loc.name}:
            if spelled:
                entries.append((fold(spelled), f"location:{loc.code}"))
    for plan in catalog.plans:
        entries += [
            (fold(plan.name), f"plan:{plan.id}"),
            (fold(plan.name.split()[0]), f"plan:{plan.id}"),
        ]
    for system in catalog.operating_systems:
        name = fold(system.name)
        entries += [(name, f"os:{system.id}"), (name.split()[0], f"os:{system.id}")]
        if len(name.split()) > 2:
            entries.append((" ".join(name.split()[:2]), f"os:{system.id}"))
    return Phrases(entries)


def _places(catalog: Catalog) -> Phrases:
    """The catalog's locations, plans and operating systems as phrases (made once per catalog)."""
    return _places_for(catalog)
