"""The App Home tab: what waits for one viewer, and the fleet and the log as they may see them.

Sections, in this order: approvals they may decide (Approve/Reject, the same buttons as in the
ops channel), their own pending requests, running plans they may control (Pause or Resume, and
Abort: the same buttons as on the plan's message), their schedules (Cancel), the fleet at a
glance (when they may `list`), the latest changes they may see. A section with nothing in it
says so in one line. A Home view holds at most 100 blocks: each
section is capped and says "and N more".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock
from slack_sdk.models.views import View

from bot.slack.blocks.approvals import ApprovalView, decide_buttons
from bot.slack.blocks.core import (
    action_label,
    context,
    emoji_for,
    fields_section,
    line_sections,
    plain_text,
    safe,
    section,
    server_ref,
    user_mention,
)
from bot.slack.blocks.guardrails import when
from bot.slack.blocks.notes import audit_line
from bot.slack.blocks.plan_progress import plan_controls
from bot.slack.blocks.schedules import ScheduleView, schedule_lines
from bot.state import AuditEntry
from bot.words import counted

__all__ = ["FleetGlance", "HomeData", "PlanLine", "build_home"]

MAX_BLOCKS = 100
"""Slack refuses a Home view of more blocks."""
DECIDABLE_SHOWN = 15
"""Approval requests shown with buttons (two blocks each)."""
PLANS_SHOWN = 10
"""Running plans shown with Pause (or Resume) and Abort (two blocks each)."""
LINES_SHOWN = 20
"""Lines of any other list (own requests, servers not active, changes)."""
SCHEDULES_SHOWN = 10
"""Schedules shown, with Cancel (one block each)."""


@dataclass(frozen=True)
class PlanLine:
    """A running plan as the Home tab lists it."""

    plan_id: str
    user_id: str
    operation: str
    state: str
    done: int
    total: int


@dataclass(frozen=True)
class FleetGlance:
    """The servers the viewer may list: counts by status and location, those not active."""

    total: int
    by_status: Sequence[tuple[str, int]]
    by_location: Sequence[tuple[str, int]]
    not_active: Sequence[tuple[str, int, str]]  # name, id, status


@dataclass(frozen=True)
class HomeData:
    """Everything one viewer's Home tab shows (already limited to what they may see)."""

    user_id: str
    decidable: Sequence[ApprovalView] = ()
    own: Sequence[ApprovalView] = ()
    plans: Sequence[PlanLine] = ()
    schedules: Sequence[ScheduleView] = ()
    fleet: FleetGlance | None = None
    changes: Sequence[AuditEntry] | None = None  # None: they may not read the audit log
    notes: Sequence[str] = field(default_factory=tuple)
    zone: str = "UTC"  # BOT_TIMEZONE, for the schedules' next runs


def build_home(data: HomeData, now: datetime) -> View:
    """The Home tab of `data.user_id`."""
    blocks: list[Block] = [
        HeaderBlock(text=plain_text("VPS bot")),
        context(f"What waits for {user_mention(data.user_id)}, as of {_clock(now)}."),
    ]
    blocks += _approvals(data.decidable, now)
    blocks += _own(data.own, now)
    blocks += _plans(data.plans)
    blocks += _schedules(data.schedules, now, data.zone)
    if data.fleet is not None:
        blocks += _fleet(data.fleet)
    if data.changes is not None:
        blocks += _changes(data.changes)
    if data.notes:
        blocks.append(context(*data.notes))
    return View(type="home", blocks=blocks[:MAX_BLOCKS])


def _clock(now: datetime) -> str:
    return now.strftime("%Y-%m-%d %H:%M UTC")


def _heading(text: str) -> list[Block]:
    return [DividerBlock(), section(f"*{text}*")]


def _approvals(views: Sequence[ApprovalView], now: datetime) -> list[Block]:
    blocks = _heading(":raised_hand: Approvals you may decide")
    if not views:
        return [*blocks, context("Nothing waits for your decision.")]
    for view in views[:DECIDABLE_SHOWN]:
        blocks.append(section(_approval_line(view, now)))
        blocks.append(decide_buttons(view.approval_id, styled=False))
    if len(views) > DECIDABLE_SHOWN:
        blocks.append(context(f"…and {len(views) - DECIDABLE_SHOWN} more (`approvals`)."))
    return blocks


def _approval_line(view: ApprovalView, now: datetime) -> str:
    expires = f" · expires {when(view.expires_at, now)}" if view.expires_at else ""
    changes = "".join(f" · {safe(k, 100)}: {safe(v, 300) or '—'}" for k, v in view.changes)
    return view.headline + changes + expires


def _own(views: Sequence[ApprovalView], now: datetime) -> list[Block]:
    blocks = _heading(":hourglass_flowing_sand: Your pending requests")
    if not views:
        return [*blocks, context("None of your requests is waiting.")]
    lines = [
        f"*{view.verb}* {view.ref} — waiting for approval{_expiry(view, now)}" for view in views
    ]
    return blocks + line_sections(lines[:LINES_SHOWN] + _more(lines), max_blocks=3)


def _expiry(view: ApprovalView, now: datetime) -> str:
    return f" (expires {when(view.expires_at, now)})" if view.expires_at else ""


def _more(lines: Sequence[object]) -> list[str]:
    extra = len(lines) - LINES_SHOWN
    return [f"_…and {extra} more._"] if extra > 0 else []


def _plans(plans: Sequence[PlanLine]) -> list[Block]:
    blocks = _heading(":arrows_counterclockwise: Running plans you may control")
    if not plans:
        return [*blocks, context("No plan you may control is running.")]
    for p in plans[:PLANS_SHOWN]:
        blocks.append(
            section(
                f"*{safe(action_label(p.operation).lower(), 20)}* "
                f"{counted(p.total, 'server')} by {user_mention(p.user_id)} — "
                f"{safe(p.state, 20)}, {p.done} of {p.total} done (`{safe(p.plan_id, 40)}`)"
            )
        )
        blocks.append(plan_controls(p.plan_id, p.state))
    if len(plans) > PLANS_SHOWN:
        blocks.append(context(f"…and {len(plans) - PLANS_SHOWN} more (`plans`)."))
    return blocks


def _schedules(views: Sequence[ScheduleView], now: datetime, zone: str) -> list[Block]:
    blocks = _heading(":calendar: Your schedules")
    if not views:
        return [*blocks, context("You have no schedules.")]
    blocks += schedule_lines(views[:SCHEDULES_SHOWN], now, zone)
    if len(views) > SCHEDULES_SHOWN:
        blocks.append(context(f"…and {len(views) - SCHEDULES_SHOWN} more (`schedules`)."))
    return blocks


def _fleet(fleet: FleetGlance) -> list[Block]:
    blocks = _heading(f":bar_chart: The fleet at a glance — {counted(fleet.total, 'server')}")
    if fleet.total == 0:
        return [*blocks, context("No servers you may list.")]
    statuses = [(f"{emoji_for(s)} {safe(s, 30)}", str(n)) for s, n in fleet.by_status]
    blocks.append(fields_section(statuses[:10], text="*By status*"))
    places = [(safe(loc, 40) or "—", str(n)) for loc, n in fleet.by_location]
    blocks.append(fields_section(places[:10], text="*By location*"))
    if fleet.not_active:
        lines = [
            f"{emoji_for(status)} {server_ref(name, server_id)} — {safe(status, 30)}"
            for name, server_id, status in fleet.not_active
        ]
        blocks.append(section("*Not active*"))
        blocks += line_sections(lines[:LINES_SHOWN] + _more(lines), max_blocks=3)
    return blocks


def _changes(entries: Sequence[AuditEntry]) -> list[Block]:
    blocks = _heading(":scroll: Latest changes")
    if not entries:
        return [*blocks, context("Nothing recorded that you may see.")]
    lines = [audit_line(entry) for entry in entries[:LINES_SHOWN]]
    return blocks + line_sections(lines, max_blocks=4)
