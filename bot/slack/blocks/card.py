"""The server card: what `/vps show` knows of a server, and buttons for what the viewer may do."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypeGuard

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, HeaderBlock

from bot.operations import operations
from bot.operations.change import Request
from bot.slack import ids
from bot.slack.blocks import limits
from bot.slack.blocks.core import (
    Message,
    button,
    code_of,
    context,
    emoji_for,
    fallback,
    fields_section,
    plain_of,
    plain_text,
    safe,
    server_ref_plain,
)
from bot.vps.models import STEADY_STATUSES, Plan, ResourceUsage, Server, ServerStatus

__all__ = ["build_server_card", "plan_summary"]

_TRANSITIONS = frozenset(s.value for s in ServerStatus) - STEADY_STATUSES
_BAR_CELLS = 10


def build_server_card(server: Server, *, actions: Sequence[str], command: str = "/vps") -> Message:
    """A server's details and usage, with buttons for exactly the `actions` the viewer may take."""
    status = server.status.strip() or "unknown"
    headline = f"{emoji_for(status)} *{safe(status[:1].upper() + status[1:], 40)}*"
    if status.lower() in _TRANSITIONS:
        headline += " — _Refresh in a moment to see where it lands._"
    blocks: list[Block] = [
        HeaderBlock(text=plain_text(plain_of(server.name, limits.HEADER_TEXT))),
        fields_section(_detail_fields(server), text=headline),
    ]
    usage = _usage_fields(server.resource_usage, server.plan)
    if usage:
        blocks.append(fields_section(usage, text="*Resource usage*"))
    if server.message:
        blocks.append(context(f":speech_balloon: {safe(server.message, 1000)}"))

    allowed = {a.strip().lower() for a in actions}
    target = f"#{server.id}"  # each button holds the request it makes (`Request`)
    buttons: list[ButtonElement] = [
        button(
            op.wording.label,
            action_id=ids.card_action(op.name),
            value=Request(operation=op.name, target=target).dump(),
            style=op.wording.style,
        )
        for op in operations()
        if op.on_card and op.name in allowed
    ]
    if not buttons:
        whoami = code_of(f"{command} whoami", 40)
        blocks.append(context(f":lock: You can't change this server here — {whoami} says why."))
    # Whoever may see the card may refresh it.
    buttons.append(
        button(
            ":arrows_counterclockwise: Refresh",
            action_id=ids.CARD_REFRESH,
            value=Request(operation="show", target=target).dump(),
        )
    )
    blocks.append(ActionsBlock(elements=buttons))
    text = f"{server_ref_plain(server.name, server.id)} is {safe(status, 40)}"
    return Message(text=fallback(text), blocks=blocks)


def _detail_fields(server: Server) -> list[tuple[str, str]]:
    """The ten facts of the card, as (label, safe mrkdwn) pairs."""
    missing = "_not assigned yet_"
    plan = "—"
    if server.plan:
        plan = safe(server.plan.name, 100) or "—"
        summary = plan_summary(server.plan)
        plan += f"\n{summary}" if summary else ""
    backups = {True: ":white_check_mark: On", False: "Off", None: "—"}[server.backups_enabled]
    return [
        ("ID", f"#{server.id}"),
        ("Hostname", code_of(server.hostname) if server.hostname else "—"),
        ("IPv4", code_of(server.ip_address) if server.ip_address else missing),
        ("IPv6", code_of(server.ipv6_address) if server.ipv6_address else missing),
        ("Location", safe(server.location, 100) if server.location else "—"),
        ("Plan", plan),
        ("Operating system", safe(server.os.name, 100) if server.os else "—"),
        ("Backups", backups),
        ("Created", _when(server.created_at)),
        ("Updated", _when(server.updated_at)),
    ]


def plan_summary(plan: Plan, *, transfer: bool = True) -> str:
    """A plan's size in words: "2 vCPU · 4 GB RAM · 80 GB disk · 2 TB transfer"."""
    parts = []
    if plan.vcpus is not None:
        parts.append(f"{_number(plan.vcpus)} vCPU")
    if plan.memory is not None:
        parts.append(f"{_size(plan.memory / 1024)} RAM")
    if plan.storage is not None:
        parts.append(f"{_size(plan.storage)} disk")
    if plan.bandwidth is not None and transfer:
        parts.append(f"{_size(plan.bandwidth)} transfer")
    return " · ".join(parts)


def _usage_fields(usage: ResourceUsage | None, plan: Plan | None) -> list[tuple[str, str]]:
    """CPU, memory, disk and bandwidth as bars, each of the plan's total when it is known."""
    if usage is None:
        return []
    fields = []
    if _finite(usage.cpu_percent):
        fields.append(("CPU", f"{_bar(usage.cpu_percent)} {_percent(usage.cpu_percent)}"))
    memory_total = plan.memory / 1024 if plan and plan.memory else None
    rows = [
        ("Memory", usage.memory_used, 1024, memory_total),
        ("Disk", usage.disk_used, 1, plan.storage if plan else None),
        ("Bandwidth", usage.bandwidth_used, 1, plan.bandwidth if plan else None),
    ]
    for label, used, per_gb, total in rows:
        if _finite(used):
            fields.append((label, _share(used / per_gb, total)))
    return fields


def _share(used_gb: float, total_gb: float | None) -> str:
    """ "▰▰▱▱▱▱▱▱▱▱ 1.6 GB of 4 GB (40%)", or just "1.6 GB" when the total is unknown."""
    if not total_gb or not _finite(total_gb) or total_gb <= 0:
        return _size(used_gb)
    percent = used_gb / total_gb * 100
    return f"{_bar(percent)} {_size(used_gb)} of {_size(total_gb)} ({_percent(percent)})"


def _bar(percent: float) -> str:
    filled = round(min(max(percent, 0.0), 100.0) / 100 * _BAR_CELLS)
    return "▰" * filled + "▱" * (_BAR_CELLS - filled)


def _percent(value: float) -> str:
    """A whole percentage, with "<1%" for a little that is not nothing."""
    if 0 < value < 0.5:
        return "<1%"
    return f"{_number(round(value))}%" if abs(value) < 1e12 else f"{_number(value)}%"


def _size(gb: float) -> str:
    """GB in the unit a person would use: "512 MB", "80 GB", "2 TB"."""
    if 0 < gb < 1:
        return f"{_number(gb * 1024)} MB"
    if gb >= 1024:
        return f"{_number(gb / 1024)} TB"
    return f"{_number(gb)} GB"


def _number(value: float) -> str:
    """A number without noise: "4", "1.6", "12,288", and short forms for absurd values."""
    if not math.isfinite(value):
        return "?"
    if abs(value) >= 1e12:
        return f"{value:.3g}"
    if abs(value - round(value)) < 0.05:
        return f"{round(value):,}"
    return f"{value:,.1f}"


def _finite(value: float | None) -> TypeGuard[float]:
    return value is not None and math.isfinite(value)


def _when(moment: datetime | None) -> str:
    """A timestamp in UTC, to the minute."""
    if moment is None:
        return "—"
    try:
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
    except (OverflowError, ValueError):  # an offset that pushes year 1 or 9999 off the calendar
        return moment.isoformat(timespec="minutes")
    return moment.strftime("%Y-%m-%d %H:%M UTC")
