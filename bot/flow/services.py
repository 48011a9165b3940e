"""Everything a listener needs, built once per process and handed to the flow."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.catalog import Catalog
from bot.config import Settings
from bot.flow.caller import Caller
from bot.flow.reply import Reply
from bot.metrics import Metrics
from bot.notify import Notifier
from bot.policy import GroupMembers, Policy
from bot.state import AuditEntry, AuditOutcome, StateStore
from bot.vps import VPSClient
from bot.watch import Watcher

logger = logging.getLogger(__name__)


@dataclass
class Services:
    """The bot's collaborators: settings, the VPS.org client, policy, state, Slack."""

    settings: Settings
    vps: VPSClient
    policy: Policy
    groups: GroupMembers
    store: StateStore
    catalog: Catalog
    slack: AsyncWebClient
    notifier: Notifier
    watcher: Watcher
    clock: Callable[[], float] = field(default=time.time)
    metrics: Metrics = field(default_factory=Metrics)
    inflight: set[asyncio.Task[Any]] = field(default_factory=set)

    @property
    def command(self) -> str:
        """The slash command's name (BOT_COMMAND)."""
        return self.settings.bot_command

    def reply_to(self, caller: Caller) -> Reply:
        """How to answer this caller."""
        return Reply(caller.response_url, slack=self.slack, channel_id=caller.channel_id)

    async def drain(self, grace: float = 10.0) -> None:
        """Wait (bounded) for the work listeners are still doing after their ack."""
        pending = {t for t in self.inflight if not t.done() and t is not asyncio.current_task()}
        if not pending:
            return
        logger.info("waiting for %d requests in progress", len(pending))
        _, late = await asyncio.wait(pending, timeout=grace)
        for task in late:
            logger.warning("stopping a request still running after %ss", grace)
            task.cancel()

    async def audit(
        self,
        caller: Caller,
        action: str,
        outcome: AuditOutcome,
        *,
        server_id: int | None = None,
        server_name: str | None = None,
        detail: str = "",
    ) -> None:
        """Record a step in the audit log; a failure to record is logged, never raised."""
        entry = AuditEntry(
            time=self.clock(),
            user_id=caller.user_id,
            channel_id=caller.channel_id,
            action=action,
            server_id=server_id,
            server_name=server_name,
            outcome=outcome,
            detail=detail[:1000],
        )
        try:
            await self.store.record_audit(entry)
        except Exception:
            logger.exception("could not record an audit entry (%s %s)", action, outcome)
