"""response_url: where an interaction's answers land, and how long the URL stays good."""

from __future__ import annotations

import httpx
import pytest

from slackemu import Interaction, SlackEmulator
from tests.slackemu.tiny_app import ALICE, BOB, OPS


@pytest.fixture
async def interaction(http_app: SlackEmulator) -> Interaction:
    """A slash command's interaction, with its response_url."""
    ack = await http_app.slash_command("/vps noop", user=ALICE, channel=OPS)
    assert ack.interaction is not None
    assert ack.interaction.response_url
    return ack.interaction


async def _post(interaction: Interaction, body: object) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.post(str(interaction.response_url), json=body)


async def test_answers_are_ephemeral_by_default_and_can_be_replaced(
    http_app: SlackEmulator, interaction: Interaction
) -> None:
    first = await _post(interaction, {"text": "working on it"})
    await _post(interaction, {"text": "done", "replace_original": True})

    assert (first.status_code, first.json()) == (200, {"ok": True})
    (answer,) = http_app.messages(OPS, visible_to=ALICE)
    assert (answer.text, answer.ephemeral_to, answer.history[0].text) == (
        "done",
        ALICE,
        "working on it",
    )
    await _post(interaction, {"delete_original": True})
    assert http_app.messages(OPS) == []


async def test_in_channel_answers_can_go_to_a_thread(
    http_app: SlackEmulator, interaction: Interaction
) -> None:
    await _post(interaction, {"text": "parent", "response_type": "in_channel"})
    parent = http_app.messages(OPS, visible_to=BOB)[-1]

    await _post(
        interaction, {"text": "reply", "response_type": "in_channel", "thread_ts": parent.ts}
    )

    assert [m.text for m in http_app.messages(OPS, thread_ts=parent.ts)] == ["reply"]


async def test_a_url_is_good_for_five_answers(interaction: Interaction) -> None:
    statuses = [(await _post(interaction, {"text": f"#{n}"})).status_code for n in range(5)]

    used = await _post(interaction, {"text": "one too many"})

    assert statuses == [200] * 5
    assert (used.status_code, used.json()) == (404, {"ok": False, "error": "used_url"})


async def test_a_url_expires_after_thirty_minutes(
    http_app: SlackEmulator, interaction: Interaction
) -> None:
    http_app.advance(30 * 60 + 1)

    expired = await _post(interaction, {"text": "late"})

    assert (expired.status_code, expired.json()["error"]) == (404, "expired_url")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"text": "x", "blocks": [{"type": "sectoin"}]}, "invalid_blocks"),
        ({"response_type": "in_channel"}, "no_text"),
        ({"text": "web-01.\u2060example.com"}, "invisible_characters"),
    ],
)
async def test_refused_answers_are_400_and_show_nothing(
    http_app: SlackEmulator, interaction: Interaction, body: object, error: str
) -> None:
    refused = await _post(interaction, body)

    assert (refused.status_code, refused.text) == (400, error)
    assert http_app.messages(OPS) == []
