"""What every request goes through: the policy check (and the denial the caller sees), and
one net that turns any failure into an answer instead of silence."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.flow.caller import Caller
from bot.flow.reply import Reply
from bot.flow.services import Services
from bot.policy import Request, decide, denial_text
from bot.slack.blocks import build_denial, build_error
from bot.state import AuditOutcome
from bot.vps import Server, VPSError

logger = logging.getLogger(__name__)


async def permitted(
    services: Services,
    caller: Caller,
    reply: Reply,
    action: str,
    server: Server | None = None,
    *,
    label: str | None = None,
) -> bool:
    """Check the policy; on a denial, tell the caller which rules would allow it and record it."""
    request = Request(
        user_id=caller.user_id,
        channel_id=caller.channel_id,
        channel_name=caller.channel_name,
        action=action,
        server_name=server.name if server else None,
    )
    decision = await decide(services.policy, request, services.groups)
    if decision.allowed:
        return True
    ref = (label or "").strip().lstrip("#")
    await services.audit(
        caller,
        action,
        AuditOutcome.DENIED,
        server_id=server.id if server and server.id else (int(ref) if ref.isdigit() else None),
        server_name=server.name if server else (label if label and not ref.isdigit() else None),
        detail=decision.reason,
    )
    await reply.ephemeral(build_denial(denial_text(decision, server.name if server else label)))
    return False


async def denied_before_lookup(
    services: Services, caller: Caller, reply: Reply, action: str, reference: str
) -> bool:
    """Deny at once when no rule could allow `action` on any server: then a denied request
    costs no VPS.org call at all. (Rules that name servers need the server: those wait.)"""
    if any(rule.servers for rule in services.policy.rules_for(action)):
        return False
    return not await permitted(services, caller, reply, action, label=reference)


async def guarded(
    services: Services,
    caller: Caller,
    reply: Reply,
    act: Callable[[], Awaitable[None]],
    *,
    what: str,
) -> None:
    """Run `act`; API errors and surprises become a message to the caller, never silence."""
    try:
        await act()
    except VPSError as exc:
        await reply.ephemeral(build_error(str(exc)))
    except Exception:
        logger.exception("failed to run %s for %s", what, caller.user_id)
        await reply.ephemeral(
            build_error(
                "Something went wrong on the bot's side; nothing more was done.",
                hint="Try again; if it keeps failing, the bot's logs say why.",
            )
        )
