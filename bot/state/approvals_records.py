"""Approval records (the two-person rule): a request waiting for someone else's decision."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.state.records import PendingRequest


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
