"""The records the state store keeps: small frozen values, times as UNIX seconds (UTC floats)."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


def new_id() -> str:
    """An unguessable id (128 random bits, URL-safe) for a confirmation, approval or watch."""
    return secrets.token_urlsafe(16)


_IN_THIS_PROCESS: set[str] = set()
"""The owners this process made: never an earlier run, even with its pid."""


def new_replica_id(identity: str | None = None) -> str:
    """This process's name as the owner of leases: the replica's identity (BOT_REPLICA_ID, else
    the host name), pid and a random part (a restarted process is a new owner; `earlier_self`
    tells it which owners were its own earlier runs)."""
    owner = f"{identity or socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    _IN_THIS_PROCESS.add(owner)
    return owner


def earlier_self(owner: str, me: str) -> bool:
    """True when `owner` is an earlier run of the replica `me` names, now gone: the same
    identity, and a process that is no longer alive here (or whose pid this process has
    taken, as a container restarted as pid 1 does). A live process is never one, even with
    the same identity: two processes on one host never take each other's leases."""
    identity, pid, _ = _parts(owner)
    my_identity, my_pid, _ = _parts(me)
    if owner in _IN_THIS_PROCESS:  # another bot in this process (tests run two): alive
        return False
    if identity != my_identity or pid is None:
        return False
    return pid == my_pid or not _alive(pid)


def _parts(owner: str) -> tuple[str, int | None, str]:
    identity, _, rest = owner.rpartition(":")
    identity, _, pid = identity.rpartition(":")
    return identity, int(pid) if pid.isdigit() else None, rest


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # it exists, but is another user's
        return True
    return True


class ConfirmationState(StrEnum):
    """Where a confirmation is in its life; only `pending` can still be claimed or cancelled."""

    PENDING = "pending"
    CLAIMED = "claimed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


@dataclass(frozen=True, kw_only=True)
class PendingRequest:
    """What a confirmation and an approval share: an operation someone asked for, waiting for
    a person until `expires_at`. `server_id` is None for a `create`."""

    id: str
    channel_id: str
    channel_name: str
    action: str
    server_id: int | None
    server_name: str
    params: Mapping[str, Any]
    created_at: float
    expires_at: float
    response_url: str | None = None  # where to answer the requester, when Slack gave one


@dataclass(frozen=True, kw_only=True)
class Confirmation(PendingRequest):
    """An action waiting for its requester's click."""

    user_id: str
    state: ConfirmationState = ConfirmationState.PENDING

    def problem(self, user_id: str, now: float) -> ClaimOutcome | None:
        """Why `user_id` may not use it now (wrong user, used, expired), or None if they may.

        The one rule for every store: checked in this order.
        """
        if self.user_id != user_id:
            return ClaimOutcome.WRONG_USER
        if self.state in (ConfirmationState.CLAIMED, ConfirmationState.CANCELLED):
            return ClaimOutcome.ALREADY_USED
        if self.state is ConfirmationState.EXPIRED or now >= self.expires_at:
            return ClaimOutcome.EXPIRED
        return None


class ClaimOutcome(StrEnum):
    """What a claim or cancel did. Only the first two mean "this call won"."""

    CLAIMED = "claimed"
    CANCELLED = "cancelled"
    ALREADY_USED = "already_used"  # claimed or cancelled before
    EXPIRED = "expired"  # the deadline passed (the record is now marked expired)
    WRONG_USER = "wrong_user"  # someone else's confirmation; left untouched
    NOT_FOUND = "not_found"  # never existed, or purged


@dataclass(frozen=True)
class ClaimResult:
    """The outcome, and the confirmation as it stands afterwards (None when not found)."""

    outcome: ClaimOutcome
    confirmation: Confirmation | None = None

    @property
    def ok(self) -> bool:
        """True for the one caller that claimed (or cancelled) the confirmation."""
        return self.outcome in (ClaimOutcome.CLAIMED, ClaimOutcome.CANCELLED)


class ApprovalState(StrEnum):
    """Where an approval is in its life; only `pending` can still be decided."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


@dataclass(frozen=True, kw_only=True)
class Approval(PendingRequest):
    """An operation that passed its requester's checks and waits for an approver.

    `action` is the policy action, `word` the operation's verb (rename, set, …), `params` the
    operation itself; `ops_channel`/`ops_ts` locate the approval request message.
    """

    requester_id: str
    word: str
    state: ApprovalState = ApprovalState.PENDING
    decided_by: str | None = None
    decided_at: float | None = None
    ops_channel: str | None = None
    ops_ts: str | None = None
    request_id: str = ""


class ApprovalOutcome(StrEnum):
    """What `decide_approval` did. Only the first two mean "this call decided it"."""

    APPROVED = "approved"
    REJECTED = "rejected"
    ALREADY_DECIDED = "already_decided"  # approved or rejected before
    EXPIRED = "expired"  # past its deadline (the record is now marked expired)
    SELF_APPROVAL = "self_approval"  # the requester tried to decide their own request
    NOT_FOUND = "not_found"  # never existed, or purged


@dataclass(frozen=True)
class ApprovalResult:
    """The outcome, and the approval as it stands afterwards (None when not found).

    `expired_here` is True for the one call (this or `expire_approvals`, on any replica) that
    marked the approval expired: that caller reports the expiry, nobody else does.
    """

    outcome: ApprovalOutcome
    approval: Approval | None = None
    expired_here: bool = False

    @property
    def ok(self) -> bool:
        """True for the one caller whose decision (approve or reject) was recorded."""
        return self.outcome in (ApprovalOutcome.APPROVED, ApprovalOutcome.REJECTED)


class OpenOutcome(StrEnum):
    """What `open_approval` did with a new request."""

    OPENED = "opened"  # stored, pending
    WAITING = "waiting"  # an identical request of the same member is pending already
    FULL = "full"  # the member has as many requests pending (and writes) as allowed


@dataclass(frozen=True)
class Opening:
    """The outcome; the approval stored, or the identical one waiting already; and what the
    member had pending and had written (within the limit's window) when it was decided."""

    outcome: OpenOutcome
    approval: Approval | None = None
    pending: int = 0
    writes: int = 0


class AuditOutcome(StrEnum):
    """The steps of a request that the audit log records."""

    ASKED = "asked"
    DENIED = "denied"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    EXECUTED = "executed"
    FAILED = "failed"
    REQUESTED = "requested"  # an approval was requested (EXPIRED also ends approvals)
    APPROVED = "approved"
    REJECTED = "rejected"
    FROZEN = "frozen"  # refused by a freeze window
    LIMITED = "limited"  # refused by the write limit
    # A plan's run (bot.plans.drive) and each of its servers' ends; the detail names the plan.
    STARTED = "started"
    PAUSED = "paused"
    RESUMED = "resumed"
    ABORTED = "aborted"
    FINISHED = "finished"
    SKIPPED = "skipped"  # a server of a plan left out when its turn came (denied, gone, …)


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    """One line of the audit log: who asked what, on which server, and what came of it."""

    time: float
    user_id: str
    channel_id: str
    action: str
    server_id: int | None
    server_name: str | None
    outcome: AuditOutcome
    detail: str = ""
    request_id: str = ""
    count: int = 1  # repeated denials of one member collapse into one entry
    id: int = field(default=0, compare=False)  # its place in the log (read back); 0 unstored


@dataclass(frozen=True, kw_only=True)
class Watch:
    """A server the bot follows after an action until its next steady state.

    `ops_channel`/`ops_ts` locate the ops-channel message to edit or reply to; `result_channel`/
    `result_ts` (or `response_url`) the result message where the command was typed.
    """

    id: str
    server_id: int
    server_name: str
    action: str
    requested_by: str
    channel_id: str
    started_at: float
    deadline: float
    ops_channel: str | None = None
    ops_ts: str | None = None
    result_channel: str | None = None
    result_ts: str | None = None
    response_url: str | None = None
    last_status: str | None = None
    owner: str | None = None  # the replica following it, until `lease_until`
    lease_until: float | None = None


@dataclass(frozen=True, slots=True)
class SnapshotEntry:
    """What the fleet monitor last saw of one server."""

    name: str
    status: str


@dataclass(frozen=True)
class PendingCounts:
    """What waits for a person now (for metrics)."""

    confirmations: int
    approvals: int
