"""Confirmation: nothing destructive runs without it, twice, late, or by someone else."""

from __future__ import annotations

import asyncio
import dataclasses
import json

from slackemu import Message
from tests.e2e.harness import ALICE, BOB, GENERAL, OPS, OPS_LOG, POLICY, Harness, dump


async def ask_to_stop(harness: Harness, user: str = ALICE, channel: str = OPS) -> Message:
    prompt = await harness.answer("/vps stop web-server-01", user=user, channel=channel)
    assert prompt.ephemeral_to == user
    return prompt


async def test_stop_asks_first_then_runs_once_and_reports(harness: Harness) -> None:
    prompt = await ask_to_stop(harness)
    shown = dump(prompt)
    assert "web-server-01" in shown
    assert "#12345" in shown
    assert "203.0.113.10" in shown
    assert "us-west" in shown
    confirm, cancel = prompt.buttons()[:2]
    assert (confirm.text, confirm.style) == ("Stop web-server-01", "danger")
    assert cancel.text == "Cancel"
    assert harness.api_calls("POST", "/stop/") == []

    before = harness.seen(ALICE)
    await harness.emu.click(prompt, text="Stop web-server-01")
    result = await harness.new_message(before, user=ALICE, where=lambda m: not m.is_ephemeral)
    assert result.channel == OPS
    assert "web-server-01 (#12345) is stopping" in dump(result)
    assert "Confirmed" in dump(prompt)
    assert len(harness.api_calls("POST", "/12345/stop/")) == 1
    notice = await harness.emu.wait_for(lambda: harness.ops_log(), what="the ops notification")
    assert "<@U0ALICE01>" in dump(notice[-1])
    assert "<#C0OPS0001>" in dump(notice[-1])


async def test_cancel_does_nothing_and_says_so(harness: Harness) -> None:
    prompt = await ask_to_stop(harness)
    await harness.emu.click(prompt, text="Cancel")
    await harness.emu.wait_for(lambda: prompt.edited, what="the prompt to say cancelled")
    assert "Cancelled" in prompt.text
    assert harness.api_calls("POST", "/stop/") == []


async def test_double_and_concurrent_clicks_stop_once(harness: Harness) -> None:
    prompt = await ask_to_stop(harness)
    button = prompt.buttons()[0]
    acks = await asyncio.gather(
        *(harness.emu.click(prompt, action_id=button.action_id) for _ in range(5))
    )
    assert all(a.ok for a in acks)
    await harness.emu.wait_for(
        lambda: [m for m in harness.emu.messages(OPS) if "is stopping" in m.text],
        what="the stop result",
    )
    await harness.emu.forge_click(prompt, button, user=ALICE)  # a replay after it was used
    await harness.emu.wait_for(
        lambda: (
            len([m for m in harness.emu.messages(visible_to=ALICE) if "Already" in m.text]) == 5
        ),
        what="every click but the first to be told it was already answered",
    )
    assert len(harness.api_calls("POST", "/stop/")) == 1
    results = [m for m in harness.emu.messages(OPS) if "is stopping" in m.text]
    assert len(results) == 1
    assert "Confirmed" in dump(prompt)  # no later click overwrote the first one's answer


async def test_only_the_requester_can_confirm(harness: Harness) -> None:
    prompt = await ask_to_stop(harness)
    before = harness.seen(BOB)
    await harness.emu.forge_click(prompt, prompt.buttons()[0], user=BOB)
    refusal = await harness.new_message(before, user=BOB)
    assert "Only <@U0ALICE01>" in dump(refusal)
    assert harness.api_calls("POST", "/stop/") == []
    # Alice can still confirm: Bob's click did not use it up.
    await harness.emu.click(prompt, text="Stop web-server-01")
    await harness.emu.wait_for(lambda: harness.api_calls("POST", "/stop/"), what="the stop")


async def test_a_confirmation_expires(harness: Harness) -> None:
    prompt = await ask_to_stop(harness)
    harness.clock.now += 301  # BOT_CONFIRM_TTL_SECONDS defaults to 300
    await harness.emu.click(prompt, text="Stop web-server-01")
    await harness.emu.wait_for(lambda: prompt.edited, what="the prompt to say expired")
    assert "expired" in prompt.text
    assert harness.api_calls("POST", "/stop/") == []
    audit = dump(await harness.answer("/vps audit web-server-01"))
    assert "expired" in audit


async def test_permission_lost_before_the_click_is_refused(harness: Harness) -> None:
    prompt = await ask_to_stop(harness, user=BOB, channel=GENERAL)  # Bob is on call
    harness.emu.set_usergroup("S0ONCALL1", [])  # ...and now he is not
    await harness.stop()  # a restart also drops the bot's short membership cache
    await harness.start()
    await harness.emu.click(prompt, text="Stop web-server-01")
    await harness.emu.wait_for(lambda: prompt.edited, what="the prompt to be answered")
    assert "no longer" in prompt.text
    assert harness.api_calls("POST", "/stop/") == []


async def test_a_restart_between_prompt_and_click_keeps_the_confirmation(
    harness: Harness,
) -> None:
    prompt = await ask_to_stop(harness)
    await harness.stop()
    await harness.start()
    before = harness.seen(ALICE)
    await harness.emu.click(prompt, text="Stop web-server-01")
    result = await harness.new_message(before, user=ALICE, where=lambda m: not m.is_ephemeral)
    assert "is stopping" in result.text
    assert len(harness.api_calls("POST", "/stop/")) == 1


async def test_a_policy_change_across_a_restart_is_enforced_at_the_click(
    harness: Harness,
) -> None:
    prompt = await ask_to_stop(harness)
    await harness.stop()
    (harness.tmp / "policy.yml").write_text(POLICY.replace("    - channels: [C0OPS0001]\n", "", 1))
    await harness.start()
    await harness.emu.click(prompt, text="Stop web-server-01")
    await harness.emu.wait_for(lambda: prompt.edited, what="the prompt to be answered")
    assert harness.api_calls("POST", "/stop/") == []


async def test_delete_needs_the_name_typed_in_a_modal(harness: Harness) -> None:
    prompt = await harness.answer("/vps delete db-server-01")
    await harness.emu.click(prompt, text="Delete db-server-01")
    modal = await harness.emu.wait_for(lambda: harness.emu.modal(ALICE), what="the delete form")
    wrong = await harness.emu.submit_view(modal, {"delete_name": "db-server-02"})
    assert wrong.input_errors
    assert "not this server's name" in next(iter(wrong.input_errors.values()))
    assert harness.api_calls("DELETE") == []
    before = harness.seen(ALICE)
    right = await harness.emu.submit_view(modal, {"delete_name": "db-server-01"})
    assert right.ok
    result = await harness.new_message(before, user=ALICE, where=lambda m: not m.is_ephemeral)
    assert "db-server-01 (#12346) was deleted" in dump(result)
    assert len(harness.api_calls("DELETE", "/12346/")) == 1


async def test_card_buttons_go_through_the_same_confirmation(harness: Harness) -> None:
    card = await harness.answer("/vps show web-server-01")
    before = harness.seen(ALICE)
    await harness.emu.click(card, text="Stop")
    prompt = await harness.new_message(before, user=ALICE)
    assert prompt.buttons()[0].style == "danger"
    assert harness.api_calls("POST", "/stop/") == []
    card_for_bob = await harness.answer("/vps show web-server-01", user=BOB, channel=GENERAL)
    assert "Reboot" not in [b.text for b in card_for_bob.buttons()]


async def test_a_card_posted_before_buttons_held_a_request_still_works(harness: Harness) -> None:
    card = await harness.answer("/vps show web-server-01")
    stop = next(b for b in card.buttons() if b.text == "Stop")
    assert json.loads(stop.value or "") == {"operation": "stop", "target": "#12345", "values": {}}
    before = harness.seen(ALICE)
    await harness.emu.forge_click(card, dataclasses.replace(stop, value="12345"), user=ALICE)
    prompt = await harness.new_message(before, user=ALICE)
    await harness.emu.click(prompt, text="Stop web-server-01")
    await harness.emu.wait_for(lambda: harness.api_calls("POST", "/12345/stop/"), what="the stop")
    assert len(harness.api_calls("POST", "/12345/stop/")) == 1


async def test_ops_channel_is_not_written_without_a_change(harness: Harness) -> None:
    await ask_to_stop(harness)
    await harness.answer("/vps list")
    assert harness.emu.messages(OPS_LOG) == []


async def test_a_cancelled_rename_is_audited_as_a_rename(harness: Harness) -> None:
    await harness.stop()
    (harness.tmp / "policy.yml").write_text(
        POLICY.replace("confirm: [stop, delete]", "confirm: [update]")
    )
    await harness.start()
    prompt = await harness.answer("/vps rename web-server-01 web-server-09")
    await harness.emu.click(prompt, text="Cancel")
    await harness.emu.wait_for(lambda: prompt.edited, what="the prompt to say cancelled")
    audit = dump(await harness.answer("/vps audit web-server-01"))
    assert "*rename* *web-server-01* (#12345) — cancelled" in audit
