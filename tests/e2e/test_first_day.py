"""What a new team meets on its first day: quiet channels, history kept, clear answers."""

from __future__ import annotations

from tests.e2e.harness import ADMIN, ALICE, CAROL, GENERAL, OPS, OPS_LOG, Harness, dump
from tests.e2e.test_notifications import restart_with, thread, top_level


async def test_a_change_asked_in_the_ops_channel_is_one_message_there(harness: Harness) -> None:
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    await harness.command("/vps reboot web-server-01", user=ADMIN, channel=OPS_LOG)
    [notice] = await harness.emu.wait_for(lambda: top_level(harness), what="the result")
    assert "is rebooting" in notice.text
    harness.clock.now += 61
    await harness.emu.wait_for(lambda: "is active" in notice.text, what="the message to end")
    await harness.emu.wait_for(lambda: thread(harness, notice.ts), what="the thread reply")
    assert len(top_level(harness)) == 1  # not the result and an identical notification


async def test_a_rename_shows_before_and_after_everywhere(harness: Harness) -> None:
    before = harness.seen(ALICE)
    await harness.command("/vps rename web-server-01 web-old")
    result = await harness.new_message(before, user=ALICE, where=lambda m: not m.is_ephemeral)
    assert "web-server-01 → web-old" in dump(result)
    [notice] = await harness.emu.wait_for(lambda: top_level(harness), what="the ops notice")
    assert "web-server-01 → web-old" in dump(notice)
    audit = await harness.answer("/vps audit #12345")
    assert "web-server-01 → web-old" in dump(audit)


async def test_a_set_shows_each_field_before_and_after(harness: Harness) -> None:
    before = harness.seen(ALICE)
    await harness.command("/vps set web-server-01 backups:off hostname:new.example.com")
    result = await harness.new_message(before, user=ALICE, where=lambda m: not m.is_ephemeral)
    shown = dump(result)
    assert "Backups: on → off" in shown
    assert "web01.example.com → new.example.com" in shown


async def test_renaming_onto_a_taken_name_is_refused(harness: Harness) -> None:
    answer = await harness.answer("/vps rename web-server-01 db-server-01")
    assert answer.is_ephemeral
    assert "db-server-01" in dump(answer)
    assert "#12346" in dump(answer)
    assert "is taken" in dump(answer)
    assert harness.api_calls("PATCH") == []


async def test_help_for_one_command_shows_only_its_usage(harness: Harness) -> None:
    shown = dump(await harness.answer("/vps help create"))
    assert "/vps create" in shown
    assert "/vps stop" not in shown
    assert "/vps list" not in shown


async def test_a_list_that_finds_nothing_says_so_once(harness: Harness) -> None:
    shown = dump(await harness.answer("/vps list nosuch"))
    assert "No servers match" in shown
    assert "nosuch" in shown
    assert "match matching" not in shown


async def test_a_read_only_member_can_refresh_a_card(harness: Harness) -> None:
    card = await harness.answer("/vps show db-server-01", user=CAROL, channel=GENERAL)
    assert [b.action_id for b in card.buttons()] == ["vps_card_refresh"]
    harness.sim.set_status(12346, "stopped")
    await harness.emu.click(card, action_id="vps_card_refresh")
    await harness.emu.wait_for(lambda: "Stopped" in dump(card), what="the card to refresh")


async def test_a_slow_answer_shows_that_the_bot_is_working(harness: Harness) -> None:
    harness.sim.latency = 1.5  # each of the requests behind /vps show takes 1.5 s
    before = harness.seen(ALICE)
    await harness.command("/vps show web-server-01", user=ALICE, channel=OPS)
    # The placeholder, seen now or in the message's history (the card may have replaced it
    # already on a loaded machine).
    [placeholder] = await harness.emu.wait_for(
        lambda: [
            m
            for m in harness.emu.messages(visible_to=ALICE)
            if m.ts not in before
            and any("Working on it" in text for text in [m.text, *(v.text for v in m.history)])
        ],
        what="the placeholder",
    )
    await harness.emu.wait_for(
        lambda: "web-server-01" in dump(placeholder), what="the card to replace it"
    )
    assert "Working on it" not in placeholder.text
    mine = [m for m in harness.emu.messages(visible_to=ALICE) if m.ts not in before]
    assert [m.via for m in mine if m.via != "slash_command"] == ["response_url"]
