"""Server-name globs that can never match: a server name holds only letters, digits and hyphens.

A glob is read the way `fnmatch` reads it (`*`, `?`, `[…]`, `[!…]`; a `[` without its `]` is a
plain `[`), part by part: a plain character no name holds, or a class that holds none of a
name's characters, means the glob matches no server at all — most likely a typo, or a regular
expression written where a glob belongs.
"""

import string
from fnmatch import fnmatchcase
from typing import Final

NAME_CHARACTERS: Final = frozenset(string.ascii_letters + string.digits + "-")
_SHOWN: Final = "a server name holds only letters, digits and hyphens"


def glob_problem(glob: str) -> str | None:
    """Return why `glob` can never match a server name, or None when some name matches it."""
    if ".*" in glob or ".+" in glob:
        return f'it looks like a regular expression; in a glob "*" alone means any text ({_SHOWN})'
    i = 0
    while i < len(glob):
        char = glob[i]
        if char == "[":
            end = _class_end(glob, i)
            if end is None:
                return f'the "[" at character {i + 1} opens a class that is never closed ({_SHOWN})'
            chars = glob[i : end + 1]
            if not any(fnmatchcase(c, chars) for c in NAME_CHARACTERS):
                return f"the class {chars} holds no letter, digit or hyphen ({_SHOWN})"
            i = end + 1
            continue
        if char not in "*?" and char not in NAME_CHARACTERS:
            return f"{_character(char)} is in no server name ({_SHOWN})"
        i += 1
    return None


def _class_end(glob: str, start: int) -> int | None:
    """Return the index of the `]` closing the class opened at `start`, as fnmatch finds it
    (a `]` right after `[` or `[!` belongs to the class), or None when there is none."""
    j = start + 1
    if j < len(glob) and glob[j] == "!":
        j += 1
    if j < len(glob) and glob[j] == "]":
        j += 1
    end = glob.find("]", j)
    return end if end >= 0 else None


def _character(char: str) -> str:
    """Return a character for a message: visible ones quoted, others by their code point."""
    if char.isprintable() and not char.isspace():
        return f'"{char}"'
    return f"U+{ord(char):04X}"
