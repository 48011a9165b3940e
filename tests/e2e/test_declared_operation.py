"""The proof that a declaration is all an operation needs: `recycle`, declared here and nowhere
else, is parsed, shown in help and on the card, allowed and denied by the policy, confirmed,
audited, reported in the ops channel and followed to its steady state — through the emulator,
the real bot and the simulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.operations import Done, Operation, Syntax, Wording, declare, withdraw
from bot.operations.change import Change
from bot.slack import ids
from bot.vps import VPSClient
from tests.e2e.harness import ALICE, BOB, GENERAL, OPS, OPS_LOG, Harness, dump


async def _recycle(vps: VPSClient, change: Change) -> Done:
    """A power cycle, as VPS.org's reboot endpoint makes it (through the real client)."""
    result = await vps.reboot_server(change.server.id)
    return Done(None, result.message, result.server.status)


RECYCLE = Operation(
    name="recycle",
    call=_recycle,
    runs_from=frozenset({"active"}),
    leads_to="active",
    followed=True,
    on_card=True,
    syntax=Syntax(
        usage="/vps recycle <server>",
        what="power-cycle a running server",
        example="/vps recycle web-01",
    ),
    wording=Wording(
        label="Recycle",
        done="is recycling",
        consequence="Power-cycle {ref}. It is down for a minute or two.",
        doing="recycling",
        refusals={"stopped": "is stopped, so it can't be recycled; start it instead."},
    ),
)

POLICY = f"""
rules:
  recycle:
    - channels: [{OPS}]
confirm: [recycle]
"""


@pytest.fixture
def recycle() -> Iterator[Operation]:
    declare(RECYCLE)
    try:
        yield RECYCLE
    finally:
        withdraw(RECYCLE.name)


async def on_recycle_policy(harness: Harness) -> None:
    """Restart the bot on a policy that names the new operation (and watch it closely)."""
    await harness.stop()
    (harness.tmp / "policy.yml").write_text(POLICY)
    harness.overrides["bot_watch_interval_seconds"] = 0.02
    await harness.start()


def ops_notices(harness: Harness) -> list:  # type: ignore[type-arg]
    return [m for m in harness.emu.messages(OPS_LOG) if not m.thread_ts or m.thread_ts == m.ts]


async def test_a_declared_operation_runs_end_to_end(harness: Harness, recycle: Operation) -> None:
    await on_recycle_policy(harness)

    # Shown in help where it is allowed, and not where it is not.
    assert "/vps recycle" in dump(await harness.answer("/vps help", channel=OPS))
    assert "/vps recycle" not in dump(await harness.answer("/vps help", channel=GENERAL))
    assert "power-cycle a running server" in dump(await harness.answer("/vps help recycle"))

    # Parsed like any command: a missing server is said, with its usage.
    missing = dump(await harness.answer("/vps recycle"))
    assert "recycle needs a server" in missing
    assert "/vps recycle" in missing

    # Denied by the policy outside #ops: nothing reaches VPS.org.
    denied = await harness.answer("/vps recycle web-server-01", channel=GENERAL)
    assert ":lock:" in dump(denied)
    assert harness.api_calls("POST", "/reboot/") == []

    # Allowed in #ops, and confirmed first (`confirm: [recycle]`).
    prompt = await harness.answer("/vps recycle web-server-01", user=BOB)
    assert prompt.ephemeral_to == BOB
    assert "Power-cycle" in dump(prompt)
    assert harness.api_calls("POST", "/reboot/") == []
    before = harness.seen(BOB)
    await harness.emu.click(prompt, text="Recycle web-server-01")
    result = await harness.new_message(before, user=BOB, where=lambda m: not m.is_ephemeral)
    assert result.channel == OPS
    assert "web-server-01 (#12345) is recycling" in dump(result)
    assert len(harness.api_calls("POST", "/12345/reboot/")) == 1

    # Reported in the ops channel, and followed to its steady state.
    [notice] = await harness.emu.wait_for(lambda: ops_notices(harness), what="the ops notice")
    assert "is recycling" in notice.text
    assert "<@U0BOB0001>" in dump(notice)
    harness.clock.now += 61
    await harness.emu.wait_for(lambda: "is active" in notice.text, what="the notice to end")
    assert "web-server-01 (#12345) is active" in dump(notice)

    # Audited: denied, asked, confirmed, executed.
    audit = dump(await harness.answer("/vps audit web-server-01", user=BOB))
    assert "*recycle* *web-server-01*" in audit
    for step in ("denied in", "asked in", "confirmed in", "executed in"):
        assert step in audit, step

    # On the card, for whoever may use it here; the button asks the same confirmation.
    card = await harness.answer("/vps show web-server-01", user=ALICE)
    button = next(b for b in card.buttons() if b.action_id == ids.card_action("recycle"))
    assert button.text == "Recycle"
    before = harness.seen(ALICE)
    await harness.emu.click(card, action_id=button.action_id)
    again = await harness.new_message(before, user=ALICE)
    assert "Recycle web-server-01" in [b.text for b in again.buttons()]


async def test_a_declared_operation_is_refused_where_it_can_only_fail(
    harness: Harness, recycle: Operation
) -> None:
    await on_recycle_policy(harness)
    answer = await harness.answer("/vps recycle web-server-03")  # stopped
    assert "is stopped, so it can't be recycled" in dump(answer)
    assert not answer.buttons()  # refused before any prompt
    assert harness.api_calls("POST", "/reboot/") == []
