"""Running plans end to end: a plan stored as the front stores it once confirmed (state
`running`), the real bot driving it against the simulator, its messages in the emulator."""

from __future__ import annotations

from collections.abc import Sequence

from bot.operations.change import Member, Request
from bot.plans import PlanOptions
from bot.state.plans import Plan, PlanServer
from slackemu import Message
from tests.e2e.harness import ALICE, OPS, Harness, dump, eventually

WORKERS = {
    "worker-01": 12347,
    "worker-02": 12351,
    "worker-03": 12352,
    "worker-04": 12353,
    "worker-06": 12356,
    "worker-07": 12358,
}


async def add_running_plan(
    harness: Harness,
    names: Sequence[str],
    *,
    operation: str = "reboot",
    plan_id: str = "plan-1",
    state: str = "running",
    **options: object,
) -> Plan:
    """Store a confirmed plan of these servers (in batches as `options` say): the driver's."""
    assert harness.bot is not None
    store = harness.bot.services.store
    opts = PlanOptions.model_validate(options)
    size = opts.batch_size(len(names))
    now = harness.clock()
    request = Request(operation=operation, member=Member(user_id=ALICE, channel_id=OPS))
    plan = Plan(
        id=plan_id,
        user_id=ALICE,
        channel_id=OPS,
        channel_name="ops",
        operation=operation,
        request=request.model_dump(mode="json"),
        options=opts.dump(),
        state=state,
        created_at=now,
        updated_at=now,
        progress_channel=OPS,
    )
    servers = [
        PlanServer(plan_id, i, i // size, WORKERS[name], name) for i, name in enumerate(names)
    ]
    await store.add_plan(plan, servers)
    return plan


def called(harness: Harness, operation: str = "reboot") -> list[int]:
    """The servers the simulator was asked to act on, in the order asked."""
    return [int(path.split("/")[-3]) for path in harness.api_calls("POST", f"/{operation}/")]


async def steps(harness: Harness, plan_id: str = "plan-1") -> dict[str, str]:
    """Each server's step in the store, by name."""
    assert harness.bot is not None
    servers = await harness.bot.services.store.plan_servers(plan_id)
    return {s.server_name: s.state for s in servers}


async def plan_state(harness: Harness, plan_id: str = "plan-1") -> str:
    assert harness.bot is not None
    plan = await harness.bot.services.store.get_plan(plan_id)
    assert plan is not None
    return plan.state


async def wait_for_steps(harness: Harness, wanted: dict[str, str], what: str) -> None:
    async def there() -> bool:
        now = await steps(harness)
        return all(now.get(name) == step for name, step in wanted.items())

    await eventually(there, what)


async def listings_after(harness: Harness, count: int) -> None:
    """Wait until the driver has listed the fleet `count` more times (rounds went by)."""
    start = len(harness.api_calls("GET", "/servers/"))
    await harness.emu.wait_for(
        lambda: len(harness.api_calls("GET", "/servers/")) >= start + count,
        what=f"{count} more listings",
    )


def progress(harness: Harness, channel: str = OPS) -> Message:
    """The plan's message where it was asked (the first of the bot's there)."""
    found = [m for m in harness.emu.messages(channel) if "asked by" in dump(m)]
    assert found, f"no plan message in {channel}"
    return found[0]


async def progress_says(harness: Harness, text: str, channel: str = OPS) -> Message:
    def shows() -> Message | None:
        found = [m for m in harness.emu.messages(channel) if "asked by" in dump(m)]
        return found[0] if found and text in dump(found[0]) else None

    return await harness.emu.wait_for(shows, what=f"the plan's message saying {text!r}")
