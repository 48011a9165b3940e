"""Every request takes one straight path, each step a plain function:

    /vps stop web-01    parse → Request → resolve → authorize → confirm | approve | execute
    its Confirm click   the stored change → resolve (the server as it is now) → authorize → …
    /vps list, show …   parse → (resolve →) authorize the read → answer

`resolve` first asks whether the action could be allowed here at all (on some server): if not,
it is denied at once — no API call, and audited even when the reference is nonsense — and only
then finds the server (one parser, `bot.resolve.parse_reference`). `authorize` asks the gate on
the server as it is and as it will be; the `Access` it grants is what a write needs to reach
the API.

`guarded` is the net around every request: its deadline (`bot.flow.deadline`: reads that run
past it end the request before it acts, with "took too long"), the replicas' memory of requests
before a write (`first_time`), the member's read slots before a read, and an answer to the
caller whatever goes wrong — never silence.
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Literal

from bot.flow.context import RequestContext
from bot.flow.deadline import TooLong, bounded, deadline
from bot.flow.denied import Denied
from bot.flow.gate import Access, Gate
from bot.flow.once import first_time
from bot.logs import bind_request
from bot.policy import READ_ACTIONS
from bot.resolve import BadReference, ServerRef
from bot.slack.blocks import build_denial, build_error, build_prompt_outcome
from bot.slack.blocks.guardrails import build_frozen
from bot.slack.blocks.notes import build_note
from bot.slack.wording import denial, reason, unresolved
from bot.state import AuditOutcome, StateStoreError
from bot.vps import Server, VPSError
from bot.words import counted

logger = logging.getLogger(__name__)

__all__ = ["authorize", "deny", "guarded", "labelled", "may_at_all", "resolve"]

STORE_DOWN = "The bot's state store is unavailable, so nothing was done. Try again in a moment."

Kind = Literal["read", "write", "other"]
"""What a request does, for the net: a read takes one of the member's read slots; a write is
acted on by one replica only."""
Step = Coroutine[Any, Any, None]
"""A request's path, to run under the net."""


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


async def guarded(ctx: RequestContext, what: str, kind: Kind, step: Step) -> None:
    """Run `step` (the request's path) under the net: its deadline, one replica for a write
    (a read answered twice does no harm, and need not wait for the shared memory), a read slot
    for a read, and an answer whatever goes wrong."""
    try:
        with deadline(ctx.deadline):
            if kind == "write" and not await first_time():
                logger.warning("a repeated request was acked but not acted on (another had)")
            elif kind != "read":
                await step
            else:
                with ctx.read_slots.take(ctx.caller.user_id) as free:
                    if free:
                        await step
                    else:
                        ctx.tally.outcome = "busy"
                        await ctx.reply.ephemeral(build_note(busy(ctx.read_slots.limit)))
    except TooLong as exc:
        ctx.tally.outcome = "failed"
        logger.warning("stopped %s at its %gs deadline; nothing was done", what, exc.seconds)
        await ctx.reply.ephemeral(build_error(too_long(exc.seconds)))
    except VPSError as exc:
        ctx.tally.outcome = "failed"
        await ctx.reply.ephemeral(build_error(str(exc)))
    except StateStoreError:
        ctx.tally.outcome = "unavailable"
        logger.exception("the state store failed during %s", what)
        await ctx.reply.ephemeral(build_error(STORE_DOWN))
    except Exception:
        ctx.tally.outcome = "error"
        logger.exception("failed to run %s for %s", what, ctx.caller.user_id)
        await ctx.reply.ephemeral(
            build_error(
                "Something went wrong on the bot's side; nothing more was done.",
                hint="Try again; if it keeps failing, the bot's logs say why.",
            )
        )
    finally:
        step.close()  # a step that never ran (nothing, once it has)


def labelled(ref: ServerRef | BadReference) -> str:
    """How a denial names what was typed (untrusted text)."""
    return ref.reference if isinstance(ref, BadReference) else ref.text


async def may_at_all(
    ctx: RequestContext, gate: Gate, action: str, label: str | None, outcome: str | None = None
) -> Access | None:
    """Whether `action` could be allowed here on some server; denied at once (and said, and
    recorded) when not. A read limited to some servers gets an access naming their globs."""
    first = await bounded(gate.authorize(ctx.caller, action, label=label))
    if isinstance(first, Denied):
        await deny(ctx, first, label, outcome)
        return None
    return first


async def resolve(
    ctx: RequestContext,
    gate: Gate,
    action: str,
    ref: ServerRef | BadReference,
    *,
    label: str | None,
    outcome: str | None = None,
) -> Server | None:
    """The server a request names, once `action` may be taken on some server here; None when
    the caller has been told why not (`outcome` replaces the message clicked on, when
    denied)."""
    first = await may_at_all(ctx, gate, action, label, outcome)
    if first is None:
        return None
    visible = first.only_servers if action in READ_ACTIONS else ()  # a read sees only those
    found = await ctx.servers.resolve(ref, visible=visible)
    if isinstance(found, Server):
        ctx.tally.server = found
        return found
    await ctx.reply.ephemeral(build_note(unresolved(found), icon=":mag:"))
    ctx.tally.outcome = "not_found"
    return None


async def authorize(
    ctx: RequestContext,
    gate: Gate,
    action: str,
    server: Server | None = None,
    after: Server | None = None,
    *,
    label: str | None = None,
    outcome: str | None = None,
) -> Access | None:
    """The gate's verdict on `server` as it is and as it will be (`after`); None when denied
    (and said, and recorded)."""
    bind_request(
        request_id=ctx.request_id,
        action=action,
        server_id=server.id if server is not None and server.id else None,
    )
    verdict = await bounded(gate.authorize(ctx.caller, action, server, after, label=label))
    if isinstance(verdict, Access):
        return verdict
    if action in READ_ACTIONS:  # a read names only what the caller typed
        verdict = replace(verdict, label=label)
    await deny(ctx, verdict, label, outcome)
    return None


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
