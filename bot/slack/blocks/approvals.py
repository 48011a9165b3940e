"""The approval messages (the two-person rule): the request in the ops channel and its outcome,
the reject form, the requester's notes, and the list of pending approvals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import ActionsBlock, Block, InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from bot.slack import ids
from bot.slack.blocks.core import (
    Message,
    action_label,
    button,
    channel_mention,
    context,
    duration,
    fallback,
    fields_section,
    line_sections,
    modal,
    one_section,
    plain_text,
    safe,
    section,
    server_ref,
    server_ref_plain,
    user_mention,
)
from bot.slack.blocks.guardrails import when
from bot.words import counted

__all__ = [
    "ApprovalView",
    "build_already_waiting",
    "build_approval_outcome",
    "build_approval_request",
    "build_approvals",
    "build_approved_result",
    "build_reject_modal",
    "build_sent_for_approval",
    "build_too_many_waiting",
]

MAX_REASON = 500
"""Characters of a rejection's reason kept and shown."""


@dataclass(frozen=True, kw_only=True)
class ApprovalView:
    """What the approval messages show of one request (all raw text, escaped by the builders)."""

    approval_id: str
    requester_id: str
    channel_id: str
    word: str
    server_name: str
    server_id: int | None
    changes: Sequence[tuple[str, str]] = ()
    approvers: str = ""  # safe mrkdwn: who may approve
    expires_at: datetime | None = None

    @property
    def verb(self) -> str:
        """ "delete": the operation's verb, in mrkdwn."""
        return safe(action_label(self.word).lower(), 20)

    @property
    def ref(self) -> str:
        """ "*db-01* (#12)"."""
        return server_ref(self.server_name, self.server_id)

    @property
    def plain_ref(self) -> str:
        """ "db-01 (#12)", for notification text."""
        return server_ref_plain(self.server_name, self.server_id)

    @property
    def summary(self) -> str:
        """ "<@U…> asks to delete db-01 (#12)": for the notification text (no channel link)."""
        return f"{user_mention(self.requester_id)} asks to {self.verb} {self.plain_ref}"

    @property
    def headline(self) -> str:
        """ "<@U…> asks to *delete* *db-01* (#12) in <#C…>"."""
        where = channel_mention(self.channel_id)
        return f"{user_mention(self.requester_id)} asks to *{self.verb}* {self.ref} in {where}"


def decide_buttons(approval_id: str, *, styled: bool) -> ActionsBlock:
    """Approve and Reject (in colour on the request itself)."""
    approve, reject = ("primary", "danger") if styled else (None, None)
    return ActionsBlock(
        elements=[
            button("Approve", action_id=ids.APPROVE, value=approval_id, style=approve),
            button("Reject", action_id=ids.REJECT, value=approval_id, style=reject),
        ]
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
    blocks.append(decide_buttons(view.approval_id, styled=True))
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


def build_reject_modal(view: ApprovalView, *, private_metadata: str) -> View:
    """Reject: a small form with an optional reason, shown to the requester."""
    question = (
        f"Reject {user_mention(view.requester_id)}'s request to {view.verb} {view.ref}? "
        "Nothing will be done."
    )
    reason = InputBlock(
        block_id=ids.REJECT_REASON_BLOCK,
        label=plain_text("Reason (the requester sees it)"),
        element=PlainTextInputElement(
            action_id=ids.REJECT_REASON_INPUT, multiline=True, max_length=MAX_REASON
        ),
        optional=True,
    )
    return modal(
        ids.REJECT_MODAL,
        private_metadata=private_metadata,
        title="Reject the request",
        submit="Reject",
        blocks=[section(question), reason],
    )


def build_already_waiting(
    view: ApprovalView, now: datetime, *, where: str | None, command: str = "/vps"
) -> Message:
    """The same change asked again while it waits: nothing new is posted."""
    place = f" in {channel_mention(where)}" if where else ""
    expires = f", until {when(view.expires_at, now)}" if view.expires_at else ""
    text = (
        f":raised_hand: Already waiting for approval{place}: {view.verb} {view.ref}, as you "
        f"asked it{expires}. Nothing new was posted; `{safe(command, 40)} approvals` lists it."
    )
    return one_section(text, f"Already waiting for approval: {view.verb} {view.plain_ref}")


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
    waiting = f"{counted(pending, 'request')} waiting for approval"
    if per_user is not None and window is not None and pending < max_pending:
        made = f" and {counted(writes, 'change')} in the last {duration(window)}"
        most = f"{waiting}{made}: together the most this bot allows ({per_user})"
    else:
        most = f"{waiting}, the most one member may have"
    return one_section(
        f":stopwatch: You have {most}. Nothing was posted. Ask again once one of them is "
        f"decided, or withdraw one (Reject on its request; `{safe(command, 40)} approvals` "
        "lists them)."
    )


def build_sent_for_approval(
    view: ApprovalView, *, posted: bool = True, command: str = "/vps"
) -> Message:
    """The requester's note: nothing happens until someone else approves (and where they can
    find the request, when it could not be posted to the ops channel)."""
    who = f", approved {view.approvers}" if view.approvers else ""
    where = (
        "in the ops channel"
        if posted
        else "(the ops channel could not be posted to: approvers find it with "
        f"`{safe(command, 40)} approvals`; tell them)"
    )
    text = (
        f":raised_hand: Sent for approval {where}: {view.verb} {view.ref} happens once someone "
        f"else has clicked Approve{who}. You can't approve it yourself."
    )
    return one_section(text, f"Sent for approval: {view.verb} {view.plain_ref}")


def build_approvals(rows: Sequence[tuple[ApprovalView, bool]], now: datetime) -> Message:
    """Pending approvals, oldest first; Approve/Reject on those the viewer may decide."""
    if not rows:
        return one_section(":raised_hand: No approval requests are waiting.")
    blocks: list[Block] = [section(f":raised_hand: *{len(rows)} waiting for approval*")]
    for view, decidable in rows[:20]:
        expires = f" · expires {when(view.expires_at, now)}" if view.expires_at else ""
        changes = "".join(f" · {safe(k, 100)}: {safe(v, 300) or '—'}" for k, v in view.changes)
        blocks.extend(line_sections([view.headline + changes + expires], max_blocks=1))
        if decidable:
            blocks.append(decide_buttons(view.approval_id, styled=False))
    return Message(
        text=fallback(f"{counted(len(rows), 'approval request')} waiting"), blocks=blocks
    )
