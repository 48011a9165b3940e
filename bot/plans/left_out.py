"""What a plan's selection shows of its servers: each by name and id, and those left out with
why (data; `bot.slack.blocks.plan_preview` words it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Named:
    """A server as a plan shows it; `server_id` None for a reference that found none."""

    name: str
    server_id: int | None


@dataclass(frozen=True)
class LeftOut:
    """A server the plan will not touch, and why: denied, frozen, missing, ambiguous, or
    `status` (it is in a state the operation does not run from)."""

    server: Named
    why: str
    status: str = ""
    detail: str = ""
