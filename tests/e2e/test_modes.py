"""HTTP mode and Socket Mode against the emulator, and /healthz in both."""

from __future__ import annotations

import httpx

from bot.web import SocketHealth
from tests.e2e.harness import (
    Harness,
    dump,
)


async def health(harness: Harness) -> httpx.Response:
    assert harness.bot is not None
    async with httpx.AsyncClient() as client:
        return await client.get(f"http://127.0.0.1:{harness.bot.port}/healthz")


async def test_http_mode_serves_health(harness: Harness) -> None:
    response = await health(harness)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "mode": "http"}


async def test_socket_mode_runs_commands_and_confirmations(socket_harness: Harness) -> None:
    h = socket_harness
    assert h.bot is not None
    assert h.bot.mode == "socket"
    await h.emu.wait_for_socket()
    listing = await h.answer("/vps list")
    assert "web-server-01" in dump(listing)
    prompt = await h.answer("/vps stop web-server-01")
    before = h.seen()
    await h.emu.click(prompt, text="Stop web-server-01")
    result = await h.new_message(
        before, user=prompt.ephemeral_to or "", where=lambda m: not m.is_ephemeral
    )
    assert "is stopping" in result.text
    assert (await health(h)).json()["socket"] == "connected"


async def test_socket_mode_reconnects_after_a_drop(socket_harness: Harness) -> None:
    h = socket_harness
    await h.emu.wait_for_socket()
    opened = h.emu.connections_opened
    await h.emu.drop_socket()
    await h.emu.wait_for(
        lambda: h.emu.connections_opened > opened and h.emu.socket_connected,
        timeout=25,
        what="the bot to reconnect",
    )
    assert "web-server-01" in dump(await h.answer("/vps list"))


async def test_health_turns_503_when_the_socket_stays_down(socket_harness: Harness) -> None:
    h = socket_harness
    await h.emu.wait_for_socket()
    assert h.bot is not None
    assert isinstance(h.bot.health, SocketHealth)
    await h.emu.close()  # Slack is gone and does not come back
    h.bot.health.grace = 0.0
    response = await health(h)
    assert response.status_code == 503
    assert response.json()["socket"] == "down"


async def test_socket_mode_serves_the_home_tab_and_workflow_steps(socket_harness: Harness) -> None:
    h = socket_harness
    await h.emu.wait_for_socket()
    assert (await h.emu.open_home("U0ADMIN01")).ok
    home = await h.emu.wait_for(lambda: h.emu.home("U0ADMIN01"), what="the Home tab")
    assert "The fleet at a glance" in str(home.blocks)
    inputs = {"server": "web-server-01", "user_id": "U0ALICE01"}
    execution = await h.emu.run_step("server_status", inputs)
    await h.emu.wait_for(lambda: execution.state != "running", what="the step")
    assert execution.outputs["name"] == "web-server-01"
