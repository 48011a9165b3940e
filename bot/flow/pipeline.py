"""Every request takes one path: find the target → `authorize` → run the handler.

    intent = Intent(action, run, target=parse_reference(text), becomes=...)
    await perform(ctx, gate, intent)

1. Could the action be allowed at all here (on some server)? If not, deny at once: no API call,
   and the denial is audited even when the reference is nonsense.
2. Find the server the request names (one parser, `bot.resolve.parse_reference`).
3. `gate.authorize(caller, action, server as it is, server as it will be)`.
4. Run the handler with the `Access` the gate granted; writes need it to reach the API.

`perform` also is the net: whatever goes wrong, the caller gets an answer, never silence. And it
sets the request's deadline (`bot.flow.deadline`): reads that run past it — finding the server,
the gate's look-ups, a handler's own reads — end the request before it acts, with "took too long".
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from bot.flow.context import Handler, RequestContext
from bot.flow.deadline import TooLong, bounded, deadline
from bot.flow.gate import Denied, Gate
from bot.flow.once import first_time
from bot.flow.writes import write
from bot.logs import bind_request
from bot.operations.change import Request
from bot.policy import READ_ACTIONS, write_actions
from bot.resolve import BadReference, ServerRef
from bot.slack.blocks import build_denial, build_error, build_prompt_outcome
from bot.slack.blocks.guardrails import build_frozen
from bot.slack.blocks.notes import build_note
from bot.slack.wording import denial, reason, unresolved
from bot.state import AuditOutcome, StateStoreError
from bot.vps import Server, VPSError
from bot.words import counted

logger = logging.getLogger(__name__)

__all__ = ["Handler", "Intent", "perform", "perform_step"]

Finder = Callable[[RequestContext], Awaitable["Server | Stop | None"]]

STORE_DOWN = "The bot's state store is unavailable, so nothing was done. Try again in a moment."


def busy(limit: int) -> str:
    """The answer to a read over the member's limit."""
    running = counted(limit, "request")
    return f"You already have {running} running; wait for their answers, then try again."


def too_long(seconds: float) -> str:
    """The answer to a request whose reads ran past its deadline."""
    return (
        f"This took too long: the bot could not find out what it needed within {seconds:g}s, "
        "so it stopped, and nothing was done. Try again in a moment."
    )


class Stop:
    """A finder's answer when it has already told the caller why there is nothing to act on."""


STOP = Stop()


def _same(server: Server | None) -> Server | None:
    return server


@dataclass(frozen=True)
class Intent:
    """What a request asks for: the policy action (None: open to all), the server it names,
    what that server will become, and what runs once allowed — a write's `request` (its
    steps: `bot.flow.writes.write`), or the handler `run` (a read, a click on a prompt).

    `find` replaces the usual lookup of `target` (e.g. the audit log, which also knows deleted
    servers); `label` names the target in a denial when there is no server (what was typed).
    """

    action: str | None
    run: Handler | None = None
    request: Request | None = None
    target: ServerRef | BadReference | None = None
    becomes: Callable[[Server | None], Server | None] = _same
    find: Finder | None = None
    label: str | None = None
    what: str = "request"
    denied_outcome: str | None = None  # replaces the message clicked on when it is denied


IntentSource = Intent | Callable[[RequestContext], Awaitable["Intent | None"]]


async def perform(ctx: RequestContext, gate: Gate, intent: IntentSource) -> None:
    """Take an intent (or what makes one: it may need the store) through the gate and run it;
    every outcome, even a failure, reaches the caller."""
    doing = _Doing(intent.what if isinstance(intent, Intent) else "request")
    async with _answered(ctx, doing):
        made = intent if isinstance(intent, Intent) else await intent(ctx)
        if made is not None and made.action in write_actions() and not await first_time():
            # Only what changes something waits for the replicas' shared memory of
            # requests: a read answered twice does no harm, and its answer need not wait.
            logger.warning("a repeated request was acked but not acted on (another had)")
            return
        if made is not None and made.action in READ_ACTIONS:
            doing.what = made.what
            with ctx.read_slots.take(ctx.caller.user_id) as free:
                if free:
                    await _perform(ctx, gate, made)
                else:
                    ctx.tally.outcome = "busy"
                    await ctx.reply.ephemeral(build_note(busy(ctx.read_slots.limit)))
        elif made is not None:
            doing.what = made.what
            await _perform(ctx, gate, made)


async def perform_step(ctx: RequestContext, what: str, step: Coroutine[Any, Any, None]) -> None:
    """A write that is a step of its own (an approval's decision, which asks the gate itself)
    under the same net: the deadline, the replicas' memory of requests, an answer whatever
    goes wrong."""
    async with _answered(ctx, _Doing(what)):
        if not await first_time():
            step.close()
            logger.warning("a repeated request was acked but not acted on (another had)")
            return
        await step


@dataclass
class _Doing:
    what: str


@asynccontextmanager
async def _answered(ctx: RequestContext, doing: _Doing) -> AsyncIterator[None]:
    """The net around a request: its deadline, and an answer for every failure."""
    try:
        with deadline(ctx.deadline):
            yield
    except TooLong as exc:
        ctx.tally.outcome = "failed"
        logger.warning("stopped %s at its %gs deadline; nothing was done", doing.what, exc.seconds)
        await ctx.reply.ephemeral(build_error(too_long(exc.seconds)))
    except VPSError as exc:
        ctx.tally.outcome = "failed"
        await ctx.reply.ephemeral(build_error(str(exc)))
    except StateStoreError:
        ctx.tally.outcome = "unavailable"
        logger.exception("the state store failed during %s", doing.what)
        await ctx.reply.ephemeral(build_error(STORE_DOWN))
    except Exception:
        ctx.tally.outcome = "error"
        logger.exception("failed to run %s for %s", doing.what, ctx.caller.user_id)
        await ctx.reply.ephemeral(
            build_error(
                "Something went wrong on the bot's side; nothing more was done.",
                hint="Try again; if it keeps failing, the bot's logs say why.",
            )
        )


async def _perform(ctx: RequestContext, gate: Gate, intent: Intent) -> None:
    label = intent.label or (intent.target.text if isinstance(intent.target, ServerRef) else None)
    if isinstance(intent.target, BadReference):
        label = intent.target.reference
    visible: tuple[str, ...] = ()
    first_check = intent.target is not None or intent.find is not None
    if intent.action is not None and first_check:
        # Denied on every server: say so before looking anything up.
        first = await bounded(gate.authorize(ctx.caller, intent.action, label=label))
        if isinstance(first, Denied):
            await deny(ctx, first, label, intent.denied_outcome)
            return
        if intent.action in READ_ACTIONS:  # a read limited to some servers sees only those
            visible = first.only_servers
    server = await _find(ctx, intent, visible)
    if isinstance(server, Stop):
        ctx.tally.outcome = "not_found"
        return
    bind_request(
        request_id=ctx.request_id,
        action=intent.action,
        server_id=server.id if server is not None and server.id else None,
    )
    after = intent.request.on(server).after() if intent.request else intent.becomes(server)
    verdict = await bounded(gate.authorize(ctx.caller, intent.action, server, after, label=label))
    if isinstance(verdict, Denied):
        if intent.action in READ_ACTIONS:  # a read names only what the caller typed
            verdict = replace(verdict, label=label)
        await deny(ctx, verdict, label, intent.denied_outcome)
    elif intent.request is not None:
        await write(ctx, verdict, intent.request.on(verdict.server))
    elif intent.run is not None:
        await intent.run(ctx, verdict)


async def _find(
    ctx: RequestContext, intent: Intent, visible: tuple[str, ...]
) -> Server | Stop | None:
    if intent.find is not None:
        return await intent.find(ctx)
    if intent.target is None:
        return None
    found = await ctx.servers.resolve(intent.target, visible=visible)
    if isinstance(found, Server):
        return found
    await ctx.reply.ephemeral(build_note(unresolved(found), icon=":mag:"))
    return STOP


async def deny(
    ctx: RequestContext, denied: Denied, label: str | None, outcome: str | None = None
) -> None:
    """Tell the caller why not — the rules that would allow it, or the freeze and when it
    ends — and record it; `outcome` replaces the message that was clicked (a prompt that can
    no longer be confirmed)."""
    server = denied.server
    shown = denied.label or label
    freeze = denied.freeze
    await ctx.audit(
        denied.action,
        AuditOutcome.FROZEN if freeze is not None else AuditOutcome.DENIED,
        server_id=server.id if server is not None and server.id else None,
        server_name=server.name if server is not None else shown,
        detail=freeze.description if freeze is not None else _reason(denied),
    )
    if outcome is not None:
        await ctx.reply.replace(build_prompt_outcome(outcome))
    if freeze is not None:
        now = datetime.fromtimestamp(ctx.clock(), UTC)
        message = build_frozen(
            denied.action, shown, freeze.description, freeze.reason, denied.frozen_until, now
        )
    elif denied.decision is not None:
        message = build_denial(denial(denied.decision, shown))
    else:
        raise ValueError("a denial without a reason")
    await ctx.reply.ephemeral(message)


def _reason(denied: Denied) -> str:
    return reason(denied.decision) if denied.decision is not None else ""
