"""What manifest.yml declares (the command, interactivity) and every id we emit has a listener."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import yaml
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.operations import operations
from bot.slack import ids
from bot.web import EVENTS_PATH
from slackemu.signing import signed_headers
from tests.e2e.harness import ALICE, OPS, SECRET, Harness

MANIFEST = yaml.safe_load((Path(__file__).resolve().parents[2] / "manifest.yml").read_text())
USER = {"id": ALICE, "username": "alice", "team_id": "T0EMULATE"}

ACTION_IDS = sorted(
    {
        ids.LIST_NEXT,
        ids.LIST_PREVIOUS,
        ids.CARD_SHOW,
        ids.CARD_REFRESH,
        *(ids.card_action(op.name) for op in operations() if op.on_card),
        ids.CONFIRM,
        ids.CANCEL,
    }
)


async def dispatch(harness: Harness, body: str) -> int:
    assert harness.bot is not None
    headers = signed_headers(SECRET, body)
    response = await harness.bot.app.async_dispatch(AsyncBoltRequest(body=body, headers=headers))
    return response.status


def test_manifest_urls_point_at_the_events_path() -> None:
    urls = [c["url"] for c in MANIFEST["features"]["slash_commands"]]
    urls.append(MANIFEST["settings"]["interactivity"]["request_url"])
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert {urlsplit(u).path for u in urls} == {EVENTS_PATH}


@pytest.mark.parametrize("command", [c["command"] for c in MANIFEST["features"]["slash_commands"]])
async def test_every_declared_command_has_a_listener(harness: Harness, command: str) -> None:
    body = urlencode({"command": command, "text": "help", "user_id": ALICE, "channel_id": OPS})
    assert await dispatch(harness, body) == 200


def click(action_id: str) -> str:
    payload = {
        "type": "block_actions",
        "user": USER,
        "channel": {"id": OPS, "name": "ops"},
        "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": "x"}],
    }
    return urlencode({"payload": json.dumps(payload)})


@pytest.mark.parametrize("action_id", ACTION_IDS)
async def test_every_button_we_emit_has_a_listener(harness: Harness, action_id: str) -> None:
    assert await dispatch(harness, click(action_id)) == 200


async def test_a_button_nobody_listens_to_is_404(harness: Harness) -> None:
    assert await dispatch(harness, click("vps_no_such_button")) == 404


@pytest.mark.parametrize("callback_id", [ids.DELETE_MODAL, ids.CREATE_MODAL])
async def test_every_modal_we_open_has_a_listener(harness: Harness, callback_id: str) -> None:
    payload = {
        "type": "view_submission",
        "user": USER,
        "view": {
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": "{}",
            "state": {"values": {}},
        },
    }
    assert await dispatch(harness, urlencode({"payload": json.dumps(payload)})) == 200
