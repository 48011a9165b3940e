"""The guardrails' messages: a freeze or the write limit refusing, the approval request in the
ops channel and its outcome, the requester's notes, and the list of pending approvals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ActionsBlock, Block, InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from bot.policy import FreezeHit, write_actions
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
    plain_text,
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
    "build_already_waiting",
    "build_approval_outcome",
    "build_approval_request",
    "build_approvals",
    "build_approved_result",
    "build_frozen",
    "build_limited",
    "build_reject_modal",
    "build_sent_for_approval",
    "build_too_many_waiting",
    "freeze_line",
    "limit_line",
    "when",
]


def when(moment: datetime, now: datetime, zone: str = "UTC") -> str:
    """A moment for people: "2026-12-27 00:00 UTC (in 2 days)"; in another time zone (an
    IANA name), its wall clock beside UTC: "2026-12-27 01:00 Europe/Rome (00:00 UTC, in 2 days)"."""
    utc = moment.astimezone(UTC)
    seconds = (moment - now).total_seconds()
    coming = f"in {duration(seconds)}" if seconds > 0 else ""
    if zone == "UTC":
        shown = f"{utc:%Y-%m-%d %H:%M} UTC"
        return f"{shown} ({coming})" if coming else shown
    local = moment.astimezone(ZoneInfo(zone))
    beside = f"{utc:%H:%M} UTC" if local.date() == utc.date() else f"{utc:%Y-%m-%d %H:%M} UTC"
    return f"{local:%Y-%m-%d %H:%M} {safe(zone, 60)} ({', '.join(filter(None, [beside, coming]))})"


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
    """For whoami: "`delete` on servers matching `prod-*` needs approval by …" (`approvers`:
    safe mrkdwn, never naming the viewer; "" when no one else may approve)."""
    scope = ""
    if servers:
        scope = " on servers matching " + " or ".join(code_of(g, 80) for g in servers)
    if not approvers:
        approvers = "by someone else, and the policy names no one else who may give it"
    return f":raised_hand: {code_of(action, 20)}{scope} needs approval {approvers}."


def freeze_line(hit: FreezeHit, now: datetime, *, exempt: bool = False, zone: str = "UTC") -> str:
    """For whoami: a freeze window on now or coming, with its reason and end (in `zone` and
    UTC), the actions it refuses (when not every change) and whether its `except:` lets the
    caller act anyway."""
    why = f" — {safe(hit.reason, 200)}" if hit.reason.strip() else ""
    covers = hit.window.actions
    only = "" if covers >= set(write_actions()) else " (only " + ", ".join(sorted(covers)) + ")"
    anyway = " Its `except:` lets you act anyway." if exempt else ""
    what = f"{safe(hit.description, 200)}{only}{why}"
    if hit.start <= now:
        until = f", until {when(hit.end, now, zone)}" if hit.end else ""
        return f":snowflake: Frozen now: {what}{until}.{anyway}"
    return f":snowflake: Next freeze: {what}, from {when(hit.start, now, zone)}.{anyway}"


def limit_line(
    per_user: int, window: float, made: int, retry_at: datetime | None, now: datetime, zone: str
) -> str:
    """For whoami: the member's write limit and what is left of it (or when a change fits)."""
    limit = f"at most {per_user} change{'s' if per_user != 1 else ''} in any {duration(window)}"
    left = max(per_user - made, 0)
    if left and retry_at is None:
        return f":stopwatch: You may make {limit}: {left} left now."
    again = f" until {when(retry_at, now, zone)}" if retry_at is not None else ""
    return f":stopwatch: You may make {limit}: none left{again}."


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
    view: ApprovalView, outcome: str, *, who: str | None = None, why: str = "", reason: str = ""
) -> Message:
    """The approval request once decided: who decided (and why, when they said), and no
    buttons any more. `reason` is what the person typed (untrusted)."""
    said = (
        _OUTCOMES[outcome]
        .replace("{who}", user_mention(who or ""))
        .replace("{why}", safe(why, 500))
    )
    blocks: list[Block] = [section(f"{said} — {view.headline}")]
    if reason.strip():
        blocks.append(section(f"Reason: {safe(reason, MAX_REASON)}"))
    plain = f"{said} — {view.summary}"
    return Message(text=fallback(plain), blocks=blocks)


def build_approved_result(result: Message, approver: str) -> Message:
    """A change's result, saying who approved it."""
    blocks = [*result.blocks, context(f":white_check_mark: Approved by {user_mention(approver)}")]
    return Message(text=result.text, blocks=blocks)


MAX_REASON = 500
"""Characters of a rejection's reason kept and shown."""


def build_reject_modal(view: ApprovalView, *, private_metadata: str) -> View:
    """Reject: a small form with an optional reason, shown to the requester."""
    verb = safe(action_label(view.word).lower(), 20)
    question = (
        f"Reject {user_mention(view.requester_id)}'s request to {verb} "
        f"{server_ref(view.server_name, view.server_id)}? Nothing will be done."
    )
    reason = InputBlock(
        block_id=ids.REJECT_REASON_BLOCK,
        label=plain_text("Reason (the requester sees it)"),
        element=PlainTextInputElement(
            action_id=ids.REJECT_REASON_INPUT, multiline=True, max_length=MAX_REASON
        ),
        optional=True,
    )
    return View(
        type="modal",
        callback_id=ids.REJECT_MODAL,
        private_metadata=private_metadata,
        title=plain_text("Reject the request"),
        submit=plain_text("Reject"),
        close=plain_text("Cancel"),
        blocks=[section(question), reason],
    )


def build_already_waiting(
    view: ApprovalView, now: datetime, *, where: str | None, command: str = "/vps"
) -> Message:
    """The same change asked again while it waits: nothing new is posted."""
    verb = safe(action_label(view.word).lower(), 20)
    place = f" in {channel_mention(where)}" if where else ""
    expires = f", until {when(view.expires_at, now)}" if view.expires_at else ""
    text = (
        f":raised_hand: Already waiting for approval{place}: {verb} "
        f"{server_ref(view.server_name, view.server_id)}, as you asked it{expires}. Nothing new "
        f"was posted; `{safe(command, 40)} approvals` lists it."
    )
    plain = (
        f"Already waiting for approval: {verb} {server_ref_plain(view.server_name, view.server_id)}"
    )
    return Message(text=fallback(plain), blocks=[section(text)])


def build_too_many_waiting(
    pending: int,
    writes: int,
    *,
    per_user: int | None,
    window: float | None,
    max_pending: int,
    command: str = "/vps",
) -> Message:
    """A request refused: the member has as many requests waiting (and changes made) as the
    bot allows; nothing was posted."""
    waiting = f"{pending} request{'s' if pending != 1 else ''} waiting for approval"
    if per_user is not None and window is not None and pending < max_pending:
        made = f" and {writes} change{'s' if writes != 1 else ''} in the last {duration(window)}"
        most = f"{waiting}{made}: together the most this bot allows ({per_user})"
    else:
        most = f"{waiting}, the most one member may have"
    text = (
        f":stopwatch: You have {most}. Nothing was posted. Ask again once one of them is "
        f"decided, or withdraw one (Reject on its request; `{safe(command, 40)} approvals` "
        "lists them)."
    )
    return Message(text=fallback(text), blocks=[section(text)])


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
