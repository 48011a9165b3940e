"""The ops channel: every change once, who and how it ended, edited in place as it moves."""

from __future__ import annotations

import pytest

from tests.e2e.harness import ALICE, OPS, OPS_LOG, Harness, dump


async def restart_with(harness: Harness, **overrides: object) -> None:
    await harness.stop()
    harness.overrides.update(overrides)
    await harness.start()


def top_level(harness: Harness) -> list:  # type: ignore[type-arg]
    return [m for m in harness.emu.messages(OPS_LOG) if not m.thread_ts or m.thread_ts == m.ts]


def thread(harness: Harness, ts: str) -> list:  # type: ignore[type-arg]
    return [m for m in harness.emu.messages(OPS_LOG, thread_ts=ts) if m.ts != ts]


async def test_a_change_is_announced_with_who_what_where_and_outcome(harness: Harness) -> None:
    harness.sim.set_status(12345, "stopped")
    await harness.command("/vps start web-server-01")
    [notice] = await harness.emu.wait_for(lambda: top_level(harness), what="the ops notice")
    shown = dump(notice)
    for part in ("<@U0ALICE01>", "<#C0OPS0001>", "web-server-01", "#12345", "is starting"):
        assert part in shown


async def test_a_failed_change_is_announced_with_the_api_error(harness: Harness) -> None:
    harness.sim.inject_failure(500, method="POST", path_suffix="/start/")
    await harness.command("/vps start web-server-03")  # stopped, so it may be started
    [notice] = await harness.emu.wait_for(lambda: top_level(harness), what="the ops notice")
    assert "Couldn't start" in dump(notice)
    assert "VPS.org API unavailable (500)" in dump(notice)


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("/vps start web-server-01", "is already running"),
        ("/vps stop web-server-03", "is already stopped"),  # stop is confirmed: no prompt either
        ("/vps reboot web-server-03", "start it instead"),
    ],
)
async def test_an_action_that_can_only_fail_is_answered_privately(
    harness: Harness, line: str, said: str
) -> None:
    answer = await harness.answer(line)
    assert answer.is_ephemeral
    assert said in dump(answer)
    assert "Nothing was done" in dump(answer)
    assert not answer.buttons()  # no confirmation prompt
    assert [m for m, _ in harness.sim.requests if m == "POST"] == []
    assert top_level(harness) == []
    assert not [m for m in harness.emu.messages(OPS) if not m.is_ephemeral]


async def test_one_message_per_operation_edited_until_steady(harness: Harness) -> None:
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    await harness.command("/vps reboot web-server-01")
    [notice] = await harness.emu.wait_for(lambda: top_level(harness), what="the ops notice")
    assert "is rebooting" in notice.text
    harness.clock.now += 61  # the simulator finishes the reboot; the bot's clock says 1m01s
    await harness.emu.wait_for(lambda: "is active" in notice.text, what="the notice to end")
    assert "web-server-01 (#12345) is active at 203.0.113.10 after 1m01s" in dump(notice)
    assert len(top_level(harness)) == 1
    [reply] = await harness.emu.wait_for(lambda: thread(harness, notice.ts), what="a reply")
    assert "is active at 203.0.113.10 after 1m01s" in dump(reply)
    result = next(m for m in harness.emu.messages(OPS) if m.user != ALICE and not m.is_ephemeral)
    assert result.edited
    assert "is active at 203.0.113.10 after 1m01s" in dump(result)


async def test_a_created_server_is_followed_to_active_with_its_ip(harness: Harness) -> None:
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    await harness.command("/vps create api-new-09 plan:1 os:5 location:us-west")
    [notice] = await harness.emu.wait_for(lambda: top_level(harness), what="the ops notice")
    harness.clock.now += 161
    await harness.emu.wait_for(lambda: "is active" in notice.text, what="provisioning to end")
    created = next(
        s for s in await harness.bot.services.vps.list_servers() if s.name == "api-new-09"
    )  # type: ignore[union-attr]
    assert created.ip_address
    assert f"api-new-09 (#{created.id}) is active at {created.ip_address} after 2m41s" in dump(
        notice
    )


async def test_a_server_that_never_settles_is_reported_stuck(harness: Harness) -> None:
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    harness.sim.durations = type(harness.sim.durations)(stopping=10_000)
    prompt = await harness.answer("/vps stop web-server-01")
    await harness.emu.click(prompt, text="Stop web-server-01")
    [notice] = await harness.emu.wait_for(lambda: top_level(harness), what="the ops notice")
    harness.clock.now += 15 * 60 + 1
    await harness.emu.wait_for(lambda: "stuck" in notice.text, what="the stuck report")
    assert "still *stopping*" in dump(notice)


async def test_a_rate_limited_ops_channel_still_gets_the_notice(harness: Harness) -> None:
    harness.emu.inject_rate_limit("chat.postMessage", times=1, retry_after=1)
    await harness.command("/vps reboot web-server-01")
    notices = await harness.emu.wait_for(lambda: top_level(harness), 30, what="the ops notice")
    assert "is rebooting" in notices[0].text
    statuses = [c.status for c in harness.emu.calls("chat.postMessage")]
    assert 429 in statuses


async def test_a_restart_mid_watch_ends_in_the_same_message(harness: Harness) -> None:
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    await harness.command("/vps reboot web-server-01")
    [notice] = await harness.emu.wait_for(lambda: top_level(harness), what="the ops notice")
    await harness.stop()
    harness.clock.now += 61
    await harness.start()
    await harness.emu.wait_for(lambda: "is active" in notice.text, what="the resumed watch")
    assert len(top_level(harness)) == 1


async def test_an_ops_channel_that_refuses_never_breaks_the_action(harness: Harness) -> None:
    await restart_with(harness, bot_ops_channel="C0NOWHERE")  # not a channel Slack knows
    before = harness.seen(ALICE)
    await harness.command("/vps reboot web-server-01")
    result = await harness.new_message(before, user=ALICE, where=lambda m: not m.is_ephemeral)
    assert "is rebooting" in result.text
    assert len(harness.api_calls("POST", "/reboot/")) == 1
    refused = await harness.emu.wait_for(
        lambda: [c for c in harness.emu.calls("chat.postMessage") if not c.ok],
        what="the refused ops notice",
    )
    assert refused[0].error == "channel_not_found"


async def test_a_report_under_way_is_posted_even_when_the_bot_stops(harness: Harness) -> None:
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    await harness.command("/vps reboot web-server-01")
    [notice] = await harness.emu.wait_for(lambda: top_level(harness), what="the ops notice")
    harness.emu.inject_rate_limit("chat.postMessage", times=1, retry_after=1)
    harness.clock.now += 61  # the server is up: the watch claims its report and posts it
    await harness.emu.wait_for(
        lambda: [c for c in harness.emu.calls("chat.postMessage") if c.status == 429],
        what="the report held back by Slack",
    )
    await harness.stop()  # a deploy: nobody else will post a report already claimed
    assert [r for r in thread(harness, notice.ts) if "is active" in r.text]
