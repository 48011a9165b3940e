"""Server names as the fleet index knows them: exact names, groups (`web-…`), near misses."""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from bot.plainwords.lexicon import fold

__all__ = ["FleetNames", "distance"]

_WIDE = 5000
"""Past this many names of a near length, only those sharing the first letters are compared."""


class FleetNames:
    """The fleet's names, folded for lookups and given back as the fleet spells them."""

    def __init__(self, names: Iterable[str]) -> None:
        self._names: dict[str, str] = {}
        for name in names:
            self._names.setdefault(fold(name), name)
        self._sorted = sorted(self._names)
        self._by_length: dict[int, list[str]] = {}
        for folded in self._sorted:
            self._by_length.setdefault(len(folded), []).append(folded)

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
        """Names `word` may have meant: the closest first (a typo, a missing zero, a prefix)."""
        most = 1 if len(word) < 8 else 2
        scored: list[tuple[int, str]] = []
        for size in range(len(word) - most, len(word) + most + 1):
            pool = self._by_length.get(size, [])
            if len(pool) > _WIDE:
                pool = [n for n in pool if n.startswith(word[:3])]
            scored.extend((d, n) for n in pool if (d := distance(word, n, most)) <= most)
        scored.sort()
        best = scored[0][0] if scored else 0
        near = [self._names[n] for d, n in scored if d == best]
        if len(word) >= 3:
            near += [n for n in self.starting(word, limit) if n not in near]
        return near[:limit]


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
