"""Requests in plain words through the emulator, the real bot and the simulator: a direct
message or a mention becomes one command, shown; nothing is changed before its requester's
click, and then exactly once."""

from __future__ import annotations

import dataclasses

from slackemu import Message
from slackemu.signing import Signing, signed_headers
from tests.e2e.harness import (
    ALICE,
    BOB,
    GENERAL,
    OPS,
    SECRET,
    Harness,
    dump,
)

DM = "D" + ALICE[1:]


def bot_posts(h: Harness, channel: str, thread: str | None = None) -> list[Message]:
    found = h.emu.messages(channel, thread_ts=thread)
    return [m for m in found if m.user != ALICE and m.via != "person"]


async def reply_with(h: Harness, channel: str, text: str, thread: str | None = None) -> Message:
    return await h.emu.wait_for(
        lambda: next((m for m in bot_posts(h, channel, thread) if text in dump(m)), None),
        what=f"an answer with {text!r}",
    )


async def test_a_direct_message_read_answers_with_its_command_and_the_list(
    harness: Harness,
) -> None:
    _, ack = await harness.emu.direct_message("which servers are stopped?", user=ALICE)
    assert ack.ok
    said = await reply_with(harness, DM, "I read this as")
    assert "/vps list status:stopped" in dump(said)
    listing = await harness.emu.wait_for(
        lambda: next(
            (m for m in harness.emu.messages(DM, visible_to=ALICE) if "stopped" in dump(m)
             and m is not said and m.via != "person"),
            None,
        ),
        what="the list",
    )  # fmt: skip
    assert listing.ephemeral_to == ALICE
    assert "Servers" in dump(listing)
    assert "status: stopped" in dump(listing)
    assert harness.api_calls("POST") == []


async def test_a_mention_asking_for_a_reboot_waits_for_its_requester_and_reboots_once(
    harness: Harness,
) -> None:
    mention, ack = await harness.emu.mention("please reboot web-server-01", user=ALICE, channel=OPS)
    assert ack.ok
    answer = await reply_with(harness, OPS, "Do it", thread=mention.ts)
    assert "/vps reboot web-server-01" in dump(answer)
    assert [b.text for b in answer.buttons()] == ["Do it", "Cancel"]
    assert harness.api_calls("POST") == []

    do_it = next(b for b in answer.buttons() if b.text == "Do it")
    before = harness.seen(BOB)
    await harness.emu.click(answer, text="Do it", user=BOB)
    refusal = await harness.new_message(before, user=BOB)
    assert "Only the person who asked" in dump(refusal)
    assert harness.api_calls("POST") == []

    await harness.emu.click(answer, text="Do it", user=ALICE)
    await harness.emu.wait_for(
        lambda: harness.api_calls("POST", "/12345/reboot/"), what="the reboot"
    )
    result = await reply_with(harness, OPS, "is rebooting", thread=mention.ts)
    assert "web-server-01" in dump(result)
    assert "going ahead" in dump(answer)
    assert answer.buttons() == []
    await harness.emu.forge_click(answer, do_it, user=ALICE)  # a second click, replayed
    await harness.emu.wait_for(
        lambda: [m for m in harness.emu.messages(visible_to=ALICE) if "already done" in dump(m)],
        what="a second click to be told it was done",
    )
    assert len(harness.api_calls("POST", "/reboot/")) == 1


async def test_cancel_does_nothing(harness: Harness) -> None:
    mention, _ = await harness.emu.mention("stop web-server-01", user=ALICE, channel=OPS)
    answer = await reply_with(harness, OPS, "Do it", thread=mention.ts)
    await harness.emu.click(answer, text="Cancel", user=ALICE)
    await harness.emu.wait_for(lambda: "cancelled" in dump(answer), what="the cancellation")
    assert answer.buttons() == []
    assert harness.api_calls("POST") == []


async def test_an_ambiguous_name_offers_candidates_and_calls_nothing(harness: Harness) -> None:
    mention, _ = await harness.emu.mention("restart web-sever-01", user=ALICE, channel=OPS)
    answer = await reply_with(harness, OPS, "Did you mean", thread=mention.ts)
    assert "/vps reboot web-server-01" in [b.text for b in answer.buttons()]
    assert harness.api_calls("POST") == []
    await harness.emu.click(answer, text="/vps reboot web-server-01", user=ALICE)
    await harness.emu.wait_for(lambda: "Do it" in dump(answer), what="the chosen command's Do it")
    assert harness.api_calls("POST") == []


async def test_words_that_are_no_command_get_examples_and_a_delete_of_all_is_refused(
    harness: Harness,
) -> None:
    await harness.emu.direct_message("tell me a joke", user=ALICE)
    puzzled = await reply_with(harness, DM, "Try, for example")
    assert "reboot web-server-01" in dump(puzzled)
    await harness.emu.direct_message("delete everything", user=ALICE)
    refused = await reply_with(harness, DM, "always names one server")
    assert refused.buttons() == []
    assert harness.api_calls("POST") == []
    assert harness.api_calls("DELETE") == []


async def test_untrusted_words_never_ping_or_link(harness: Harness) -> None:
    await harness.emu.direct_message("reboot <!channel> web-server-01", user=ALICE)
    await harness.emu.direct_message("show <https://evil.example|web-server-01>", user=ALICE)
    await harness.emu.wait_for(lambda: len(bot_posts(harness, DM)) >= 2, what="two answers")
    for message in bot_posts(harness, DM):
        shown = message.text + str(message.blocks)
        assert "<!channel>" not in shown
        assert "<https://" not in shown


async def test_words_arrive_over_socket_mode_too(socket_harness: Harness) -> None:
    h = socket_harness
    mention, ack = await h.emu.mention("riavvia web-server-01", user=ALICE, channel=OPS)
    assert ack.ok
    answer = await reply_with(h, OPS, "Do it", thread=mention.ts)
    assert "/vps reboot web-server-01" in dump(answer)
    await h.emu.direct_message("cosa posso fare?", user=ALICE)
    said = await reply_with(h, DM, "I read this as")
    assert "/vps whoami" in dump(said)


async def test_the_audit_keeps_the_words_and_the_metrics_count_what_they_became(
    harness: Harness,
) -> None:
    assert harness.bot is not None
    services = harness.bot.services
    await harness.emu.direct_message("riavvia web-server-01", user=ALICE)
    await reply_with(harness, DM, "Do it")
    await harness.emu.direct_message("tell me a joke", user=ALICE)
    await reply_with(harness, DM, "Try, for example")
    entries = await services.store.list_audit(limit=10)
    details = [e.detail for e in entries if e.action == "words"]
    assert "words 'riavvia web-server-01' -> /vps reboot web-server-01" in details
    assert "words 'tell me a joke' -> not understood" in details
    assert all(e.user_id == ALICE and e.channel_id == DM for e in entries if e.action == "words")
    exposition = services.metrics.render()[0].decode()
    assert 'vpsbot_plain_words_total{outcome="understood"} 1.0' in exposition
    assert 'vpsbot_plain_words_total{outcome="not_understood"} 1.0' in exposition


async def test_an_event_slack_sends_again_is_answered_once(harness: Harness) -> None:
    await harness.emu.direct_message("which servers are stopped?", user=ALICE)
    await reply_with(harness, DM, "I read this as")
    sent = harness.emu.last_sent
    assert sent is not None
    # Slack's retry: the same event, signed anew a second later (not a replay the edge drops)
    later = int(sent.headers["X-Slack-Request-Timestamp"]) + 1
    headers = {**sent.headers, **signed_headers(SECRET, sent.body, Signing(timestamp=later))}
    retried = dataclasses.replace(sent, headers={**headers, "X-Slack-Retry-Num": "1"})
    assert (await harness.emu.replay(retried)).status == 200
    await harness.emu.direct_message("who am I?", user=ALICE)  # a later one still answers
    await reply_with(harness, DM, "/vps whoami")
    said = [m for m in bot_posts(harness, DM) if "I read this as" in dump(m)]
    assert len(said) == 2


async def test_a_direct_message_has_no_channel_for_the_policy(harness: Harness) -> None:
    # reboot is allowed in #ops only (channels: [OPS]): not from a direct message
    await harness.emu.direct_message("reboot web-server-01", user=ALICE)
    answer = await reply_with(harness, DM, "Do it")
    await harness.emu.click(answer, text="Do it", user=ALICE)
    await harness.emu.wait_for(
        lambda: next(
            (m for m in harness.emu.messages(visible_to=ALICE) if ":lock:" in dump(m)), None
        ),
        what="the denial",
    )
    assert harness.api_calls("POST") == []


async def test_an_answer_carried_to_another_channel_does_nothing(harness: Harness) -> None:
    mention, _ = await harness.emu.mention("reboot web-server-01", user=ALICE, channel=OPS)
    answer = await reply_with(harness, OPS, "Do it", thread=mention.ts)
    world = harness.emu.world
    copy = world.post(Message(GENERAL, world.next_ts(), answer.user, answer.text, answer.blocks))
    before = harness.seen(ALICE)
    await harness.emu.click(copy, text="Do it", user=ALICE)
    refusal = await harness.new_message(before, user=ALICE)
    assert "Only the person who asked" in dump(refusal)
    assert harness.api_calls("POST") == []
