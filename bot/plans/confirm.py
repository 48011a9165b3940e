"""A plan's preview buttons: single-use, requester-only, asked of the gate again.

Its danger button (or the typed-count form of a large plan under `confirm:`) moves the plan
from `preview` to `running` — or to `approval` when one of its servers needs one — charging
one write per server in the same transaction (`confirm_plan`: a double click charges once, a
plan over the allowance moves nowhere). A replica's plan driver then runs it from the store.
Cancel moves it to `cancelled`; a click after the preview's time moves it to `expired`.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.flow.context import RequestContext
from bot.flow.forms import PlanCountFormState
from bot.flow.gate import Gate
from bot.flow.pipeline import may_at_all
from bot.flow.previews import answered, open_preview
from bot.operations.change import Request
from bot.plans import PlanOptions
from bot.plans.approval import request_plan_approval
from bot.plans.preview import COUNT_ABOVE, plan_detail, refuse_over_limit
from bot.policy import ApprovalRule
from bot.slack.blocks import action_label, build_error, build_prompt_outcome
from bot.slack.blocks.notes import build_note
from bot.slack.blocks.plan_preview import build_count_modal
from bot.state import AuditOutcome
from bot.state.plans import Plan, PlanServer
from bot.vps import Server
from bot.words import counted

_GONE = "This plan no longer exists; nothing was done. Run the command again."
_NOT_CONFIRMED = "Not confirmed: you may no longer do this here."
_EXPIRED = "This preview expired; nothing was done. Run the command again."


async def confirm_plan(
    ctx: RequestContext, gate: Gate, plan_id: str, *, typed: str | None = None
) -> None:
    """The danger button (or the typed count, `typed`): the plan as stored → may the member
    still do this here → the typed count when it needs one → charge and move it on."""
    loaded = await _open_plan(ctx, plan_id)
    if loaded is None:
        return
    plan, request, servers = loaded
    action = request.declared.policy_action
    label = request.selector.describe() if request.selector is not None else None
    if await may_at_all(ctx, gate, action, label, outcome=_NOT_CONFIRMED) is None:
        return
    count = len(servers)
    if typed is None and gate.confirms(action) and count > COUNT_ABOVE:
        state = PlanCountFormState.of(ctx.caller, plan=plan.id, count=count)
        view = build_count_modal(plan.operation, count, state.dump())
        failed = build_error("Slack would not open the form in time; click again.")
        await ctx.open_form(view, "plan count", failed)
        return
    if typed is not None and typed.strip() != str(count):
        await ctx.reply.ephemeral(
            build_note(f"That is not the number of servers ({count}); nothing was done.")
        )
        return
    await _go(ctx, gate, plan, request, servers)


async def _go(
    ctx: RequestContext, gate: Gate, plan: Plan, request: Request, servers: list[PlanServer]
) -> None:
    """Record the confirmation, then charge the writes and move the plan on in one step."""
    action, count = request.declared.policy_action, len(servers)
    rule = approval_needed(gate, action, servers)
    options = request.plan or PlanOptions()
    # Where the progress goes: where the command was typed, answered through this click.
    await ctx.store.place_plan(
        plan.id, response_url=ctx.caller.response_url, progress_channel=plan.channel_id
    )
    await ctx.audit(
        plan.operation,
        AuditOutcome.CONFIRMED,
        server_name=counted(count, "server"),
        detail=plan_detail(plan.id, request, options, count),
        must=True,
    )
    limit = gate.write_limit
    charge = await ctx.store.confirm_plan(
        plan.id,
        "approval" if rule is not None else "running",
        user_id=ctx.caller.user_id,
        writes=count,
        limit=limit.per_user if limit is not None else None,
        window=limit.window if limit is not None else 0.0,
        now=ctx.clock(),
    )
    if charge.gone:
        await _answered(ctx, plan.id)
        return
    if not charge.moved and limit is not None:
        which, allowed = f"plan {plan.id}: {count} servers", charge.allowed or 0
        await refuse_over_limit(ctx, plan.operation, count, allowed, limit, which)
        return
    ctx.metrics.plan(plan.operation, "confirmed")
    verb = action_label(plan.operation).lower()
    if rule is not None:
        then = f"sent for approval ({counted(count, 'server')})"
    else:
        then = f"{verb} {counted(count, 'server')}; the progress follows here"
    await ctx.reply.replace(
        build_prompt_outcome(f"Confirmed — {then}", emoji=":ballot_box_with_check:")
    )
    if rule is not None:
        await request_plan_approval(ctx, plan, servers, rule, options)


def approval_needed(gate: Gate, action: str, servers: Sequence[PlanServer]) -> ApprovalRule | None:
    """The approval the plan needs: the rule of the first of its servers that needs one."""
    for server in servers:
        named = Server(id=server.server_id, name=server.server_name, status="?")
        rule = gate.approval_for(action, named)
        if rule is not None:
            return rule
    return None


async def cancel_plan(ctx: RequestContext, plan_id: str) -> None:
    """Cancel: only the requester's click cancels anything."""
    loaded = await _open_plan(ctx, plan_id)
    if loaded is None:
        return
    plan, _, servers = loaded
    if not await ctx.store.move_plan(plan.id, "cancelled", expect=("preview",), now=ctx.clock()):
        await _answered(ctx, plan.id)
        return
    await ctx.audit(
        plan.operation,
        AuditOutcome.CANCELLED,
        server_name=counted(len(servers), "server"),
        detail=f"plan {plan.id}",
    )
    ctx.metrics.plan(plan.operation, "cancelled")
    await ctx.reply.replace(build_prompt_outcome("Cancelled; nothing was done.", emoji=":x:"))


async def _open_plan(
    ctx: RequestContext, plan_id: str
) -> tuple[Plan, Request, list[PlanServer]] | None:
    """The caller's own plan in preview, its request and servers; None when there is nothing
    to do (the caller has been told why)."""

    async def expire(plan: Plan) -> bool:
        moved = await ctx.store.move_plan(plan.id, "expired", expect=("preview",), now=ctx.clock())
        if moved:
            ctx.metrics.plan(plan.operation, "expired")
        return moved

    found = await ctx.store.get_plan(plan_id[:100])
    plan = await open_preview(ctx, found, kind="plan", gone=_GONE, expired=_EXPIRED, expire=expire)
    if plan is None:
        return None
    request = Request.model_validate(dict(plan.request))
    return plan, request, await ctx.store.plan_servers(plan.id)


async def _answered(ctx: RequestContext, plan_id: str) -> None:
    await answered(ctx, "plan", plan_id)
