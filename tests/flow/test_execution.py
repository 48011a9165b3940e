"""The execution step alone, on a small fake context: the record before the call, one call, one
`OperationDone` at the end, and the refusals the declarations give — no Slack, no simulator."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.flow import approvals
from bot.flow.caller import Caller
from bot.flow.context import Effects, RequestContext
from bot.flow.directory import ReadSlots
from bot.flow.events import Events, OperationDone
from bot.flow.execution import refusal, run_write
from bot.flow.gate import Access, Gate
from bot.flow.writes import write
from bot.metrics import Metrics
from bot.operations.change import Change
from bot.policy import parse_policy
from bot.state import AuditEntry, SnapshotEntry, StateStoreError
from bot.state.inflight import InFlight
from bot.vps import Server, VPSServerError, VPSTimeout
from bot.vps.models import ActionResult, ServerRef

T0 = 1_800_000_000.0
ALICE = Caller(user_id="U0ALICE01", channel_id="C0OPS0001")
WEB = Server(id=12345, name="web-01", status="active")
POLICY = """
rules:
  "*":
    - channels: [C0OPS0001]
confirm: [stop]
"""


class NoGroups:
    async def members(self, usergroup_id: str) -> frozenset[str]:
        return frozenset()


class Log(list[str]):
    """What happened, in order, across the fakes."""


class FakeStore:
    def __init__(self, log: Log, *, down: bool = False, snapshot: bool = False) -> None:
        self.log, self.down, self.snapshot = log, down, snapshot
        self.audits: list[AuditEntry] = []
        self.flights: dict[str, InFlight] = {}

    async def record_audit(self, entry: AuditEntry) -> None:
        if self.down:
            raise StateStoreError("the state store is down")
        self.audits.append(entry)
        self.log.append(f"audit {entry.action} {entry.outcome.value}")

    async def take_write_slot(self, user_id: str, *, limit: int, window: float) -> float | None:
        return None

    async def peek_write_slot(self, user_id: str, *, limit: int, window: float) -> float | None:
        return None

    async def create_confirmation(self, **fields: Any) -> SimpleNamespace:
        self.log.append(f"pending {fields['action']} {Change.load(fields['params']).operation}")
        return SimpleNamespace(id="c0ffee", **fields)

    async def load_snapshot(self) -> dict[int, SnapshotEntry] | None:
        return {WEB.id: SnapshotEntry(name=WEB.name, status="active")} if self.snapshot else None

    async def note_expected_change(self, server_id: int, status: str, until: float) -> None:
        self.log.append(f"expect {server_id} {status}")

    async def add_inflight(self, flight: InFlight) -> None:
        if self.down:
            raise StateStoreError("the state store is down")
        self.flights[flight.id] = flight
        self.log.append(f"in flight {flight.operation} {flight.server_id}")

    async def clear_inflight(self, flight_id: str, owner: str | None = None) -> bool:
        self.log.append(f"answered {self.flights.pop(flight_id).operation}")
        return True

    async def lose_inflight(self, flight_id: str, owner: str, why: str, *, after: float) -> bool:
        self.log.append(f"lost {self.flights[flight_id].operation}")
        return True


class FakeVPS:
    """The client's write methods, as the declarations call them."""

    def __init__(self, log: Log, *, failing: bool = False, silent: bool = False) -> None:
        self.log, self.failing, self.silent = log, failing, silent

    async def _act(self, verb: str, server_id: int) -> ActionResult:
        self.log.append(f"call {verb} {server_id}")
        if self.failing:
            raise VPSServerError("VPS.org is unavailable (503)", status=503)
        if self.silent:
            raise VPSTimeout("the VPS.org API did not answer within 10s")
        ref = ServerRef(id=server_id, name=WEB.name, status=f"{verb}ing")
        return ActionResult(status="success", message=f"{verb} begun", server=ref)

    async def reboot_server(self, server_id: int) -> ActionResult:
        return await self._act("reboot", server_id)

    async def stop_server(self, server_id: int) -> ActionResult:
        return await self._act("stop", server_id)

    async def delete_server(self, server_id: int) -> None:
        self.log.append(f"call delete {server_id}")


class FakeReply:
    def __init__(self, log: Log) -> None:
        self.log = log

    async def ephemeral(self, message: Any) -> None:
        self.log.append(f"told {message.text}")


class FakeIndex:
    def forget(self, server_id: int) -> None: ...

    def learn(self, server: Server) -> None: ...


class FakeServers:
    async def named(self, name: str) -> list[Server]:
        return []


def context(store: FakeStore, vps: FakeVPS, events: Events) -> RequestContext:
    effects = Effects(cast(Any, vps), cast(Any, None), events, cast(Any, FakeIndex()))
    return RequestContext(
        caller=ALICE,
        reply=cast(Any, FakeReply(store.log)),
        servers=cast(Any, FakeServers()),
        store=cast(Any, store),
        catalog=cast(Any, None),
        slack=cast(Any, None),
        effects=effects,
        command="/vps",
        confirm_ttl=300.0,
        clock=lambda: T0,
        read_slots=ReadSlots(),
        metrics=Metrics(),
    )


async def granted(action: str, server: Server = WEB) -> Access:
    access = await Gate(parse_policy(POLICY, "policy.yml"), NoGroups()).authorize(
        ALICE, action, server, server
    )
    assert isinstance(access, Access)
    return access


def heard(events: Events, log: Log) -> list[OperationDone]:
    done: list[OperationDone] = []

    async def listener(event: OperationDone) -> None:
        log.append(f"done {event.change.operation} ok={event.outcome.ok}")
        done.append(event)

    events.subscribe(listener)
    return done


async def test_a_change_is_recorded_then_called_once_then_published() -> None:
    log, events = Log(), Events()
    done = heard(events, log)
    ctx = context(FakeStore(log), FakeVPS(log), events)
    await run_write(ctx, await granted("reboot"), Change(operation="reboot", server=WEB))
    assert log == [
        "audit reboot asked",
        "in flight reboot 12345",
        "call reboot 12345",
        "answered reboot",
        "audit reboot executed",
        "done reboot ok=True",
    ]
    [event] = done
    assert event.before == WEB
    assert event.caller == ALICE
    assert event.outcome.status == "rebooting"


async def test_nothing_is_called_when_the_record_cannot_be_written() -> None:
    log, events = Log(), Events()
    done = heard(events, log)
    ctx = context(FakeStore(log, down=True), FakeVPS(log), events)
    with pytest.raises(StateStoreError):
        await run_write(ctx, await granted("reboot"), Change(operation="reboot", server=WEB))
    assert log == []
    assert done == []


async def test_a_call_that_fails_is_recorded_and_published_as_failed() -> None:
    log, events = Log(), Events()
    done = heard(events, log)
    ctx = context(FakeStore(log), FakeVPS(log, failing=True), events)
    await run_write(ctx, await granted("reboot"), Change(operation="reboot", server=WEB))
    assert log == [
        "audit reboot asked",
        "in flight reboot 12345",
        "call reboot 12345",
        "answered reboot",  # a refusal is an answer: nothing to settle
        "audit reboot failed",
        "done reboot ok=False",
    ]
    assert "503" in done[0].outcome.detail


async def test_a_call_whose_answer_was_lost_is_left_to_be_settled_not_sent_again() -> None:
    log, events = Log(), Events()
    done = heard(events, log)
    store = FakeStore(log)
    ctx = context(store, FakeVPS(log, silent=True), events)
    await run_write(
        ctx, await granted("reboot"), Change(operation="reboot", server=WEB), approved_by="U2"
    )
    assert log[:4] == [
        "audit reboot asked",
        "in flight reboot 12345",
        "call reboot 12345",
        "lost reboot",
    ]
    assert log[4].startswith("told `VPS.org` did not answer the reboot of *web-01*")
    assert "It is *not* sent again" in log[4]
    assert len(log) == 5  # one call, no result yet: the settler reports it
    assert done == []
    [flight] = store.flights.values()
    assert (flight.before_status, flight.approved_by, flight.user_id) == (
        "active",
        "U2",
        ALICE.user_id,
    )


async def test_a_deletion_is_told_to_the_monitor_before_its_call() -> None:
    log, events = Log(), Events()
    heard(events, log)
    ctx = context(FakeStore(log, snapshot=True), FakeVPS(log), events)
    await run_write(ctx, await granted("delete"), Change(operation="delete", server=WEB))
    assert log.index("expect 12345 deleted") < log.index("call delete 12345")


async def test_a_failing_subscriber_does_not_keep_the_others_from_hearing() -> None:
    log, events = Log(), Events()

    async def broken(event: OperationDone) -> None:
        raise RuntimeError("a bug in one listener")

    events.subscribe(broken)
    done = heard(events, log)
    ctx = context(FakeStore(log), FakeVPS(log), events)
    await run_write(ctx, await granted("reboot"), Change(operation="reboot", server=WEB))
    assert len(done) == 1


@pytest.mark.parametrize(
    ("operation", "status", "said"),
    [
        ("start", "active", "is already running"),
        ("stop", "stopped", "is already stopped"),
        ("reboot", "stopped", "start it instead"),
        ("reboot", "stopping", "wait until it settles"),
        ("reboot", "active", None),
        ("delete", "stopping", None),  # a delete runs from any status
        ("reboot", "some-new-status", None),  # a status VPS.org added: the API decides
    ],
)
async def test_what_can_only_fail_is_refused_from_the_declaration(
    operation: str, status: str, said: str | None
) -> None:
    log = Log()
    ctx = context(FakeStore(log), FakeVPS(log), Events())
    server = WEB.model_copy(update={"status": status})
    message = await refusal(ctx, Change(operation=operation, server=server))
    if said is None:
        assert message is None
    else:
        assert message is not None
        assert said in message.text
    assert log == []


async def test_a_write_the_policy_wants_confirmed_is_held_for_a_click() -> None:
    log, events = Log(), Events()
    done = heard(events, log)
    ctx = context(FakeStore(log), FakeVPS(log), events)
    access = await granted("stop")
    assert access.confirm
    await write(ctx, access, Change(operation="stop", server=WEB))
    assert log[:2] == ["pending stop stop", "audit stop asked"]
    assert log[2].startswith("told Confirm: stop")
    assert done == []


async def test_a_write_without_confirmation_goes_straight_to_the_call() -> None:
    log, events = Log(), Events()
    done = heard(events, log)
    ctx = context(FakeStore(log), FakeVPS(log), events)
    await write(ctx, await granted("reboot"), Change(operation="reboot", server=WEB))
    assert "call reboot 12345" in log
    assert len(done) == 1


async def test_a_write_that_can_only_fail_is_answered_without_a_call() -> None:
    log, events = Log(), Events()
    ctx = context(FakeStore(log), FakeVPS(log), events)
    stopped = WEB.model_copy(update={"status": "stopped"})
    await write(ctx, await granted("reboot", stopped), Change(operation="reboot", server=stopped))
    assert len(log) == 1
    assert "start it instead" in log[0]


async def test_an_approval_click_on_a_request_gone_is_answered_without_the_gate() -> None:
    log = Log()
    store = FakeStore(log)

    async def get_approval(approval_id: str) -> None:
        log.append(f"load {approval_id}")

    store.get_approval = get_approval  # type: ignore[attr-defined]
    ctx = context(store, FakeVPS(log), Events())
    gate = cast(Any, None)  # never asked: there is nothing to decide
    await approvals.decide(ctx, gate, "a1", approvals.Choice(approve=True))
    assert log == ["load a1", "told This approval request no longer exists."]
