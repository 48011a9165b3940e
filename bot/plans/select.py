"""Which servers a plan acts on: a selector resolved over one listing of the fleet (never one
request per server), each server then asked of the gate.

The order: the references as typed, then what the globs and filters match, by name. Left out,
with why: a reference that names no server (or several), a server the policy does not allow
the member, one that is frozen, one in a state the operation does not run from.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.flow.context import RequestContext
from bot.flow.deadline import bounded
from bot.flow.denied import Denied
from bot.flow.directory import FleetRow
from bot.flow.gate import Access, Gate
from bot.flow.pipeline import may_at_all
from bot.operations.change import Request
from bot.plans.left_out import LeftOut, Named
from bot.policy import ApprovalRule
from bot.resolve import BadReference, NotFound, parse_reference, resolve_server
from bot.slack.blocks.plan_preview import build_no_match
from bot.vps.models import ServerStatus

_KNOWN = frozenset(s.value for s in ServerStatus)


@dataclass(frozen=True)
class Selection:
    """The servers a plan will act on, in order (as the listing showed them), those left out,
    and the approval the plan needs (the first rule one of its servers needs)."""

    servers: tuple[FleetRow, ...]
    left_out: tuple[LeftOut, ...]
    approval: ApprovalRule | None = None


async def select(ctx: RequestContext, gate: Gate, request: Request) -> Selection:
    """Resolve the request's selector over the fleet and ask the gate about each server."""
    selector = request.selector
    if selector is None:
        raise ValueError("a plan's request names its servers by a selector")
    rows = await ctx.servers.fleet()
    chosen: dict[int, FleetRow] = {}
    left: list[LeftOut] = []
    for word in selector.references:
        ref = parse_reference(word)
        found = (
            NotFound(reference=word)
            if isinstance(ref, BadReference)
            else resolve_server(ref, rows, slash_command=ctx.command)
        )
        if isinstance(found, FleetRow):
            if selector.filtered(found.status, found.location):
                chosen.setdefault(found.id, found)
        else:
            why = "missing" if isinstance(found, NotFound) else "ambiguous"
            left.append(LeftOut(Named(word, None), why))
    if selector.globs or not selector.references:
        matched = [
            row
            for row in rows
            if (not selector.globs or selector.globbed(row.name))
            and selector.filtered(row.status, row.location)
        ]
        for row in sorted(matched, key=lambda r: (r.name.casefold(), r.id)):
            chosen.setdefault(row.id, row)
    return await _authorized(ctx, gate, request, list(chosen.values()), left)


async def select_allowed(
    ctx: RequestContext, gate: Gate, request: Request, label: str
) -> Selection | None:
    """May the member do this here at all, then `select`; None once they have been answered
    (refused, or no server matched)."""
    if await may_at_all(ctx, gate, request.declared.policy_action, label) is None:
        return None
    selection = await select(ctx, gate, request)
    if not selection.servers:
        ctx.tally.outcome = "not_found"
        await ctx.reply.ephemeral(build_no_match(label, selection.left_out))
        return None
    return selection


async def _authorized(
    ctx: RequestContext,
    gate: Gate,
    request: Request,
    rows: list[FleetRow],
    left: list[LeftOut],
) -> Selection:
    """Each server asked of the gate (as it is, and as the change leaves it): in the plan, or
    left out as denied, frozen, or in a state the operation does not run from."""
    action, declared = request.declared.policy_action, request.declared
    servers: list[FleetRow] = []
    approval: ApprovalRule | None = None
    for row in rows:
        server = row.server()
        named = Named(row.name, row.id)
        after = request.on(server).after()
        verdict: Access | Denied = await bounded(
            gate.authorize(ctx.caller, action, server, after, label=row.name)
        )
        if isinstance(verdict, Denied):
            freeze = verdict.freeze
            if freeze is not None:
                left.append(LeftOut(named, "frozen", detail=freeze.description))
            else:
                left.append(LeftOut(named, "denied"))
            continue
        if row.status in _KNOWN and not declared.can_run_from(row.status):
            already = "already" if row.status == declared.leads_to else ""
            left.append(LeftOut(named, "status", status=row.status, detail=already))
            continue
        servers.append(row)
        approval = approval or verdict.approval
    return Selection(tuple(servers), tuple(left), approval)
