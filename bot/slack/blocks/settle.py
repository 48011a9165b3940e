"""Changes whose answer was lost: what the requester hears while the bot checks the server, and
how the change is reported once the server's status has settled it (done or not done)."""

from __future__ import annotations

from bot.slack import text as slack_text
from bot.slack.blocks import limits
from bot.slack.blocks.core import (
    Message,
    action_label,
    context,
    safe,
    server_ref,
)
from bot.slack.blocks.messages import build_result
from bot.slack.blocks.notes import build_note
from bot.vps.models import Server

__all__ = ["build_answer_lost", "build_settled"]


def build_answer_lost(operation: str, server_name: str, server_id: int | None) -> Message:
    """The call may have reached VPS.org, but its answer did not come back in time."""
    verb = safe(action_label(operation).lower(), 40)
    ref = server_ref(server_name, server_id)
    return build_note(
        f"VPS.org did not answer the {verb} of {ref} in time, so it may or may not have "
        "happened. It is *not* sent again: the bot checks the server and tells you here "
        "whether it was done.",
        icon=":hourglass_flowing_sand:",
    )


def build_settled(
    *,
    done: bool,
    operation: str,
    server_name: str,
    server_id: int | None,
    server: Server | None,
    user_id: str,
    channel_id: str,
    restarted: bool,
) -> Message:
    """A change settled by the server's status: `done` or not, `server` as it is now (None
    when it is gone), `restarted` when the bot died waiting for the answer (else the answer
    was lost on its way)."""
    verb = action_label(operation).lower()
    when = (
        "the bot restarted before VPS.org answered"
        if restarted
        else "VPS.org's answer was lost on its way"
    )
    if done:
        detail = f"Done: {when}, and the server shows the {verb} was made."
    else:
        detail = (
            f"Not done: {when}, and the server shows the {verb} was not made. Nothing was "
            "sent again; ask again if you still want it."
        )
    message = build_result(
        ok=done,
        action=operation,
        server_name=server_name,
        server_id=server_id,
        server=server,
        user_id=user_id,
        channel_id=channel_id,
        detail=detail,
    )
    note = context(":mag: Settled by reading the server's status, after " + safe(when, 80))
    said = "done" if done else "not done"
    ending = f": {said}, settled by reading the server's status"
    text = slack_text.truncate(message.text, limits.FALLBACK_TEXT - len(ending)) + ending
    return Message(text=text, blocks=[*message.blocks, note])
