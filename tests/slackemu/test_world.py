"""The recorded world: finding buttons, filling modals, waiting, and following changes."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from slackemu import Change, EmulatorUsageError, Message, SlackEmulator, View
from slackemu.payloads import view_state
from tests.slackemu.tiny_app import ALICE, CARD, OPS


def _card_list() -> Message:
    show = [
        {
            "type": "section",
            "block_id": f"server-{n}",
            "text": {"type": "mrkdwn", "text": f"web-0{n}"},
            "accessory": {
                "type": "button",
                "action_id": "show",
                "text": {"type": "plain_text", "text": "Show"},
                "value": str(n),
            },
        }
        for n in (1, 2)
    ]
    return Message(OPS, "1.000001", "U0BOT00001", "servers", show + CARD)


def test_buttons_are_found_by_text_action_id_value_or_index() -> None:
    message = _card_list()

    assert [b.value for b in message.buttons()] == ["1", "2", "42", "42"]
    assert message.button(text="Stop web-01").action_id == "stop"
    assert message.button(action_id="show", value="2").block_id == "server-2"
    assert message.button(action_id="show", index=-1).value == "2"
    with pytest.raises(EmulatorUsageError, match="2 buttons match"):
        message.button(action_id="show")
    with pytest.raises(EmulatorUsageError, match="no button"):
        message.button(text="Reboot")


def _form() -> View:
    options = [
        {"text": {"type": "plain_text", "text": "Frankfurt"}, "value": "fra1"},
        {"text": {"type": "plain_text", "text": "Amsterdam"}, "value": "ams1"},
    ]
    blocks = [
        {
            "type": "input",
            "block_id": "name",
            "label": {"type": "plain_text", "text": "Name"},
            "element": {"type": "plain_text_input", "action_id": "v", "max_length": 10},
        },
        {
            "type": "input",
            "block_id": "location",
            "label": {"type": "plain_text", "text": "Location"},
            "element": {"type": "static_select", "action_id": "v", "options": options},
        },
        {
            "type": "input",
            "block_id": "backups",
            "optional": True,
            "label": {"type": "plain_text", "text": "Extras"},
            "element": {
                "type": "checkboxes",
                "action_id": "v",
                "options": [{"text": {"type": "plain_text", "text": "Backups"}, "value": "on"}],
            },
        },
    ]
    return View("V1", ALICE, None, {"type": "modal", "blocks": blocks})


def test_filling_a_modal_by_value_or_visible_text() -> None:
    state, errors = view_state(
        _form(), {"name": "web-03", "location": "Amsterdam", "backups": ["on"]}
    )

    assert errors == {}
    assert state["name"] == {"v": {"type": "plain_text_input", "value": "web-03"}}
    assert state["location"]["v"]["selected_option"]["value"] == "ams1"
    assert [o["value"] for o in state["backups"]["v"]["selected_options"]] == ["on"]


def test_slack_checks_inputs_before_the_app_sees_them() -> None:
    _, errors = view_state(_form(), {"name": "far-too-long-a-name"})

    assert errors == {
        "name": "Please enter no more than 10 characters.",
        "location": "Please complete this required field.",
    }
    with pytest.raises(EmulatorUsageError, match="no option 'Paris'"):
        view_state(_form(), {"location": "Paris"})
    with pytest.raises(EmulatorUsageError, match="no input block"):
        view_state(_form(), {"size": "big"})


async def test_wait_for_says_what_it_waited_for(emu: SlackEmulator, client: AsyncWebClient) -> None:
    await client.chat_postMessage(channel=OPS, text="something else")

    with pytest.raises(TimeoutError) as waited:
        await emu.wait_for(
            lambda: emu.last_message(OPS, ephemeral=True), timeout=0.1, what="an ephemeral"
        )

    assert "waited 0.1s for an ephemeral" in str(waited.value)
    assert "something else" in str(waited.value)


async def test_subscribers_see_every_change(emu: SlackEmulator, client: AsyncWebClient) -> None:
    changes = emu.subscribe()
    seen: list[Change] = []
    stop = emu.world.on_change(seen.append)

    posted = await client.chat_postMessage(channel=OPS, text="v1")
    await client.chat_update(channel=OPS, ts=posted["ts"], text="v2")
    stop()
    await client.chat_delete(channel=OPS, ts=posted["ts"])

    kinds = [changes.get_nowait().kind for _ in range(changes.qsize())]
    assert kinds == ["message.posted", "message.edited", "message.deleted"]
    assert [c.kind for c in seen] == ["message.posted", "message.edited"]
    assert seen[1].message is not None
    assert seen[1].message.text == "v2"
