"""Several servers at once: the preview (the servers in order, by batch; those left out and why;
the options; a rough duration) with its buttons, the typed-count form, and `/vps plans`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import ActionsBlock, Block, InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from bot.plans import PlanOptions
from bot.plans.left_out import LeftOut, Named
from bot.slack import ids
from bot.slack.blocks.core import (
    Message,
    action_label,
    button,
    context,
    duration,
    fallback,
    line_sections,
    modal,
    one_section,
    plain_text,
    refusal,
    safe,
    section,
    server_ref,
    user_mention,
)
from bot.words import counted

SHOWN = 20
"""Servers a preview lists by name; the rest are counted."""
LEFT_OUT_SHOWN = 20
ROUGH_STEP = 90.0
"""Seconds a batch takes, roughly: the call, and a server reaching its steady state."""


def why(left: LeftOut) -> str:
    """Why a server is left out, in plain words (outside text still raw)."""
    if left.why == "status":
        return f"already {left.status}" if left.detail == "already" else f"is {left.status}"
    if left.why == "frozen" and left.detail:
        return f"frozen by the {left.detail}"
    return _WHY.get(left.why, left.why)


_WHY = {
    "denied": "the policy does not allow you",
    "frozen": "frozen",
    "missing": "no such server",
    "ambiguous": "several servers go by that name; use its #id",
}


@dataclass(frozen=True)
class PlanView:
    """What a preview shows: the plan's servers in order with their batch, those left out."""

    plan_id: str
    operation: str
    servers: Sequence[tuple[int, Named]]  # (batch, server), in order
    left_out: Sequence[LeftOut]
    options: PlanOptions
    expires_in: float
    typed_count: bool = False
    approval: bool = False


def options_text(options: PlanOptions, servers: int) -> str:
    """batch:2 · max-fail:0 · pause:0s · wait:10m, as typed (a percentage with its count)."""
    batch = f"{options.batch}%" if options.batch_percent else str(options.batch)
    fails = f"{options.max_fail}%" if options.max_fail_percent else str(options.max_fail)
    if options.batch_percent:
        batch += f" ({options.batch_size(servers)})"
    if options.max_fail_percent:
        fails += f" ({options.failures_allowed(servers)})"
    pause = duration(options.pause) if options.pause else "0"
    return f"batch:{batch} · max-fail:{fails} · pause:{pause} · wait:{duration(options.wait)}"


def rough_duration(options: PlanOptions, servers: int) -> tuple[float, float]:
    """(roughly, at most) seconds the plan takes: every batch settles in `ROUGH_STEP` or,
    at most, in its whole `wait`; the pauses between batches."""
    batches = math.ceil(servers / options.batch_size(servers)) if servers else 0
    pauses = max(0, batches - 1) * options.pause
    return batches * ROUGH_STEP + pauses, batches * options.wait + pauses


def build_plan_preview(view: PlanView) -> Message:
    """The ephemeral preview: nothing happens until its danger button is clicked."""
    count = len(view.servers)
    verb = action_label(view.operation)
    batches = max((batch for batch, _ in view.servers), default=0)
    roughly, most = rough_duration(view.options, count)
    head = (
        f":clipboard: *{safe(verb, 40)} {counted(count, 'server')}* in "
        f"{counted(batches, 'batch', 'batches')}, in this order:"
    )
    lines: list[str] = []
    for batch in range(1, batches + 1):
        names = [server_ref(s.name, s.server_id) for b, s in view.servers[:SHOWN] if b == batch]
        if names:
            lines.append(f"*Batch {batch}:* " + ", ".join(names))
    if count > SHOWN:
        lines.append(f"… and {count - SHOWN} more")
    blocks: list[Block] = [section(head), *line_sections(lines, max_blocks=6)]
    if view.left_out:
        blocks.extend(_left_out(view.left_out))
    blocks.append(
        context(
            f":gear: {options_text(view.options, count)}",
            f":stopwatch: about {duration(roughly)} (at most {duration(most)})",
        )
    )
    if view.approval:
        blocks.append(context(":raised_hand: Then one approval covers the whole plan."))
    if view.typed_count:
        blocks.append(context(":keyboard: Next you type the number of servers, to be sure."))
    label = f"{verb} {counted(count, 'server')}"
    blocks.append(
        ActionsBlock(
            elements=[
                button(label, action_id=ids.PLAN_CONFIRM, value=view.plan_id, style="danger"),
                button("Cancel", action_id=ids.PLAN_CANCEL, value=view.plan_id),
            ]
        )
    )
    blocks.append(context(f":lock: Only you can confirm. Expires in {duration(view.expires_in)}."))
    return Message(
        text=fallback(f"Confirm: {verb.lower()} {counted(count, 'server')}?"), blocks=blocks
    )


def _left_out(left: Sequence[LeftOut]) -> list[Block]:
    lines = [
        f"• {server_ref(o.server.name, o.server.server_id)} — {safe(why(o), 200)}"
        for o in left[:LEFT_OUT_SHOWN]
    ]
    if len(left) > LEFT_OUT_SHOWN:
        lines.append(f"… and {len(left) - LEFT_OUT_SHOWN} more")
    return [section(f"*Left out ({len(left)}):*"), *line_sections(lines, max_blocks=4)]


def build_no_match(selector: str, left: Sequence[LeftOut]) -> Message:
    """A selector that matched no server the plan could act on (and what it left out)."""
    text = f":mag: No server to act on matches {safe(selector, 300) or 'that'}; nothing was done."
    if not left:
        return one_section(text)
    return Message(text=fallback(text), blocks=[section(text), *_left_out(left)])


def build_plan_limited(count: int, allowed: int, per_user: int, window: float) -> Message:
    """A plan larger than the member's write allowance: refused, saying how many they may
    change now."""
    return refusal(
        f"This plan changes {counted(count, 'server')}, but you may change only "
        f"{counted(allowed, 'more server')} now (the bot allows {counted(per_user, 'change')} "
        f"per {duration(window)}). Narrow the selection, or try again later.",
        icon=":stopwatch:",
    )


def build_count_modal(operation: str, count: int, private_metadata: str) -> View:
    """A large plan under `confirm:`: the member types how many servers it acts on."""
    verb = action_label(operation)
    field = InputBlock(
        block_id=ids.PLAN_COUNT_BLOCK,
        label=plain_text("Type the number of servers to confirm"),
        element=PlainTextInputElement(action_id=ids.PLAN_COUNT_INPUT),
        hint=plain_text(f"Type {count} exactly."),
    )
    warning = f":warning: This will {safe(verb.lower(), 40)} *{counted(count, 'server')}*."
    return modal(
        ids.PLAN_COUNT_MODAL,
        private_metadata=private_metadata,
        title=f"{verb} servers"[:24],
        submit=verb[:24],
        blocks=[section(warning), field],
    )


@dataclass(frozen=True)
class PlanRow:
    """One plan in `/vps plans`: who, what, its state, and how many servers are in each step."""

    plan_id: str
    operation: str
    user_id: str
    state: str
    steps: Sequence[tuple[str, int]]


def build_plans(rows: Sequence[PlanRow]) -> Message:
    """`/vps plans`: running and recent plans, newest first."""
    if not rows:
        return one_section(":clipboard: No plans to show.")
    lines = [
        f"`{safe(r.plan_id, 40)}` {safe(action_label(r.operation).lower(), 40)} — "
        f"{safe(r.state, 40)} — {user_mention(r.user_id)} — "
        + (", ".join(f"{n} {safe(step, 40)}" for step, n in r.steps) or "no servers")
        for r in rows
    ]
    blocks: list[Block] = [section(":clipboard: *Plans*"), *line_sections(lines, max_blocks=20)]
    return Message(text=fallback(f"Plans: {len(rows)}"), blocks=blocks)
