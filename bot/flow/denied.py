"""`Denied`: what the gate answers instead of an `Access` — the refusal, as data to word."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.policy import ApprovalRule, Decision, FreezeHit
from bot.vps import Server


@dataclass(frozen=True)
class Denied:
    """The gate said no: the policy's decision — or the freeze window that is on, and when the
    freeze ends (None: never) — and how to name what was refused (untrusted text)."""

    action: str
    decision: Decision | None
    label: str | None = None
    server: Server | None = None
    freeze: FreezeHit | None = None
    frozen_until: datetime | None = None
    approvers: ApprovalRule | None = None  # the caller may not approve: these may
    self_approval: bool = False  # the caller asked for it: someone else must approve
    rule_gone: bool = False  # an approval the policy no longer asks for
    outsider: bool = False  # its rule is gone: only the requester or a `*` member may close it
