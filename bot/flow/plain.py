"""Requests in plain words: read, audited, counted and answered where they were written.

The words become one `/vps` command (`bot.plainwords.read`) against the names of the fleet the
member may list. The answer names that command; a read then runs as if typed, a write waits
for its requester's Do it, candidates wait for a choice. The command itself then takes the
slash command's own path (`requests.run_command`): the same policy, confirmation, approval.
"""

from __future__ import annotations

import logging
import re
import uuid
import weakref
from fnmatch import fnmatchcase
from typing import Literal

from pydantic import Field

from bot.flow.caller import Caller
from bot.flow.context import RequestContext
from bot.flow.fleet_index import FleetIndex
from bot.flow.gate import Access
from bot.flow.services import Services
from bot.plainwords import FleetNames, Reading, read
from bot.slack.blocks.notes import build_note
from bot.slack.blocks.plain import (
    build_candidates,
    build_not_understood,
    build_not_yours,
    build_read_as,
    build_refused,
    build_taken,
    build_to_do,
)
from bot.slack.roundtrip import RoundTrip
from bot.state import AuditOutcome

logger = logging.getLogger(__name__)

__all__ = ["Choice", "Said", "answer", "clicked"]

MAX_WORDS = 1000
"""Characters of a message that are read (a request is a sentence, not a document)."""
FRESH = 60.0
"""Seconds the fleet index's names are trusted for before the fleet is listed again."""

_NAMES: weakref.WeakKeyDictionary[FleetIndex, dict[tuple[object, ...], FleetNames]] = (
    weakref.WeakKeyDictionary()
)
"""The fleet's names as the reader looks them up: per index, by listing and by what the member
may list."""
_NAMES_KEPT = 8
_MENTION = re.compile(r"<@[A-Z0-9]+>")

Choice = Literal["do", "cancel", "candidate"]


class Said(RoundTrip):
    """A reading on a button: which one, its command, who asked, where, and when."""

    id: str = Field(max_length=40)
    command: str = Field(max_length=600)
    user_id: str = Field(max_length=40)
    channel_id: str = Field(max_length=40)
    channel_name: str | None = Field(default=None, max_length=100)
    thread_ts: str | None = Field(default=None, max_length=40)
    at: float

    @classmethod
    def of(cls, caller: Caller, command: str, at: float) -> Said:
        return cls(
            id=uuid.uuid4().hex,
            command=command,
            user_id=caller.user_id,
            channel_id=caller.channel_id,
            channel_name=caller.channel_name,
            thread_ts=caller.thread_ts,
            at=at,
        )

    def requester(self, click: Caller) -> Caller:
        """The member who asked, where they asked, answering through the click."""
        return Caller(
            user_id=self.user_id,
            channel_id=self.channel_id,
            channel_name=self.channel_name,
            response_url=click.response_url,
            trigger_id=click.trigger_id,
            thread_ts=self.thread_ts,
        )


async def answer(ctx: RequestContext, services: Services, text: str) -> str | None:
    """Read `text` and answer with what it became; the read command to run now, if any."""
    words = text[:MAX_WORDS]
    reading = read(words, await _names(services, ctx.caller), services.catalog)
    services.metrics.plain_words(reading.outcome)
    await ctx.audit("words", AuditOutcome.ASKED, detail=_detail(words, reading, services.command))
    slash, now = services.command, services.clock()
    if reading.outcome == "understood" and not reading.is_write:
        await ctx.reply.in_channel(build_read_as(f"{slash} {reading.command}"))
        return reading.command
    if reading.outcome == "understood":
        said = Said.of(ctx.caller, reading.command, now)
        await ctx.reply.in_channel(build_to_do(f"{slash} {reading.command}", said.dump()))
    elif reading.candidates:
        choices = [(f"{slash} {c}", Said.of(ctx.caller, c, now).dump()) for c in reading.candidates]
        await ctx.reply.in_channel(build_candidates(choices))
    elif reading.outcome == "refused":
        await ctx.reply.in_channel(build_refused(slash))
    else:
        await ctx.reply.in_channel(build_not_understood(slash, why=reading.why))
    return None


async def clicked(
    ctx: RequestContext, services: Services, said: Said, choice: Choice
) -> str | None:
    """Do it, Cancel or a candidate on an answer: only its requester's click counts. The
    command to run now as the requester asked it, if any."""
    shown = f"{services.command} {said.command}"
    elsewhere = ctx.caller.channel_id not in ("", said.channel_id)  # a value carried elsewhere
    if ctx.caller.user_id != said.user_id or elsewhere:
        await ctx.reply.ephemeral(build_not_yours(shown))
        return None
    if choice == "cancel":
        await ctx.reply.replace(build_taken(shown, "cancelled, nothing was done."))
        return None
    if services.clock() - said.at > services.settings.bot_confirm_ttl_seconds:
        await ctx.reply.replace(build_taken(shown, "expired: say it again."))
        return None
    if choice == "candidate":
        if Reading("understood", said.command).is_write:
            again = Said.of(said.requester(ctx.caller), said.command, services.clock())
            await ctx.reply.replace(build_to_do(shown, again.dump()))
            return None
        await ctx.reply.replace(build_read_as(shown))
        return said.command
    expires = said.at + services.settings.bot_confirm_ttl_seconds + 60
    if not await services.store.remember_request(f"words:{said.id}", expires_at=expires):
        await ctx.reply.ephemeral(build_note("This was already done once.", icon=":repeat:"))
        return None
    await ctx.reply.replace(build_taken(shown, "going ahead."))
    return said.command


async def _names(services: Services, caller: Caller) -> FleetNames:
    """The names the member may list (none when they may not list): what words can name."""
    verdict = await services.gate.authorize(caller, "list")
    if not isinstance(verdict, Access):
        return FleetNames(())
    index = services.directory.index
    if index.complete_at is None or services.clock() - index.complete_at > FRESH:
        await services.directory.fleet()
    only = verdict.only_servers
    kept = _NAMES.setdefault(index, {})
    key = (index.complete_at, len(index), only)
    names = kept.get(key)
    if names is None:  # made once per listing (100,000 names take a fifth of a second)
        rows = index.rows()
        names = FleetNames(
            r.name for r in rows if not only or any(fnmatchcase(r.name, g) for g in only)
        )
        if len(kept) >= _NAMES_KEPT:
            kept.pop(next(iter(kept)))
        kept[key] = names
    return names


def _detail(words: str, reading: Reading, slash: str) -> str:
    """What the audit keeps: the words, and the command (or what else) they became."""
    if reading.command:
        became = f"{slash} {reading.command}"
    elif reading.candidates:
        became = "candidates: " + "; ".join(f"{slash} {c}" for c in reading.candidates)
    else:
        became = reading.outcome.replace("_", " ")
    written = " ".join(_MENTION.sub(" ", words).split())
    return f"words {written[:500]!r} -> {became}"
