"""Short notes in mrkdwn the bot wrote itself (parse errors, not-found), and the audit log."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.operations import find
from bot.slack import ids
from bot.slack.blocks.core import (
    Message,
    button,
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
    "started": ":arrow_forward:",
    "paused": ":double_vertical_bar:",
    "resumed": ":arrow_forward:",
    "aborted": ":octagonal_sign:",
    "finished": ":checkered_flag:",
    "skipped": ":fast_forward:",
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


def build_pointless(action: str, server_name: str, server_id: int, status: str) -> Message:
    """Why an action on a server in `status` can only fail (answered before any API call)."""
    ref = server_ref(server_name, server_id)
    op = find(action)
    said = op.wording.refusals.get(status) if op is not None else None
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


@dataclass
class AuditSummary:
    """The rest of one member's entries on an audit page, summed up: how many of each kind
    (action and outcome), on which servers, from when to when."""

    user_id: str
    newest: float
    oldest: float
    kinds: dict[tuple[str, str], tuple[int, list[str]]] = field(default_factory=dict)

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditSummary:
        """A summary that starts with `entry`."""
        summary = cls(entry.user_id, entry.time, entry.time)
        summary.add(entry)
        return summary

    def add(self, entry: AuditEntry) -> None:
        """Count `entry` in (entries come newest first)."""
        self.newest, self.oldest = max(self.newest, entry.time), min(self.oldest, entry.time)
        key = (entry.action, str(entry.outcome))
        count, names = self.kinds.get(key, (0, []))
        if entry.server_name and entry.server_name not in names and len(names) < 4:
            names.append(entry.server_name)
        self.kinds[key] = (count + entry.count, names)

    @property
    def count(self) -> int:
        """How many entries it sums up."""
        return sum(count for count, _ in self.kinds.values())


def build_audit(
    lines: Sequence[AuditEntry | AuditSummary],
    *,
    about: str | None = None,
    older: str | None = None,
    newest: str | None = None,
) -> Message:
    """A page of the audit log, newest first, with people as mentions; `older` and `newest`
    are the values of the buttons to the page before it and back to the newest, if any."""
    title = f"Audit log for {safe(about, 80)}" if about else "Audit log"
    buttons = []
    if newest is not None:
        buttons.append(button("Newest", action_id=ids.AUDIT_NEWEST, value=newest))
    if older is not None:
        buttons.append(button("Older", action_id=ids.AUDIT_OLDER, value=older))
    if not lines:
        note = build_note(
            f"{title}: nothing recorded {'before this' if newest else 'yet'}.", icon=":scroll:"
        )
        if buttons:
            note.blocks.append(ActionsBlock(elements=buttons))
        return note
    shown = [_line(line) if isinstance(line, AuditEntry) else _summary(line) for line in lines]
    blocks: list[Block] = [
        section(f":scroll: *{title}* — {'older entries' if newest else 'newest first'}")
    ]
    blocks.extend(line_sections(shown, max_blocks=40))
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    entries = sum(line.count for line in lines)
    return Message(text=fallback(f"{title}: {counted(entries, 'entry', 'entries')}"), blocks=blocks)


def _stamp(time: float) -> str:
    return datetime.fromtimestamp(time, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# Details the bot writes that start by naming someone else (the requester or the approver):
# the id becomes a mention. Only these outcomes, whose details never start with outside text.
_NAMED = re.compile(r"(requested by|approved by|not done when) ([UW][A-Z0-9]{2,30})\b")
_NAMING_OUTCOMES = frozenset({"approved", "rejected", "denied", "frozen", "limited"})


def _detail(entry: AuditEntry) -> str:
    """An entry's detail as safe mrkdwn, with the person it names (if the bot did) mentioned."""
    named = _NAMED.match(entry.detail) if str(entry.outcome) in _NAMING_OUTCOMES else None
    if named is None:
        return safe(entry.detail, 300)
    rest = entry.detail[named.end() :]
    return f"{named.group(1)} {user_mention(named.group(2))}{safe(rest, 300) if rest else ''}"


def _line(entry: AuditEntry) -> str:
    icon = _OUTCOME_EMOJI.get(str(entry.outcome), ":grey_question:")
    times = f" {entry.count} times" if entry.count > 1 else ""  # repeats, as one line
    parts = [f"{icon} `{_stamp(entry.time)}` {user_mention(entry.user_id)}"]
    if entry.action.strip():
        parts.append(f"*{safe(entry.action, 20)}*")
    if entry.server_name and entry.server_name.strip():
        parts.append(server_ref(entry.server_name, entry.server_id))
    elif entry.server_id:
        parts.append(f"#{entry.server_id}")
    line = " ".join(parts) + f" — {safe(str(entry.outcome), 20)}{times}"
    if entry.channel_id:
        line += f" in {channel_mention(entry.channel_id)}"
    if entry.detail.strip():
        line += f": {_detail(entry)}"
    return line


def _summary(summary: AuditSummary) -> str:
    """ "@bob — 245 more entries since …: *delete* denied 245 times (junk-1, junk-2 …)"."""
    kinds = []
    for (action, outcome), (count, names) in list(summary.kinds.items())[:4]:
        what = " ".join(
            p for p in (f"*{safe(action, 20)}*" if action.strip() else "", safe(outcome, 20)) if p
        )
        times = f" {count} times" if count > 1 else ""
        shown = ", ".join(safe(n, 80) for n in names[:3])
        more = " …" if len(names) > 3 else ""
        kinds.append(f"{what}{times}" + (f" ({shown}{more})" if shown else ""))
    if len(summary.kinds) > 4:
        kinds.append(f"and {len(summary.kinds) - 4} more kinds")
    count = summary.count
    return (
        f":heavy_plus_sign: `{_stamp(summary.newest)}` {user_mention(summary.user_id)} — "
        f"{count} more entr{'ies' if count != 1 else 'y'} since `{_stamp(summary.oldest)}`: "
        + "; ".join(kinds)
    )


def audit_line(entry: AuditEntry) -> str:
    """One entry of the log as `/vps audit` shows it (safe mrkdwn), for other surfaces."""
    return _line(entry)
