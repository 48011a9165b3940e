"""The emulator against a real Bolt app over signed HTTP: what a person would see in Slack."""

from __future__ import annotations

import time
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from slackemu import SLACKBOT, EmulatorUsageError, Signing, SlackEmulator
from tests.slackemu.tiny_app import ALICE, BOB, DELETE_MODAL, OPS


async def test_slash_command_is_accepted_by_bolt_and_respond_lands_ephemeral(
    http_app: SlackEmulator, seen: list[dict[str, Any]]
) -> None:
    ack = await http_app.slash_command("/vps ping", user=ALICE, channel=OPS)

    assert ack.ok, ack

    reply = await http_app.wait_for(lambda: http_app.last_message(OPS, visible_to=ALICE))
    assert (reply.text, reply.ephemeral_to, reply.via) == ("pong", ALICE, "response_url")
    assert http_app.last_message(OPS, visible_to=BOB) is None
    command = seen[0]
    assert (command["command"], command["text"], command["user_name"]) == ("/vps", "ping", "alice")
    assert (command["channel_id"], command["channel_name"]) == (OPS, "ops")
    assert command["response_url"].startswith(http_app.base_url + "/response/")
    assert http_app.calls("auth.test"), "Bolt authorizes with auth.test on its first request"


@pytest.mark.parametrize(
    "signing",
    [Signing(secret="not-the-secret"), Signing(timestamp=int(time.time()) - 600)],
    ids=["bad", "stale"],
)
async def test_bad_or_stale_signature_gets_401_and_does_nothing(
    http_app: SlackEmulator, seen: list[dict[str, Any]], signing: Signing
) -> None:
    ack = await http_app.slash_command("/vps ping", user=ALICE, channel=OPS, signing=signing)

    assert (ack.status, ack.error) == (401, "dispatch_failed")
    assert seen == []
    note = http_app.last_message(OPS, visible_to=ALICE)
    assert note is not None
    assert (note.user, note.text) == (SLACKBOT, '/vps failed with the error "dispatch_failed"')


async def test_typed_text_arrives_escaped_as_slack_sends_it(
    http_app: SlackEmulator, seen: list[dict[str, Any]]
) -> None:
    await http_app.slash_command("/vps", "echo <!channel> & co", user=ALICE, channel=OPS)
    await http_app.slash_command("/vps echo", "two words", user=ALICE, channel=OPS)

    assert seen[0]["text"] == "echo &lt;!channel&gt; &amp; co"
    assert (seen[1]["command"], seen[1]["text"]) == ("/vps", "echo two words")


async def test_an_ack_with_text_is_shown_to_the_caller_only(http_app: SlackEmulator) -> None:
    ack = await http_app.slash_command("/vps ack-text", user=ALICE, channel=OPS)

    assert ack.ok, ack
    shown = http_app.last_message(OPS, visible_to=ALICE)
    assert shown is not None
    assert (shown.text, shown.ephemeral_to, shown.via) == ("straight from the ack", ALICE, "ack")


async def test_an_in_channel_answer_shows_the_command_to_everyone(http_app: SlackEmulator) -> None:
    await http_app.slash_command("/vps public", user=ALICE, channel=OPS)

    await http_app.wait_for(lambda: len(http_app.messages(OPS, visible_to=BOB)) == 2)
    invocation, answer = http_app.messages(OPS, visible_to=BOB)
    assert (invocation.user, invocation.text) == (ALICE, "/vps public")
    assert (answer.text, answer.response_type) == ("for everyone", "in_channel")


async def test_a_slow_ack_is_a_timeout_for_the_person(http_app: SlackEmulator) -> None:
    http_app.ack_timeout = 0.3  # the app sleeps 0.6 s before it acks

    ack = await http_app.slash_command("/vps slow", user=ALICE, channel=OPS)

    assert (ack.status, ack.error, ack.ok) == (None, "operation_timeout", False)
    note = http_app.last_message(OPS, visible_to=ALICE)
    assert note is not None
    assert note.text == '/vps failed with the error "operation_timeout"'


async def test_unhandled_command_is_a_dispatch_failure(http_app: SlackEmulator) -> None:
    ack = await http_app.slash_command("/other thing", user=ALICE, channel=OPS)

    assert (ack.status, ack.error) == (404, "dispatch_failed")


async def test_button_click_round_trip_on_an_ephemeral_prompt(
    http_app: SlackEmulator, seen: list[dict[str, Any]]
) -> None:
    await http_app.slash_command("/vps card", user=ALICE, channel=OPS)
    prompt = await http_app.wait_for(lambda: http_app.last_message(OPS, visible_to=ALICE))
    assert [(b.text, b.style) for b in prompt.buttons()] == [
        ("Stop web-01", "danger"),
        ("Cancel", None),
    ]
    with pytest.raises(EmulatorUsageError, match="cannot see"):
        await http_app.click(prompt, text="Stop web-01", user=BOB)

    ack = await http_app.click(prompt, text="Stop web-01")

    assert ack.ok, ack
    await http_app.wait_for(lambda: prompt.edited)
    assert (prompt.text, prompt.blocks, prompt.ephemeral_to) == ("Stopping web-01", [], ALICE)
    click = seen[-1]
    assert click["type"] == "block_actions"
    assert click["container"] == {
        "type": "message",
        "message_ts": prompt.ts,
        "channel_id": OPS,
        "is_ephemeral": True,
    }
    assert "message" not in click, "Slack sends no copy of an ephemeral message"
    action = click["actions"][0]
    assert (action["action_id"], action["value"], action["block_id"]) == ("stop", "42", "confirm")


async def test_cancel_deletes_the_prompt(http_app: SlackEmulator) -> None:
    await http_app.slash_command("/vps card", user=ALICE, channel=OPS)
    prompt = await http_app.wait_for(lambda: http_app.last_message(OPS, visible_to=ALICE))

    await http_app.click(prompt, action_id="cancel")

    await http_app.wait_for(lambda: prompt.deleted)
    assert http_app.messages(OPS) == []


async def test_modal_opens_with_a_fresh_trigger_and_validates_inline(
    http_app: SlackEmulator, seen: list[dict[str, Any]]
) -> None:
    await http_app.slash_command("/vps modal", user=ALICE, channel=OPS)
    modal = await http_app.wait_for(lambda: http_app.modal(ALICE))
    assert (modal.callback_id, modal.title, modal.private_metadata) == (
        "delete_modal",
        "Delete web-01",
        "42",
    )

    empty = await http_app.submit_view(modal)
    assert (empty.sent, dict(empty.input_errors)) == (
        False,
        {"delete_name": "Please complete this required field."},
    )

    wrong = await http_app.submit_view(modal, {"delete_name": "web-02"})
    assert wrong.response_action == "errors"
    assert dict(wrong.input_errors) == {"delete_name": "Type web-01 to confirm"}
    assert http_app.modal(ALICE) is modal

    misplaced = await http_app.submit_view(modal, {"delete_name": "bad-key"})
    assert misplaced.error == "invalid_response_action"
    assert http_app.modal(ALICE) is modal

    right = await http_app.submit_view(modal, {"delete_name": "web-01"})
    assert right.ok, right
    assert http_app.modal(ALICE) is None
    assert modal.closed
    done = await http_app.wait_for(lambda: http_app.last_message(OPS, visible_to=BOB))
    assert done.text == "web-01 deleted"
    state = seen[-1]["view"]["state"]["values"]
    assert state == {"delete_name": {"name": {"type": "plain_text_input", "value": "web-01"}}}


async def test_trigger_ids_expire_after_three_seconds_and_are_single_use(
    http_app: SlackEmulator, client: AsyncWebClient
) -> None:
    aged = await http_app.slash_command("/vps noop", user=ALICE, channel=OPS)
    fresh = await http_app.slash_command("/vps noop", user=ALICE, channel=OPS)
    assert aged.interaction is not None
    assert fresh.interaction is not None

    await client.views_open(trigger_id=fresh.interaction.trigger_id, view=DELETE_MODAL)
    http_app.advance(3.5)

    for trigger_id, error in [
        (aged.interaction.trigger_id, "expired_trigger_id"),
        (fresh.interaction.trigger_id, "exchanged_trigger_id"),
        ("1234.5678.nonsense", "invalid_trigger_id"),
    ]:
        with pytest.raises(SlackApiError) as refused:
            await client.views_open(trigger_id=trigger_id, view=DELETE_MODAL)
        assert refused.value.response["error"] == error


async def test_choosing_from_a_menu_in_a_public_message(
    http_app: SlackEmulator, client: AsyncWebClient, seen: list[dict[str, Any]]
) -> None:
    menu = {
        "type": "static_select",
        "action_id": "size",
        "options": [
            {"text": {"type": "plain_text", "text": "Small"}, "value": "s"},
            {"text": {"type": "plain_text", "text": "Large"}, "value": "l"},
        ],
    }
    await client.chat_postMessage(
        channel=OPS, text="pick", blocks=[{"type": "actions", "elements": [menu]}]
    )
    message = http_app.messages(OPS)[0]
    with pytest.raises(EmulatorUsageError, match="say who"):
        await http_app.choose(message, "Large", action_id="size")

    ack = await http_app.choose(message, "Large", action_id="size", user=BOB)

    assert ack.ok, ack
    choice = seen[-1]
    assert choice["actions"][0]["selected_option"]["value"] == "l"
    assert choice["container"]["is_ephemeral"] is False
    assert choice["message"]["ts"] == message.ts
    assert (choice["user"]["id"], choice["channel"]["id"]) == (BOB, OPS)


async def test_a_click_inside_a_modal_carries_the_view(
    http_app: SlackEmulator, client: AsyncWebClient, seen: list[dict[str, Any]]
) -> None:
    ack = await http_app.slash_command("/vps noop", user=ALICE, channel=OPS)
    assert ack.interaction is not None
    button = {"type": "button", "action_id": "size", "text": {"type": "plain_text", "text": "Big"}}
    view = dict(DELETE_MODAL, blocks=[{"type": "actions", "elements": [button]}])
    await client.views_open(trigger_id=ack.interaction.trigger_id, view=view)
    modal = http_app.modal(ALICE)
    assert modal is not None

    clicked = await http_app.click(modal, text="Big")

    assert clicked.ok, clicked
    payload = seen[-1]
    assert payload["container"] == {"type": "view", "view_id": modal.id}
    assert payload["view"]["callback_id"] == "delete_modal"
    assert "response_url" not in payload
    assert "channel" not in payload


async def test_a_forged_click_reaches_the_app_signed(
    http_app: SlackEmulator, seen: list[dict[str, Any]]
) -> None:
    await http_app.slash_command("/vps card", user=ALICE, channel=OPS)
    prompt = await http_app.wait_for(lambda: http_app.last_message(OPS, visible_to=ALICE))

    ack = await http_app.forge_click(prompt, prompt.button(text="Stop web-01"), user=BOB)

    assert ack.ok, ack
    assert seen[-1]["user"]["id"] == BOB
