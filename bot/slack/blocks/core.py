"""What every builder shares: the Message value, status emoji, action verbs and safe text pieces.

Outside text (server names, hostnames, IPs, API messages, anything a user typed) only reaches a
block through the helpers here, which run it through `bot.slack.text` and cut it to fit.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.operations import find
from bot.slack import ids
from bot.slack import text as slack_text
from bot.slack.blocks import limits
from bot.vps.models import Server
from bot.words import counted

__all__ = ["Message", "action_label", "emoji_for"]

# A server name as shown in mrkdwn, after escaping (escaping makes text longer).
NAME_LIMIT = 150
# Raw characters of an IP, hostname or other short value before `code()` (which may grow it 5x).
SHORT_RAW = 120


@dataclass(frozen=True)
class Message:
    """A message: the notification text Slack shows outside the client, and its blocks."""

    text: str
    blocks: list[Block]

    def to_dict(self) -> dict[str, Any]:
        """Keyword arguments for chat.postMessage, chat.update, chat.postEphemeral or respond()."""
        return {"text": self.text, "blocks": [block.to_dict() for block in self.blocks]}


_STATUS_EMOJI = {
    "active": ":large_green_circle:",
    "stopped": ":red_circle:",
    "suspended": ":no_entry:",
    "provisioning": ":hourglass_flowing_sand:",
    "starting": ":hourglass_flowing_sand:",
    "stopping": ":hourglass_flowing_sand:",
    "rebooting": ":hourglass_flowing_sand:",
}
_UNKNOWN_STATUS_EMOJI = ":grey_question:"


def emoji_for(status: str | None) -> str:
    """The Slack emoji shortcode for a server status (a question mark for one we don't know)."""
    return _STATUS_EMOJI.get((status or "").strip().lower(), _UNKNOWN_STATUS_EMOJI)


_READ_LABELS = {"list": "List", "show": "Show"}


def action_label(action: str) -> str:
    """The verb that names an action on a button: "Stop", "Delete", "Create" (an operation's
    from its declaration; a policy action shared by several, like `update`, from the one of
    that name)."""
    key = action.strip().lower()
    op = find(key)
    known = op.wording.label if op is not None else _READ_LABELS.get(key)
    if known:
        return known
    word = slack_text.plain(action.strip(), 20) or "Run"
    return word[:1].upper() + word[1:]


# --- text pieces -----------------------------------------------------------------------------


def safe(text: str, limit: int) -> str:
    """Outside text as inert single-line mrkdwn of at most `limit` characters."""
    return slack_text.truncate(slack_text.escape(text.strip()), limit)


def bold_name(name: str, limit: int = NAME_LIMIT) -> str:
    """A server name in bold (escaped, cut to fit)."""
    return f"*{safe(name, limit) or '(unnamed)'}*"


def code_of(text: str, raw_limit: int = SHORT_RAW) -> str:
    """Outside text as an inline code span; `raw_limit` caps the text before escaping."""
    return slack_text.code(slack_text.plain(text, raw_limit)) or "—"


def plain_of(text: str, limit: int) -> str:
    """Outside text for a plain_text object, never empty."""
    return slack_text.plain(text.strip(), limit) or "—"


def server_ref(name: str, server_id: int | None) -> str:
    """*name* (#id) in mrkdwn."""
    return bold_name(name) + (f" (#{server_id})" if server_id is not None else "")


def server_ref_plain(name: str, server_id: int | None) -> str:
    """name (#id) for the fallback text; `fallback` keeps what Slack would link from linking."""
    ident = f" (#{server_id})" if server_id is not None else ""
    return safe(name, NAME_LIMIT) + ident


def status_field(server: Server) -> tuple[str, str]:
    """("Status", emoji and status) for a fields section."""
    status = server.status.strip() or "unknown"
    return "Status", f"{emoji_for(status)} {safe(status, 40)}"


def ip_field(server: Server) -> tuple[str, str]:
    """("IP", the address or that there is none yet)."""
    return "IP", code_of(server.ip_address) if server.ip_address else "_no IP yet_"


def location_field(server: Server) -> tuple[str, str]:
    """("Location", the data-center code)."""
    return "Location", safe(server.location, 100) if server.location else "—"


_USER_ID = re.compile(r"[UW][A-Z0-9]{2,30}")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,30}")


def user_mention(user_id: str) -> str:
    """<@U…> for a well-formed user id; anything else is shown as inert text."""
    return f"<@{user_id}>" if _USER_ID.fullmatch(user_id) else safe(user_id, 40)


def channel_mention(channel_id: str) -> str:
    """<#C…> for a well-formed channel id; anything else is shown as inert text."""
    return f"<#{channel_id}>" if _CHANNEL_ID.fullmatch(channel_id) else safe(channel_id, 40)


def duration(seconds: float) -> str:
    """A span of time in words: "45 seconds", "5 minutes", "1 hour 30 minutes", "4 days"."""
    total = max(1, math.ceil(seconds)) if math.isfinite(seconds) else 1
    if total < 60:
        return counted(total, "second")
    minutes = round(total / 60)
    if minutes < 60:
        return counted(minutes, "minute")
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return counted(hours, "hour") + (f" {counted(rest, 'minute')}" if rest else "")
    days, hours = divmod(round(minutes / 60), 24)
    return counted(days, "day") + (f" {counted(hours, 'hour')}" if hours else "")


def elapsed(seconds: float) -> str:
    """A span of time, compact: "45s", "2m41s", "1h02m"."""
    total = max(0, round(seconds)) if math.isfinite(seconds) else 0
    minutes, secs = divmod(total, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


# --- block pieces ----------------------------------------------------------------------------


def md(text: str, limit: int = limits.SECTION_TEXT) -> MarkdownTextObject:
    """A mrkdwn object; verbatim, so Slack links nothing on its own. Every mrkdwn object the
    bot sends is made here (tests/slack/test_verbatim.py checks every builder)."""
    return MarkdownTextObject(text=slack_text.truncate(text, limit) or " ", verbatim=True)


def plain_text(text: str, *, emoji: bool = False) -> PlainTextObject:
    """A plain_text object; `emoji=False` keeps `:shortcodes:` in outside text literal."""
    return PlainTextObject(text=text, emoji=emoji)


def section(text: str) -> SectionBlock:
    """A section of mrkdwn, cut to Slack's limit."""
    return SectionBlock(text=md(text))


def fields_section(fields: list[tuple[str, str]], text: str | None = None) -> SectionBlock:
    """A section of up to ten "*label*\\nvalue" fields; values are mrkdwn made safe already."""
    shown = [md(f"*{label}*\n{value}", limits.FIELD_TEXT) for label, value in fields]
    return SectionBlock(
        text=md(text) if text else None, fields=shown[: limits.SECTION_FIELDS] or None
    )


def context(*texts: str) -> ContextBlock:
    """A context line of up to ten mrkdwn pieces."""
    pieces = [md(t, limits.CONTEXT_TEXT) for t in texts if t][: limits.CONTEXT_ELEMENTS]
    return ContextBlock(elements=pieces or [md(" ")])


def button(
    label: str, *, action_id: str, value: str, style: str | None = None, emoji: bool = True
) -> ButtonElement:
    """A button; `label` is cut to 75 characters and `value` must already fit (2,000)."""
    if len(value) > limits.BUTTON_VALUE:
        raise ValueError(f"button value is {len(value)} characters; Slack allows 2000")
    return ButtonElement(
        text=plain_text(slack_text.plain(label, limits.BUTTON_TEXT) or "…", emoji=emoji),
        action_id=action_id,
        value=value,
        style=style,
    )


def refusal(text: str, *, icon: str | None = None) -> Message:
    """A request refused — by the policy, a freeze or the write limit — in one section of safe
    mrkdwn whose block id says so (`ids.DENIED_BLOCK`) to readers that are not people: the
    console's script mode fails the line that got it. Every refusal is built here."""
    block = section(f"{icon} {text}" if icon else text)
    block.block_id = ids.DENIED_BLOCK
    return Message(text=fallback(text), blocks=[block])


def one_section(text: str, plain: str | None = None) -> Message:
    """A message of one section of safe mrkdwn; `plain` is its notification text when that
    says less (no channel links, no formatting)."""
    return Message(text=fallback(text if plain is None else plain), blocks=[section(text)])


def modal(
    callback_id: str, *, private_metadata: str, title: str, submit: str, blocks: list[Block]
) -> View:
    """A modal with a Cancel button; `private_metadata` must fit whole (cut, it would be
    useless)."""
    if len(private_metadata) > limits.PRIVATE_METADATA:
        raise ValueError("private_metadata must be at most 3000 characters")
    return View(
        type="modal",
        callback_id=callback_id,
        private_metadata=private_metadata,
        title=plain_text(title),
        submit=plain_text(submit),
        close=plain_text("Cancel"),
        blocks=blocks,
    )


def fallback(text: str) -> str:
    """The top-level message text (safe mrkdwn), with every word Slack would link or ping
    put in a code span (see `bot.slack.text.unlinked`), cut to fit."""
    return slack_text.truncate(slack_text.unlinked(text), limits.FALLBACK_TEXT) or " "


def line_sections(lines: list[str], *, max_blocks: int) -> list[SectionBlock]:
    """Lines of mrkdwn packed into few sections; past `max_blocks`, a count of the rest."""
    texts: list[str] = []
    for index, line in enumerate(lines):
        piece = slack_text.truncate(line, limits.SECTION_TEXT // 2)
        if texts and len(texts[-1]) + 1 + len(piece) <= limits.SECTION_TEXT:
            texts[-1] += "\n" + piece
        elif len(texts) < max_blocks:
            texts.append(piece)
        else:
            more = f"\n_…and {len(lines) - index} more._"
            texts[-1] = slack_text.truncate(texts[-1], limits.SECTION_TEXT - len(more)) + more
            break
    return [section(text) for text in texts]
