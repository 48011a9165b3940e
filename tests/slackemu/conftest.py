"""Fixtures: an emulator with two people and #ops, and the tiny Bolt app wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.web.async_client import AsyncWebClient

from slackemu import SlackEmulator
from tests.slackemu.tiny_app import (
    ALICE,
    APP_TOKEN,
    BOB,
    BOT_TOKEN,
    OPS,
    SECRET,
    build_app,
    serve_http,
)


async def _emulator(transport: str) -> SlackEmulator:
    emu = SlackEmulator(
        signing_secret=SECRET,
        bot_token=BOT_TOKEN,
        app_token=APP_TOKEN,
        transport="socket" if transport == "socket" else "http",
        ack_timeout=30.0,  # Slack's 3 s is judged by its own test; a loaded machine is slow
    )
    await emu.start()
    emu.add_user(ALICE, "alice")
    emu.add_user(BOB, "bob")
    emu.add_channel(OPS, "ops")
    return emu


@pytest.fixture
async def emu() -> AsyncIterator[SlackEmulator]:
    """An HTTP-mode emulator with no app behind it."""
    emulator = await _emulator("http")
    yield emulator
    await emulator.close()


@pytest.fixture
def seen() -> list[dict[str, Any]]:
    """The request bodies the tiny app handled."""
    return []


@pytest.fixture
async def http_app(emu: SlackEmulator, seen: list[dict[str, Any]]) -> AsyncIterator[SlackEmulator]:
    """The emulator driving the tiny Bolt app over signed HTTP."""
    async with serve_http(build_app(emu.api_url, seen)) as url:
        emu.app_url = url
        yield emu


@pytest.fixture
async def socket_app(seen: list[dict[str, Any]]) -> AsyncIterator[SlackEmulator]:
    """The emulator driving the tiny Bolt app through slack_bolt's AsyncSocketModeHandler."""
    emulator = await _emulator("socket")
    # A short ping interval makes the client notice a cut connection within half a second.
    handler = AsyncSocketModeHandler(
        build_app(emulator.api_url, seen), APP_TOKEN, ping_interval=0.5
    )
    await handler.connect_async()  # type: ignore[no-untyped-call]
    try:
        await emulator.wait_for_socket()
        yield emulator
    finally:
        # The handler goes first: otherwise it would try to reconnect to a closed emulator.
        await handler.close_async()  # type: ignore[no-untyped-call]
        await emulator.close()


@pytest.fixture
def client(emu: SlackEmulator) -> AsyncWebClient:
    """The app's Web API client, pointed at the emulator."""
    return AsyncWebClient(token=BOT_TOKEN, base_url=emu.api_url)
