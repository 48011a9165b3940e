"""The request path's steps alone, on a small fake context: the net (`guarded`), `resolve`,
`authorize`, a write's `ask` and a prompt's `confirm` — no Slack, no simulator."""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
from types import SimpleNamespace
from typing import Any

from bot.flow import confirmations
from bot.flow.caller import Caller
from bot.flow.directory import ReadSlots
from bot.flow.events import Events
from bot.flow.gate import Gate
from bot.flow.once import before_acting
from bot.flow.pipeline import authorize, guarded, resolve
from bot.flow.writes import ask
from bot.operations.change import Change, Member, Request
from bot.policy import parse_policy
from bot.resolve import NotFound, parse_reference
from bot.state import ClaimOutcome
from bot.vps import Server
from tests.flow.test_execution import (
    ALICE,
    T0,
    WEB,
    FakeReply,
    FakeStore,
    FakeVPS,
    Log,
    NoGroups,
    context,
)

BOB = Caller(user_id="U0BOB0001", channel_id="C0GENERA1")
POLICY = """
rules:
  stop:
    - channels: [C0OPS0001]
      servers: ["web-*"]
  show:
    - channels: [C0OPS0001]
confirm: [stop]
"""


class Replies(FakeReply):
    async def replace(self, message: Any) -> None:
        self.log.append(f"replaced {message.text}")


class Servers:
    """The directory: finds web-01 by name or id, and says what it was asked."""

    def __init__(self, log: Log, servers: tuple[Server, ...] = (WEB,)) -> None:
        self.log, self.servers = log, servers

    async def resolve(self, ref: Any, *, visible: Any = ()) -> Server | NotFound:
        self.log.append(f"look up {ref.text}")
        for server in self.servers:
            if ref.text in {server.name, f"#{server.id}"}:
                return server
        return NotFound(reference=ref.text)

    async def named(self, name: str) -> list[Server]:
        return [s for s in self.servers if s.name == name]


def fake(log: Log, caller: Caller = ALICE, *, servers: tuple[Server, ...] = (WEB,)) -> Any:
    ctx = context(FakeStore(log), FakeVPS(log), Events())
    return dataclasses.replace(
        ctx, caller=caller, reply=Replies(log), servers=Servers(log, servers)
    )


def gate() -> Gate:
    return Gate(parse_policy(POLICY, "policy.yml"), NoGroups(), clock=lambda: T0)


async def test_a_write_denied_everywhere_is_refused_before_any_lookup() -> None:
    log = Log()
    request = Request(operation="stop", target="web-01", member=BOB.member)
    await ask(fake(log, BOB), gate(), request)
    assert log[0] == "audit stop denied"
    assert log[1].startswith("told ")
    assert not any(line.startswith("look up") for line in log)


async def test_a_server_that_is_not_there_is_said_and_nothing_is_asked_of_it() -> None:
    log = Log()
    ctx = fake(log)
    await ask(ctx, gate(), Request(operation="stop", target="web-99", member=ALICE.member))
    assert log[0] == "look up web-99"
    assert "web-99" in log[1]
    assert ctx.tally.outcome == "not_found"
    assert len(log) == 2


async def test_a_write_goes_resolve_then_authorize_then_confirm() -> None:
    log = Log()
    await ask(fake(log), gate(), Request(operation="stop", target="web-01", member=ALICE.member))
    assert log[:3] == ["look up web-01", "pending stop stop", "audit stop asked"]
    assert log[3].startswith("told Confirm: stop")


async def test_the_change_a_prompt_holds_names_its_member() -> None:
    log = Log()
    held: list[Change] = []
    ctx = fake(log)
    create_confirmation = ctx.store.create_confirmation

    async def keep(**fields: Any) -> SimpleNamespace:
        held.append(Change.load(fields["params"]))
        return await create_confirmation(**fields)

    ctx.store.create_confirmation = keep
    await ask(ctx, gate(), Request(operation="stop", target="#12345", member=ALICE.member))
    assert held[0].member == Member(user_id=ALICE.user_id, channel_id=ALICE.channel_id)
    assert Change.load({"operation": "stop", "server": WEB.model_dump()}).member is None


async def test_a_server_outside_the_rule_is_denied_on_its_name() -> None:
    log = Log()
    db = Server(id=7, name="db-01", status="active")
    ctx = fake(log, servers=(WEB, db))
    assert await resolve(ctx, gate(), "stop", parse_reference("db-01"), label="db-01") == db
    assert await authorize(ctx, gate(), "stop", db, db, label="db-01") is None
    assert log[:2] == ["look up db-01", "audit stop denied"]
    assert "db-01" in log[2]


async def test_a_write_replayed_to_another_replica_does_nothing() -> None:
    log, ran = Log(), []

    async def step() -> None:
        ran.append(True)

    async def seen_elsewhere() -> bool:
        return False

    async def replayed() -> None:
        before_acting(seen_elsewhere)
        await guarded(fake(log), "stop", "write", step())

    await asyncio.create_task(replayed(), context=contextvars.Context())
    assert ran == []
    assert log == []


async def test_a_read_over_the_member_s_slots_is_refused_at_once() -> None:
    log, ran = Log(), []
    ctx = dataclasses.replace(fake(log), read_slots=ReadSlots(limit=1))

    async def step() -> None:
        ran.append(True)

    with ctx.read_slots.take(ALICE.user_id):  # a read of theirs still running
        await guarded(ctx, "list", "read", step())
    assert ran == []
    assert ctx.tally.outcome == "busy"
    assert log[-1].startswith("told You already have 1 request running")
    await guarded(ctx, "list", "read", step())  # once it has ended
    assert ran == [True]


async def test_whatever_goes_wrong_in_a_step_the_caller_hears_of_it() -> None:
    log = Log()
    ctx = fake(log)

    async def broken() -> None:
        raise RuntimeError("a bug")

    await guarded(ctx, "show", "read", broken())
    assert ctx.tally.outcome == "error"
    assert log == ["told Something went wrong on the bot's side; nothing more was done."]


async def test_a_click_on_someone_else_s_prompt_never_reaches_the_gate() -> None:
    log = Log()
    ctx = fake(log, BOB)
    pending = SimpleNamespace(
        id="c1",
        user_id=ALICE.user_id,
        params=Change(operation="stop", server=WEB).dump(),
        problem=lambda user_id, now: ClaimOutcome.WRONG_USER,
    )

    async def get_confirmation(confirmation_id: str) -> Any:
        return pending

    ctx.store.get_confirmation = get_confirmation
    await confirmations.confirm(ctx, gate_never_asked(), "c1")
    assert len(log) == 1
    assert log[0].startswith("told Only <@U0ALICE01>")


def gate_never_asked() -> Any:
    class Never:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"the gate was asked ({name})")

    return Never()
