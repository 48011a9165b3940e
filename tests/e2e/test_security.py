"""Requests Slack did not sign are refused; text from outside never pings, links or formats,
and what people copy out of a message (an IP, a hostname, a name) is exactly what the API said."""

from __future__ import annotations

import re
import time
import unicodedata

import httpx
import pytest

from slackemu import Message, Signing
from tests.e2e.harness import ALICE, OPS, OPS_LOG, SECRET, Harness, dump


@pytest.mark.parametrize(
    "signing",
    [
        Signing(secret="not-the-signing-secret"),
        Signing(timestamp=int(time.time()) - 6 * 60),  # outside Slack's 5-minute window
    ],
    ids=["bad-signature", "stale-timestamp"],
)
async def test_unsigned_requests_get_401_and_do_nothing(harness: Harness, signing: Signing) -> None:
    ack = await harness.emu.slash_command(
        "/vps stop web-server-01", user=ALICE, channel=OPS, signing=signing
    )
    assert ack.status == 401
    before = len(harness.sim.requests)
    # A good request afterwards is answered: the bad one left nothing pending.
    whoami = await harness.answer("/vps whoami")
    assert whoami.text.startswith("You can")
    assert len(harness.sim.requests) == before
    assert harness.api_calls("POST", "/stop/") == []


async def test_a_request_without_signature_headers_is_refused(harness: Harness) -> None:
    url = harness.emu.app_url
    assert url is not None
    async with httpx.AsyncClient() as client:
        response = await client.post(url, data={"command": "/vps", "text": "list"})
    assert response.status_code == 401
    assert SECRET not in response.text


def mrkdwn_objects(node: object) -> list[dict[str, object]]:
    """Every mrkdwn text object in a block tree: what Slack parses for mentions, links and
    formatting. (plain_text objects are shown literally, so a name there cannot ping or link.)"""
    if isinstance(node, list):
        return [t for item in node for t in mrkdwn_objects(item)]
    if not isinstance(node, dict):
        return []
    found = [node] if node.get("type") == "mrkdwn" else []
    return found + [t for value in node.values() for t in mrkdwn_objects(value)]


HOSTILE = "<!channel> <@U0ADMIN01> *bold* _it_ ~x~ `code` <https://evil.example|click> evil.com"


async def test_hostile_server_names_never_ping_link_or_format(harness: Harness) -> None:
    # add_server skips the API's validation: the API is untrusted, so any name can arrive.
    server = harness.sim.add_server(HOSTILE, hostname="evil.example.com")
    for line in ("/vps list evil", f"/vps show #{server['id']}", f"/vps stop #{server['id']}"):
        message = await harness.answer(line)
        objects = mrkdwn_objects(message.blocks)
        shown = message.text + " ".join(str(o["text"]) for o in objects)
        assert "<!channel>" not in shown
        assert "<@U0ADMIN01>" not in shown
        assert "<https://evil.example" not in shown
        # Slack links a bare domain where it auto-parses: never in our verbatim objects, and
        # in the notification text only outside code spans.
        assert all(o.get("verbatim") is True for o in objects)
        assert not re.search(r"\bevil\.com", re.sub(r"`[^`]*`", "", message.text))
        assert "*bold*" not in shown
        assert "bold" in dump(message)  # still readable


def texts(message: Message) -> list[str]:
    """The notification text and every text object's text, as Slack received them."""
    found = [message.text]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text"):
                found.append(str(node["text"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.blocks)
    return found


def exactly(message: Message, *values: str) -> None:
    """Each value stands whole in the message's blocks, and nothing invisible is anywhere."""
    shown = texts(message)
    for value in values:
        assert any(value in text for text in shown[1:]), f"{value} in {shown}"
    assert not [ch for text in shown for ch in text if unicodedata.category(ch) == "Cf"]


async def test_values_people_copy_arrive_byte_for_byte(harness: Harness) -> None:
    # web-server-01 is #12345 at 203.0.113.10, hostname web01.example.com (the API document's).
    await harness.stop()
    harness.overrides["bot_watch_interval_seconds"] = 0.02
    await harness.start()
    name, ip, hostname = "web-server-01", "203.0.113.10", "web01.example.com"

    card = await harness.answer(f"/vps show {hostname}")
    exactly(card, name, ip, hostname, "#12345")
    assert name in card.text
    listing = await harness.answer("/vps list web-server-01")
    exactly(listing, name, ip, "#12345")

    before = harness.seen(ALICE)
    await harness.command(f"/vps reboot {name}")
    result = await harness.new_message(before, user=ALICE, where=lambda m: not m.is_ephemeral)
    notices = await harness.emu.wait_for(lambda: harness.emu.messages(OPS_LOG), what="notice")
    notice = notices[0]
    for message in (result, notice):  # the channel's result and the ops notification
        exactly(message, name, "#12345")
        assert f"{name} (#12345) is rebooting" in message.text

    harness.clock.now += 61  # the reboot ends; the same two messages report it
    for message in (result, notice):
        await harness.emu.wait_for(lambda m=message: "is active" in m.text, what="the report")
        exactly(message, name, f"`{ip}`")
        assert f"{name} (#12345) is active at `{ip}` after 1m01s" == message.text
    assert result.channel == OPS
