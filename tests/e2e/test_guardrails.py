"""Guardrails: two-person approval, freeze windows and the write limit, end to end."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

import pytest

from bot.state import AuditOutcome, open_store
from slackemu import Message
from tests.e2e.harness import (
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    GENERAL,
    ONCALL,
    OPS,
    OPS_LOG,
    Harness,
    dump,
    eventually,
)
from tests.e2e.test_notifications import restart_with, top_level

APPROVALS = f"""
rules:
  "*":
    - users: [{ADMIN}]
  delete:
    - users: [{ALICE}]
      channels: [{OPS}]
  reboot:
    - channels: [{OPS}]
confirm: [delete]
approve:
  delete:
    by: [{{usergroups: [{ONCALL}]}}]
    ttl: 10m
  reboot:
    by: [{{users: [{CAROL}]}}]
    servers: ["db-*"]
"""


async def use_policy(harness: Harness, text: str, **overrides: object) -> None:
    (harness.tmp / "policy.yml").write_text(text)
    await restart_with(harness, **overrides)


async def request_delete(harness: Harness) -> Message:
    """Alice deletes db-server-01 (confirmed, name typed): the request goes for approval."""
    prompt = await harness.answer("/vps delete db-server-01")
    await harness.emu.click(prompt, text="Delete db-server-01")
    modal = await harness.emu.wait_for(lambda: harness.emu.modal(ALICE), what="the delete form")
    assert (await harness.emu.submit_view(modal, {"delete_name": "db-server-01"})).ok
    [request] = await harness.emu.wait_for(lambda: top_level(harness), what="the request")
    assert "Approval needed" in dump(request)
    # The requester is told last, once the request and where it was posted are stored.
    await harness.emu.wait_for(
        lambda: [m for m in harness.emu.messages(OPS, visible_to=ALICE) if "Sent for" in m.text],
        what="the requester to be told",
    )
    assert harness.api_calls("DELETE") == []
    return request


async def click_as(harness: Harness, message: Message, label: str, user: str) -> Message:
    before = harness.seen(user)
    await harness.emu.click(message, text=label, user=user)
    return await harness.new_message(before, user=user, channel=OPS_LOG)


async def reject_as(harness: Harness, message: Message, user: str, reason: str = "") -> None:
    """Click Reject as `user`, and send its form (with an optional reason)."""
    await harness.emu.click(message, text="Reject", user=user)
    form = await harness.emu.wait_for(lambda: harness.emu.modal(user), what="the reject form")
    assert (await harness.emu.submit_view(form, {"reject_reason": reason})).ok


async def requester_told(harness: Harness, text: str) -> None:
    """Wait until Alice, the requester, has been told privately (a note containing `text`)."""
    await harness.emu.wait_for(
        lambda: [
            m for m in harness.emu.messages(visible_to=ALICE) if m.is_ephemeral and text in m.text
        ],
        what="the requester to be told",
    )


async def outcomes(harness: Harness) -> list[AuditOutcome]:
    assert harness.bot is not None
    return [e.outcome for e in await harness.bot.services.store.list_audit(limit=100)]


async def test_an_approver_approves_and_it_runs_once(harness: Harness) -> None:
    await use_policy(harness, APPROVALS)
    request = await request_delete(harness)
    await harness.emu.click(request, text="Approve", user=BOB)
    await harness.emu.wait_for(lambda: harness.api_calls("DELETE"), what="the delete")
    await harness.emu.wait_for(lambda: "Approved by" in dump(request), what="the outcome")
    assert "<@U0BOB0001>" in dump(request)
    assert not request.buttons()
    assert len(harness.api_calls("DELETE", "/12346/")) == 1
    result = await harness.emu.wait_for(
        lambda: [m for m in harness.emu.messages(OPS) if "was deleted" in m.text],
        what="the result where it was asked",
    )
    assert not result[0].is_ephemeral
    assert "Approved by <@U0BOB0001>" in dump(result[0])  # the result names the approver

    async def recorded() -> bool:
        found = await outcomes(harness)
        return {AuditOutcome.REQUESTED, AuditOutcome.APPROVED, AuditOutcome.EXECUTED} <= set(found)

    await eventually(recorded, "requested, approved and executed in the audit log")


async def test_the_requester_cannot_approve_their_own_request(harness: Harness) -> None:
    await use_policy(harness, APPROVALS)
    harness.emu.set_usergroup(ONCALL, [BOB, ALICE])  # even as a member of the approvers
    request = await request_delete(harness)
    refusal = await click_as(harness, request, "Approve", ALICE)
    assert "someone else has to approve" in dump(refusal)
    assert harness.api_calls("DELETE") == []
    assert "Approval needed" in dump(request)


async def test_someone_outside_by_is_told_who_may(harness: Harness) -> None:
    await use_policy(harness, APPROVALS)
    request = await request_delete(harness)
    refusal = await click_as(harness, request, "Approve", CAROL)
    assert "may not decide" in dump(refusal)
    assert "<!subteam^S0ONCALL1>" in dump(refusal)
    assert harness.api_calls("DELETE") == []


async def test_four_concurrent_approvals_delete_once(harness: Harness) -> None:
    await use_policy(harness, APPROVALS)
    harness.emu.set_usergroup(ONCALL, [BOB, CAROL, ADMIN])
    request = await request_delete(harness)
    button = next(b for b in request.buttons() if b.text == "Approve")
    await asyncio.gather(
        *(
            harness.emu.click(request, action_id=button.action_id, user=user)
            for user in (BOB, CAROL, ADMIN, BOB)
        )
    )
    await harness.emu.wait_for(lambda: "Approved by" in dump(request), what="the outcome")
    await harness.emu.wait_for(
        lambda: [m for m in harness.emu.messages(OPS) if "was deleted" in m.text],
        what="the result",
    )
    assert len(harness.api_calls("DELETE")) == 1


async def test_a_rejection_does_nothing_and_says_why(harness: Harness) -> None:
    await use_policy(harness, APPROVALS)
    request = await request_delete(harness)
    await reject_as(harness, request, BOB, reason="db-server-01 still holds the <!here> backups")
    await harness.emu.wait_for(lambda: "Rejected by" in dump(request), what="the outcome")
    assert "still holds the" in dump(request)  # the reason, in the ops channel
    assert "<!here>" not in dump(request)  # typed text never pings
    told = await harness.emu.wait_for(
        lambda: [
            m
            for m in harness.emu.messages(visible_to=ALICE)
            if "Rejected by" in m.text and m.is_ephemeral
        ],
        what="the requester to be told",
    )
    assert told[0].ephemeral_to == ALICE
    assert "Reason: db-server-01 still holds the" in dump(told[0])
    assert harness.api_calls("DELETE") == []
    assert AuditOutcome.REJECTED in await outcomes(harness)
    audit = dump(await harness.answer("/vps audit", user=ADMIN))
    assert "still holds the" in audit
    assert "requested by <@U0ALICE01>" in audit  # a name (a mention), not a raw id


async def test_a_rejection_without_a_reason_says_none(harness: Harness) -> None:
    await use_policy(harness, APPROVALS)
    request = await request_delete(harness)
    await reject_as(harness, request, BOB)
    await harness.emu.wait_for(lambda: "Rejected by" in dump(request), what="the outcome")
    assert "Reason" not in dump(request)
    assert harness.api_calls("DELETE") == []


async def test_the_requester_is_never_named_as_an_approver(harness: Harness) -> None:
    both = APPROVALS.replace(
        f"by: [{{usergroups: [{ONCALL}]}}]",
        f"by: [{{users: [{ALICE}, {BOB}]}}, {{users: [{ALICE}]}}]",
    )
    await use_policy(harness, both)
    request = await request_delete(harness)
    assert "may be approved by <@U0BOB0001>." in dump(request)
    assert "<@U0ALICE01>" not in dump(request).split("Approval needed")[-1].split("asks to")[-1]
    [sent] = [m for m in harness.emu.messages(OPS, visible_to=ALICE) if "Sent for" in m.text]
    assert "approved by <@U0BOB0001>." in dump(sent)
    assert "<@U0ALICE01>" not in dump(sent)
    refusal = await click_as(harness, request, "Approve", CAROL)
    assert "<@U0ALICE01>" not in dump(refusal).split("It may be approved")[-1]


async def test_an_expired_request_does_nothing(harness: Harness) -> None:
    await use_policy(harness, APPROVALS, bot_watch_interval_seconds=0.05)
    request = await request_delete(harness)
    harness.clock.now += 11 * 60
    await harness.emu.wait_for(lambda: "Expired" in dump(request), what="the expiry")
    late = await click_as(harness, request, "Approve", BOB) if request.buttons() else None
    assert late is None
    assert harness.api_calls("DELETE") == []
    assert AuditOutcome.EXPIRED in await outcomes(harness)
    assert harness.bot is not None
    entries = await harness.bot.services.store.list_audit(limit=100)
    asked = {e.request_id for e in entries if e.outcome is AuditOutcome.REQUESTED}
    expired = {e.request_id for e in entries if e.outcome is AuditOutcome.EXPIRED}
    assert expired == asked != {""}  # one request id from the ask to the expiry


async def test_an_expiry_under_way_is_reported_even_when_the_bot_stops(harness: Harness) -> None:
    await use_policy(harness, APPROVALS, bot_watch_interval_seconds=0.05)
    request = await request_delete(harness)
    harness.emu.inject_rate_limit("chat.update", times=1, retry_after=1)
    harness.clock.now += 11 * 60  # the sweep expires it, and Slack holds back the edit
    await harness.emu.wait_for(
        lambda: [c for c in harness.emu.calls("chat.update") if c.status == 429],
        what="the edit held back by Slack",
    )
    await harness.stop()  # no other replica will report what this one expired
    assert "Expired" in dump(request)
    await requester_told(harness, "Expired")
    async with await open_store(f"sqlite:///{harness.tmp / 'state.db'}") as store:
        assert AuditOutcome.EXPIRED in [e.outcome for e in await store.list_audit()]


async def test_a_request_left_when_approve_is_removed_still_expires(harness: Harness) -> None:
    await use_policy(harness, APPROVALS, bot_watch_interval_seconds=0.05)
    request = await request_delete(harness)
    await use_policy(harness, APPROVALS.split("approve:")[0])  # no approve: any more
    harness.clock.now += 11 * 60
    await harness.emu.wait_for(lambda: "Expired" in dump(request), what="the expiry")
    assert not request.buttons()
    assert harness.api_calls("DELETE") == []
    await requester_told(harness, "Expired")


async def test_a_request_the_ops_channel_refused_says_where_to_find_it(harness: Harness) -> None:
    await use_policy(harness, APPROVALS, bot_ops_channel="C0NOWHERE")  # a channel Slack refuses
    before = harness.seen(ALICE)
    await harness.command("/vps reboot db-server-01")
    told = await harness.new_message(before, user=ALICE, where=lambda m: "Sent for" in m.text)
    assert "could not be posted" in dump(told)
    assert "/vps approvals" in dump(told)
    listing = await harness.answer("/vps approvals", user=CAROL, channel=GENERAL)
    assert [b.text for b in listing.buttons()] == ["Approve", "Reject"]


async def test_only_servers_matching_the_globs_need_approval(harness: Harness) -> None:
    await use_policy(harness, APPROVALS)
    before = harness.seen(ALICE)
    await harness.command("/vps reboot web-server-01")  # not db-*: straight to the API
    await harness.new_message(before, user=ALICE, where=lambda m: "is rebooting" in m.text)
    assert len(harness.api_calls("POST", "/reboot/")) == 1
    await harness.command("/vps reboot db-server-01")  # db-*: Carol must approve
    request = await harness.emu.wait_for(
        lambda: [m for m in top_level(harness) if "Approval needed" in dump(m)], what="request"
    )
    assert len(harness.api_calls("POST", "/reboot/")) == 1
    await harness.emu.click(request[0], text="Approve", user=CAROL)
    await harness.emu.wait_for(
        lambda: len(harness.api_calls("POST", "/reboot/")) == 2, what="the approved reboot"
    )


async def test_a_server_renamed_while_waiting_is_not_touched(harness: Harness) -> None:
    await use_policy(harness, APPROVALS)
    request = await request_delete(harness)
    assert harness.bot is not None
    from bot.vps import ServerUpdate

    await harness.bot.services.vps.update_server(12346, ServerUpdate(name="db-precious"))
    await harness.emu.click(request, text="Approve", user=BOB)
    await harness.emu.wait_for(lambda: "Not done" in dump(request), what="the outcome")
    assert "db-precious" in dump(request)
    assert "<@U0BOB0001>" in dump(request)  # who clicked Approve
    assert harness.api_calls("DELETE") == []
    # Recorded as the requester's request not done, naming the approver — not as Bob rejecting.
    entries = await harness.bot.services.store.list_audit(limit=50)
    assert [(e.user_id, e.outcome) for e in entries if e.outcome is not AuditOutcome.REQUESTED][
        :1
    ] == [(ALICE, AuditOutcome.DENIED)]
    assert f"when {BOB} approved" in entries[0].detail
    assert AuditOutcome.REJECTED not in await outcomes(harness)


async def test_a_server_deleted_while_waiting_closes_its_request(harness: Harness) -> None:
    await use_policy(harness, APPROVALS)
    request = await request_delete(harness)
    harness.sim.remove_server(12346)  # deleted elsewhere meanwhile
    await harness.emu.click(request, text="Approve", user=BOB)
    await harness.emu.wait_for(lambda: "Not done" in dump(request), what="the outcome")
    assert "no longer exists" in dump(request)
    assert not request.buttons()
    assert harness.api_calls("DELETE") == []
    assert harness.bot is not None
    assert await harness.bot.services.store.list_approvals() == []  # not left pending
    await requester_told(harness, "no longer exists")


async def test_approvals_lists_what_waits(harness: Harness) -> None:
    await use_policy(harness, APPROVALS)
    await request_delete(harness)
    listing = await harness.answer("/vps approvals", user=BOB, channel=GENERAL)
    assert "db-server-01" in dump(listing)
    assert [b.text for b in listing.buttons()] == ["Approve", "Reject"]
    # A rename out of protection (db-*, reboots approved by Carol) waits for Carol, who can
    # decide it from the list too.
    await harness.command("/vps rename db-server-01 scratch-01", user=ADMIN)
    await harness.emu.wait_for(lambda: len(top_level(harness)) == 2, what="the rename's request")
    listing = await harness.answer("/vps approvals", user=CAROL, channel=GENERAL)
    assert "scratch-01" in dump(listing)  # what the rename makes of it
    assert [b.text for b in listing.buttons()] == ["Approve", "Reject"]
    own = await harness.answer("/vps approvals", user=ALICE, channel=GENERAL)
    assert "db-server-01" in dump(own)
    assert own.buttons() == []  # no one decides their own request
    whoami = dump(await harness.answer("/vps whoami"))
    assert "needs approval" in whoami


# -- freeze windows ----------------------------------------------------------------------------

FREEZE = f"""
rules:
  "*":
    - users: [{ADMIN}]
  reboot:
    - channels: [{OPS}]
  start:
    - servers: ["web-*"]
freeze:
  - actions: [reboot]
    start: "2027-01-15T00:00:00+01:00"
    end: "2027-01-16T00:00:00+01:00"
    reason: "release day"
    except: [{{usergroups: [{ONCALL}]}}]
  - weekly: {{days: [sat], start: "22:00", end: "06:00", timezone: "Europe/Rome"}}
    reason: "night maintenance"
"""


def at(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


async def test_a_freeze_refuses_with_its_reason_and_end_and_except_lets_through(
    harness: Harness,
) -> None:
    await use_policy(harness, FREEZE)  # the clock says Friday 2027-01-15 08:00 UTC
    refused = dump(await harness.answer("/vps reboot web-server-01"))
    assert "frozen" in refused
    assert "release day" in refused
    assert "2027-01-15 23:00 UTC" in refused  # midnight in UTC+01:00
    assert harness.api_calls("POST", "/reboot/") == []
    assert AuditOutcome.FROZEN in await outcomes(harness)
    mine = dump(await harness.answer("/vps whoami"))
    assert "Frozen now: " in mine
    assert "(only reboot)" in mine  # not every change: the others are not frozen
    assert "lets you act anyway" not in mine
    bobs = dump(await harness.answer("/vps whoami", user=BOB))
    assert "lets you act anyway" in bobs  # Bob is on call, the freeze's except:
    before = harness.seen(BOB)
    await harness.command("/vps reboot web-server-01", user=BOB)  # on call: excepted
    await harness.new_message(before, user=BOB, where=lambda m: "is rebooting" in m.text)
    assert len(harness.api_calls("POST", "/reboot/")) == 1


async def test_a_weekly_window_across_midnight_and_a_dst_change(harness: Harness) -> None:
    await use_policy(harness, FREEZE)
    # Saturday 23:00 in Rome (UTC+1), the night the clocks go forward: frozen until Sunday
    # 06:00 in Rome, which is UTC+2 by then: 04:00 UTC (a seven-hour night).
    harness.clock.now = at("2027-03-27T22:00:00+00:00")
    refused = dump(await harness.answer("/vps start web-server-03"))
    assert "night maintenance" in refused
    assert "2027-03-28 04:00 UTC" in refused
    harness.clock.now = at("2027-03-28T03:59:00+00:00")  # 05:59 in Rome: still frozen
    assert "night maintenance" in dump(await harness.answer("/vps start web-server-03"))
    harness.clock.now = at("2027-03-28T04:00:00+00:00")  # 06:00 in Rome: over
    before = harness.seen(ALICE)
    await harness.command("/vps start web-server-03")
    await harness.new_message(before, user=ALICE, where=lambda m: "is starting" in m.text)
    whoami = dump(await harness.answer("/vps whoami"))
    assert "Next freeze" in whoami


# -- the write limit ---------------------------------------------------------------------------

LIMITED = f"""
rules:
  "*":
    - users: [{ADMIN}]
  reboot:
    - channels: [{OPS}]
limits:
  writes: {{per_user: 2, window: 10m}}
"""


async def test_a_member_over_the_write_limit_is_told_when_to_retry(harness: Harness) -> None:
    await use_policy(harness, LIMITED)
    for name in ("web-server-01", "db-server-01"):
        before = harness.seen(ALICE)
        await harness.command(f"/vps reboot {name}")
        await harness.new_message(
            before, user=ALICE, channel=OPS, where=lambda m, n=name: f"{n} (#" in m.text
        )
    refused = dump(await harness.answer("/vps reboot worker-01"))
    assert "You may act again at 2027-01-15 08:10 UTC" in refused
    assert len(harness.api_calls("POST", "/reboot/")) == 2
    assert AuditOutcome.LIMITED in await outcomes(harness)
    other = harness.seen(BOB)
    await harness.command("/vps reboot worker-01", user=BOB)  # another member's own count
    await harness.new_message(other, user=BOB, where=lambda m: "is rebooting" in m.text)
    harness.clock.now += 601
    before = harness.seen(ALICE)
    await harness.command("/vps reboot worker-02")
    await harness.new_message(before, user=ALICE, where=lambda m: "is rebooting" in m.text)


# -- whoami: approvers, freezes and the write limit, in the team's time zone -------------------

WHOAMI = f"""
rules:
  "*":
    - users: [{ALICE}]
approve:
  delete:
    by: [{{users: [{ALICE}, {CAROL}]}}]
  reboot:
    by: [{{users: [{ALICE}]}}]
freeze:
  - weekly: {{start: "fri 16:00", end: "mon 08:00", timezone: "Europe/Rome"}}
    reason: "weekend"
  - weekly: {{days: [mon, tue, wed, thu], start: "22:00", end: "06:00", timezone: UTC}}
  - start: "2027-01-20T12:00:00+00:00"
    end: "2027-01-20T13:00:00+00:00"
    reason: "migration"
limits:
  writes: {{per_user: 3, window: 10m}}
"""


def shown_lines(message: Message) -> list[str]:
    """The lines of a message's sections, as a person reads them (no code backticks)."""
    texts = [b["text"]["text"] for b in message.blocks if b.get("type") == "section"]
    return [line.replace("`", "") for text in texts for line in text.split("\n")]


async def test_whoami_never_names_the_viewer_as_their_own_approver(harness: Harness) -> None:
    await use_policy(harness, WHOAMI)
    lines = shown_lines(await harness.answer("/vps whoami"))
    approvals = [line for line in lines if "needs approval" in line]
    assert approvals == [
        ":raised_hand: reboot needs approval by someone else, and the policy names no one else "
        "who may give it.",
        f":raised_hand: delete needs approval by <@{CAROL}>.",
    ]
    carols = shown_lines(await harness.answer("/vps whoami", user=CAROL))
    assert not [line for line in carols if "needs approval" in line]  # Carol may do nothing


async def test_whoami_shows_each_freeze_once_in_its_time_zone_beside_utc(
    harness: Harness,
) -> None:
    await use_policy(harness, WHOAMI, bot_timezone="America/New_York")
    # The clock says Friday 2027-01-15 08:00 UTC: 09:00 in Rome, 03:00 in New York.
    lines = shown_lines(await harness.answer("/vps whoami"))
    freezes = [line for line in lines if line.startswith(":snowflake:")]
    assert freezes == [
        ":snowflake: Next freeze: weekly freeze fri 16:00\u2013mon 08:00 Europe/Rome \u2014 "
        "weekend, from 2027-01-15 16:00 Europe/Rome (15:00 UTC, in 7 hours).",
        ":snowflake: Next freeze: weekly freeze mon\u2013thu 22:00\u201306:00 (next day) UTC,"
        " from 2027-01-18 22:00 UTC (in 3 days 14 hours).",  # one line, not one per night
        ":snowflake: Next freeze: freeze from 2027-01-20 12:00 to 2027-01-20 13:00 (UTC) \u2014"
        " migration, from 2027-01-20 07:00 America/New_York (12:00 UTC, in 5 days 4 hours).",
    ]
    harness.clock.now = at("2027-01-16T12:00:00+00:00")  # Saturday: the weekend freeze is on
    lines = shown_lines(await harness.answer("/vps whoami"))
    assert [line for line in lines if line.startswith(":snowflake: Frozen now")] == [
        ":snowflake: Frozen now: weekly freeze fri 16:00\u2013mon 08:00 Europe/Rome \u2014 "
        "weekend, until 2027-01-18 08:00 Europe/Rome (07:00 UTC, in 43 hours)."
    ]


async def test_whoami_shows_the_write_limit_and_what_is_left_of_it(harness: Harness) -> None:
    await use_policy(harness, LIMITED, bot_timezone="Europe/Rome")
    mine = shown_lines(await harness.answer("/vps whoami"))
    assert ":stopwatch: You may make at most 2 changes in any 10 minutes: 2 left now." in mine
    before = harness.seen(ALICE)
    await harness.command("/vps reboot web-server-01")
    await harness.new_message(before, user=ALICE, where=lambda m: "is rebooting" in m.text)
    mine = shown_lines(await harness.answer("/vps whoami"))
    assert ":stopwatch: You may make at most 2 changes in any 10 minutes: 1 left now." in mine
    before = harness.seen(ALICE)
    await harness.command("/vps reboot db-server-01")
    await harness.new_message(before, user=ALICE, where=lambda m: "is rebooting" in m.text)
    mine = shown_lines(await harness.answer("/vps whoami"))
    assert (
        ":stopwatch: You may make at most 2 changes in any 10 minutes: none left until "
        "2027-01-15 09:10 Europe/Rome (08:10 UTC, in 10 minutes)." in mine
    )
    bobs = shown_lines(await harness.answer("/vps whoami", user=BOB))  # his own count
    assert ":stopwatch: You may make at most 2 changes in any 10 minutes: 2 left now." in bobs


async def test_the_bot_starts_with_a_glob_that_can_never_match_and_logs_it(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot")
    await use_policy(harness, 'rules:\n  start:\n    - servers: ["web-.*"]\n')
    warned = [r.getMessage() for r in caplog.records if r.name == "bot.runner"]
    assert warned == [
        f'{harness.tmp / "policy.yml"}:3: servers glob "web-.*" can never match: it looks '
        'like a regular expression; in a glob "*" alone means any text (a server name holds '
        "only letters, digits and hyphens)"
    ]
    assert "is not a server" not in dump(await harness.answer("/vps whoami"))  # it serves
