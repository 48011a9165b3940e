"""Running a change the gate allowed: its declared API call, made once, and its outcome."""

from __future__ import annotations

from dataclasses import dataclass

from bot.operations.change import Change
from bot.slack.blocks import Message, build_result
from bot.vps import Server, VPSClient, VPSError, VPSTimeout


@dataclass(frozen=True)
class Outcome:
    """How a write ended: a message for the channel, and what to record."""

    ok: bool
    message: Message
    detail: str
    server: Server | None = None
    status: str | None = None
    lost: bool = False
    """The answer was lost where the request may have reached VPS.org (a timeout after
    sending, a broken connection): whether it happened is learnt from the server, never by
    sending it again."""


async def execute(vps: VPSClient, change: Change, *, user_id: str, channel_id: str) -> Outcome:
    """Make the API call of `change` once and describe the outcome; API errors become outcomes."""
    name, server_id = change.server.name, change.server_id
    try:
        done = await change.declared.call(vps, change)
    except VPSError as exc:
        message = build_result(
            ok=False,
            action=change.operation,
            server_name=name,
            server_id=server_id,
            user_id=user_id,
            channel_id=channel_id,
            detail=str(exc),
        )
        lost = isinstance(exc, VPSTimeout)
        return Outcome(ok=False, message=message, detail=str(exc), lost=lost)
    server = done.server
    message = build_result(
        ok=True,
        action=change.operation,
        server_name=server.name if server else name,
        server_id=server.id if server else server_id,
        server=server,
        user_id=user_id,
        channel_id=channel_id,
        detail=done.detail,
    )
    return Outcome(
        ok=True, message=message, detail=done.detail or "done", server=server, status=done.status
    )
