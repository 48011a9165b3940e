"""`Selector`: which servers a line names when it names several — globs and references as
typed, and the filters of `list`."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Final

GLOB_CHARACTERS: Final = "*?["


def is_glob(word: str) -> bool:
    """Whether a typed server word is a glob (no name or id holds these characters)."""
    return any(ch in word for ch in GLOB_CHARACTERS)


@dataclass(frozen=True)
class Selector:
    """Which servers: globs and references as typed (in order), and the filters."""

    words: tuple[str, ...] = ()
    status: str | None = None
    location: str | None = None

    @property
    def globs(self) -> tuple[str, ...]:
        return tuple(w for w in self.words if is_glob(w))

    @property
    def references(self) -> tuple[str, ...]:
        return tuple(w for w in self.words if not is_glob(w))

    def filtered(self, status: str, location: str | None) -> bool:
        """Whether a server in `status` at `location` passes the filters."""
        return (self.status is None or status == self.status) and (
            self.location is None or location == self.location
        )

    def globbed(self, name: str) -> bool:
        """Whether a name matches one of the globs (any case)."""
        folded = name.casefold()
        return any(fnmatchcase(folded, glob.casefold()) for glob in self.globs)

    def describe(self) -> str:
        """The selector as it could be typed again."""
        parts = list(self.words)
        parts += [f"status:{self.status}"] if self.status else []
        parts += [f"location:{self.location}"] if self.location else []
        return " ".join(parts)
