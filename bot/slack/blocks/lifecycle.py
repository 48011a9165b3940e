"""Messages that follow a server after an action: in progress, steady, stuck, gone."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.operations import find
from bot.slack.blocks.core import (
    Message,
    channel_mention,
    code_of,
    context,
    elapsed,
    emoji_for,
    fallback,
    one_section,
    safe,
    section,
    server_ref,
    server_ref_plain,
    user_mention,
)


def build_lifecycle(
    *,
    action: str,
    server_name: str,
    server_id: int,
    status: str,
    user_id: str,
    channel_id: str,
    seconds: float,
    ip_address: str | None = None,
    outcome: str = "progress",
) -> Message:
    """One line that is edited as the server moves: progress, then steady, stuck or gone.

    `outcome` is "progress", "steady", "stuck" or "gone"; every outside value is escaped here.
    """
    ref, plain_ref = server_ref(server_name, server_id), server_ref_plain(server_name, server_id)
    shown_status = safe(status or "unknown", 40)
    took = elapsed(seconds)
    match outcome:
        case "steady":
            at = f" at {code_of(ip_address, 60)}" if ip_address and status == "active" else ""
            plain_at = f" at {safe(ip_address or '', 60)}" if at else ""
            line = f"{emoji_for(status)} {ref} is *{shown_status}*{at} after {took}"
            text = f"{plain_ref} is {shown_status}{plain_at} after {took}"
        case "stuck":
            line = (
                f":warning: {ref} is still *{shown_status}* after {took}: it looks stuck. "
                "Check it in the VPS.org panel."
            )
            text = f"{plain_ref} looks stuck ({shown_status} after {took})"
        case "gone":
            line = f":ghost: {ref} disappeared while it was *{shown_status}* ({took} in)"
            text = f"{plain_ref} disappeared"
        case _:
            op = find(action)
            doing = (op.wording.doing if op is not None else None) or shown_status
            line = f":hourglass_flowing_sand: {ref} is {doing}… *{shown_status}* for {took}"
            text = f"{plain_ref} is {doing}"
    who = (
        f"{safe(action, 20)} requested by {user_mention(user_id)} in {channel_mention(channel_id)}"
    )
    blocks: list[Block] = [section(line), context(who)]
    return Message(text=fallback(text), blocks=blocks)


def build_fleet_change(server_id: int, name: str, before: str | None, after: str | None) -> Message:
    """The ops-channel line for a change the fleet monitor saw made outside the bot.

    `before` None: the server appeared; `after` None: it disappeared.
    """
    ref = server_ref(name, server_id)
    if before is None:
        line = f":new: {ref} appeared ({safe(after or '', 40)})"
    elif after is None:
        line = f":wastebasket: {ref} disappeared (it was {safe(before, 40)})"
    else:
        line = f"{emoji_for(after)} {ref} is now *{safe(after, 40)}* (was {safe(before, 40)})"
    blocks: list[Block] = [
        section(line),
        context(":mag: Seen by the fleet monitor; not done through vpsbot."),
    ]
    return Message(text=fallback(line), blocks=blocks)


def build_api_down(polls: int, error: str) -> Message:
    """The ops channel hears that VPS.org has been unreachable for `polls` polls in a row."""
    line = (
        f":rotating_light: The fleet monitor has not reached VPS.org for {polls} polls in a "
        f"row: {safe(error, 500)}"
    )
    return one_section(line)
