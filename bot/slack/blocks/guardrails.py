"""The guardrails' refusals and whoami lines: a freeze or the write limit refusing, what needs
approval, the freezes on now or coming, and what is left of the write limit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.policy import FreezeHit, write_actions
from bot.slack.blocks.core import Message, code_of, duration, refusal, safe
from bot.words import counted

__all__ = ["approval_line", "build_frozen", "build_limited", "freeze_line", "limit_line", "when"]


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
    limit = f"at most {counted(per_user, 'change')} in any {duration(window)}"
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
