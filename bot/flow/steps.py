"""Workflow Builder steps: a workflow asks, for one person, what they could ask with `/vps`.

`reboot_server`, `start_server`, `stop_server` (any declared operation that is followed to a
steady state and takes no values: `<operation>_server`) and `server_status`. A step is the same
`Request` as the command, for `user_id` in `channel_id`, down the same path (policy, freezes,
limits, audit); what the person is told goes to their direct messages (`StepReply`), the
confirmation prompt included. The step then waits (`WorkflowSteps`) for what decides it:

    executed   → the server's steady state → functions.completeSuccess (server_id, name, status)
    prompted   → their Confirm click (then maybe an approval), or Cancel / expiry → completeError
    requested  → the approval, or a rejection / expiry → completeError
    anything else (denied, frozen, limited, not found, failed) → completeError with what the
    person was told

The click may reach another replica: the change then runs there, and the step learns of it
from the shared store at each poll (`bot.flow.step_news`), as if it had heard the event.
Waiting steps live in this process: a restart forgets them (the change itself is not lost; the
workflow's step then fails when Slack times it out).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.flow.reply import Reply
from bot.flow.step_news import Ran, failure, news
from bot.operations import Operation, find
from bot.slack import ids
from bot.slack.blocks import Message
from bot.slack.web import SlackWeb
from bot.state import StateStore
from bot.vps import Server, VPSError

if TYPE_CHECKING:
    from bot.flow.directory import ServerDirectory
    from bot.flow.events import OperationDone

logger = logging.getLogger(__name__)

__all__ = ["STATUS_STEP", "StepCall", "StepReply", "WorkflowSteps", "step_operation"]

STATUS_STEP = "server_status"
SUFFIX = "_server"
STEADY_WITHIN = 15 * 60.0
"""Seconds a changed server may take to reach its steady state before the step fails."""


def step_operation(callback_id: str) -> Operation | None:
    """The operation a change step runs (`reboot_server` → reboot), if it is one."""
    if not callback_id.endswith(SUFFIX):
        return None
    op = find(callback_id.removesuffix(SUFFIX))
    if op is None or not op.targets_server or not op.followed or op.syntax.options:
        return None
    return op if op.leads_to not in (None, "deleted") else None


@dataclass(frozen=True)
class StepCall:
    """One `function_executed`: which step, for whom, where, on which server."""

    callback_id: str
    execution_id: str
    token: str  # the workflow token: completes this execution only
    user_id: str
    channel_id: str
    server: str

    @classmethod
    def of(
        cls, callback_id: str, execution_id: str, token: str, inputs: dict[str, Any]
    ) -> StepCall:
        """From the event's inputs (a missing one is empty: the request path refuses it)."""
        return cls(
            callback_id,
            execution_id,
            token,
            str(inputs.get("user_id") or ""),
            str(inputs.get("channel_id") or ""),
            str(inputs.get("server") or ""),
        )


class StepReply(Reply):
    """Answers the step's person in their direct messages, and remembers what it told them
    (the reason a refused step fails with) and the confirmation it prompted for."""

    def __init__(self, slack: SlackWeb, user_id: str) -> None:
        super().__init__(None, slack=slack, channel_id=None, user_id=user_id, direct=True)
        self.told: Message | None = None
        self.confirmation_id: str | None = None

    async def ephemeral(self, message: Message) -> bool:
        """Their direct messages; a prompt's Confirm button names its confirmation."""
        self.told = message
        for block in message.to_dict()["blocks"]:
            for element in block.get("elements") or []:
                if element.get("action_id") == ids.CONFIRM:
                    self.confirmation_id = str(element.get("value"))
        return await self._post_direct(message) is not None

    async def in_channel(self, message: Message) -> str | None:
        """Their direct messages too: the step has no channel of its own to answer in."""
        return await self._post_direct(message)


@dataclass(eq=False)
class Waiting:
    """A change step waiting for what decides it."""

    call: StepCall
    operation: str
    since: float
    server_id: int | None = None
    patience: float = 0.0  # seconds from `since` it may wait for a person
    before: str | None = None  # the server's status when the step was asked
    done: asyncio.Future[OperationDone] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


@dataclass
class WorkflowSteps:
    """The steps waiting in this process, told of changes through `OperationDone`."""

    slack: SlackWeb
    store: StateStore
    directory: ServerDirectory
    clock: Callable[[], float]
    interval: float
    _waiting: list[Waiting] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def expect(self, call: StepCall, operation: str) -> Waiting:
        """Listen for the change a step asks for, before it is asked (it may run at once)."""
        waiting = Waiting(call, operation, self.clock())
        self._waiting.append(waiting)
        return waiting

    async def operation_done(self, event: OperationDone) -> None:
        """Subscribed to `OperationDone`: the change a waiting step asked for has run."""
        for waiting in self._waiting:
            same = waiting.server_id in (None, event.change.server_id)
            if (
                not waiting.done.done()
                and same
                and waiting.call.user_id == event.caller.user_id
                and waiting.operation == event.change.operation
            ):
                waiting.done.set_result(event)
                return

    def wait(
        self,
        waiting: Waiting,
        confirmation_id: str | None,
        server_id: int | None,
        *,
        patience: float,
        before: str | None = None,
    ) -> None:
        """Wait, in the background, for the change to run (or be refused) and settle; a
        person has `patience` seconds to confirm and approve."""
        waiting.server_id, waiting.patience, waiting.before = server_id, patience, before
        task = asyncio.create_task(self._settle(waiting, confirmation_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def forget(self, waiting: Waiting) -> None:
        """The step is over."""
        if waiting in self._waiting:
            self._waiting.remove(waiting)

    async def _settle(self, waiting: Waiting, confirmation_id: str | None) -> None:
        try:
            event = await self._decided(waiting, confirmation_id)
            if isinstance(event, str):
                await self.fail(waiting.call, event)
            elif isinstance(event, Ran):
                await self.ran_elsewhere(waiting, event)
            else:
                await self.finish(waiting.call, event)
        except Exception:
            logger.exception("workflow step %s failed to settle", waiting.call.execution_id)
            await self.fail(waiting.call, "The bot could not follow this change; see its logs.")
        finally:
            self.forget(waiting)

    async def _decided(
        self, waiting: Waiting, confirmation_id: str | None
    ) -> OperationDone | Ran | str:
        """The change once it has run (heard here, or read from the shared store: whichever
        comes first decides, once), or why it never will (a cancel, a rejection, expiry)."""
        while True:
            try:
                return await asyncio.wait_for(asyncio.shield(waiting.done), self.interval)
            except TimeoutError:
                pass
            told = await news(self.store, self.directory, waiting, confirmation_id, self.clock())
            if waiting.done.done():
                return waiting.done.result()  # heard while reading: the event says more
            if told is not None:
                return told
            if self.clock() > waiting.since + waiting.patience:
                return "Not done: nobody confirmed or approved it in time."

    async def finish(self, call: StepCall, event: OperationDone) -> None:
        """The change ran: complete once the server is steady, or fail with its error."""
        if not event.outcome.ok:
            await self.fail(call, failure(event.message, event.outcome.detail))
            return
        after = event.after
        # The call's answer says where the server is going ("stopping"), as the follow-up
        # reads it; the server it returned may still show where it was.
        server = after.model_copy(update={"status": event.outcome.status or after.status})
        await self._steady(call, server, event.change.declared.leads_to)

    async def ran_elsewhere(self, waiting: Waiting, ran: Ran) -> None:
        """The change ran on another replica: complete as `finish` would, from the server."""
        if ran.failed is not None:
            await self.fail(waiting.call, ran.failed)
            return
        declared = find(waiting.operation)
        server = await self.directory.get(ran.server_id)
        await self._steady(waiting.call, server, declared.leads_to if declared else None)

    async def _steady(self, call: StepCall, server: Server, leads_to: str | None) -> None:
        """Follow the server to its steady state: complete there, or fail if it is not
        where the operation leads."""
        deadline = self.clock() + STEADY_WITHIN
        while not server.is_steady and self.clock() < deadline:
            await asyncio.sleep(self.interval)
            try:
                server = await self.directory.get(server.id)
            except VPSError as exc:
                logger.warning("workflow step: reading %s: %s", server.name, exc)
        if server.status != leads_to:
            await self.fail(call, f"{server.name} is {server.status}, not {leads_to}.")
            return
        await self.complete(call, outputs(server))

    async def complete(self, call: StepCall, values: dict[str, Any]) -> None:
        """functions.completeSuccess for this execution."""
        await self.slack.complete_step(call.execution_id, call.token, values)

    async def fail(self, call: StepCall, error: str) -> None:
        """functions.completeError for this execution, with the reason people would see."""
        await self.slack.fail_step(call.execution_id, call.token, error or "Not done.")

    async def close(self) -> None:
        """Stop waiting (a restart forgets the steps waiting here)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def outputs(server: Server, *, ip: bool = False) -> dict[str, Any]:
    """What a step gives the workflow."""
    values: dict[str, Any] = {"server_id": server.id, "name": server.name, "status": server.status}
    if ip:
        values["ip"] = server.ip_address or ""
    return values
