"""Several replicas of one app: requests go to each HTTP URL in turn, envelopes to each Socket
Mode connection in turn (as Slack spreads them over up to 10 connections)."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from slackemu import SlackEmulator
from tests.slackemu.tiny_app import ALICE, APP_TOKEN, BOT_TOKEN, OPS, SECRET, build_app, serve_http


async def _emulator(**options: Any) -> SlackEmulator:
    emu = SlackEmulator(signing_secret=SECRET, bot_token=BOT_TOKEN, app_token=APP_TOKEN, **options)
    await emu.start()
    emu.add_user(ALICE, "alice")
    emu.add_channel(OPS, "ops")
    return emu


async def test_http_requests_go_round_robin_over_the_app_urls() -> None:
    emu = await _emulator(transport="http")
    seen: list[list[dict[str, Any]]] = [[], [], []]
    async with AsyncExitStack() as stack:
        for replica in seen:
            emu.app_urls.append(
                await stack.enter_async_context(serve_http(build_app(emu.api_url, replica)))
            )
        for _ in range(6):
            assert (await emu.slash_command("/vps ping", user=ALICE, channel=OPS)).ok
    await emu.close()
    assert [len(replica) for replica in seen] == [2, 2, 2]


async def test_socket_envelopes_are_spread_over_every_connection() -> None:
    emu = await _emulator(transport="socket", spread=True)
    seen: list[list[dict[str, Any]]] = [[], [], []]
    handlers = [
        AsyncSocketModeHandler(build_app(emu.api_url, replica), APP_TOKEN) for replica in seen
    ]
    try:
        for handler in handlers:
            await handler.connect_async()  # type: ignore[no-untyped-call]
        await emu.wait_for(lambda: emu.socket_connections == 3, what="three connections")
        for _ in range(6):
            assert (await emu.slash_command("/vps ping", user=ALICE, channel=OPS)).ok
    finally:
        for handler in handlers:
            await handler.close_async()  # type: ignore[no-untyped-call]
        await emu.close()
    assert [len(replica) for replica in seen] == [2, 2, 2]


async def test_without_spreading_the_newest_connection_gets_everything() -> None:
    emu = await _emulator(transport="socket")
    seen: list[list[dict[str, Any]]] = [[], []]
    handlers = [
        AsyncSocketModeHandler(build_app(emu.api_url, replica), APP_TOKEN) for replica in seen
    ]
    try:
        for handler in handlers:
            await handler.connect_async()  # type: ignore[no-untyped-call]
            await emu.wait_for_socket(opened=handlers.index(handler) + 1)
        for _ in range(3):
            assert (await emu.slash_command("/vps ping", user=ALICE, channel=OPS)).ok
    finally:
        for handler in handlers:
            await handler.close_async()  # type: ignore[no-untyped-call]
        await emu.close()
    assert [len(replica) for replica in seen] == [0, 3]
