"""Words for people: a count with its noun, "1 change" and "2 changes", never "1 changes"."""

from __future__ import annotations

__all__ = ["counted"]


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and `noun`, in the plural (`plural`, else noun + "s") unless it is exactly one."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"
