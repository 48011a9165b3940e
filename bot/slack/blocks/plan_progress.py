"""A running plan's one message (edited in place as it moves), its summary at the end, and the
notes a Pause, Resume, Abort or Retry click gets. Data in, Block Kit out; every outside value
(server names, API errors, reasons) is escaped here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.slack import ids
from bot.slack.blocks.core import (
    Message,
    action_label,
    bold_name,
    button,
    channel_mention,
    context,
    fallback,
    one_section,
    safe,
    section,
    server_ref,
    user_mention,
)
from bot.words import counted

SHOWN_NAMES = 20
"""Server names a summary or a preview lists before "and N more"."""


@dataclass(frozen=True)
class PlanShown:
    """What a plan's message shows: who asked what, where it stands, and its counts."""

    plan_id: str
    operation: str
    user_id: str
    channel_id: str
    state: str  # running, paused, finished, aborted
    reason: str
    done: int
    running: int
    failed: int
    skipped: int
    waiting: int
    batch: int  # the batch under way or next (1-based); 0 when none is left
    batches: int
    last_failure: tuple[str, int, str] | None = None  # server name, id, error
    failed_servers: tuple[tuple[str, int], ...] = ()

    @property
    def total(self) -> int:
        return self.done + self.running + self.failed + self.skipped + self.waiting


def _what(shown: PlanShown) -> str:
    servers = counted(shown.total, "server")
    who = f"{user_mention(shown.user_id)} in {channel_mention(shown.channel_id)}"
    return f"*{action_label(shown.operation)}* of {servers}, asked by {who}"


def _counts(shown: PlanShown) -> str:
    return (
        f"{shown.done} done · {shown.running} running · {shown.failed} failed · "
        f"{shown.skipped} skipped · {shown.waiting} waiting"
    )


def plan_controls(plan_id: str, state: str) -> ActionsBlock:
    """Pause (Resume when `state` is paused) and Abort: on the plan's message and on the Home
    tab alike, one listener for both."""
    pause_or_resume = (
        button("Resume", action_id=ids.PLAN_RESUME, value=plan_id, style="primary")
        if state == "paused"
        else button("Pause", action_id=ids.PLAN_PAUSE, value=plan_id)
    )
    abort = button("Abort", action_id=ids.PLAN_ABORT, value=plan_id, style="danger")
    return ActionsBlock(elements=[pause_or_resume, abort])


def build_plan_progress(shown: PlanShown) -> Message:
    """The plan as it moves: counts, the current batch, the last failure; Pause or Resume,
    and Abort."""
    if shown.state == "paused":
        why = f": {safe(shown.reason, 300)}" if shown.reason else ""
        head = f":double_vertical_bar: {_what(shown)} — *paused*{why}"
    else:
        head = f":arrows_counterclockwise: {_what(shown)} — batch {shown.batch} of {shown.batches}"
    blocks: list[Block] = [section(head), context(_counts(shown))]
    if shown.last_failure is not None:
        name, server_id, error = shown.last_failure
        blocks.append(
            context(f":warning: last failure: {server_ref(name, server_id)}: {safe(error, 300)}")
        )
    blocks.append(plan_controls(shown.plan_id, shown.state))
    label = action_label(shown.operation)
    return Message(
        text=fallback(f"{label} of {shown.total} servers: {_counts(shown)}"), blocks=blocks
    )


def _names(servers: Sequence[tuple[str, int]]) -> str:
    shown = ", ".join(bold_name(name, 60) for name, _ in servers[:SHOWN_NAMES])
    more = len(servers) - SHOWN_NAMES
    return shown + (f" and {more} more" if more > 0 else "")


def build_plan_summary(shown: PlanShown) -> Message:
    """The plan's end: done, failed (with names), skipped and not started; "Retry the failed"
    when some failed."""
    if shown.state == "aborted":
        head = f":octagonal_sign: {_what(shown)} — *aborted*"
    elif shown.reason:
        head = f":warning: {_what(shown)} — *stopped*: {safe(shown.reason, 300)}"
    else:
        icon = ":white_check_mark:" if shown.failed == 0 else ":warning:"
        head = f"{icon} {_what(shown)} — *finished*"
    ends = (
        f"{shown.done} done · {shown.failed} failed · {shown.skipped} skipped · "
        f"{shown.waiting} not started"
    )
    blocks: list[Block] = [section(head), context(ends)]
    if shown.failed_servers:
        blocks.append(section(f"Failed: {_names(shown.failed_servers)}"))
        retry = button("Retry the failed", action_id=ids.PLAN_RETRY, value=shown.plan_id)
        blocks.append(ActionsBlock(elements=[retry]))
    label = action_label(shown.operation)
    return Message(text=fallback(f"{label} of {shown.total} servers ended: {ends}"), blocks=blocks)


def build_plan_note(text: str) -> Message:
    """A short answer to a click on a plan's buttons (text is the bot's own)."""
    return one_section(text)
