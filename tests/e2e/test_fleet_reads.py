"""Reads cost one API round trip where one will do, stay right when the fleet changes outside
the bot, and stay fair when one member floods the bot."""

from __future__ import annotations

import asyncio

from bot.vps import ServerUpdate
from slackemu.model import Message
from tests.e2e.harness import ALICE, BOB, OPS, Harness, dump
from tests.e2e.test_notifications import restart_with


def gets(harness: Harness) -> list[str]:
    return [p for m, p in harness.sim.requests if m == "GET"]


async def warm(harness: Harness) -> None:
    """One full listing, as the fleet monitor makes every interval."""
    assert harness.bot is not None
    await harness.bot.services.directory.fleet()
    harness.sim.requests.clear()


async def test_list_shows_its_first_page_after_one_request(harness: Harness) -> None:
    harness.sim.page_size = 12  # the fleet spans three API pages
    first = await harness.answer("/vps list")
    assert "web-server-01" in dump(first)
    assert "of 25" in dump(first)
    assert gets(harness) == ["/api/v1/servers/"]


async def test_a_name_known_to_the_index_costs_one_request(harness: Harness) -> None:
    await warm(harness)
    card = await harness.answer("/vps show db-server-01")
    assert "db-server-01" in dump(card)
    assert gets(harness) == ["/api/v1/servers/12346/"]


async def test_changes_made_outside_the_bot_are_found(harness: Harness) -> None:
    await warm(harness)
    assert harness.bot is not None
    vps = harness.bot.services.vps  # the API itself, behind the bot's back
    await vps.update_server(12346, ServerUpdate(name="db-renamed"))
    harness.sim.remove_server(12347)  # worker-01
    harness.sim.add_server("brand-new-01")

    assert "db-renamed" in dump(await harness.answer("/vps show db-renamed"))
    assert "No server" in dump(await harness.answer("/vps show db-server-01"))
    assert "No server" in dump(await harness.answer("/vps show worker-01"))
    assert "brand-new-01" in dump(await harness.answer("/vps show brand-new-01"))


async def test_a_text_search_says_how_fresh_the_index_is(harness: Harness) -> None:
    await warm(harness)
    found = dump(await harness.answer("/vps list db-"))
    assert "db-server-01" in found
    assert "as of" in found
    assert gets(harness) == []  # answered from the index


async def test_identical_reads_share_one_api_call(harness: Harness) -> None:
    harness.sim.latency = 0.5
    before = {user: harness.seen(user) for user in (ALICE, BOB)}
    await asyncio.gather(
        *(
            harness.command("/vps list", user=user, channel=OPS)
            for user in (ALICE, ALICE, ALICE, BOB, BOB, BOB)
        )
    )
    for user in (ALICE, BOB):
        await harness.emu.wait_for(
            lambda u=user: (  # type: ignore[misc]
                len(
                    [
                        m
                        for m in harness.emu.messages(visible_to=u)
                        if m.ts not in before[u] and "web-server-01" in dump(m)
                    ]
                )
                == 3
            ),
            timeout=30,
            what=f"three lists for {user}",
        )
    assert gets(harness) == ["/api/v1/servers/"]


async def test_a_member_over_the_read_limit_is_told_at_once(harness: Harness) -> None:
    # Each read takes 3 s at the API, so all seven overlap even on a busy machine.
    harness.sim.latency = 3.0
    before = harness.seen(ALICE)
    acks = await asyncio.gather(
        *(
            harness.emu.slash_command("/vps show web-server-01", user=ALICE, channel=OPS)
            for _ in range(7)
        )
    )
    assert all(a.status == 200 for a in acks)

    def refusals() -> list[Message]:
        return [
            m
            for m in harness.emu.messages(visible_to=ALICE)
            if m.ts not in before and "already have 4 requests running" in m.text
        ]

    # Wait for all three (the first one alone is not the answer), then for nothing more.
    await harness.emu.wait_for(lambda: len(refusals()) >= 3, what="the three refusals")
    assert len(refusals()) == 3
    # Another member is not held up by Alice's requests.
    other = await harness.answer("/vps whoami", user=BOB, channel=OPS)
    assert "You are" in dump(other)


async def test_the_monitor_fills_the_index(harness: Harness) -> None:
    await restart_with(harness, bot_monitor_interval_seconds=0.05)
    assert harness.bot is not None
    index = harness.bot.services.directory.index
    await harness.emu.wait_for(lambda: len(index) == 25, what="the monitor's first listing")
    harness.sim.requests.clear()
    await harness.answer("/vps show api-server-02")
    shows = [p for p in gets(harness) if not p.startswith("/api/v1/servers/?")]
    assert "/api/v1/servers/12354/" in shows
