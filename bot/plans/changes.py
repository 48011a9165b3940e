"""What a plan's approval request holds in its params, and shows of them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def plan_of(params: Mapping[str, Any]) -> str | None:
    """The plan an approval's params name, if it is a plan's."""
    plan = params.get("plan") if isinstance(params, Mapping) else None
    return plan if isinstance(plan, str) else None


def plan_changes(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What a plan's approval request shows: how many servers, the first ones, the options."""
    first = [str(name) for name in params.get("first", [])]
    count = int(params.get("count", len(first)))
    more = f" and {count - len(first)} more" if count > len(first) else ""
    return [
        ("Servers", f"{count}: {', '.join(first)}{more}"),
        ("Options", str(params.get("options", ""))),
    ]
