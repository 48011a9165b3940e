"""A slow or failing VPS.org API never costs an ack, and always ends in a clear answer."""

from __future__ import annotations

import asyncio

from tests.e2e.harness import ALICE, OPS, Harness, dump


async def test_a_slow_api_is_acked_at_once_and_answered_later(harness: Harness) -> None:
    harness.sim.latency = 2.0
    before = harness.seen(ALICE)
    acks = await asyncio.gather(
        *(harness.emu.slash_command("/vps list", user=ALICE, channel=OPS) for _ in range(5))
    )
    assert all(a.status == 200 for a in acks)
    assert max(a.elapsed for a in acks) < 1.0
    first = await harness.new_message(
        before, user=ALICE, within=10, where=lambda m: "web-server-01" in dump(m)
    )
    assert first.is_ephemeral


async def test_an_unavailable_api_is_explained(harness: Harness) -> None:
    harness.sim.inject_failure(503, times=10, retry_after=0)
    message = await harness.answer("/vps list", within=10)
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
