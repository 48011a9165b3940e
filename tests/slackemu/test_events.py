"""Events: a direct message and a mention reach the app over HTTP and Socket Mode, and its
answers land in the conversation or the mention's thread."""

from __future__ import annotations

from typing import Any

import pytest

from slackemu import SlackEmulator
from tests.slackemu.tiny_app import ALICE, OPS


@pytest.fixture(params=["http", "socket"])
def app(request: pytest.FixtureRequest) -> SlackEmulator:
    emu: SlackEmulator = request.getfixturevalue(f"{request.param}_app")
    return emu


async def test_a_direct_message_reaches_the_app_and_is_answered_in_the_dm(
    app: SlackEmulator, seen: list[dict[str, Any]]
) -> None:
    message, ack = await app.direct_message("reboot web-01", user=ALICE)
    assert ack.ok
    answer = await app.wait_for(
        lambda: next((m for m in app.messages(message.channel) if m.user != ALICE), None)
    )
    assert answer.text == "heard: reboot web-01"
    event = seen[-1]["event"]
    assert event["type"] == "message"
    assert event["channel_type"] == "im"
    assert (event["user"], event["channel"], event["ts"]) == (ALICE, message.channel, message.ts)
    assert seen[-1]["type"] == "event_callback"


async def test_a_mention_reaches_the_app_and_is_answered_in_its_thread(
    app: SlackEmulator, seen: list[dict[str, Any]]
) -> None:
    message, ack = await app.mention("show web-01", user=ALICE, channel=OPS)
    assert ack.ok
    answer = await app.wait_for(lambda: next(iter(app.messages(OPS, thread_ts=message.ts)), None))
    assert answer.text.startswith("heard: <@")
    assert answer.text.endswith("> show web-01")
    event = seen[-1]["event"]
    assert event["type"] == "app_mention"
    assert event["text"] == message.text
    assert event["channel"] == OPS
    assert "channel_type" not in event


async def test_an_event_over_http_is_signed_json(http_app: SlackEmulator) -> None:
    await http_app.direct_message("hello", user=ALICE)
    sent = http_app.last_sent
    assert sent is not None
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["X-Slack-Signature"].startswith("v0=")
    assert '"type":"event_callback"' in sent.body


async def test_a_mention_needs_a_channel(emu: SlackEmulator) -> None:
    with pytest.raises(Exception, match="unknown channel"):
        await emu.mention("hi", user=ALICE, channel="C0NOWHERE")
