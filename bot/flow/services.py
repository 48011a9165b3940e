"""Everything a listener needs, built once per process and handed to the flow."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.catalog import Catalog
from bot.config import Settings
from bot.flow.caller import Caller
from bot.flow.context import Effects, RequestContext
from bot.flow.directory import ReadSlots, ServerDirectory
from bot.flow.events import Events, OpsChannel
from bot.flow.gate import Gate
from bot.flow.home import HomeTabs
from bot.flow.reply import Reply
from bot.flow.steps import WorkflowSteps
from bot.logs import current_request_id
from bot.metrics import Metrics
from bot.policy import GroupMembers, Policy
from bot.slack.web import SlackWeb
from bot.state import StateStore, new_replica_id
from bot.vps import VPSClient
from bot.web.burst import AckFirst

logger = logging.getLogger(__name__)


SETTLE_MARGIN = 30.0
"""Seconds a change in flight stays its replica's beyond the longest its call can take."""


def inflight_lease(vps: VPSClient) -> float:
    """How long a change in flight is its replica's: the longest its call can take (every
    attempt and wait, `RetryPolicy.call_budget` timeouts), and a margin."""
    return vps.retry.call_budget * vps.timeout + SETTLE_MARGIN


@dataclass
class Services:
    """The bot's collaborators: settings, the VPS.org client, policy, state, Slack."""

    settings: Settings
    vps: VPSClient
    policy: Policy
    groups: GroupMembers
    store: StateStore
    catalog: Catalog
    slack: SlackWeb
    ops: OpsChannel
    clock: Callable[[], float] = field(default=time.time)
    metrics: Metrics = field(default_factory=Metrics)
    inflight: set[asyncio.Task[Any]] = field(default_factory=set)
    events: Events = field(default_factory=Events)
    gate: Gate = field(init=False)
    directory: ServerDirectory = field(init=False)
    effects: Effects = field(init=False)
    home: HomeTabs = field(init=False)
    steps: WorkflowSteps = field(init=False)
    read_slots: ReadSlots = field(default_factory=ReadSlots)
    ack_first: AckFirst = field(default_factory=AckFirst)
    replica: str = field(default_factory=new_replica_id)
    """This process's name on what it holds in the state store (BOT_REPLICA_ID, pid, …)."""

    def __post_init__(self) -> None:
        self.gate = Gate(self.policy, self.groups, self.clock)
        self.directory = ServerDirectory(self.vps, command=self.command, clock=self.clock)
        self.effects = Effects(
            self.vps,
            self.ops,
            self.events,
            self.directory.index,
            owner=self.replica,
            lease=inflight_lease(self.vps),
            grace=self.vps.timeout,  # as long again as VPS.org had to answer
        )
        self.home = HomeTabs(
            self.gate,
            self.store,
            self.slack,
            self.directory.fleet,
            self.clock,
            zone=self.settings.bot_timezone,
        )
        interval = self.settings.bot_watch_interval_seconds
        self.steps = WorkflowSteps(self.slack, self.store, self.directory, self.clock, interval)

    @property
    def command(self) -> str:
        """The slash command's name (BOT_COMMAND)."""
        return self.settings.bot_command

    def reply_to(self, caller: Caller) -> Reply:
        """How to answer this caller."""
        return Reply(
            caller.response_url,
            slack=self.slack,
            channel_id=caller.channel_id,
            user_id=caller.user_id,
            direct=not caller.channel_id,  # the Home tab: notes go to their direct messages
            thread_ts=caller.thread_ts,
        )

    def context(self, caller: Caller) -> RequestContext:
        """The narrow context one request's handlers get."""
        return RequestContext(
            caller=caller,
            reply=self.reply_to(caller),
            servers=self.directory,
            store=self.store,
            catalog=self.catalog,
            slack=self.slack,
            effects=self.effects,
            command=self.command,
            confirm_ttl=self.settings.bot_confirm_ttl_seconds,
            clock=self.clock,
            read_slots=self.read_slots,
            metrics=self.metrics,
            request_id=current_request_id(),
            deadline=self.settings.bot_request_deadline_seconds,
        )

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
