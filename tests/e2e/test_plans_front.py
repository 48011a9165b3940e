"""Several servers at once, up to the point a plan runs: the preview, its buttons, the typed
count, the write limit and one approval for the whole plan (the driver is not here: a confirmed
plan waits in the store, in state `running`, for it)."""

from __future__ import annotations

from bot.state import AuditOutcome
from bot.state.plans import Plan
from slackemu import Message
from tests.e2e.harness import (
    ALICE,
    BOB,
    CAROL,
    OPS,
    OPS_LOG,
    POLICY,
    Harness,
    dump,
    eventually,
)
from tests.e2e.test_guardrails import use_policy

WORKERS_ACTIVE = 11  # worker-01 … worker-12 but worker-05 (stopped) of the simulator's fleet


async def plans(harness: Harness) -> list[Plan]:
    assert harness.bot is not None
    return await harness.bot.services.store.list_plans()


async def only_plan(harness: Harness) -> Plan:
    [plan] = await plans(harness)
    return plan


def no_calls(harness: Harness) -> None:
    assert harness.api_calls("POST") == []
    assert harness.api_calls("PATCH") == []


async def test_the_preview_lists_the_servers_in_batches_and_those_left_out(
    harness: Harness,
) -> None:
    preview = await harness.answer("/vps reboot worker-* web-server-01 nosuch batch:4")
    shown = dump(preview)
    assert "Reboot 12 servers" in shown  # 11 workers and web-server-01, ids in order
    assert "Batch 1:" in shown
    assert "Batch 3:" in shown
    assert shown.index("web-server-01") < shown.index("worker-01")  # references first
    assert "worker-05" in shown
    assert "is stopped" in shown
    assert "nosuch" in shown
    assert "no such server" in shown
    assert "batch:4" in shown
    assert "wait:10 minutes" in shown
    assert [b.text for b in preview.buttons()] == ["Reboot 12 servers", "Cancel"]
    # Nothing has happened: no API call, the plan waits in preview with its frozen list.
    no_calls(harness)
    plan = await only_plan(harness)
    assert (plan.state, plan.operation, plan.user_id) == ("preview", "reboot", ALICE)
    assert harness.bot is not None
    servers = await harness.bot.services.store.plan_servers(plan.id)
    assert [s.server_name for s in servers][:2] == ["web-server-01", "worker-01"]
    assert [s.batch for s in servers] == [1] * 4 + [2] * 4 + [3] * 4


async def test_the_click_moves_the_plan_to_running_for_the_driver(harness: Harness) -> None:
    preview = await harness.answer("/vps reboot worker-0*")
    button = preview.buttons()[0]
    await harness.emu.click(preview, text="Reboot 8 servers")
    await harness.emu.wait_for(
        lambda: "Confirmed" in dump(preview) or None,
        what="the preview to say confirmed",
    )
    plan = await only_plan(harness)
    assert plan.state == "running"
    assert plan.progress_channel == OPS
    assert plan.response_url
    outcomes = [e.outcome for e in await harness.bot.services.store.list_audit(limit=20)]  # type: ignore[union-attr]
    assert AuditOutcome.CONFIRMED in outcomes
    assert AuditOutcome.ASKED in outcomes
    assert counted(harness, "previewed") == counted(harness, "confirmed") == 1
    # A second click (or another replica's) changes nothing.
    before = harness.seen()
    await harness.emu.forge_click(preview, button, user=ALICE)
    note = await harness.new_message(before, user=ALICE, channel=OPS)
    assert "Already answered" in dump(note)
    assert (await only_plan(harness)).state == "running"


def counted(harness: Harness, outcome: str) -> float:
    """vpsbot_plans_total for reboots with that outcome."""
    assert harness.bot is not None
    registry = harness.bot.services.metrics.registry
    labels = {"operation": "reboot", "outcome": outcome}
    return registry.get_sample_value("vpsbot_plans_total", labels) or 0.0


async def test_cancel_and_someone_elses_click(harness: Harness) -> None:
    preview = await harness.answer("/vps reboot worker-1*")
    before = harness.seen(BOB)
    await harness.emu.forge_click(preview, preview.buttons()[1], user=BOB)
    assert "Only" in dump(await harness.new_message(before, user=BOB, channel=OPS))
    assert (await only_plan(harness)).state == "preview"
    await harness.emu.click(preview, text="Cancel")
    await harness.emu.wait_for(lambda: "Cancelled" in dump(preview) or None, what="cancelled")
    assert (await only_plan(harness)).state == "cancelled"
    no_calls(harness)


async def test_nothing_matched_says_so(harness: Harness) -> None:
    answer = await harness.answer("/vps reboot nothing-*")
    assert "No server to act on matches" in dump(answer)
    assert await plans(harness) == []


async def test_delete_with_a_glob_is_refused(harness: Harness) -> None:
    answer = await harness.answer("/vps delete worker-*")
    assert "one server at a time" in dump(answer)
    assert await plans(harness) == []


async def test_a_large_plan_under_confirm_asks_for_the_number(harness: Harness) -> None:
    preview = await harness.answer("/vps stop worker-*")  # stop is under confirm:
    assert "type the number of servers" in dump(preview)
    await harness.emu.click(preview, text=f"Stop {WORKERS_ACTIVE} servers")
    form = await harness.emu.wait_for(lambda: harness.emu.modal(ALICE), what="the count form")
    wrong = await harness.emu.submit_view(form, {"plan_count": "10"})
    assert wrong.input_errors
    assert "Type 11" in str(wrong.input_errors)
    assert (await only_plan(harness)).state == "preview"
    assert (await harness.emu.submit_view(form, {"plan_count": "11"})).ok
    await harness.emu.wait_for(lambda: "Confirmed" in dump(preview) or None, what="confirmed")
    assert (await only_plan(harness)).state == "running"


async def test_a_plan_over_the_write_limit_is_refused_at_the_preview(harness: Harness) -> None:
    await use_policy(harness, POLICY + "limits:\n  writes: {per_user: 5, window: 1h}\n")
    answer = await harness.answer("/vps reboot worker-*")
    assert "you may change only 5 more servers now" in dump(answer)
    assert await plans(harness) == []
    fits = await harness.answer("/vps reboot worker-0* location:us-west")
    await harness.emu.click(fits, text="Reboot 2 servers")
    await harness.emu.wait_for(lambda: "Confirmed" in dump(fits) or None, what="confirmed")
    again = await harness.answer("/vps reboot worker-*")
    assert "you may change only 3 more servers now" in dump(again)


APPROVE_WORKERS = (
    POLICY
    + f"""approve:
  reboot:
    by: [{{users: [{CAROL}]}}]
    servers: ["worker-1*"]
    ttl: 10m
"""
)


async def ask_for_approval(harness: Harness, **overrides: object) -> Message:
    """Alice confirms a reboot of every worker; worker-10 … 12 need Carol's approval."""
    await use_policy(harness, APPROVE_WORKERS, **overrides)
    preview = await harness.answer("/vps reboot worker-*")
    assert "one approval covers the whole plan" in dump(preview)
    await harness.emu.click(preview, text=f"Reboot {WORKERS_ACTIVE} servers")
    request = await harness.emu.wait_for(
        lambda: next(
            (m for m in harness.emu.messages(OPS_LOG) if "Approval needed" in dump(m)), None
        ),
        what="the approval request",
    )
    await harness.emu.wait_for(
        lambda: [m for m in harness.emu.messages(OPS, visible_to=ALICE) if "Sent for" in m.text],
        what="the requester to be told",
    )
    assert (await only_plan(harness)).state == "approval"
    no_calls(harness)
    return request


async def test_one_approval_covers_the_whole_plan(harness: Harness) -> None:
    request = await ask_for_approval(harness)
    shown = dump(request)
    assert "11 servers" in shown
    assert "worker-01" in shown
    assert "batch:1" in shown
    assert [await reason_refused(harness, request, user) for user in (BOB, ALICE)] == [
        "You may not decide this.",
        "You asked for this yourself",
    ]
    listing = await harness.answer("/vps approvals", user=CAROL, channel=OPS)
    assert "11 servers" in dump(listing)
    assert [b.text for b in listing.buttons()] == ["Approve", "Reject"]
    await harness.emu.click(listing, text="Approve", user=CAROL)
    await harness.emu.wait_for(lambda: "Approved by" in dump(request) or None, what="approved")
    assert (await only_plan(harness)).state == "running"
    outcomes = [e.outcome for e in await harness.bot.services.store.list_audit(limit=20)]  # type: ignore[union-attr]
    assert AuditOutcome.REQUESTED in outcomes
    assert AuditOutcome.APPROVED in outcomes


async def reason_refused(harness: Harness, request: Message, user: str) -> str:
    before = harness.seen(user)
    await harness.emu.click(request, text="Approve", user=user)
    said = dump(await harness.new_message(before, user=user, channel=OPS_LOG))
    return next(s for s in ("You may not decide this.", "You asked for this yourself") if s in said)


async def test_a_rejected_plan_is_refused_and_the_requester_told(harness: Harness) -> None:
    request = await ask_for_approval(harness)
    await harness.emu.click(request, text="Reject", user=CAROL)
    form = await harness.emu.wait_for(lambda: harness.emu.modal(CAROL), what="the reject form")
    assert (await harness.emu.submit_view(form, {"reject_reason": "not today"})).ok
    await harness.emu.wait_for(lambda: "Rejected by" in dump(request) or None, what="rejected")
    assert (await only_plan(harness)).state == "refused"
    await harness.emu.wait_for(
        lambda: [m for m in harness.emu.messages(visible_to=ALICE) if "Rejected by" in dump(m)],
        what="the requester to be told",
    )
    no_calls(harness)


async def test_an_unanswered_approval_expires_the_plan(harness: Harness) -> None:
    request = await ask_for_approval(harness, bot_watch_interval_seconds=0.05)
    harness.clock.now += 11 * 60
    await harness.emu.wait_for(lambda: "Expired" in dump(request) or None, what="the expiry")

    async def expired() -> bool:
        return (await only_plan(harness)).state == "expired"

    await eventually(expired, "the plan to expire")
    no_calls(harness)


async def test_a_preview_clicked_too_late_does_nothing(harness: Harness) -> None:
    preview = await harness.answer("/vps reboot worker-0*")
    harness.clock.now += 3600
    await harness.emu.click(preview, text="Reboot 8 servers")
    await harness.emu.wait_for(lambda: "expired" in dump(preview) or None, what="expired")
    assert (await only_plan(harness)).state == "expired"
    no_calls(harness)


async def test_plans_lists_what_the_member_may_see(harness: Harness) -> None:
    preview = await harness.answer("/vps reboot worker-0*")
    await harness.emu.click(preview, text="Reboot 8 servers")
    await harness.emu.wait_for(lambda: "Confirmed" in dump(preview) or None, what="confirmed")
    mine = dump(await harness.answer("/vps plans"))
    assert "reboot" in mine
    assert "running" in mine
    assert "8 waiting" in mine


async def test_filters_alone_and_servers_the_policy_does_not_allow(harness: Harness) -> None:
    preview = dump(await harness.answer("/vps start status:stopped"))  # start: web-* only
    assert "Start 1 server" in preview
    assert "web-server-03" in preview
    assert "worker-05" in preview
    assert "the policy does not allow you" in preview
    no_calls(harness)


async def test_backups_on_several_servers(harness: Harness) -> None:
    preview = await harness.answer("/vps set worker-1* backups:on")
    assert [b.text for b in preview.buttons()] == ["Update 3 servers", "Cancel"]
    plan = await only_plan(harness)
    assert plan.request["values"] == {"backups_enabled": True}
    assert plan.operation == "set"
