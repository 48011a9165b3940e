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

_OUTCOME_EMOJI = {
    "asked": ":question:",
    "denied": ":lock:",
    "confirmed": ":ballot_box_with_check:",
    "cancelled": ":x:",
    "expired": ":hourglass:",
    "executed": ":white_check_mark:",
    "failed": ":warning:",
}

# A note with one of these icons says the request was not done (ids.DENIED_BLOCK, FAILED_BLOCK).
_MARKS = {":lock:": ids.DENIED_BLOCK, ":warning:": ids.FAILED_BLOCK, ":mag:": ids.FAILED_BLOCK}


def build_note(mrkdwn: str, *, icon: str = ":warning:", hint: str | None = None) -> Message:
    """A note whose text is safe mrkdwn already (made by the bot, outside text escaped)."""
    blocks: list[Block] = [section(f"{icon} {mrkdwn}")]
    blocks[0].block_id = _MARKS.get(icon)
    if hint:
        blocks.append(context(f":bulb: {hint}"))
    return Message(text=fallback(mrkdwn), blocks=blocks)


def build_audit(entries: Sequence[AuditEntry], *, about: str | None = None) -> Message:
    """The latest audit entries, newest first, with people as mentions."""
    title = f"Audit log for {safe(about, 80)}" if about else "Audit log"
    if not entries:
        return build_note(f"{title}: nothing recorded yet.", icon=":scroll:")
    lines = [_line(entry) for entry in entries]
    blocks: list[Block] = [section(f":scroll: *{title}* — newest first")]
    blocks.extend(line_sections(lines, max_blocks=40))
    return Message(text=fallback(f"{title}: {len(entries)} entries"), blocks=blocks)


def _line(entry: AuditEntry) -> str:
    when = datetime.fromtimestamp(entry.time, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    icon = _OUTCOME_EMOJI.get(str(entry.outcome), ":grey_question:")
    target = server_ref(entry.server_name, entry.server_id) if entry.server_name else ""
    line = (
        f"{icon} `{when}` {user_mention(entry.user_id)} *{safe(entry.action, 20)}* {target} "
        f"— {safe(str(entry.outcome), 20)} in {channel_mention(entry.channel_id)}"
    )
    if entry.detail:
        line += f": {safe(entry.detail, 300)}"
    return line
