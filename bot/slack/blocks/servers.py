"""The server list: one page of servers with paging buttons that carry the list's state."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ConfigDict, Field
from slack_sdk.models.blocks import ActionsBlock, Block, DividerBlock, HeaderBlock, SectionBlock

from bot.slack import ids
from bot.slack.blocks import limits
from bot.slack.blocks.core import (
    Message,
    bold_name,
    button,
    code_of,
    context,
    duration,
    emoji_for,
    fallback,
    md,
    plain_text,
    safe,
    section,
)
from bot.slack.roundtrip import RoundTrip
from bot.vps.models import Server

__all__ = ["LIST_PAGE_SIZE", "ListFilters", "build_server_list"]

LIST_PAGE_SIZE = 10
"""Servers per page: a section each, plus six blocks around them, well under Slack's 50."""

# However many servers a caller passes, a page shows at most this many (42 of the 50 blocks).
_MAX_ROWS = 42
_MAX_PAGE = 1_000_000
# Lengths kept in a paging button's value; the text filter is cut further when it must be.
_STATUS_MAX = 32
_LOCATION_MAX = 64
_TEXT_MAX = 200
_TO = "\u2013"  # an en dash, the way ranges are written


@dataclass(frozen=True)
class ListFilters:
    """What `/vps list` was asked for: status, location and a name/hostname text filter."""

    status: str | None = None
    location: str | None = None
    text: str | None = None

    @property
    def is_empty(self) -> bool:
        """True when nothing filters the list."""
        return not (self.status or self.location or self.text)

    def to_value(self, page: int) -> str:
        """The list state as compact JSON for a button value (≤ 2,000 characters)."""
        text = self.text[:_TEXT_MAX] if self.text else None
        while True:
            value = _ListState(
                page=min(max(page, 1), _MAX_PAGE),
                status=self.status[:_STATUS_MAX] if self.status else None,
                location=self.location[:_LOCATION_MAX] if self.location else None,
                text=text,
            ).dump()
            if len(value) <= limits.BUTTON_VALUE or not text:
                return value
            text = text[: len(text) // 2]  # only a hostile filter gets here

    @classmethod
    def from_value(cls, value: str) -> tuple[ListFilters, int]:
        """Parse a paging button's value back into (filters, page); ValueError if it is not one."""
        if len(value) > limits.BUTTON_VALUE:
            raise ValueError("list state is too long")
        state = _ListState.load(value)
        if state is None:
            raise ValueError("list state is not one we made")
        return cls(status=state.status, location=state.location, text=state.text), state.page


class _ListState(RoundTrip):
    """A paging button's value: the filters and the page it leads to."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    page: int = Field(ge=1, le=_MAX_PAGE)
    status: str | None = Field(default=None, min_length=1, max_length=_STATUS_MAX)
    location: str | None = Field(default=None, min_length=1, max_length=_LOCATION_MAX)
    text: str | None = Field(default=None, min_length=1, max_length=_TEXT_MAX)


def build_server_list(
    servers: Sequence[Server],
    *,
    page: int,
    page_size: int,
    total: int,
    filters: ListFilters,
    command: str = "/vps",
    index_age: float | None = None,
) -> Message:
    """One page of the server list: a line per server with a Show button, and paging buttons.

    `index_age` (seconds) says the page comes from the bot's fleet index, not a fresh listing.
    """
    page = max(page, 1)
    page_size = max(page_size, 1)
    rows = list(servers[:_MAX_ROWS])
    first = (page - 1) * page_size + 1
    if rows:  # a total that disagrees with the page in hand is stale: trust the page
        total = max(total, first - 1 + len(rows))
    total = max(total, 0)
    pages = max(math.ceil(total / page_size), 1)
    if total == 0:
        return _empty(filters, command)

    summary = _describe(filters)
    blocks: list[Block] = [HeaderBlock(text=plain_text("Servers", emoji=True))]
    if rows:
        span = f"*{first:,}{_TO}{first + len(rows) - 1:,}* of {total:,}"
        fresh = f"as of {duration(index_age)} ago" if index_age is not None else ""
        blocks.append(context(" · ".join(p for p in (summary, span, fresh) if p)))
        blocks.append(DividerBlock())
        blocks.extend(_row(server) for server in rows)
        if len(servers) > len(rows):
            blocks.append(context(f"…and {len(servers) - len(rows)} more not shown on this page."))
        text = f"Servers {first:,}{_TO}{first + len(rows) - 1:,} of {total:,}"
    else:
        blocks.append(section(f":mag: Nothing on page {page:,}: the list has {total:,} now."))
        text = f"Nothing on page {page:,} of the server list"

    nav = []
    if page > 1:
        target = min(page - 1, pages)
        nav.append(
            button(
                ":arrow_left: Previous",
                action_id=ids.LIST_PREVIOUS,
                value=filters.to_value(target),
            )
        )
    if page < pages:
        nav.append(
            button("Next :arrow_right:", action_id=ids.LIST_NEXT, value=filters.to_value(page + 1))
        )
    blocks.append(DividerBlock())
    blocks.append(context(f"Page {page:,} of {pages:,}" if rows else "", _show_hint(command)))
    if nav:
        blocks.append(ActionsBlock(elements=nav))
    plain_summary = _describe(filters, styled=False)
    return Message(
        text=fallback(text + (f" ({plain_summary})" if plain_summary else "")), blocks=blocks
    )


def _row(server: Server) -> SectionBlock:
    """One server: status, name, id on the first line; IP, location, plan on the second."""
    status = safe(server.status, 30) or "unknown"
    ip = code_of(server.ip_address, 60) if server.ip_address else "_no IP yet_"
    where = safe(server.location, 60) if server.location else "_no location_"
    plan = safe(server.plan.name, 80) if server.plan else "_no plan_"
    line = (
        f"{emoji_for(server.status)} {bold_name(server.name, 100)} · #{server.id} · {status}\n"
        f"{ip} · {where} · {plan}"
    )
    show = button("Show", action_id=ids.CARD_SHOW, value=str(server.id))
    return SectionBlock(text=md(line), accessory=show)


def _describe(filters: ListFilters, *, styled: bool = True) -> str:
    """The filters in words: "status: `active` · location: `us-west` · matching “web”"."""
    shown = code_of if styled else safe
    parts = []
    if filters.status:
        parts.append(f"status: {shown(filters.status, _STATUS_MAX)}")
    if filters.location:
        parts.append(f"location: {shown(filters.location, _LOCATION_MAX)}")
    if filters.text:
        parts.append(f"name or hostname containing “{safe(filters.text, 100)}”")
    return " · ".join(parts)


def _show_hint(command: str) -> str:
    return f"{code_of(f'{command} show <server>', 60)} for the details of one"


def _empty(filters: ListFilters, command: str) -> Message:
    """No server at all, or none that matches: say so and what to try."""
    if filters.is_empty:
        body = ":zero: *No servers yet.*"
        tip = f"Create one with {code_of(f'{command} create', 40)}."
        return Message(text="No servers yet", blocks=[section(body), context(f":bulb: {tip}")])
    summary = _describe(filters)
    tips = [f"{code_of(f'{command} list', 40)} shows every server"]
    if filters.status:
        tips.append("the statuses are `active`, `stopped` and `suspended`")
    if filters.text:
        tips.append("the text matches part of a name or hostname")
    body = f":mag: *No servers match:* {summary}."
    return Message(
        text=fallback(f"No servers match: {_describe(filters, styled=False)}"),
        blocks=[section(body), context(":bulb: " + "; ".join(tips) + ".")],
    )
