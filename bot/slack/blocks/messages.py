"""Short messages: results of actions, status changes, errors, denials, help and whoami.

Which text is trusted is fixed per argument: server names, API messages and error text are raw
and escaped here; denial text, help usages and whoami reasons come from the bot's own modules
as safe mrkdwn (made with `bot.slack.text`) and go in as they are, cut to fit.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.operations import find
from bot.slack import ids
from bot.slack import text as slack_text
from bot.slack.blocks import limits
from bot.slack.blocks.core import (
    Message,
    action_label,
    channel_mention,
    code_of,
    context,
    fallback,
    fields_section,
    ip_field,
    line_sections,
    location_field,
    plain_of,
    plain_text,
    refusal,
    safe,
    section,
    server_ref,
    server_ref_plain,
    status_field,
    user_mention,
)
from bot.vps.models import Server

__all__ = [
    "build_denial",
    "build_error",
    "build_help",
    "build_result",
    "build_whoami",
]

_DETAIL = 2000
_MAX_LINE_BLOCKS = 45


def build_result(
    *,
    ok: bool,
    action: str,
    server_name: str | None = None,
    server_id: int | None = None,
    server: Server | None = None,
    user_id: str | None = None,
    channel_id: str | None = None,
    detail: str | None = None,
) -> Message:
    """The outcome of an action: "✅ *web-01* (#12) is stopping", or "⚠️ Couldn't stop …".

    Everything is raw text and escaped here. `server` (when known) adds its IP, location, plan and
    status, and stands in for `server_name`/`server_id` when they are not given. `detail` is the
    API's message, shown quoted. `user_id`/`channel_id` say who asked and where.
    """
    name = server_name if server_name is not None else (server.name if server else "")
    ident = server_id if server_id is not None else (server.id if server else None)
    if name.strip():
        ref, subject = server_ref(name, ident), server_ref_plain(name, ident)
    else:
        ref = subject = "" if ident is None else slack_text.escape(f"server #{ident}")
    icon = ":white_check_mark:" if ok else ":warning:"
    blocks: list[Block] = [section(f"{icon} {_headline(ok, action, ref)}")]
    blocks[0].block_id = None if ok else ids.FAILED_BLOCK
    if detail and detail.strip():
        blocks.append(section(f"> {safe(detail, _DETAIL)}"))
    if server is not None:
        blocks.append(fields_section(_summary_fields(server)))
    who = []
    if user_id:
        who.append(f"Requested by {user_mention(user_id)}")
    if channel_id:
        who.append(f"in {channel_mention(channel_id)}")
    if who:
        blocks.append(context(" ".join(who)))
    return Message(text=fallback(_headline(ok, action, subject)), blocks=blocks)


def _headline(ok: bool, action: str, subject: str) -> str:
    """ "web-01 (#12) is stopping", "Couldn't stop web-01 (#12)"; `subject` is safe already."""
    verb = safe(action_label(action), 40)
    if not ok:
        return " ".join(part for part in ("Couldn't", verb.lower(), subject) if part)
    op = find(action.strip().lower())
    done = op.wording.done if op is not None else None
    if done and subject:
        return f"{subject} {done}"
    return " ".join(part for part in (verb, subject) if part) + ": done"


def build_error(message: str, hint: str | None = None) -> Message:
    """A problem in plain words; `message` is raw (escaped here), `hint` is safe mrkdwn."""
    shown = safe(message, limits.SECTION_TEXT - 20) or "Something went wrong."
    blocks: list[Block] = [section(f":warning: {shown}")]
    blocks[0].block_id = ids.FAILED_BLOCK
    if hint and hint.strip():
        blocks.append(context(f":bulb: {hint.strip()}"))
    return Message(text=fallback(shown), blocks=blocks)


def build_denial(text: str) -> Message:
    """A refusal from the policy module; `text` is its safe mrkdwn (mentions allowed)."""
    shown = slack_text.truncate(text.strip(), limits.SECTION_TEXT - 20) or "You can't do that here."
    return refusal(shown, icon=":lock:")


def build_help(command: str, usages: Sequence[tuple[str, str]]) -> Message:
    """How to use the command: one line per (usage, description) pair the caller may run.

    Both are safe mrkdwn; a usage is put in a code span unless it starts with one, and an empty
    description leaves the usage line alone.
    """
    title = plain_text(plain_of(f"How to use {command}", limits.HEADER_TEXT))
    blocks: list[Block] = [HeaderBlock(text=title)]
    if usages:
        lines = [_usage_line(usage, description) for usage, description in usages]
        blocks.extend(line_sections(lines, max_blocks=_MAX_LINE_BLOCKS))
        server = code_of("<server>", 20)
        blocks.append(
            context(
                f":bulb: {server} is a numeric id, an exact name or a hostname. "
                "Options are `key:value`, in any order; [brackets] mark optional parts."
            )
        )
    else:
        blocks.append(section("There is nothing you can run here."))
    return Message(text=fallback(f"How to use {safe(command, 40)}"), blocks=blocks)


def build_whoami(
    user_id: str,
    channel_id: str,
    lines: Sequence[tuple[str, bool, str]],
    notes: Sequence[str] = (),
) -> Message:
    """Which actions the caller may take in this channel; each reason is safe mrkdwn, as are
    `notes` (what needs approval, freeze windows)."""
    who = f":bust_in_silhouette: You are {user_mention(user_id)} in {channel_mention(channel_id)}."
    rows = [
        f"{':white_check_mark:' if allowed else ':no_entry_sign:'} {code_of(action, 40)} — {reason}"
        for action, allowed, reason in lines
    ]
    blocks: list[Block] = [section(who)]
    blocks.extend(line_sections(rows, max_blocks=_MAX_LINE_BLOCKS))
    if notes:
        blocks.extend(line_sections(list(notes), max_blocks=3))
    can = [safe(action, 40) for action, allowed, _ in lines if allowed]
    text = "You can: " + ", ".join(can) if can else "You can't take any action here"
    return Message(text=fallback(text), blocks=blocks)


def _usage_line(usage: str, description: str) -> str:
    """`usage` — description; a usage that starts with a code span is taken as it is."""
    usage = usage.strip()
    shown = usage if usage.startswith("`") else f"`{usage}`"
    return f"{shown} — {description.strip()}" if description.strip() else shown


def _summary_fields(server: Server) -> list[tuple[str, str]]:
    return [
        status_field(server),
        ip_field(server),
        location_field(server),
        ("Plan", safe(server.plan.name, 100) if server.plan else "—"),
    ]
