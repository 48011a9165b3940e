"""Approval requests as a member meets them: bounded like writes, never posted twice, and
answered however long they waited."""

from __future__ import annotations

from tests.e2e.harness import ADMIN, ALICE, CAROL, Harness, dump
from tests.e2e.test_guardrails import APPROVALS, use_policy
from tests.e2e.test_notifications import top_level

LIMITED_APPROVALS = f"""
rules:
  "*":
    - users: [{ADMIN}]
  reboot:
    - users: [{ALICE}]
approve:
  reboot:
    by: [{{users: [{CAROL}]}}]
    servers: ["db-*"]
limits:
  writes: {{per_user: 2, window: 10m}}
"""


async def ask(harness: Harness, line: str) -> str:
    """Alice types `line`; what she is told privately."""
    before = harness.seen(ALICE)
    await harness.command(line)
    told = await harness.new_message(before, user=ALICE, where=lambda m: m.is_ephemeral)
    return dump(told)


async def test_pending_requests_count_against_the_write_limit(harness: Harness) -> None:
    await use_policy(harness, LIMITED_APPROVALS)
    assert "Sent for approval" in await ask(harness, "/vps reboot db-server-01")
    assert "Sent for approval" in await ask(harness, "/vps reboot db-server-02")
    refused = await ask(harness, "/vps reboot db-server-04")  # 2 waiting: the limit
    assert "You have 2 requests waiting for approval" in refused
    assert "Nothing was posted" in refused
    assert len(top_level(harness)) == 2  # no third public request
    assert harness.api_calls("POST", "/reboot/") == []


async def test_the_same_request_twice_points_to_the_one_waiting(harness: Harness) -> None:
    await use_policy(harness, LIMITED_APPROVALS)
    assert "Sent for approval" in await ask(harness, "/vps reboot db-server-01")
    for _ in range(3):
        again = await ask(harness, "/vps reboot db-server-01")
        assert "Already waiting for approval in <#C0OPSLOG1>" in again
        assert "/vps approvals" in again
    assert len(top_level(harness)) == 1  # one public request, however often it is asked
    assert harness.bot is not None
    assert len(await harness.bot.services.store.list_approvals()) == 1
    # Another server is another request.
    assert "Sent for approval" in await ask(harness, "/vps reboot db-server-02")


SECRET_ROOM = "G0SECRET1"


async def test_a_late_decision_reaches_the_requester_without_the_stale_response_url(
    harness: Harness,
) -> None:
    """Slack honours a response_url for 30 minutes (the emulator too): after that the outcome
    and the result come through the Web API — here a direct message, since the request came
    from a private channel the bot is not in."""
    await use_policy(
        harness, APPROVALS.replace('servers: ["db-*"]', 'servers: ["db-*"]\n    ttl: 2h')
    )
    harness.emu.add_channel(SECRET_ROOM, "secret", is_private=True, bot_is_member=False)
    before = harness.seen(ADMIN)
    await harness.command("/vps reboot db-server-01", user=ADMIN, channel=SECRET_ROOM)
    await harness.new_message(before, user=ADMIN, where=lambda m: "Sent for" in m.text)
    [request] = await harness.emu.wait_for(lambda: top_level(harness), what="the request")
    harness.emu.advance(40 * 60)  # Slack's clock: the response_url is stale
    harness.clock.now += 40 * 60  # the bot's
    await harness.emu.click(request, text="Approve", user=CAROL)
    await harness.emu.wait_for(lambda: harness.api_calls("POST", "/reboot/"), what="the reboot")

    def direct(text: str) -> list[object]:
        return [
            m
            for m in harness.emu.messages(visible_to=ADMIN)
            if text in m.text and m.channel.startswith("D")
        ]

    await harness.emu.wait_for(lambda: direct("Approved by"), what="the outcome, directly")
    await harness.emu.wait_for(lambda: direct("is rebooting"), what="the result, directly")
