"""The reader's words (lexicon.yml), loaded once, and the text made into folded words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["Lexicon", "Phrases", "lexicon", "words_of"]

_MENTION = re.compile(r"<[@#!][^<>]*>")
_LINK = re.compile(r"<((?:https?|mailto):[^<>|]*)(?:\|([^<>]*))?>")
_APOSTROPHE = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_SPLIT = re.compile(r"[\s,;!?()\[\]{}\"“”«»]+")
_EDGES = "'.:"


def fold(text: str) -> str:
    """Lower case, no accents, one kind of apostrophe."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHE).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words_of(text: str) -> list[str]:
    """The words of a message: mentions gone, links as their text, punctuation off the edges
    (a name's hyphens, a glob's `*`, an option's `:` inside a word stay)."""
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _MENTION.sub(" ", text).replace("&lt;", "<").replace("&gt;", ">")
    text = "".join(ch for ch in text.replace("&amp;", "&") if unicodedata.category(ch) != "Cf")
    words = []
    for raw in _SPLIT.split(fold(text)):
        word = raw.strip(_EDGES)
        if word.startswith(("l'", "un'", "dell'", "all'", "nell'", "sull'", "dall'")):
            head, _, word = word.partition("'")  # Italian elision: "l'audit" is "audit"
            words.append(head)
        if word:
            words.append(word)
    return words


class Phrases:
    """Phrases of one or more words, each with a meaning; the longest that fits is found."""

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        self._meaning: dict[tuple[str, ...], str] = {}
        for phrase, meaning in entries:
            self._meaning.setdefault(tuple(fold(phrase).split()), meaning)
        self.longest = max((len(p) for p in self._meaning), default=0)

    def at(self, words: list[str], start: int) -> tuple[int, str] | None:
        """The longest phrase starting at `start`: its length and meaning."""
        for size in range(min(self.longest, len(words) - start), 0, -1):
            meaning = self._meaning.get(tuple(words[start : start + size]))
            if meaning is not None:
                return size, meaning
        return None

    def __contains__(self, word: object) -> bool:
        return (word,) in self._meaning

    def singles(self) -> set[str]:
        """The one-word phrases (for near misses of typed words)."""
        return {p[0] for p in self._meaning if len(p) == 1}

    def meanings(self) -> set[str]:
        return set(self._meaning.values())


@dataclass(frozen=True)
class Lexicon:
    """The reader's words, grouped by what they mean."""

    verbs: Phrases
    backups: frozenset[str]
    backups_switch: Phrases  # "on" / "off"
    statuses: Phrases
    numbers: Mapping[str, int]
    units: Mapping[str, str]
    plural: Phrases
    singular: frozenset[str]
    all_words: frozenset[str]
    negations: Phrases
    rename_to: frozenset[str]
    split_verbs: Mapping[str, Mapping[str, str]]  # "turn" → {"on": "start", …}
    plural_articles: frozenset[str]
    filler: frozenset[str]


def _pairs(table: Mapping[str, list[str]]) -> list[tuple[str, str]]:
    return [(phrase, meaning) for meaning, phrases in table.items() for phrase in phrases]


@cache
def lexicon() -> Lexicon:
    """The built-in lexicon (read once)."""
    text = resources.files("bot.plainwords").joinpath("lexicon.yml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    switch = {"on": data["backups_on"], "off": data["backups_off"]}
    return Lexicon(
        verbs=Phrases(_pairs(data["verbs"])),
        backups=frozenset(map(fold, data["backups"])),
        backups_switch=Phrases(_pairs(switch)),
        statuses=Phrases(_pairs(data["statuses"])),
        numbers={fold(k): int(v) for k, v in data["numbers"].items()},
        units={fold(k): str(v) for k, v in data["units"].items()},
        plural=Phrases((p, "plural") for p in data["plural_nouns"]),
        singular=frozenset(map(fold, data["singular_nouns"])),
        all_words=frozenset(map(fold, data["all_words"])),
        negations=Phrases((p, "not") for p in data["negations"]),
        rename_to=frozenset(map(fold, data["rename_to"])),
        split_verbs={k: dict(v) for k, v in data["split_verbs"].items()},
        plural_articles=frozenset(map(fold, data["plural_articles"])),
        filler=frozenset(map(fold, data["filler"])),
    )
