"""Requests Slack did not sign are refused; text from outside never pings, links or formats."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from bot.emulator import Signing
from tests.e2e.harness import ALICE, OPS, SECRET, Harness, dump


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


def mrkdwn_texts(node: object) -> list[str]:
    """Every mrkdwn text in a block tree: what Slack parses for mentions, links and formatting.
    (plain_text objects are shown literally, so a name there cannot ping or link.)"""
    if isinstance(node, list):
        return [t for item in node for t in mrkdwn_texts(item)]
    if not isinstance(node, dict):
        return []
    found = [str(node["text"])] if node.get("type") == "mrkdwn" else []
    return found + [t for value in node.values() for t in mrkdwn_texts(value)]


HOSTILE = "<!channel> <@U0ADMIN01> *bold* _it_ ~x~ `code` <https://evil.example|click> evil.com"


async def test_hostile_server_names_never_ping_link_or_format(harness: Harness) -> None:
    # add_server skips the API's validation: the API is untrusted, so any name can arrive.
    server = harness.sim.add_server(HOSTILE, hostname="evil.example.com")
    for line in ("/vps list evil", f"/vps show #{server['id']}", f"/vps stop #{server['id']}"):
        message = await harness.answer(line)
        shown = message.text + " ".join(mrkdwn_texts(message.blocks))
        assert "<!channel>" not in shown
        assert "<@U0ADMIN01>" not in shown
        assert "<https://evil.example" not in shown
        assert not re.search(r"(?<![\w\u2060])evil\.com", shown), "a bare domain would link"
        assert "*bold*" not in shown
        assert "bold" in dump(message)  # still readable
