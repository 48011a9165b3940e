"""Schedules' messages: the preview to confirm, the answer once scheduled, the list with
Cancel, the notice before a run (Skip this run / Cancel the schedule) and a run's report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk.models.blocks import ActionsBlock, Block, InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from bot.schedules.when import WhenError
from bot.slack import ids
from bot.slack.blocks.core import (
    Message,
    action_label,
    button,
    code_of,
    context,
    duration,
    fallback,
    modal,
    plain_text,
    safe,
    section,
    server_ref,
    user_mention,
)
from bot.slack.blocks.guardrails import when as moment_text
from bot.words import counted

__all__ = [
    "ScheduleView",
    "build_schedule_list",
    "build_schedule_notice",
    "build_schedule_preview",
    "build_schedule_report",
    "build_schedule_typed_modal",
    "build_scheduled",
    "build_when_error",
    "schedule_lines",
]

SHOWN = 10
"""Servers a schedule's messages name; the rest are counted."""
LISTED = 20
"""Schedules `/vps schedules` shows."""


@dataclass(frozen=True)
class ScheduleView:
    """A schedule as its messages show it: what was typed, how it recurs, who asked, the
    servers it names now (id, name), its next run and its last result."""

    schedule_id: str
    operation: str
    command: str
    recurs: str  # "once" or "every mon-fri 03:30 Europe/Rome"
    user_id: str
    servers: Sequence[tuple[int, str]]
    next_run: float | None
    several: bool = False
    last_result: str = ""
    state: str = "active"


def _servers(view: ScheduleView) -> str:
    names = [server_ref(name, server_id) for server_id, name in view.servers[:SHOWN]]
    more = len(view.servers) - SHOWN
    listed = ", ".join(names) + (f" and {more} more" if more > 0 else "")
    if view.several:
        return f"{counted(len(view.servers), 'server')} now: {listed} (chosen again at each run)"
    return listed


def _next(view: ScheduleView, now: datetime, zone: str) -> str:
    if view.next_run is None:
        return "no run left"
    return moment_text(datetime.fromtimestamp(view.next_run, UTC), now, zone)


def build_schedule_preview(
    view: ScheduleView, now: datetime, zone: str, *, approval: bool, expires_in: float
) -> Message:
    """What scheduling would do, with the requester's confirmation ("Schedule reboot") and
    Cancel."""
    verb = action_label(view.operation)
    blocks: list[Block] = [
        section(f":calendar: *Schedule* {code_of(view.command, 300)}"),
        section(f"*Servers:* {_servers(view)}"),
        section(f"*Runs:* {safe(view.recurs, 120)}; next {_next(view, now, zone)}"),
    ]
    if approval:
        blocks.append(
            context(":raised_hand: Then it needs an approval; unapproved, it does not run.")
        )
    blocks.append(
        ActionsBlock(
            elements=[
                button(
                    f"Schedule {verb.lower()}",
                    action_id=ids.SCHEDULE_CONFIRM,
                    value=view.schedule_id,
                    style="danger",
                ),
                button("Cancel", action_id=ids.SCHEDULE_DISCARD, value=view.schedule_id),
            ]
        )
    )
    blocks.append(context(f":lock: Only you can confirm. Expires in {duration(expires_in)}."))
    return Message(text=fallback(f"Schedule {verb.lower()}?"), blocks=blocks)


def build_scheduled(view: ScheduleView, now: datetime, zone: str, *, approval: bool) -> Message:
    """The answer once confirmed: the next run in BOT_TIMEZONE and UTC."""
    then = " once it is approved" if approval else ""
    text = (
        f":calendar: Scheduled{then}: {code_of(view.command, 300)} ({safe(view.recurs, 120)}); "
        f"next run {_next(view, now, zone)}. `/vps schedules` lists it."
    )
    return Message(text=fallback(text), blocks=[section(text)])


def build_schedule_list(
    views: Sequence[ScheduleView], now: datetime, zone: str, *, cancellable: set[str]
) -> Message:
    """`/vps schedules`: what, who, next run, last result; Cancel where the viewer may."""
    if not views:
        text = ":calendar: No schedules."
        return Message(text=fallback(text), blocks=[section(text)])
    blocks: list[Block] = [section(f":calendar: *Schedules* ({len(views)})")]
    blocks += schedule_lines(views[:LISTED], now, zone, cancellable=cancellable)
    if len(views) > LISTED:
        blocks.append(context(f"… and {len(views) - LISTED} more"))
    return Message(text=fallback(f"{counted(len(views), 'schedule')}"), blocks=blocks)


def schedule_lines(
    views: Sequence[ScheduleView],
    now: datetime,
    zone: str,
    *,
    cancellable: set[str] | None = None,
) -> list[Block]:
    """One section per schedule — what, who, next run, last result — with Cancel where the
    viewer may (every one when `cancellable` is None: their own)."""
    blocks: list[Block] = []
    for view in views:
        waiting = " — waiting for approval" if view.state == "approval" else ""
        lines = [
            f"{code_of(view.command, 300)} ({safe(view.recurs, 120)}){waiting}",
            f"by {user_mention(view.user_id)} · next {_next(view, now, zone)}",
        ]
        if view.last_result:
            lines.append(f"last: {safe(view.last_result, 300)}")
        block = section("\n".join(lines))
        if cancellable is None or view.schedule_id in cancellable:
            block.accessory = button(
                "Cancel", action_id=ids.SCHEDULE_CANCEL, value=view.schedule_id
            )
        blocks.append(block)
    return blocks


def build_schedule_notice(
    view: ScheduleView, run: float, now: datetime, zone: str, *, skipped_by: str | None = None
) -> Message:
    """Before a run, in the ops channel: what runs when, with Skip this run and Cancel the
    schedule; once skipped (`skipped_by`), it says so and keeps Cancel."""
    at = moment_text(datetime.fromtimestamp(run, UTC), now, zone)
    head = f"Scheduled by {user_mention(view.user_id)}: {code_of(view.command, 300)}"
    if skipped_by is None:
        text = f":alarm_clock: {head} runs {at}."
    else:
        text = f":fast_forward: {head}: the run {at} was skipped by {user_mention(skipped_by)}."
    value = f"{view.schedule_id}:{run!r}"
    buttons = [
        button(
            "Cancel the schedule",
            action_id=ids.SCHEDULE_CANCEL,
            value=view.schedule_id,
            style="danger",
        )
    ]
    if skipped_by is None:
        buttons.insert(0, button("Skip this run", action_id=ids.SCHEDULE_SKIP, value=value))
    blocks: list[Block] = [
        section(text),
        section(f"*Servers:* {_servers(view)}"),
        ActionsBlock(elements=buttons),
    ]
    return Message(text=fallback(text), blocks=blocks)


def build_schedule_report(view: ScheduleView, outcome: str, detail: str) -> Message:
    """A run's result, where it was scheduled and in the ops channel: which servers it
    touched, or why it did not run."""
    icons = {"ran": ":calendar:", "frozen": ":snowflake:", "skipped": ":fast_forward:"}
    icon = icons.get(outcome, ":warning:")
    text = (
        f"{icon} Scheduled {code_of(view.command, 300)} by {user_mention(view.user_id)}: "
        f"{safe(detail, 1500)}"
    )
    return Message(text=fallback(text), blocks=[section(text)])


def build_schedule_typed_modal(
    view: ScheduleView, expected: str, *, counting: bool, private_metadata: str
) -> View:
    """Scheduling a delete (the server's name) or a large plan under `confirm:` (the number
    of its servers): the member types it, as the command would ask."""
    verb = action_label(view.operation)
    what = "the number of servers" if counting else "the server's name"
    field = InputBlock(
        block_id=ids.SCHEDULE_TYPED_BLOCK,
        label=plain_text(f"Type {what} to confirm"),
        element=PlainTextInputElement(action_id=ids.SCHEDULE_TYPED_INPUT),
        hint=plain_text(f"Type {expected[:1900] or '—'} exactly."),
    )
    warning = (
        f":warning: This schedules {code_of(view.command, 300)}: "
        f"{safe(verb.lower(), 40)} {_servers(view)}."
    )
    return modal(
        ids.SCHEDULE_TYPED_MODAL,
        private_metadata=private_metadata,
        title="Schedule a change",
        submit="Schedule",
        blocks=[section(warning), field],
    )


def build_when_error(error: WhenError) -> Message:
    """Why a schedule's time cannot be read (what was typed in a code span), with examples."""
    text = error.problem.format(typed=code_of(error.typed, 200) if error.typed else "that")
    text = text[:1].upper() + text[1:] + "."
    if error.examples:
        text += " Like " + ", ".join(code_of(e) for e in error.examples) + "."
    return Message(text=fallback(text), blocks=[section(f":warning: {text}")])
