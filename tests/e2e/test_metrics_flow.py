"""What the flow counts: every command by outcome, every action by outcome."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.harness import ALICE, BOB, GENERAL, Harness


def samples(harness: Harness) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    assert harness.bot is not None
    body, _ = harness.bot.services.metrics.render()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def count(harness: Harness, name: str, **labels: str) -> float:
    return samples(harness).get((name, tuple(sorted(labels.items()))), 0.0)


async def test_commands_and_actions_are_counted_by_outcome(harness: Harness) -> None:
    await harness.answer("/vps list")
    await harness.answer("/vps delete web-server-01", user=BOB, channel=GENERAL)
    await harness.answer("/vps show no-such-server")
    await harness.answer("/vps bogus")
    await harness.answer("/vps stop web-server-01")  # a prompt
    before = harness.seen(ALICE)
    await harness.command("/vps reboot web-server-01")
    await harness.new_message(before, user=ALICE, where=lambda m: "is rebooting" in m.text)

    commands = "vpsbot_commands_total"
    assert count(harness, commands, command="list", outcome="ok") == 1
    assert count(harness, commands, command="delete", outcome="denied") == 1
    assert count(harness, commands, command="show", outcome="not_found") == 1
    assert count(harness, commands, command="other", outcome="invalid") == 1
    assert count(harness, commands, command="stop", outcome="prompted") == 1
    await harness.emu.wait_for(
        lambda: count(harness, commands, command="reboot", outcome="executed") == 1,
        what="the reboot to be counted",
    )
    actions = "vpsbot_actions_total"
    assert count(harness, actions, action="delete", outcome="denied") == 1
    assert count(harness, actions, action="reboot", outcome="executed") == 1
