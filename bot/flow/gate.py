"""The one gate every request passes: `authorize(caller, action, server now, server after)`.

Nothing else in the bot asks the policy. What the gate lets through is an `Access`, which only
this module can make; the write path refuses to act without one that covers the operation.
`servers:` globs must hold for the server as it is and as it will be (a rename needs the new
name allowed too; a create is checked on the name it will have).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.flow.caller import Caller
from bot.policy import (
    ACTIONS,
    Decision,
    GroupMembers,
    Policy,
    Request,
    allowed_actions,
    decide,
    decide_any,
)
from bot.vps import Server

__all__ = ["Access", "Denied", "Gate"]

_SEAL = object()


@dataclass(frozen=True)
class Access:
    """Proof that `caller` may take `action` on `server` (as it is) becoming `after`.

    `server` is None for a create (it does not exist yet) and for reads of no one server;
    `only_servers` limits such a read to servers whose names match these globs.
    """

    caller: Caller
    action: str | None
    server: Server | None
    after: Server | None
    reason: str
    only_servers: tuple[str, ...] = ()
    seal: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.seal is not _SEAL:
            raise TypeError("an Access is made by the gate only")

    def covers(self, action: str, server_id: int | None, name_after: str) -> bool:
        """True when this access was granted for exactly that action, server and outcome."""
        now_id = self.server.id if self.server is not None else None
        after = self.after.name if self.after is not None else None
        return self.action == action and now_id == server_id and after == name_after


@dataclass(frozen=True)
class Denied:
    """The gate said no: the decision, and how to name what was refused (untrusted text)."""

    action: str
    decision: Decision
    label: str | None = None
    server: Server | None = None


class Gate:
    """The policy and group lookups behind `authorize`; one per bot."""

    def __init__(self, policy: Policy, groups: GroupMembers) -> None:
        self._policy = policy
        self._groups = groups

    @property
    def needs_confirmation(self) -> frozenset[str]:
        """The actions the policy wants confirmed before the API call."""
        return self._policy.confirm

    async def authorize(
        self,
        caller: Caller,
        action: str | None,
        now: Server | None = None,
        after: Server | None = None,
        *,
        label: str | None = None,
    ) -> Access | Denied:
        """May `caller` take `action` on `now`, leaving it as `after`? Both must be allowed.

        With neither server, the question is whether the action is allowed on some server.
        """
        if action is None:
            return self._grant(caller, None, now, after, "open to everyone")
        states = list({s.name: s for s in (now, after) if s is not None}.values())
        if not states:
            decision = await decide_any(self._policy, self._request(caller, action), self._groups)
            if not decision.allowed:
                return Denied(action, decision, label)
            return self._grant(caller, action, None, None, decision.reason, decision.servers)
        reasons = []
        for state in states:
            request = self._request(caller, action, state.name)
            decision = await decide(self._policy, request, self._groups)
            if not decision.allowed:
                return Denied(action, decision, state.name, now or state)
            reasons.append(decision.reason)
        return self._grant(caller, action, now, after, "; ".join(dict.fromkeys(reasons)))

    async def permitted(self, caller: Caller, actions: Sequence[str], server: Server) -> list[str]:
        """Which of `actions` `caller` may take on `server` as it is (e.g. a card's buttons)."""
        allowed = []
        for action in actions:
            request = self._request(caller, action, server.name)
            if (await decide(self._policy, request, self._groups)).allowed:
                allowed.append(action)
        return allowed

    async def overview(self, caller: Caller) -> list[Decision]:
        """Every action, decided for `caller` here whatever the server (help and whoami)."""
        decisions = await allowed_actions(
            self._policy, caller.user_id, caller.channel_id, caller.channel_name, self._groups
        )
        order = {action: index for index, action in enumerate(ACTIONS)}
        return sorted(decisions, key=lambda d: order.get(d.action, len(order)))

    @staticmethod
    def _request(caller: Caller, action: str, server_name: str | None = None) -> Request:
        return Request(caller.user_id, caller.channel_id, caller.channel_name, action, server_name)

    @staticmethod
    def _grant(
        caller: Caller,
        action: str | None,
        now: Server | None,
        after: Server | None,
        reason: str,
        only_servers: tuple[str, ...] = (),
    ) -> Access:
        return Access(caller, action, now, after, reason, only_servers, seal=_SEAL)
