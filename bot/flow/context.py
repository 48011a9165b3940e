"""What a handler gets: one request's narrow context, never the whole bot.

A handler can read servers (`servers`), answer the caller (`reply`), keep records (`store`,
`audit`) and open modals (`slack`); it cannot ask the policy (the pipeline did) and it can only
change a server through `effects`, which wants the gate's `Access` for that very change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.catalog import Catalog
from bot.flow.caller import Caller
from bot.flow.deadline import acting
from bot.flow.directory import FleetIndex, ReadSlots, ServerDirectory
from bot.flow.events import Events, OpsChannel
from bot.flow.gate import Access
from bot.flow.operations import Outcome, execute
from bot.flow.reply import Reply
from bot.metrics import Metrics
from bot.operations.change import Change
from bot.slack.blocks import Message
from bot.slack.web import SlackWeb
from bot.state import AuditEntry, AuditOutcome, StateStore, new_replica_id
from bot.vps import Server, VPSClient

logger = logging.getLogger(__name__)

__all__ = ["Effects", "RequestContext"]


class Effects:
    """The only way to change a server: `execute` wants the gate's `Access` for that change.

    It also holds what a write touches beyond the API: the ops channel (approval requests go
    there), `events`, where a change is published once done, and who records its changes in
    flight (`owner`, for `lease` seconds).
    """

    def __init__(
        self,
        vps: VPSClient,
        ops: OpsChannel,
        events: Events,
        index: FleetIndex,
        *,
        owner: str | None = None,
        lease: float = 60.0,
        grace: float = 10.0,
    ) -> None:
        self._vps = vps
        self._index = index
        self.ops = ops
        self.events = events
        self.owner = owner or new_replica_id()
        """This replica, the owner of the changes it has in flight."""
        self.lease = lease
        """Seconds a change in flight is this replica's: longer than its call can take."""
        self.grace = grace
        """Seconds a call whose answer was lost waits before the server is read to settle it:
        VPS.org may yet act on a request it still holds."""

    async def execute(self, access: Access, op: Change) -> Outcome:
        """Make `op`'s API call once, if `access` was granted for exactly this operation."""
        if not access.covers(op.action, op.server_id, op.after().name):
            raise PermissionError(f"no access granted for {op.operation} on {op.server.id}")
        if access.approval is not None:
            raise PermissionError(f"{op.operation} on {op.server.id} waits for an approval")
        caller = access.caller
        acting()  # the point of no return: the call and what follows it are not cut
        outcome = await execute(self._vps, op, user_id=caller.user_id, channel_id=caller.channel_id)
        if outcome.ok and op.declared.leads_to == "deleted":
            self._index.forget(op.server.id)
        elif outcome.ok and outcome.server is not None:
            self._index.learn(outcome.server)  # a create or a rename is findable at once
        return outcome


@dataclass
class Tally:
    """How one request ended, for `vpsbot_commands_total` (the last step that says wins)."""

    outcome: str = "ok"
    server: Server | None = None  # the server it named, once found (and, for a read, allowed)


# Audit outcomes that are also the outcome of an action (vpsbot_actions_total); executed and
# failed are counted by the metrics' subscription to `OperationDone`.
_ACTION_OUTCOMES = frozenset(
    {
        AuditOutcome.DENIED,
        AuditOutcome.CANCELLED,
        AuditOutcome.EXPIRED,
        AuditOutcome.FROZEN,
        AuditOutcome.LIMITED,
        AuditOutcome.REJECTED,
    }
)
_DONE_OUTCOMES = frozenset({AuditOutcome.EXECUTED, AuditOutcome.FAILED})
# What a request's command outcome becomes after each audited step.
_COMMAND_OUTCOMES = {AuditOutcome.ASKED: "prompted", AuditOutcome.REQUESTED: "requested"}


@dataclass(frozen=True)
class RequestContext:
    """One request: who asks, how to answer, and the narrow tools to do it with."""

    caller: Caller
    reply: Reply
    servers: ServerDirectory
    store: StateStore
    catalog: Catalog
    slack: SlackWeb
    effects: Effects
    command: str
    confirm_ttl: float
    clock: Callable[[], float]
    read_slots: ReadSlots
    metrics: Metrics
    request_id: str = ""
    confirm_every_write: bool = False
    """Ask the caller to confirm every write, whatever `confirm:` says: a workflow step, whose
    person was named by whoever built the workflow, acts only on that person's own click."""
    tally: Tally = field(default_factory=Tally)
    deadline: float = 30.0
    """Seconds the request's reads may take before it gives up (`bot.flow.deadline`)."""

    async def audit(
        self,
        action: str,
        outcome: AuditOutcome,
        *,
        server_id: int | None = None,
        server_name: str | None = None,
        detail: str = "",
        who: Caller | None = None,
        must: bool = False,
    ) -> None:
        """Record a step in the audit log for `who` (the caller by default).

        With `must`, a failure to record is raised (nothing may happen without its record);
        otherwise it is logged and the request goes on.
        """
        person = who or self.caller
        entry = AuditEntry(
            time=self.clock(),
            user_id=person.user_id,
            channel_id=person.channel_id,
            action=action,
            server_id=server_id,
            server_name=server_name,
            outcome=outcome,
            detail=detail[:1000],
            request_id=self.request_id,
        )
        if outcome in _ACTION_OUTCOMES:
            self.metrics.action(action, outcome.value)
        if outcome in _ACTION_OUTCOMES or outcome in _DONE_OUTCOMES:
            self.tally.outcome = outcome.value
        elif outcome in _COMMAND_OUTCOMES:
            self.tally.outcome = _COMMAND_OUTCOMES[outcome]
        try:
            await self.store.record_audit(entry)
        except Exception:
            if must:
                raise
            logger.exception("could not record an audit entry (%s %s)", action, outcome)

    async def open_form(self, view: View, what: str, failed: Message) -> None:
        """Open a modal on the click's trigger (Slack honours it for 3 s); the caller hears
        `failed` when Slack would not."""
        try:
            await self.slack.open_view(self.caller.trigger_id, view)
        except SlackApiError as exc:
            logger.warning("could not open the %s form: %s", what, exc.response.get("error"))
            await self.reply.ephemeral(failed)

    async def audit_change(
        self,
        op: Change,
        outcome: AuditOutcome,
        *,
        detail: str = "",
        who: Caller | None = None,
        must: bool = False,
    ) -> None:
        """Record a step of `op` (its operation, on its server) — `audit` for a change."""
        await self.audit(
            op.operation,
            outcome,
            server_id=op.server_id,
            server_name=op.server.name,
            detail=detail,
            who=who,
            must=must,
        )
