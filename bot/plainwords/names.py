"""Server names as the fleet index knows them: exact names, groups (`web-…`), near misses."""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from bot.plainwords.lexicon import fold

__all__ = ["FleetNames", "distance"]


class FleetNames:
    """The fleet's names, folded for lookups and given back as the fleet spells them."""

    def __init__(self, names: Iterable[str]) -> None:
        self._names: dict[str, str] = {}
        for name in names:
            self._names.setdefault(fold(name), name)
        self._sorted = sorted(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def exact(self, word: str) -> str | None:
        """The name `word` is (any case)."""
        return self._names.get(word)

    def starting(self, prefix: str, limit: int = 1000) -> list[str]:
        """Names that start with `prefix`, in order (at most `limit`)."""
        found = []
        at = bisect.bisect_left(self._sorted, prefix)
        while at < len(self._sorted) and self._sorted[at].startswith(prefix) and limit:
            found.append(self._names[self._sorted[at]])
            at, limit = at + 1, limit - 1
        return found

    def group(self, word: str) -> list[str]:
        """The names of the group `word` names ("web" → web-server-01, web-02 …)."""
        return self.starting(word + "-") if word.isalnum() else []

    def near(self, word: str, limit: int = 3) -> list[str]:
        """Names `word` may have meant: the closest (a typo, a missing zero), then names it
        starts. The sorted names are walked as a trie, a branch left as soon as every way
        through it is more than one or two edits away, so a large fleet costs little more."""
        found: list[tuple[int, str]] = []
        for most in (1, 2) if len(word) >= 8 else (1,):  # one edit away first: a narrow walk
            start = list(range(len(word) + 1))
            self._walk(word, most, "", 0, len(self._sorted), start, None, found)
            if found:
                break
        best = min((d for d, _ in found), default=0)
        near = sorted(self._names[n] for d, n in found if d == best)
        if len(word) >= 3:
            near += [n for n in self.starting(word, limit) if n not in near]
        return near[:limit]

    def _walk(
        self,
        word: str,
        most: int,
        prefix: str,
        lo: int,
        hi: int,
        row: list[int],
        before: list[int] | None,
        found: list[tuple[int, str]],
    ) -> None:
        """The names in `[lo, hi)` (those starting with `prefix`, whose edit row is `row`)
        within `most` edits of `word` (optimal string alignment: a swap is one edit)."""
        names, depth = self._sorted, len(prefix)
        if lo < hi and names[lo] == prefix:
            if row[-1] <= most:
                found.append((row[-1], prefix))
            lo += 1
        while lo < hi:
            char = names[lo][depth]
            end = bisect.bisect_left(names, prefix + char + "\U0010ffff", lo, hi)
            new = [row[0] + 1]
            for j in range(1, len(word) + 1):
                cost = word[j - 1] != char
                value = min(row[j] + 1, new[j - 1] + 1, row[j - 1] + cost)
                if (
                    before is not None
                    and j > 1
                    and word[j - 1] == prefix[-1]
                    and word[j - 2] == char
                ):
                    value = min(value, before[j - 2] + 1)
                new.append(value)
            if min(new) <= most:
                self._walk(word, most, prefix + char, lo, end, new, row, found)
            lo = end


def distance(a: str, b: str, most: int) -> int:
    """Edits (insert, delete, change, swap two neighbours) from `a` to `b`; `most` + 1 once
    it is clear they are further apart."""
    if abs(len(a) - len(b)) > most:
        return most + 1
    before: list[int] | None = None
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + cost)
            if before is not None and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > most:
            return most + 1
        before, row = row, current
    return row[-1]
