"""The guardrails' messages: a freeze or the write limit refusing, the approval request in the
ops channel and its outcome, the requester's notes, and the list of pending approvals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.policy import WRITE_ACTIONS, FreezeHit
from bot.slack import ids
from bot.slack.blocks.core import (
    Message,
    action_label,
    button,
    channel_mention,
    code_of,
    context,
    duration,
    fallback,
    fields_section,
    line_sections,
    refusal,
    safe,
    section,
    server_ref,
    server_ref_plain,
    user_mention,
)
from bot.words import counted

__all__ = [
    "ApprovalView",
    "approval_line",
    "build_approval_outcome",
    "build_approval_request",
    "build_approvals",
    "build_frozen",
    "build_limited",
    "build_sent_for_approval",
    "freeze_line",
    "when",
]


def when(moment: datetime, now: datetime) -> str:
    """A moment for people: "2026-12-27 00:00 UTC (in 2 days)"."""
    shown = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    seconds = (moment - now).total_seconds()
    return f"{shown} (in {duration(seconds)})" if seconds > 0 else shown


def build_frozen(
    action: str,
    target: str | None,
    description: str,
    reason: str,
    ends: datetime | None,
    now: datetime,
) -> Message:
    """A write refused by a freeze window: which one, why, and when it ends."""
    what = f"*{safe(action, 20)}*" + (f" {safe(target, 150)}" if target else "")
    why = f" — {safe(reason, 300)}" if reason.strip() else ""
    until = f"It ends {when(ends, now)}." if ends else "It has no end."
    text = f":snowflake: Not now: {what} is frozen by the {safe(description, 300)}{why}. {until}"
    return refusal(text)


def approval_line(action: str, servers: Sequence[str], approvers: str) -> str:
    """For whoami: "`delete` on servers matching `prod-*` needs approval by …"."""
    scope = ""
    if servers:
        scope = " on servers matching " + " or ".join(code_of(g, 80) for g in servers)
    return f":raised_hand: {code_of(action, 20)}{scope} needs approval {approvers}."


def freeze_line(hit: FreezeHit, now: datetime, *, exempt: bool = False) -> str:
    """For whoami: a freeze window on now or coming, with its reason and end, the actions it
    refuses (when not every change) and whether its `except:` lets the caller act anyway."""
    why = f" — {safe(hit.reason, 200)}" if hit.reason.strip() else ""
    covers = hit.window.actions
    only = "" if covers >= set(WRITE_ACTIONS) else " (only " + ", ".join(sorted(covers)) + ")"
    anyway = " Its `except:` lets you act anyway." if exempt else ""
    what = f"{safe(hit.description, 200)}{only}{why}"
    if hit.start <= now:
        until = f", until {when(hit.end, now)}" if hit.end else ""
        return f":snowflake: Frozen now: {what}{until}.{anyway}"
    return f":snowflake: Next freeze: {what}, from {when(hit.start, now)}.{anyway}"


def build_limited(limit: int, window: float, retry_at: datetime, now: datetime) -> Message:
    """A write refused by the write limit, with when the member may act again."""
    text = (
        f":stopwatch: You have made {counted(limit, 'change')} in the last {duration(window)}, "
        f"the most this bot allows. You may act again at {when(retry_at, now)}. Nothing was done."
    )
    return refusal(text)


class ApprovalView:
    """What the approval messages show of one request (all raw text, escaped by the builders)."""

    def __init__(
        self,
        *,
        approval_id: str,
        requester_id: str,
        channel_id: str,
        word: str,
        server_name: str,
        server_id: int | None,
        changes: Sequence[tuple[str, str]] = (),
        approvers: str = "",
        expires_at: datetime | None = None,
    ) -> None:
        self.approval_id = approval_id
        self.requester_id = requester_id
        self.channel_id = channel_id
        self.word = word
        self.server_name = server_name
        self.server_id = server_id
        self.changes = list(changes)
        self.approvers = approvers  # safe mrkdwn: who may approve
        self.expires_at = expires_at

    @property
    def summary(self) -> str:
        """ "<@U…> asks to delete db-01 (#12)": for the notification text (no channel link)."""
        verb = safe(action_label(self.word).lower(), 20)
        return (
            f"{user_mention(self.requester_id)} asks to {verb} "
            f"{server_ref_plain(self.server_name, self.server_id)}"
        )

    @property
    def headline(self) -> str:
        """ "<@U…> asks to *delete* *db-01* (#12) in <#C…>"."""
        verb = safe(action_label(self.word).lower(), 20)
        return (
            f"{user_mention(self.requester_id)} asks to *{verb}* "
            f"{server_ref(self.server_name, self.server_id)} in {channel_mention(self.channel_id)}"
        )


def build_approval_request(view: ApprovalView, now: datetime) -> Message:
    """The request in the ops channel, with Approve and Reject."""
    blocks: list[Block] = [section(f":raised_hand: *Approval needed* — {view.headline}")]
    if view.changes:
        blocks.append(
            fields_section([(safe(k, 100), safe(v, 1000) or "—") for k, v in view.changes])
        )
    if view.approvers:
        blocks.append(context(f"It may be approved {view.approvers}."))
    if view.expires_at is not None:
        blocks.append(context(f":hourglass: Expires {when(view.expires_at, now)}."))
    blocks.append(
        ActionsBlock(
            elements=[
                button("Approve", action_id=ids.APPROVE, value=view.approval_id, style="primary"),
                button("Reject", action_id=ids.REJECT, value=view.approval_id, style="danger"),
            ]
        )
    )
    return Message(text=fallback(f"Approval needed: {view.summary}"), blocks=blocks)


_OUTCOMES = {
    "approved": ":white_check_mark: Approved by {who}",
    "rejected": ":x: Rejected by {who}",
    "withdrawn": ":leftwards_arrow_with_hook: Withdrawn by {who}",
    "expired": ":hourglass: Expired; nothing was done",
    "void": ":no_entry_sign: Not done when {who} approved it: {why}",
}


def build_approval_outcome(
    view: ApprovalView, outcome: str, *, who: str | None = None, why: str = ""
) -> Message:
    """The approval request once decided: who decided, and no buttons any more."""
    said = (
        _OUTCOMES[outcome]
        .replace("{who}", user_mention(who or ""))
        .replace("{why}", safe(why, 500))
    )
    text = f"{said} — {view.headline}"
    return Message(text=fallback(f"{said} — {view.summary}"), blocks=[section(text)])


def build_sent_for_approval(
    view: ApprovalView, *, posted: bool = True, command: str = "/vps"
) -> Message:
    """The requester's note: nothing happens until someone else approves (and where they can
    find the request, when it could not be posted to the ops channel)."""
    who = f", approved {view.approvers}" if view.approvers else ""
    verb = safe(action_label(view.word).lower(), 20)
    where = (
        "in the ops channel"
        if posted
        else "(the ops channel could not be posted to: approvers find it with "
        f"`{safe(command, 40)} approvals`; tell them)"
    )
    text = (
        f":raised_hand: Sent for approval {where}: {verb} "
        f"{server_ref(view.server_name, view.server_id)} happens once someone else has "
        f"clicked Approve{who}. You can't approve it yourself."
    )
    plain = f"Sent for approval: {verb} {server_ref_plain(view.server_name, view.server_id)}"
    return Message(text=fallback(plain), blocks=[section(text)])


def build_approvals(rows: Sequence[tuple[ApprovalView, bool]], now: datetime) -> Message:
    """Pending approvals, oldest first; Approve/Reject on those the viewer may decide."""
    if not rows:
        text = ":raised_hand: No approval requests are waiting."
        return Message(text=fallback(text), blocks=[section(text)])
    blocks: list[Block] = [section(f":raised_hand: *{len(rows)} waiting for approval*")]
    for view, decidable in rows[:20]:
        expires = f" · expires {when(view.expires_at, now)}" if view.expires_at else ""
        changes = "".join(f" · {safe(k, 100)}: {safe(v, 300) or '—'}" for k, v in view.changes)
        blocks.extend(line_sections([view.headline + changes + expires], max_blocks=1))
        if decidable:
            blocks.append(
                ActionsBlock(
                    elements=[
                        button("Approve", action_id=ids.APPROVE, value=view.approval_id),
                        button("Reject", action_id=ids.REJECT, value=view.approval_id),
                    ]
                )
            )
    waiting = f"{len(rows)} approval request{'s' if len(rows) != 1 else ''} waiting"
    return Message(text=fallback(waiting), blocks=blocks)
