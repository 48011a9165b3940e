"""`/vps audit`: the log a page at a time, newest first, with no member able to fill a page.

A page has `AUDIT_SHOWN` lines. A run of identical entries (same member, action, outcome and
server) is one line with a count, and only those fold together: a freeze is never counted as a
denial, nor one server as another. Past `PER_MEMBER` lines of one member on a page, the rest of
their entries in the page's span are one summary line (what, how often, on which servers): a
storm of anything (refusals, unconfirmed prompts) leaves room for everyone else's history. The
Older button pages back from where the page ended; every page is a read of its own, checked by
the gate and limited to the servers the reader may see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from fnmatch import fnmatchcase

from bot.flow.context import RequestContext
from bot.flow.forms import AuditPageState
from bot.flow.gate import Access, Gate
from bot.flow.pipeline import authorize, labelled, may_at_all
from bot.resolve import BadReference, ServerRef, parse_reference
from bot.slack.blocks.notes import AuditSummary, build_audit, build_note
from bot.slack.wording import unresolved
from bot.state import AuditEntry
from bot.vps import Server, VPSNotFound

AUDIT_SHOWN = 20
"""Lines a page shows."""
PER_MEMBER = 5
"""Lines of one member a page shows before the rest of theirs is summed up in one."""
AUDIT_FIRST, AUDIT_SCAN = 200, 10_000
"""A page reads the latest entries, then — when they don't fill its lines (a reader limited to
some servers, a storm summed up) — this far back; the next page goes on from there."""

Line = AuditEntry | AuditSummary


def audit_page(
    entries: Sequence[AuditEntry], *, shown: int = AUDIT_SHOWN, per_member: int = PER_MEMBER
) -> tuple[list[Line], AuditEntry | None]:
    """The lines of a page made of `entries` (newest first), and the oldest entry it used when
    more would start another line (the next page starts after it); None when all were used."""
    lines: list[Line] = []
    own: dict[str, int] = {}  # lines of each member
    summaries: dict[str, int] = {}  # each member's summary line, by index
    previous: int | None = None  # the line the previous entry went to
    used: AuditEntry | None = None
    for entry in entries:
        user = entry.user_id
        last = lines[previous] if previous is not None else None
        if previous is not None and isinstance(last, AuditEntry) and _same(last, entry):
            lines[previous] = replace(last, count=last.count + entry.count)
        elif user in summaries:
            previous = summaries[user]
            summary = lines[previous]
            if isinstance(summary, AuditSummary):
                summary.add(entry)
        elif len(lines) >= shown:
            return lines, used
        elif own.get(user, 0) >= per_member:
            previous = summaries[user] = len(lines)
            lines.append(AuditSummary.of(entry))
        else:
            own[user] = own.get(user, 0) + 1
            previous = len(lines)
            lines.append(entry)
        used = entry
    return lines, None


def _same(a: AuditEntry, b: AuditEntry) -> bool:
    """Like with like: the same member did the same thing with the same outcome, same server."""
    return (a.user_id, a.action, a.outcome, a.server_id, a.server_name) == (
        b.user_id,
        b.action,
        b.outcome,
        b.server_id,
        b.server_name,
    )


async def audit_log(
    ctx: RequestContext, gate: Gate, page: AuditPageState, *, replace_page: bool = False
) -> None:
    """A page of the audit log: of the server `page` asks about, or of all of them; from
    `page`'s place (the Older button, which `replace_page`s the page it was on), else the
    newest. Every page is asked of the gate again: the reader's rights are those of now."""
    server, label = None, None
    if page.about is not None:
        ref = parse_reference(page.about)
        label = labelled(ref)
        if await may_at_all(ctx, gate, "audit", label) is None:
            return
        server = await _known_as(ctx, ref)
        if server is None:
            return
    access = await authorize(ctx, gate, "audit", server, server, label=label)
    if access is not None:
        await _answer(ctx, access, page, replace_page)


async def _known_as(ctx: RequestContext, ref: ServerRef | BadReference) -> Server | None:
    """The server an audit asks about: the log knows servers the API no longer has, so a name
    is taken as typed, and an id is named by the API when it still exists (the policy's
    `servers:` globs need a name). A bad reference is said at once."""
    if isinstance(ref, BadReference):
        await ctx.reply.ephemeral(build_note(unresolved(ref), icon=":mag:"))
        ctx.tally.outcome = "not_found"
        return None
    if ref.id is None:
        return Server(id=0, name=ref.text, status="unknown")
    try:
        return await ctx.servers.get(ref.id)
    except VPSNotFound:
        return Server(id=ref.id, name="", status="deleted")


async def _answer(
    ctx: RequestContext, access: Access, state: AuditPageState, replace_page: bool
) -> None:
    about: int | str | None = None
    if access.server is not None:
        about = access.server.id or access.server.name
    lines: list[Line] = []
    older: tuple[float, int] | None = None
    # The latest entries, and only when they don't fill the page, many more: each read is
    # one snapshot of the log, so an entry recorded meanwhile is never counted twice.
    for limit in (AUDIT_FIRST, AUDIT_SCAN):
        rows = await ctx.store.list_audit(about, limit=limit, before=state.before)
        seen = _readable(rows, about, access.only_servers)
        lines, stopped = audit_page(seen)
        if stopped is not None:
            older = (stopped.time, stopped.id)
            break
        if len(rows) < limit:
            break
        older = (rows[-1].time, rows[-1].id)  # read this far: the next page goes on
    label = None
    if access.server is not None:
        label = f"#{access.server.id}" if access.server.id else access.server.name
    message = build_audit(
        lines,
        about=label,
        older=_value(state, older) if older is not None else None,
        newest=_value(state, None) if state.before is not None else None,
    )
    await (ctx.reply.replace(message) if replace_page else ctx.reply.ephemeral(message))


def _value(state: AuditPageState, before: tuple[float, int] | None) -> str:
    """A paging button's value: the same question, from `before` (None: the newest page)."""
    at, entry_id = before if before is not None else (None, None)
    return AuditPageState(about=state.about, before_time=at, before_id=entry_id).dump()


def _readable(
    rows: Sequence[AuditEntry], about: int | str | None, only: Sequence[str]
) -> list[AuditEntry]:
    """What the reader may see of `rows`: the exact name asked about (the store matches names
    in any case; the globs don't), or the servers their `audit:` rules allow."""
    if isinstance(about, str):
        return [e for e in rows if e.server_name == about]
    if only:
        return [e for e in rows if _matches(e, only)]
    return list(rows)


def _matches(entry: AuditEntry, only: Sequence[str]) -> bool:
    name = entry.server_name
    return name is not None and any(fnmatchcase(name, glob) for glob in only)
