"""Short notes in mrkdwn the bot wrote itself (parse errors, not-found), and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from slack_sdk.models.blocks import Block

from bot.slack import ids
from bot.slack.blocks.core import (
    Message,
    channel_mention,
    context,
    fallback,
    line_sections,
    safe,
    section,
    server_ref,
    user_mention,
)
from bot.state import AuditEntry
from bot.words import counted

_OUTCOME_EMOJI = {
    "asked": ":question:",
    "denied": ":lock:",
    "confirmed": ":ballot_box_with_check:",
    "cancelled": ":x:",
    "expired": ":hourglass:",
    "executed": ":white_check_mark:",
    "failed": ":warning:",
    "requested": ":raised_hand:",
    "approved": ":white_check_mark:",
    "rejected": ":x:",
    "frozen": ":snowflake:",
    "limited": ":stopwatch:",
}

# A note with one of these icons says the request was not done (ids.DENIED_BLOCK, FAILED_BLOCK).
_MARKS = {
    ":lock:": ids.DENIED_BLOCK,
    ":snowflake:": ids.DENIED_BLOCK,  # a freeze refused it
    ":stopwatch:": ids.DENIED_BLOCK,  # the write limit refused it (an approval click over it)
    ":warning:": ids.FAILED_BLOCK,
    ":mag:": ids.FAILED_BLOCK,
    ":no_entry_sign:": ids.FAILED_BLOCK,
}


def build_note(mrkdwn: str, *, icon: str = ":warning:", hint: str | None = None) -> Message:
    """A note whose text is safe mrkdwn already (made by the bot, outside text escaped)."""
    blocks: list[Block] = [section(f"{icon} {mrkdwn}")]
    blocks[0].block_id = _MARKS.get(icon)
    if hint:
        blocks.append(context(f":bulb: {hint}"))
    return Message(text=fallback(mrkdwn), blocks=blocks)


_ALREADY = {
    ("start", "active"): "is already running; there is nothing to start.",
    ("stop", "stopped"): "is already stopped.",
    ("reboot", "stopped"): "is stopped, so it can't be rebooted; start it instead.",
}


def build_pointless(action: str, server_name: str, server_id: int, status: str) -> Message:
    """Why an action on a server in `status` can only fail (answered before any API call)."""
    ref = server_ref(server_name, server_id)
    said = _ALREADY.get((action, status))
    if said is None and status == "suspended":
        said = "is suspended: VPS.org does not let its owner start, stop or reboot it."
    if said is None:
        said = f"is {safe(status, 30)} right now; wait until it settles, then try again."
    return build_note(f"{ref} {said} Nothing was done.", icon=":information_source:")


def build_name_taken(new_name: str, holder_name: str, holder_id: int) -> Message:
    """A rename onto a name another server has: every later command on it would be ambiguous."""
    return build_note(
        f"The name *{safe(new_name, 150)}* is taken: {server_ref(holder_name, holder_id)} "
        "has it, and two servers with one name would make every command on that name ambiguous. "
        "Pick another name. Nothing was done.",
        icon=":no_entry_sign:",
    )


def build_audit(entries: Sequence[AuditEntry], *, about: str | None = None) -> Message:
    """The latest audit entries, newest first, with people as mentions."""
    title = f"Audit log for {safe(about, 80)}" if about else "Audit log"
    if not entries:
        return build_note(f"{title}: nothing recorded yet.", icon=":scroll:")
    lines = [_line(entry) for entry in entries]
    blocks: list[Block] = [section(f":scroll: *{title}* — newest first")]
    blocks.extend(line_sections(lines, max_blocks=40))
    shown = counted(len(entries), "entry", "entries")
    return Message(text=fallback(f"{title}: {shown}"), blocks=blocks)


def _line(entry: AuditEntry) -> str:
    when = datetime.fromtimestamp(entry.time, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    icon = _OUTCOME_EMOJI.get(str(entry.outcome), ":grey_question:")
    target = server_ref(entry.server_name, entry.server_id) if entry.server_name else ""
    times = f" {entry.count} times" if entry.count > 1 else ""  # repeats, as one line
    line = (
        f"{icon} `{when}` {user_mention(entry.user_id)} *{safe(entry.action, 20)}* {target} "
        f"— {safe(str(entry.outcome), 20)}{times} in {channel_mention(entry.channel_id)}"
    )
    if entry.detail:
        line += f": {safe(entry.detail, 300)}"
    return line
