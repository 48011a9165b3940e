"""The emulator against slack_bolt's real AsyncSocketModeHandler (slack_sdk's aiohttp client)."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from slackemu import SlackEmulator
from tests.slackemu.tiny_app import ALICE, APP_TOKEN, BOT_TOKEN, OPS


async def test_a_slash_command_envelope_is_acked_and_handled(
    socket_app: SlackEmulator, seen: list[dict[str, Any]]
) -> None:
    ack = await socket_app.slash_command("/vps ping", user=ALICE, channel=OPS)

    assert ack.ok, ack
    reply = await socket_app.wait_for(lambda: socket_app.last_message(OPS, visible_to=ALICE))
    assert (reply.text, reply.ephemeral_to) == ("pong", ALICE)
    assert seen[0]["command"] == "/vps"
    assert socket_app.connections_opened == 1


async def test_ack_payload_comes_back_through_the_socket(socket_app: SlackEmulator) -> None:
    ack = await socket_app.slash_command("/vps ack-text", user=ALICE, channel=OPS)

    assert ack.body == {"text": "straight from the ack"}
    shown = socket_app.last_message(OPS, visible_to=ALICE)
    assert shown is not None
    assert shown.text == "straight from the ack"


async def test_interactions_and_modals_work_over_the_socket(socket_app: SlackEmulator) -> None:
    await socket_app.slash_command("/vps modal", user=ALICE, channel=OPS)
    modal = await socket_app.wait_for(lambda: socket_app.modal(ALICE))

    wrong = await socket_app.submit_view(modal, {"delete_name": "nope"})

    assert dict(wrong.input_errors) == {"delete_name": "Type web-01 to confirm"}


async def test_a_dropped_socket_is_reconnected(socket_app: SlackEmulator) -> None:
    await socket_app.drop_socket()

    await socket_app.wait_for_socket(opened=2)
    ack = await socket_app.slash_command("/vps ping", user=ALICE, channel=OPS)
    assert ack.ok, ack


async def test_a_disconnect_message_makes_the_app_reconnect(socket_app: SlackEmulator) -> None:
    await socket_app.send_disconnect("refresh_requested")

    await socket_app.wait_for_socket(opened=2)
    assert socket_app.socket_connected


async def test_without_a_connection_commands_fail_to_dispatch(emu: SlackEmulator) -> None:
    emu.transport = "socket"

    ack = await emu.slash_command("/vps ping", user=ALICE, channel=OPS)

    assert (ack.status, ack.error) == (None, "dispatch_failed")


async def test_connections_open_needs_the_app_token(emu: SlackEmulator) -> None:
    client = AsyncWebClient(base_url=emu.api_url)
    for token, error in [("xapp-wrong", "invalid_auth"), (BOT_TOKEN, "not_allowed_token_type")]:
        with pytest.raises(SlackApiError) as refused:
            await client.apps_connections_open(app_token=token)
        assert refused.value.response["error"] == error

    opened = await client.apps_connections_open(app_token=APP_TOKEN)

    assert opened["url"].startswith(emu.base_url.replace("http", "ws") + "/link/?ticket=")
