"""The one gate every request passes: `authorize(caller, action, server now, server after)`.

Nothing else in the bot asks the policy. What the gate lets through is an `Access`, which only
this module can make; the write path refuses to act without one that covers the operation.
`servers:` globs must hold for the server as it is and as it will be (a rename needs the new
name allowed too; a create is checked on the name it will have). A write the rules allow is
still refused inside a freeze window, unless the window's `except:` rules match the caller.
The gate also answers the guardrails' other questions: which approval rule a write needs, who
may approve it, and the write limit.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.flow.caller import Caller
from bot.flow.denied import Denied
from bot.policy import (
    ANY_ACTION,
    ApprovalRule,
    Decision,
    FreezeHit,
    FreezeWindow,
    GroupMembers,
    Policy,
    Request,
    Rule,
    WriteLimit,
    actions,
    active_freezes,
    allowed_actions,
    decide,
    decide_any,
    first_match,
    freeze_ends,
    upcoming_freezes,
    write_actions,
)
from bot.vps import Server

__all__ = ["Access", "Gate"]

_SEAL = object()
_GRANTED: weakref.WeakSet[Access] = weakref.WeakSet()
"""Every Access the gate made (by identity: a copy with other values is not in it)."""


@dataclass(frozen=True, eq=False)
class Access:
    """Proof that `caller` may take `action` on `server` (as it is) becoming `after`.

    `server` is None for a create (it does not exist yet) and for reads of no one server;
    `only_servers` limits such a read to servers whose names match these globs.
    """

    caller: Caller
    action: str | None
    server: Server | None
    after: Server | None
    only_servers: tuple[str, ...] = ()
    approval: ApprovalRule | None = None  # a write that needs a second person's approval
    limit: WriteLimit | None = None  # the writes the caller may make in a window
    confirm: bool = False  # the policy wants the caller to confirm first (`confirm:`)
    seal: object = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.seal is not _SEAL:
            raise TypeError("an Access is made by the gate only")

    def covers(self, action: str, server_id: int | None, name_after: str) -> bool:
        """True when the gate granted this very access (not a copy made with other values)
        for exactly that action, server and outcome."""
        now_id = self.server.id if self.server is not None else None
        after = self.after.name if self.after is not None else None
        return self in _GRANTED and (self.action, now_id, after) == (action, server_id, name_after)


class Gate:
    """The policy and group lookups behind `authorize`; one per bot."""

    def __init__(
        self, policy: Policy, groups: GroupMembers, clock: Callable[[], float] = time.time
    ) -> None:
        self._policy = policy
        self._groups = groups
        self._clock = clock

    @property
    def write_limit(self) -> WriteLimit | None:
        """How many writes one member may make in a window (None: no limit)."""
        return self._policy.write_limit

    def confirms(self, action: str) -> bool:
        """Whether the policy wants the caller to confirm `action` first (`confirm:`)."""
        return action in write_actions() and action in self._policy.confirm

    def approval_for(self, action: str, *servers: Server | None) -> ApprovalRule | None:
        """The approval rule a write needs on these servers (as they are and will be), if any.

        A rename into or out of the `servers:` globs of any approval rule needs that rule's
        approval too: otherwise renaming a protected server would take it out of protection.
        A rename that keeps the server inside (or outside) them is not such a move.
        """
        if action not in write_actions():
            return None
        names = list(dict.fromkeys(s.name for s in servers if s is not None))
        rule = self._policy.approval_for(action, names)
        if rule is None and len(names) > 1:  # a rename
            protecting = (r for r in self._policy.approvals if r.moves_across(names))
            rule = next(protecting, None)
        return rule

    def approval_rules(self, action: str) -> tuple[ApprovalRule, ...]:
        """Every approval rule that may apply to `action` (for whoami)."""
        return self._policy.approval_rules_for(action)

    async def may_approve(self, approver: Caller, rule: ApprovalRule, server_name: str) -> bool:
        """Whether `approver` matches the rule's `by:` (the requester is refused elsewhere)."""
        return await self._matches(rule.by, approver, rule.action, server_name)

    def freezes(self, horizon: timedelta) -> list[FreezeHit]:
        """Freeze windows on now or starting within `horizon`, each once: its run on now, or
        else its next one (for whoami)."""
        first: dict[FreezeWindow, FreezeHit] = {}
        for hit in upcoming_freezes(self._policy, self._now(), horizon):
            first.setdefault(hit.window, hit)
        return list(first.values())

    async def authorize(
        self,
        caller: Caller,
        action: str,
        now: Server | None = None,
        after: Server | None = None,
        *,
        label: str | None = None,
    ) -> Access | Denied:
        """May `caller` take `action` on `now`, leaving it as `after`? Both must be allowed.

        With neither server, the question is whether the action is allowed on some server.
        """
        states = list({s.name: s for s in (now, after) if s is not None}.values())
        if not states:
            decision = await decide_any(self._policy, self._request(caller, action), self._groups)
            if not decision.allowed:
                return Denied(action, decision, label)
            return self._grant(caller, action, None, None, only_servers=decision.servers)
        for state in states:
            request = self._request(caller, action, state.name)
            decision = await decide(self._policy, request, self._groups)
            if not decision.allowed:
                return Denied(action, decision, state.name, now or state)
        frozen = await self._frozen(caller, action, states, label)
        if frozen is not None:
            return frozen
        if action not in write_actions():
            return self._grant(caller, action, now, after)
        approval = self.approval_for(action, now, after)
        limit, confirm = self._policy.write_limit, action in self._policy.confirm
        return self._grant(
            caller, action, now, after, approval=approval, limit=limit, confirm=confirm
        )

    async def authorize_planned(
        self, caller: Caller, action: str, now: Server, after: Server
    ) -> Access | Denied:
        """`authorize` for a plan's server just before its call; its approval and write limit
        were settled for the whole plan at its confirmation, so the access carries neither."""
        verdict = await self.authorize(caller, action, now, after)
        return verdict if isinstance(verdict, Denied) else self._grant(caller, action, now, after)

    async def authorize_approval(
        self,
        approver: Caller,
        requester: Caller,
        action: str,
        now: Server | None,
        after: Server | None,
        *,
        rejecting: bool = False,
        was: Server | None = None,
    ) -> Access | Denied:
        """May `approver` decide `requester`'s request? To approve, they must match the rule's
        `by:` and not be the requester, and the requester must still be allowed (policy and
        freezes, on the server as it is now); the requester may withdraw their own request.
        The access granted is the requester's, without the approval step. `was` is the server
        as the request named it: when it is gone (`now` is None), the rule and its approvers
        are still those of the request. When no rule applies any more (the policy changed, or
        the server left the rule's `servers:`), there is no `by:` to check: no one may approve
        it, and only the requester and members allowed every action (`"*"` rules) may close
        it."""
        rule = self.approval_for(action, now or was, after)
        target = now or was or after
        name = target.name if target is not None else ""
        own = approver.user_id == requester.user_id
        if own and not rejecting:
            return Denied(action, None, name, now, self_approval=True)
        if not own and rule is not None and not await self.may_approve(approver, rule, name):
            return Denied(action, None, name, now, approvers=rule)
        if not own and rule is None:  # only the requester or a `*` member may close it
            every = tuple(r for r in self._policy.rules if r.action == ANY_ACTION)
            if not await self._matches(every, approver, ANY_ACTION, name):
                return Denied(action, None, name, now, rule_gone=True, outsider=True)
        if rejecting:  # nothing will be done: an access that covers no write
            return self._grant(requester, None, now, after)
        if rule is None:  # no one can be checked against its `by:`
            return Denied(action, None, name, now, rule_gone=True)
        verdict = await self.authorize(requester, action, now, after)
        if isinstance(verdict, Denied):
            return verdict
        # Approved: the requester's access, without the approval step.
        return self._grant(requester, action, now, after, limit=verdict.limit)

    async def authorize_scheduled(
        self, requester: Caller, action: str, now: Server, after: Server, *, approved: bool
    ) -> Access | Denied:
        """A schedule's run at its time, as its requester: the policy and freezes as of now;
        the approval given when it was scheduled (`approved`) stands for the run's."""
        verdict = await self.authorize(requester, action, now, after)
        if isinstance(verdict, Denied) or verdict.approval is None:
            return verdict
        if not approved:
            return Denied(action, None, now.name, now, approvers=verdict.approval)
        return self._grant(requester, action, now, after, limit=verdict.limit)

    async def _frozen(
        self, caller: Caller, action: str, states: Sequence[Server], label: str | None
    ) -> Denied | None:
        """The freeze that refuses this write now, unless its `except:` lets the caller act
        (on the server as it is and as it will be)."""
        if action not in write_actions():
            return None
        at = self._now()
        hits = active_freezes(self._policy, action, at)
        if not hits:
            return None
        names = [s.name for s in states]
        exempt = [h.window for h in hits if await self._excepted(caller, action, names, h)]
        blocking = [h for h in hits if h.window not in exempt]
        if not blocking:
            return None
        ends = freeze_ends(self._policy, action, at, exempt=exempt)
        server = states[0]
        return Denied(action, None, label or server.name, server, blocking[0], ends)

    async def exempt(self, caller: Caller, hit: FreezeHit) -> bool:
        """For whoami: whether the window's `except:` lets `caller` act on any server (rules
        limited to some servers are not counted: "you may act anyway" must hold everywhere)."""
        return any([await self._matches(hit.except_rules, caller, a) for a in hit.window.actions])

    async def _excepted(
        self, caller: Caller, action: str, names: Sequence[str], hit: FreezeHit
    ) -> bool:
        """Whether the window's `except:` rules match the caller, for every server state."""
        return all([await self._matches(hit.except_rules, caller, action, n) for n in names])

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    async def permitted(self, caller: Caller, actions: Sequence[str], server: Server) -> list[str]:
        """Which of `actions` `caller` may take on `server` as it is (e.g. a card's buttons)."""
        asked = [self._request(caller, action, server.name) for action in actions]
        decided = [await decide(self._policy, request, self._groups) for request in asked]
        return [decision.action for decision in decided if decision.allowed]

    async def overview(self, caller: Caller) -> list[Decision]:
        """Every action, decided for `caller` here whatever the server (help and whoami)."""
        decisions = await allowed_actions(
            self._policy, caller.user_id, caller.channel_id, caller.channel_name, self._groups
        )
        order = {action: index for index, action in enumerate(actions())}
        return sorted(decisions, key=lambda d: order.get(d.action, len(order)))

    async def _matches(
        self, rules: tuple[Rule, ...], caller: Caller, action: str, server_name: str | None = None
    ) -> bool:
        """Whether one of `rules` matches `caller` taking `action` (on that server)."""
        request = self._request(caller, action, server_name)
        return await first_match(rules, request, self._groups) is not None

    @staticmethod
    def _request(caller: Caller, action: str, server_name: str | None = None) -> Request:
        return Request(caller.user_id, caller.channel_id, caller.channel_name, action, server_name)

    @staticmethod
    def _grant(
        caller: Caller,
        action: str | None,
        now: Server | None,
        after: Server | None,
        **guardrails: Any,
    ) -> Access:
        access = Access(caller, action, now, after, seal=_SEAL, **guardrails)
        _GRANTED.add(access)
        return access
