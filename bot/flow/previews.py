"""A click on a preview that is stored until it is answered — a plan's, a schedule's: the
checks before anything is done, and the answer to a click that comes too late."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from bot.flow.context import RequestContext
from bot.slack.blocks import build_prompt_outcome
from bot.slack.blocks.core import user_mention
from bot.slack.blocks.notes import build_note
from bot.state import AuditOutcome

logger = logging.getLogger(__name__)


class Asked(Protocol):
    """A plan or a schedule: asked for by a member in a channel, stored from its preview on."""

    @property
    def id(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def channel_id(self) -> str: ...
    @property
    def channel_name(self) -> str: ...
    @property
    def operation(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def created_at(self) -> float: ...


P = TypeVar("P", bound=Asked)


async def open_preview(
    ctx: RequestContext,
    found: P | None,
    *,
    kind: str,
    gone: str,
    expired: str,
    expire: Callable[[P], Awaitable[bool]],
) -> P | None:
    """`found` (a `kind`: "plan", "schedule") when it is the caller's own and still in
    preview; else None, the caller told why (`gone`, or `expired` once `expire` has moved it
    on: True when this click did)."""
    if found is None:
        await ctx.reply.replace(build_prompt_outcome(gone))
        return None
    if found.user_id != ctx.caller.user_id:
        who = user_mention(found.user_id)
        await ctx.reply.ephemeral(
            build_note(f"Only {who}, who asked for it, can answer this.", icon=":lock:")
        )
        return None
    if found.state != "preview":
        await answered(ctx, kind, found.id)
        return None
    if ctx.clock() > found.created_at + ctx.confirm_ttl:
        if await expire(found):
            await ctx.audit(found.operation, AuditOutcome.EXPIRED, detail=f"{kind} {found.id}")
        await ctx.reply.replace(build_prompt_outcome(expired, emoji=":hourglass:"))
        return None
    return found


async def answered(ctx: RequestContext, kind: str, found_id: str) -> None:
    """A click on a preview that was answered already: the first answer stands."""
    logger.info("%s %s was answered already", kind, found_id)
    await ctx.reply.ephemeral(
        build_note("Already answered; nothing more was done.", icon=":information_source:")
    )
