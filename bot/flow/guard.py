"""The policy check every request goes through, with the denial the caller sees."""

from __future__ import annotations

from bot.flow.caller import Caller
from bot.flow.reply import Reply
from bot.flow.services import Services
from bot.policy import Request, decide, denial_text
from bot.slack.blocks import build_denial
from bot.state import AuditOutcome
from bot.vps import Server


async def permitted(
    services: Services, caller: Caller, reply: Reply, action: str, server: Server | None = None
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
    await services.audit(
        caller,
        action,
        AuditOutcome.DENIED,
        server_id=server.id if server and server.id else None,
        server_name=server.name if server else None,
        detail=decision.reason,
    )
    await reply.ephemeral(build_denial(denial_text(decision, server.name if server else None)))
    return False
