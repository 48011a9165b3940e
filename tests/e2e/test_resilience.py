"""A slow or failing VPS.org API never costs an ack, and always ends in a clear answer."""

from __future__ import annotations

import asyncio

from slackemu import Message
from tests.e2e.harness import ALICE, OPS, Harness, dump, is_placeholder


def listed(harness: Harness) -> list[Message]:
    return [m for m in harness.emu.messages(OPS, visible_to=ALICE) if "web-server-01" in dump(m)]


async def test_a_slow_api_is_acked_at_once_and_answered_later(harness: Harness) -> None:
    harness.sim.latency = 3.0
    acks = await asyncio.gather(
        *(harness.emu.slash_command("/vps list", user=ALICE, channel=OPS) for _ in range(5))
    )
    assert all(a.ok for a in acks)
    assert listed(harness) == []  # every ack came before VPS.org answered (speed: bench/)
    first = await harness.emu.wait_for(lambda: listed(harness), 30, what="the listing")
    assert first[0].is_ephemeral


async def test_a_slow_answer_replaces_its_placeholder(harness: Harness) -> None:
    harness.sim.latency = 1.5  # past the moment the "Working on it…" note shows
    card = await harness.answer("/vps show web-server-01")
    assert "web-server-01" in dump(card)
    assert not is_placeholder(card)


async def test_an_unavailable_api_is_explained(harness: Harness) -> None:
    harness.sim.inject_failure(503, times=10, retry_after=0)
    message = await harness.answer("/vps list", within=30)
    assert "VPS.org API unavailable (503)" in dump(message)


async def test_a_proxy_error_on_a_write_is_reported_not_retried(harness: Harness) -> None:
    harness.sim.inject_failure(
        502,
        method="POST",
        path_suffix="/reboot/",
        body="<html>bad gateway</html>",
        content_type="text/html",
    )
    before = harness.seen(ALICE)
    await harness.command("/vps reboot web-server-01")
    result = await harness.new_message(before, user=ALICE, where=lambda m: not m.is_ephemeral)
    assert "Couldn't reboot" in dump(result)
    assert "unavailable (502)" in dump(result)
    assert len(harness.api_calls("POST", "/reboot/")) == 1


async def test_a_wrong_api_token_says_which_setting_to_fix(harness: Harness) -> None:
    harness.sim.inject_failure(401, times=1)
    message = await harness.answer("/vps show web-server-01")
    assert "VPS_API_TOKEN" in dump(message)
    assert harness.sim.token not in dump(message)
