"""Whether a change whose answer was lost happened, learnt from the server — never by sending it
again. The settler (`bot.flow.settler`) asks it of the changes left in flight; a plan's driver
asks it of a server whose call went unanswered.

What the declaration says decides (`runs_from`, `leads_to`, the values it sets): a server
passing through a transitional status it was not in before, or in the status the operation
leads to, changed; one still in a status it runs from did not. When the status cannot tell (a
reboot ends where it began) the server's `updated_at` after the call was sent does. A delete
whose server is gone is done; a create is done when a server of its name appeared since.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.operations.change import Change
from bot.vps import Server, VPSClient, VPSNotFound
from bot.vps.models import STEADY_STATUSES

__all__ = ["Verdict", "decide", "settled", "verdict"]

_CLOCKS_APART = 5.0
"""Seconds VPS.org's clock may be behind ours when a create's `created_at` is compared."""
_FIELDS = ("name", "hostname", "backups_enabled")


@dataclass(frozen=True)
class Verdict:
    """Whether the change happened, and the server as it is now (None when it is gone, or a
    create made none)."""

    done: bool
    server: Server | None


async def settled(vps: VPSClient, change: Change, since: float) -> bool:
    """Whether `change`, whose call was sent at `since` (UNIX seconds) and never answered,
    happened. VPSError when the server cannot be read now (ask again later)."""
    return (await verdict(vps, change, since)).done


async def verdict(vps: VPSClient, change: Change, since: float) -> Verdict:
    """`settled`, with the server as it was read."""
    if not change.declared.targets_server:
        made = [s for s in await vps.list_servers() if _made_since(s, change.server.name, since)]
        return Verdict(bool(made), made[0] if made else None)
    try:
        now: Server | None = await vps.get_server(change.server.id)
    except VPSNotFound:
        now = None
    return Verdict(decide(change, now, since), now)


def decide(change: Change, now: Server | None, since: float) -> bool:
    """Whether `change` (on the server as it was before its call, sent at `since`) happened,
    the server being `now` (None: it is gone)."""
    declared = change.declared
    if now is None:
        return declared.leads_to == "deleted"
    if declared.leads_to == "deleted":
        return False
    wanted = {key: value for key, value in change.values.items() if key in _FIELDS}
    if wanted:
        return all(getattr(now, key) == value for key, value in wanted.items())
    before = change.server.status
    touched = now.updated_at is not None and now.updated_at.timestamp() >= since
    if now.status not in STEADY_STATUSES:  # moving: since the call, or unlike before it
        return now.status != before or touched
    if declared.leads_to is None or now.status == declared.leads_to:
        return now.status != before or touched
    return False  # where it ran from, or somewhere else (suspended): not by this change


def _made_since(server: Server, name: str, since: float) -> bool:
    created = server.created_at
    fresh = created is None or created.timestamp() >= since - _CLOCKS_APART
    return server.name == name and fresh
