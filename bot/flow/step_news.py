"""What the shared store says of a waiting workflow step, whichever replica handled its click.

A step waits on the replica that got `function_executed`, but its person may click the DM prompt
(or an approver approve) on another one: the change then runs there, and `OperationDone` is
heard there only. So each poll also reads what every replica writes — the pending confirmation
the step prompted for, the approval it led to, and the audit log (or the server's status) for
the change itself — and says what decided the step, as the event would have:

    cancelled / expired confirmation, rejected / expired approval → why nothing was done (a str)
    the change ran elsewhere (its audit entry, or the server reaching the operation's state)
        → `Ran` (failed at the API: its reason)
    still undecided → None
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.operations import find
from bot.slack.blocks import Message, build_result
from bot.slack.text import escape
from bot.state import StateStore
from bot.state.records import ApprovalState, AuditOutcome, ConfirmationState
from bot.vps import VPSError

if TYPE_CHECKING:
    from bot.flow.directory import ServerDirectory
    from bot.flow.steps import Waiting

__all__ = ["Ran", "failure", "news"]

_RAN = (AuditOutcome.EXECUTED, AuditOutcome.FAILED)
AUDIT_LOOKBACK = 20
"""The newest entries of the step's server read for the change's own entry."""


@dataclass(frozen=True)
class Ran:
    """The change ran (on any replica): on which server, and why it failed if it did."""

    server_id: int
    failed: str | None = None


async def news(
    store: StateStore,
    directory: ServerDirectory,
    waiting: Waiting,
    confirmation_id: str | None,
    now: float,
) -> Ran | str | None:
    """What decided the step, as the shared store tells it, or None while nothing has."""
    if confirmation_id is not None:
        pending = await store.get_confirmation(confirmation_id)
        if pending is None or pending.state is ConfirmationState.CANCELLED:
            return "Cancelled by the person it acts for; nothing was done."
        if pending.state is ConfirmationState.EXPIRED or (
            pending.state is ConfirmationState.PENDING and now >= pending.expires_at
        ):
            return "The confirmation expired; nothing was done."
        if pending.state is ConfirmationState.PENDING:
            return None
    approved = False
    for approval in await store.list_approvals(pending_only=False):
        if (
            approval.requester_id == waiting.call.user_id
            and approval.word == waiting.operation
            and approval.server_id == waiting.server_id
            and approval.created_at >= waiting.since - 1
        ):
            if approval.state is ApprovalState.REJECTED:
                return f"Rejected by <@{approval.decided_by}>; nothing was done."
            if approval.state is ApprovalState.EXPIRED or (
                approval.state is ApprovalState.PENDING and now >= approval.expires_at
            ):
                return "The approval request expired; nothing was done."
            if approval.state is ApprovalState.PENDING:
                return None  # confirmed, and now waiting for an approver
            approved = True
    if confirmation_id is None and not approved:
        return None  # nothing asked yet: only the event tells (the change runs here)
    return await _ran(store, directory, waiting)


async def _ran(store: StateStore, directory: ServerDirectory, waiting: Waiting) -> Ran | None:
    """The change's audit entry (written after the call, on whichever replica made it), or
    the server in the operation's state when it was not there before the step."""
    server_id = waiting.server_id
    if server_id is None:
        return None
    for entry in await store.list_audit(server_id, limit=AUDIT_LOOKBACK):
        if entry.time < waiting.since:
            break  # newest first: the rest came before the step
        if entry.action == waiting.operation and entry.outcome in _RAN:
            if entry.outcome is AuditOutcome.EXECUTED:
                return Ran(server_id)
            told = build_result(  # what the requester read where it ran
                ok=False,
                action=entry.action,
                server_name=entry.server_name,
                server_id=server_id,
                user_id=entry.user_id,
                channel_id=entry.channel_id,
                detail=entry.detail,
            )
            return Ran(server_id, failure(told, entry.detail))
    declared = find(waiting.operation)
    leads_to = declared.leads_to if declared is not None else None
    if leads_to is None or waiting.before in (None, leads_to):
        return None  # a reboot leaves the server as it found it: only its entry tells
    try:
        server = await directory.get(server_id)
    except VPSError:
        return None
    return Ran(server_id) if server.status == leads_to else None


def failure(told: Message, detail: str) -> str:
    """Why a change failed at the API: the result its requester read, and the API's own words
    (untrusted: made inert), which the result shows only in its blocks."""
    return f"{told.text}: {escape(detail)}" if detail else told.text
