"""How an approval request is shown and answered outside a decision: its view, who may
approve it, what a click that decides nothing hears, the requester's replies, its message in the
ops channel, `/vps approvals`, and its expiry.

A requester is answered through the request's response_url while Slack still honours it (30
minutes, 5 uses); after `FRESH_RESPONSE_URL` through the Web API instead. Overdue requests are
expired by `ApprovalSweeper`, each reported by one replica.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from bot.finishing import Finishing
from bot.flow.caller import Caller
from bot.flow.context import RequestContext
from bot.flow.denied import Denied
from bot.flow.events import OpsChannel
from bot.flow.gate import Gate
from bot.flow.reply import Reply
from bot.operations.change import Change
from bot.periodic import Every
from bot.plans.changes import may_decide_plan, plan_changes, plan_of
from bot.policy import ApprovalRule
from bot.schedules.views import may_decide_schedule, schedule_changes, schedule_of
from bot.slack.blocks import Message
from bot.slack.blocks.approvals import ApprovalView, build_approval_outcome, build_approvals
from bot.slack.blocks.core import user_mention
from bot.slack.blocks.guardrails import when
from bot.slack.blocks.notes import build_note
from bot.slack.web import SlackWeb
from bot.slack.wording import rules_text
from bot.state import AuditEntry, AuditOutcome, StateStore
from bot.state.records import Approval, ApprovalOutcome, ApprovalResult
from bot.vps import Server

logger = logging.getLogger(__name__)


_SHOWN = ("requester_id", "channel_id", "word", "server_name", "server_id")
"""What a request's messages show of its record, by the same names."""


def view_of(approval: Approval, approvers: str = "") -> ApprovalView:
    """What the messages show of a stored approval."""
    try:
        changes = Change.load(approval.params).changes()
    except ValueError:
        params = approval.params
        changes = (
            plan_changes(params)
            if "plan" in params
            else schedule_changes(params)
            if "schedule" in params
            else []
        )
    shown = {name: getattr(approval, name) for name in _SHOWN}
    return ApprovalView(
        approval_id=approval.id,
        **shown,
        changes=changes,
        approvers=approvers,
        expires_at=datetime.fromtimestamp(approval.expires_at, UTC),
    )


def approvers_of(rule: ApprovalRule, *, besides: str | None = None) -> str:
    """Who may approve, in words (mrkdwn with mentions), leaving out `besides` (the
    requester, who never may)."""
    described = rules_text(rule.by, without=besides)
    return described or "by no one else (the policy names only the requester; ask an admin)"


FRESH_RESPONSE_URL = 25 * 60.0
"""How long after a request its response_url is still used: Slack honours one for 30 minutes
(and 5 uses); past this the requester is answered through the Web API instead."""


def requester_reply(make: Callable[..., Reply], approval: Approval, now: float) -> Reply:
    """A Reply to the requester of `approval`: through its response_url while that is fresh,
    else privately through the Web API (chat.postEphemeral where they asked, or a direct
    message when that is refused) and results posted to the channel."""
    fresh = now - approval.created_at < FRESH_RESPONSE_URL
    url = approval.response_url if fresh else None
    return make(url, channel_id=approval.channel_id, user_id=approval.requester_id, direct=True)


async def edit_request(
    store: StateStore, notifier: OpsChannel, approval: Approval, message: Message
) -> bool:
    """Edit the request in the ops channel; False when where it is was not stored (yet)."""
    placed = approval if approval.ops_ts else await store.get_approval(approval.id)
    if placed is None or not placed.ops_ts:
        return False
    await notifier.update(placed.ops_ts, message, channel=placed.ops_channel)
    return True


async def report_expiry(
    store: StateStore,
    notifier: OpsChannel,
    slack: SlackWeb,
    approval: Approval,
    clock: Callable[[], float],
) -> None:
    """An approval that expired (reported once): record it, edit the request, tell the
    requester."""
    entry = AuditEntry(
        time=clock(),
        user_id=approval.requester_id,
        channel_id=approval.channel_id,
        action=approval.word,
        server_id=approval.server_id,
        server_name=approval.server_name,
        outcome=AuditOutcome.EXPIRED,
        detail="approval request expired",
        request_id=approval.request_id,  # the request's story ends under its own id
    )
    try:
        await store.record_audit(entry)
    except Exception:
        logger.exception("could not record the expiry of approval %s", approval.id)
    plan = approval.params.get("plan")
    if isinstance(plan, str):  # a plan's approval: the plan expires with it
        await store.move_plan(plan, "expired", expect=("approval",), now=clock())
    schedule = approval.params.get("schedule")
    if isinstance(schedule, str):  # a schedule's approval: unapproved, it never runs
        await store.move_schedule(schedule, "expired", expect=("approval",), now=clock())
    expired = build_approval_outcome(view_of(approval), "expired")
    await edit_request(store, notifier, approval, expired)
    await requester_reply(functools.partial(Reply, slack=slack), approval, clock()).ephemeral(
        expired
    )


def not_approver(denied: Denied, requester_id: str) -> str:
    """Why the clicker may not decide the request, and who may."""
    if denied.self_approval:
        return "You asked for this yourself; someone else has to approve it."
    if denied.outsider or denied.approvers is None:
        return (
            "The policy no longer asks for this approval, so no one is named to decide it: "
            f"only {user_mention(requester_id)}, who asked, or a member allowed every action "
            "(`*`) may close it."
        )
    who = approvers_of(denied.approvers, besides=requester_id)
    return f"You may not decide this. It may be approved {who}."


def why_void(denied: Denied, now: datetime) -> str:
    """Why an approved request can't be done now, in plain words."""
    if denied.rule_gone:
        return "the policy no longer asks for this approval; ask again"
    if denied.freeze is not None:
        until = f" until {when(denied.frozen_until, now)}" if denied.frozen_until else ""
        return f"it is frozen by the {denied.freeze.description}{until}"
    return "the requester may no longer do this there"


async def lost(ctx: RequestContext, result: ApprovalResult) -> None:
    """Every outcome of a click that did not decide the request."""
    approval = result.approval
    match result.outcome:
        case ApprovalOutcome.ALREADY_DECIDED if approval is not None:
            who = f"<@{approval.decided_by}>" if approval.decided_by else "someone"
            text = f"Already {approval.state.value} by {who}; nothing more was done."
        case ApprovalOutcome.SELF_APPROVAL:
            text = "You asked for this yourself; someone else has to approve it."
        case ApprovalOutcome.EXPIRED if approval is not None:
            if result.expired_here:
                await report_expiry(ctx.store, ctx.effects.ops, ctx.slack, approval, ctx.clock)
            text = "This approval request expired; nothing was done."
        case _:
            text = "This approval request no longer exists."
    await ctx.reply.ephemeral(build_note(text, icon=":information_source:"))


async def pending_list(ctx: RequestContext, gate: Gate) -> None:
    """`/vps approvals`: what waits — only what the viewer asked for, may decide, or may
    `show` — with Approve/Reject where they may decide."""
    rows = []
    for approval in await ctx.store.list_approvals():
        server = Server(id=approval.server_id or 0, name=approval.server_name, status="?")
        decidable = await may_decide(gate, ctx.store, ctx.caller, approval)
        own = approval.requester_id == ctx.caller.user_id
        if own or decidable or await gate.permitted(ctx.caller, ["show"], server):
            rows.append((view_of(approval), decidable))
    now = datetime.fromtimestamp(ctx.clock(), UTC)
    await ctx.reply.ephemeral(build_approvals(rows, now))


async def may_decide(gate: Gate, store: StateStore, viewer: Caller, approval: Approval) -> bool:
    """Whether `viewer` may approve or reject a pending request: never their own; a plan's or
    a schedule's by the approvers of every server it covers; one change's by its rule's."""
    plan, schedule = plan_of(approval.params), schedule_of(approval.params)
    if plan is not None:
        return await may_decide_plan(gate, viewer, approval, await store.plan_servers(plan))
    if schedule is not None:
        found = await store.get_schedule(schedule)
        return found is not None and await may_decide_schedule(gate, viewer, approval, found)
    if approval.requester_id == viewer.user_id:
        return False
    server = Server(id=approval.server_id or 0, name=approval.server_name, status="?")
    rule = gate.approval_for(approval.action, server, _after(approval))
    return rule is not None and await gate.may_approve(viewer, rule, approval.server_name)


def _after(approval: Approval) -> Server | None:
    """The server as the request would leave it (a rename: its new name)."""
    try:
        return Change.load(approval.params).after()
    except ValueError:
        return None


class ApprovalSweeper:
    """Expires overdue approval requests every `interval` seconds (its `job()`)."""

    def __init__(
        self,
        *,
        store: StateStore,
        notifier: OpsChannel,
        slack: SlackWeb,
        interval: float,
        clock: Callable[[], float],
        expired: Callable[[], None] = lambda: None,
    ) -> None:
        self._store, self._notifier, self._slack = store, notifier, slack
        self._interval, self._clock = interval, clock
        self.expired = expired
        self._sweeps = Finishing("an approval expiry")

    def job(self) -> Every:
        """Sweep every interval, starting now; at close, a sweep under way is finished (what
        it expired is reported)."""
        return Every(
            self._interval, self.round, name="expiring approval requests", finish=self._sweeps.wait
        )

    async def round(self) -> None:
        """One sweep. An expiry is reported by the replica whose sweep expired it, and by no
        other: a stop lets the sweep under way finish."""
        await self._sweeps.run(self.sweep())

    async def sweep(self) -> int:
        """Expire what is overdue now (each reported by one replica only)."""
        expired = await self._store.expire_approvals()
        for approval in expired:
            await report_expiry(self._store, self._notifier, self._slack, approval, self._clock)
        if expired:
            self.expired()  # e.g. the Home tabs that listed them
        return len(expired)
