"""The settler: changes left in flight — their replica died between the decision and VPS.org's
answer, or the answer was lost on its way — are reported done or not done, from the server.

Every few seconds one replica claims the changes whose lease ran out (each goes to one
claimer), reads each server (`bot.flow.settle`), and finishes the change once: its audit entry
(done or not done, saying how it was settled), then the usual `OperationDone`, so that the
requester (through their response_url while Slack honours it, else privately through the Web
API), the ops channel, the metrics and the follow-up hear of it as of any change. Nothing is
ever sent to VPS.org again. A server that cannot be read now is asked again a round later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.finishing import Finishing
from bot.flow.approval_notices import FRESH_RESPONSE_URL
from bot.flow.caller import Caller
from bot.flow.events import Events, OperationDone
from bot.flow.operations import Outcome
from bot.flow.reply import Reply
from bot.flow.settle import Verdict, verdict
from bot.operations.change import Change
from bot.periodic import Every
from bot.slack.blocks.settle import build_settled
from bot.slack.web import SlackWeb
from bot.state import AuditEntry, AuditOutcome, StateStore
from bot.state.inflight import InFlight
from bot.vps import VPSClient, VPSError

__all__ = ["SETTLE_EVERY", "Settler"]

logger = logging.getLogger(__name__)

SETTLE_EVERY = 5.0
"""The longest wait between two rounds (a shorter BOT_WATCH_INTERVAL_SECONDS is used as is)."""


class Settler:
    """Settles the changes left in flight, as `owner`, each under a lease of `lease` seconds."""

    def __init__(
        self,
        *,
        store: StateStore,
        vps: VPSClient,
        slack: SlackWeb,
        events: Events,
        owner: str,
        lease: float,
        interval: float = SETTLE_EVERY,
        clock: Callable[[], float],
    ) -> None:
        self._store, self._vps, self._slack, self._events = store, vps, slack, events
        self._owner, self._lease, self._clock = owner, lease, clock
        self._interval = min(interval, SETTLE_EVERY)
        self._reports = Finishing("a settled change's report")

    def job(self) -> Every:
        """A round every few seconds; at close, the reports under way are finished."""
        return Every(
            self._interval, self.round, name="settling changes in flight", finish=self._reports.wait
        )

    async def round(self) -> int:
        """Claim the changes whose lease ran out and settle each; how many were settled."""
        settled = 0
        for flight in await self._store.claim_inflight(self._owner, lease=self._lease):
            try:
                settled += await self.settle(flight)
            except VPSError as exc:  # VPS.org can't say now: ask again next round
                logger.warning("could not settle the %s of %s yet: %s", *_what(flight), exc)
                await self._store.renew_inflight(flight.id, self._owner, lease=self._interval)
        return settled

    async def settle(self, flight: InFlight) -> bool:
        """Learn whether the change happened and report it, once; False when another replica
        finished it first. VPSError when the server can't be read now."""
        try:
            change = Change.load(flight.change)
        except ValueError:  # an operation no longer declared (a test's): say so in the log
            logger.exception("cannot settle the %s of %s: no such operation", *_what(flight))
            await self._store.clear_inflight(flight.id, self._owner)
            return False
        found = await verdict(self._vps, change, flight.started_at)
        if not await self._store.clear_inflight(flight.id, self._owner):
            return False  # the lease ran out meanwhile and another replica settles it
        await self._reports.run(self._report(flight, change, found))
        return True

    async def _report(self, flight: InFlight, change: Change, found: Verdict) -> None:
        """The audit entry, then `OperationDone` for everyone who hears of a change."""
        restarted = flight.lost is None
        how = "after a restart" if restarted else "after its answer was lost"
        now_status = found.server.status if found.server is not None else "gone"
        said = "done" if found.done else "not done"
        entry = AuditEntry(
            time=self._clock(),
            user_id=flight.user_id,
            channel_id=flight.channel_id,
            action=flight.operation,
            server_id=flight.server_id or None,
            server_name=flight.server_name,
            outcome=AuditOutcome.EXECUTED if found.done else AuditOutcome.FAILED,
            detail=f"settled {how}: {said} (the server is {now_status})",
            request_id=flight.request_id,
        )
        try:
            await self._store.record_audit(entry)
        except Exception:
            logger.exception("could not record the settled %s of %s", *_what(flight))
        made = found.server if not change.declared.targets_server else None  # a create's
        message = build_settled(
            done=found.done,
            operation=flight.operation,
            server_name=made.name if made else flight.server_name,
            server_id=made.id if made else flight.server_id or None,
            server=found.server,
            user_id=flight.user_id,
            channel_id=flight.channel_id,
            restarted=restarted,
        )
        outcome = Outcome(
            ok=found.done,
            message=message,
            detail=entry.detail,
            server=found.server if found.done else None,
            status=found.server.status if found.done and found.server is not None else None,
        )
        fresh = self._clock() - flight.started_at < FRESH_RESPONSE_URL
        url = flight.response_url if fresh else None
        caller = Caller(flight.user_id, flight.channel_id, response_url=url)
        reply = Reply(
            url,
            slack=self._slack,
            channel_id=flight.channel_id,
            user_id=flight.user_id,
            direct=True,
        )
        logger.info("settled the %s of %s %s: %s", *_what(flight), how, said)
        done = OperationDone(change, caller, outcome, reply, approved_by=flight.approved_by)
        await self._events.publish(done)


def _what(flight: InFlight) -> tuple[str, str]:
    return flight.operation, flight.server_name
