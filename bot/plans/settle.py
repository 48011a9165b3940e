"""Where one server of a plan stands, from its status in one listing of the fleet: before its
call (call it, or leave it out), after it (done, still moving, failed), and after a call whose
answer was lost (settled by the status, never by calling again)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.operations import Operation
from bot.words import counted

MOVING = frozenset({"starting", "stopping", "rebooting", "provisioning"})
"""Statuses a server passes through on its way to a steady one."""


@dataclass(frozen=True)
class Verdict:
    """A server's step from here: "call", "running" (still moving), "done", "failed" or
    "skipped", and why (plain text; untrusted parts are escaped where it is shown)."""

    state: str
    detail: str = ""


CALL = Verdict("call")
RUNNING = Verdict("running")


def before_call(op: Operation, status: str | None) -> Verdict:
    """Whether a server whose turn has come is called, by its status now (None: not listed)."""
    if status is None:
        return Verdict("skipped", "no such server any more")
    if op.can_run_from(status):
        return CALL
    if status == op.leads_to:
        return Verdict("skipped", f"already {status}")
    return Verdict("failed", f"it is {status}: {op.name} cannot run")


def after_call(
    op: Operation, status: str | None, *, called_at: float | None, now: float, wait: float
) -> Verdict:
    """A called server: done once in the status its operation leads to; failed when it lands
    in another steady one, disappears, or is still moving after `wait` seconds."""
    if status is None:
        return Verdict("failed", "it disappeared")
    if op.leads_to is None or status == op.leads_to:
        return Verdict("done", status)
    if status in MOVING:
        if called_at is not None and now - called_at >= wait:
            return Verdict("failed", f"still {status} after {counted(round(wait), 'second')}")
        return RUNNING
    return Verdict("failed", f"it is {status}, not {op.leads_to}")


def lost_answer(op: Operation, status: str | None) -> Verdict:
    """A server whose call went out but whose answer was lost (the replica calling it died):
    what its status says happened. It is never called again."""
    if status is None:
        return Verdict("failed", "it disappeared")
    if status in MOVING:
        return RUNNING  # the call arrived: follow it as any other
    if status == op.leads_to and not op.can_run_from(status):
        return Verdict("done", status)
    return Verdict(
        "failed", f"the answer to its call was lost and it is {status}; not called again"
    )
