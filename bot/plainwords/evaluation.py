"""How a reading is judged against an expected answer: the evaluation set's rules, in one place
for its test and its benchmark (`tests/data/plain_words.yml`, `bench/plain_words.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.plainwords.reader import Reading

__all__ = ["Case", "judged", "same_command"]

ASKED = frozenset({"ambiguous", "not_understood"})


@dataclass(frozen=True)
class Case:
    """One phrasing and what it must give: a `/vps …` command, "ask" or "refuse"."""

    words: str
    expect: str
    lang: str
    kind: str

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> Case:
        return cls(str(raw["words"]), str(raw["expect"]), str(raw["lang"]), str(raw["kind"]))


def same_command(one: str, other: str) -> bool:
    """The same command: the same words in order, the same options in any order."""

    def shape(text: str) -> tuple[list[str], set[str]]:
        words = text.removeprefix("/vps").split()
        plain = [w for w in words if ":" not in w]
        return plain, {w for w in words if ":" in w}

    return shape(one) == shape(other)


def judged(case: Case, reading: Reading) -> bool:
    """Whether `reading` is what `case` expects."""
    if case.expect == "ask":
        return reading.outcome in ASKED
    if case.expect == "refuse":
        return reading.outcome == "refused"
    return reading.outcome == "understood" and same_command(case.expect, reading.command)
