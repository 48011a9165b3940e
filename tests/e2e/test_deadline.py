"""A whole request has a deadline (`BOT_REQUEST_DEADLINE_SECONDS`): reads that run past it end
the request with a plain answer and nothing done; a write already sent is never cut."""

from __future__ import annotations

from tests.e2e.harness import ALICE, Harness, dump
from tests.e2e.test_notifications import restart_with

TOO_LONG = "took too long"


def writes(harness: Harness) -> list[tuple[str, str]]:
    return [(m, p) for m, p in harness.sim.requests if m != "GET"]


async def test_a_server_not_found_in_time_is_not_acted_on(harness: Harness) -> None:
    await restart_with(harness, bot_request_deadline_seconds=0.5)
    harness.sim.add_server("zz-last")  # the last of 26 pages: finding it takes a full listing
    harness.sim.page_size = 1
    harness.sim.latency = 1.0  # each page takes longer than the whole request may
    before = harness.seen(ALICE)
    await harness.command("/vps reboot zz-last")
    answer = await harness.new_message(
        before, user=ALICE, within=20, where=lambda m: TOO_LONG in dump(m)
    )
    assert answer.is_ephemeral
    assert "nothing was done" in dump(answer)
    assert "Try again" in dump(answer)
    assert harness.bot is not None
    await harness.bot.services.drain()  # the request is over: whatever it would do, it did
    assert writes(harness) == []
    assert harness.ops_log() == []


async def test_a_read_that_runs_past_the_deadline_is_answered(harness: Harness) -> None:
    await restart_with(harness, bot_request_deadline_seconds=0.5)
    harness.sim.latency = 1.0
    before = harness.seen(ALICE)
    await harness.command("/vps show web-server-01")
    answer = await harness.new_message(
        before, user=ALICE, within=20, where=lambda m: TOO_LONG in dump(m)
    )
    assert "web-server-01" not in dump(answer)


async def test_a_write_already_sent_is_not_cut_by_the_deadline(harness: Harness) -> None:
    await restart_with(harness, bot_request_deadline_seconds=0.5)
    assert harness.bot is not None
    await harness.bot.services.directory.fleet()  # the index knows the server: one quick GET
    # The API takes its time answering the reboot: its body arrives well after the deadline.
    harness.sim.inject_slow_body(method="POST", path_suffix="/reboot/", bytes_per_second=200)
    before = harness.seen(ALICE)
    await harness.command("/vps reboot web-server-01")
    result = await harness.new_message(
        before, user=ALICE, within=20, where=lambda m: not m.is_ephemeral
    )
    assert "is rebooting" in dump(result)
    await harness.bot.services.drain()
    assert writes(harness) == [("POST", "/api/v1/servers/12345/reboot/")]
    assert not [m for m in harness.emu.messages(visible_to=ALICE) if TOO_LONG in dump(m)]
