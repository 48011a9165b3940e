"""User-group membership through usergroups.users.list: cached briefly, failing closed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.policy import GroupLookupError
from bot.slack.groups import SlackGroupMembers
from bot.slack.web import SlackWeb
from slackemu import SlackEmulator

TOKEN = "xoxb-groups-test"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def emu() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator(signing_secret="s", bot_token=TOKEN) as emulator:
        emulator.add_user("U0BOB0001", "bob")
        emulator.set_usergroup("S0ONCALL1", ["U0BOB0001"])
        yield emulator


async def test_members_are_cached_for_the_ttl(emu: SlackEmulator) -> None:
    clock = Clock()
    groups = SlackGroupMembers(
        SlackWeb(AsyncWebClient(token=TOKEN, base_url=emu.api_url)), ttl=60, clock=clock
    )
    assert await groups.members("S0ONCALL1") == frozenset({"U0BOB0001"})
    emu.set_usergroup("S0ONCALL1", [])
    assert await groups.members("S0ONCALL1") == frozenset({"U0BOB0001"})  # cached
    assert len(emu.calls("usergroups.users.list")) == 1
    clock.now += 61
    assert await groups.members("S0ONCALL1") == frozenset()
    assert len(emu.calls("usergroups.users.list")) == 2


async def test_a_failed_lookup_fails_closed_and_is_not_cached(emu: SlackEmulator) -> None:
    clock = Clock()
    groups = SlackGroupMembers(
        SlackWeb(AsyncWebClient(token=TOKEN, base_url=emu.api_url)), clock=clock
    )
    with pytest.raises(GroupLookupError):
        await groups.members("S0UNKNOWN")  # Slack: no_such_subteam
    emu.set_usergroup("S0UNKNOWN", ["U0BOB0001"])
    assert await groups.members("S0UNKNOWN") == frozenset({"U0BOB0001"})
