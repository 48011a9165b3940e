"""Schedules through the emulator, the real bot and the simulator: scheduled, confirmed, run
once at their time (the shared fake clock moves; the scheduler looks every few milliseconds),
skipped, cancelled, frozen, kept across a restart."""

from __future__ import annotations

from bot.schedules.runs import ScheduleRunner
from bot.state.schedules import Schedule
from slackemu import Message
from tests.e2e.harness import (
    ALICE,
    BOB,
    GENERAL,
    ONCALL,
    OPS,
    OPS_LOG,
    POLICY,
    Harness,
    dump,
    eventually,
)
from tests.e2e.test_guardrails import use_policy
from tests.e2e.test_home import home_of, text_of
from tests.e2e.test_notifications import restart_with

TICK = 0.02


async def schedules(harness: Harness) -> list[Schedule]:
    assert harness.bot is not None
    store = harness.bot.services.store
    return await store.list_schedules(
        states=("preview", "approval", "active", "ended", "cancelled", "expired", "refused")
    )


async def only(harness: Harness) -> Schedule:
    [schedule] = await schedules(harness)
    return schedule


def reboots(harness: Harness) -> list[str]:
    return harness.api_calls("POST", "/reboot/")


def runs(harness: Harness, outcome: str) -> float:
    assert harness.bot is not None
    registry = harness.bot.services.metrics.registry
    found = registry.get_sample_value("vpsbot_schedule_runs_total", {"outcome": outcome})
    return found or 0.0


async def scheduled(harness: Harness, text: str, *, button: str) -> Message:
    """Type `text`, confirm its preview with `button`; the answer once scheduled."""
    preview = await harness.answer(text)
    assert button in [b.text for b in preview.buttons()], dump(preview)
    await harness.emu.click(preview, text=button)
    await harness.emu.wait_for(
        lambda: "Scheduled" in dump(preview) or None, what="the preview to say scheduled"
    )
    return preview


async def another_round(harness: Harness) -> None:
    """One round of the scheduler, as another replica on the same store would run it."""
    assert harness.bot is not None
    await ScheduleRunner(harness.bot.services).round()


async def report(harness: Harness, text: str, channel: str = OPS) -> Message:
    return await harness.emu.wait_for(
        lambda: next((m for m in harness.emu.messages(channel) if text in dump(m)), None),
        what=f"a message saying {text!r} in {channel}",
    )


async def test_a_schedule_in_a_few_seconds_runs_once_and_reports(harness: Harness) -> None:
    await restart_with(harness, bot_schedule_interval_seconds=TICK)
    answer = await scheduled(
        harness, "/vps schedule reboot web-server-01 in 5s", button="Schedule reboot"
    )
    shown = dump(answer)
    assert "next run" in shown
    assert "UTC" in shown
    assert reboots(harness) == []
    assert (await only(harness)).state == "active"
    harness.clock.now += 5
    ran = await report(harness, "executed: web-server-01")
    assert "reboot web-server-01 in 5s" in dump(ran)
    await report(harness, "executed: web-server-01", OPS_LOG)
    assert len(reboots(harness)) == 1
    schedule = await only(harness)
    assert (schedule.state, schedule.next_run) == ("ended", None)
    assert "executed: web-server-01" in schedule.last_result
    harness.clock.now += 60  # later rounds, on any replica, find nothing to run
    await another_round(harness)
    assert len(reboots(harness)) == 1
    assert runs(harness, "ran") == 1


async def test_a_run_whose_replica_stopped_mid_run_is_reported_interrupted(
    harness: Harness,
) -> None:
    await scheduled(harness, "/vps schedule reboot web-server-01 in 1h", button="Schedule reboot")
    schedule = await only(harness)
    assert schedule.next_run is not None
    store = harness.bot.services.store  # type: ignore[union-attr]
    # Another replica claimed the run at its time and stopped before saying what it did.
    harness.clock.now = schedule.next_run
    assert await store.claim_run(schedule.id, schedule.next_run, None) is not None
    await another_round(harness)
    assert not [m for m in harness.emu.messages(OPS) if "interrupted" in dump(m)]  # not yet
    harness.clock.now += 301
    await another_round(harness)
    await another_round(harness)  # a second replica's round: told once
    said = [m for m in harness.emu.messages(OPS) if "interrupted" in dump(m)]
    assert len(said) == 1
    assert "/vps audit" in dump(said[0])
    assert reboots(harness) == []
    assert "interrupted" in (await store.get_schedule(schedule.id)).last_result  # type: ignore[union-attr]


# The shared clock starts at 2027-01-15 08:00 UTC (a Friday).
NINE = 1_800_000_000.0 + 3600


async def test_skip_a_run_then_cancel_the_schedule(harness: Harness) -> None:
    await restart_with(harness, bot_schedule_interval_seconds=TICK)
    answer = await scheduled(
        harness, "/vps schedule reboot web-server-01 every day 09:00", button="Schedule reboot"
    )
    assert "2027-01-15 09:00 UTC" in dump(answer)
    harness.clock.now = NINE - 14 * 60  # the notice comes 15 minutes before
    notice = await report(harness, "runs 2027-01-15 09:00 UTC", OPS_LOG)
    assert [b.text for b in notice.buttons()] == ["Skip this run", "Cancel the schedule"]
    # Bob may not reboot from here: he may neither skip nor cancel.
    before = harness.seen(BOB)
    await harness.emu.click(notice, text="Skip this run", user=BOB)
    refused = await harness.new_message(before, user=BOB, channel=OPS_LOG)
    assert "Only its requester" in dump(refused)
    await harness.emu.click(notice, text="Skip this run", user=ALICE)
    await harness.emu.wait_for(
        lambda: "was skipped by" in dump(notice) or None, what="the notice to say skipped"
    )
    assert "the run 2027-01-15 09:00 UTC" in dump(notice)
    assert [b.text for b in notice.buttons()] == ["Cancel the schedule"]
    harness.clock.now = NINE
    await report(harness, "this run was skipped")
    assert reboots(harness) == []
    schedule = await only(harness)
    assert (schedule.state, schedule.next_run) == ("active", NINE + 86400)
    assert runs(harness, "skipped") == 1
    # The list shows it, with Cancel; Cancel ends it.
    listed = await harness.answer("/vps schedules")
    shown = dump(listed)
    assert "reboot web-server-01 every day 09:00" in shown
    assert "2027-01-16 09:00 UTC" in shown
    assert "this run was skipped" in shown
    await harness.emu.click(listed, text="Cancel")
    await eventually(
        lambda: _state_is(harness, "cancelled"), "the schedule to be cancelled", within=20
    )
    harness.clock.now = NINE + 86400
    await another_round(harness)
    assert reboots(harness) == []
    assert "No schedules" in dump(await harness.answer("/vps schedules"))


async def _state_is(harness: Harness, state: str) -> bool:
    return (await only(harness)).state == state


FROZEN = (
    POLICY
    + """
freeze:
  - actions: [reboot]
    start: "2027-01-15T08:30:00+00:00"
    end: "2027-01-15T10:00:00+00:00"
    reason: "release day"
"""
)


async def test_a_frozen_run_is_skipped_and_reported(harness: Harness) -> None:
    await use_policy(harness, FROZEN, bot_schedule_interval_seconds=TICK)
    # Not frozen now, nor at scheduling: the run is checked at its time.
    await scheduled(
        harness, "/vps schedule reboot web-server-01 at 09:00", button="Schedule reboot"
    )
    harness.clock.now = NINE
    frozen = await report(harness, "skipped: web-server-01 is frozen")
    assert "reboot web-server-01 at 09:00" in dump(frozen)
    await report(harness, "is frozen", OPS_LOG)
    assert reboots(harness) == []
    assert runs(harness, "frozen") == 1
    assert (await only(harness)).state == "ended"
    assert harness.bot is not None
    audit = await harness.bot.services.store.list_audit(limit=20)
    assert "frozen" in [e.outcome.value for e in audit]


async def test_a_restart_between_scheduling_and_the_run_keeps_it(harness: Harness) -> None:
    await restart_with(harness, bot_schedule_interval_seconds=TICK)
    await scheduled(harness, "/vps schedule reboot web-server-01 in 30s", button="Schedule reboot")
    await harness.stop()
    harness.clock.now += 30
    await harness.start()
    await report(harness, "executed: web-server-01")
    assert len(reboots(harness)) == 1


async def test_a_run_missed_while_no_replica_was_up_is_reported(harness: Harness) -> None:
    await restart_with(harness, bot_schedule_interval_seconds=TICK)
    await scheduled(harness, "/vps schedule reboot web-server-01 in 1m", button="Schedule reboot")
    await harness.stop()
    harness.clock.now += 60 + 11 * 60  # eleven minutes late
    await harness.start()
    await report(harness, "missed the run at")
    assert reboots(harness) == []
    assert runs(harness, "missed") == 1


async def test_a_run_a_few_minutes_late_still_runs(harness: Harness) -> None:
    await restart_with(harness, bot_schedule_interval_seconds=TICK)
    await scheduled(harness, "/vps schedule reboot web-server-01 in 1m", button="Schedule reboot")
    await harness.stop()
    harness.clock.now += 60 + 9 * 60  # nine minutes late
    await harness.start()
    await report(harness, "executed: web-server-01")
    assert len(reboots(harness)) == 1


async def test_a_scheduled_plan_chooses_its_servers_again_and_starts_confirmed(
    harness: Harness,
) -> None:
    await restart_with(harness, bot_schedule_interval_seconds=TICK)
    preview = await harness.answer("/vps schedule reboot worker-0* batch:2 in 10s")
    assert "8 servers now" in dump(preview)
    assert "chosen again at each run" in dump(preview)
    await harness.emu.click(preview, text="Schedule reboot")
    await harness.emu.wait_for(lambda: "Scheduled" in dump(preview) or None, what="scheduled")
    harness.clock.now += 10
    ran = await report(harness, "started plan")
    assert "on 8 servers: worker-01, worker-02" in dump(ran)
    assert harness.bot is not None
    [plan] = await harness.bot.services.store.list_plans()
    assert (plan.state, plan.user_id, plan.operation) == ("running", ALICE, "reboot")
    assert plan.options["batch"] == 2
    servers = await harness.bot.services.store.plan_servers(plan.id)
    assert len(servers) == 8


APPROVED = (
    POLICY
    + f"""
approve:
  reboot:
    by: [{{usergroups: [{ONCALL}]}}]
    servers: ["web-*"]
"""
)


async def test_a_schedule_needing_approval_runs_once_approved(harness: Harness) -> None:
    await use_policy(harness, APPROVED, bot_schedule_interval_seconds=TICK)
    preview = await harness.answer("/vps schedule reboot web-server-01 in 1m")
    assert "needs an approval" in dump(preview)
    await harness.emu.click(preview, text="Schedule reboot")
    request = await report(harness, "Approve", OPS_LOG)
    assert "Scheduled" in dump(request)
    assert "reboot web-server-01 in 1m" in dump(request)
    assert (await only(harness)).state == "approval"
    waiting = await harness.answer("/vps approvals", user=BOB)
    assert "Approve" in [b.text for b in waiting.buttons()]
    await harness.emu.click(request, text="Approve", user=BOB)
    await eventually(lambda: _state_is(harness, "active"), "the schedule to be approved")
    harness.clock.now += 60
    await report(harness, "executed: web-server-01")
    assert len(reboots(harness)) == 1


async def test_a_schedule_whose_approval_has_not_come_does_not_run(harness: Harness) -> None:
    await use_policy(harness, APPROVED, bot_schedule_interval_seconds=TICK)
    await scheduled(harness, "/vps schedule reboot web-server-01 in 1m", button="Schedule reboot")
    harness.clock.now += 60
    await report(harness, "its approval had not come")
    assert reboots(harness) == []
    assert runs(harness, "unapproved") == 1


async def test_an_approval_covers_only_the_servers_it_listed(harness: Harness) -> None:
    await use_policy(harness, APPROVED, bot_schedule_interval_seconds=TICK)
    preview = await harness.answer("/vps schedule reboot web-server-0* in 1m")
    await harness.emu.click(preview, text="Schedule reboot")
    request = await report(harness, "Approve", OPS_LOG)
    await harness.emu.click(request, text="Approve", user=BOB)
    await eventually(lambda: _state_is(harness, "active"), "the schedule to be approved")
    harness.sim.add_server("web-server-09")  # matches the glob since, and needs an approval
    harness.clock.now += 60
    said = await report(harness, "did not cover")
    assert "web-server-09" in dump(said)
    assert reboots(harness) == []
    assert runs(harness, "unapproved") == 1


async def test_the_home_tab_lists_your_schedules_with_cancel(harness: Harness) -> None:
    await scheduled(
        harness, "/vps schedule reboot web-server-01 every mon-fri 03:30", button="Schedule reboot"
    )
    home = await home_of(harness, ALICE, where="Your schedules")
    assert "reboot web-server-01 every mon-fri 03:30" in text_of(home)
    others = text_of(await home_of(harness, BOB, where="Your schedules"))
    assert "You have no schedules" in others  # Alice's are hers
    await harness.emu.click(home, text="Cancel", user=ALICE)
    await eventually(lambda: _state_is(harness, "cancelled"), "the schedule to be cancelled")


async def test_scheduling_a_delete_asks_for_the_name(harness: Harness) -> None:
    preview = await harness.answer("/vps schedule delete db-server-01 at 22:00")
    await harness.emu.click(preview, text="Schedule delete")
    form = await harness.emu.wait_for(lambda: harness.emu.modal(ALICE), what="the name form")
    wrong = await harness.emu.submit_view(form, {"schedule_typed": "db-server-02"})
    assert wrong.input_errors
    assert (await only(harness)).state == "preview"
    assert (await harness.emu.submit_view(form, {"schedule_typed": "db-server-01"})).ok
    await eventually(lambda: _state_is(harness, "active"), "the delete to be scheduled")


async def test_scheduling_a_large_plan_under_confirm_asks_for_the_count(harness: Harness) -> None:
    preview = await harness.answer("/vps schedule stop worker-* in 1h")
    assert "11 servers now" in dump(preview)
    await harness.emu.click(preview, text="Schedule stop")
    form = await harness.emu.wait_for(lambda: harness.emu.modal(ALICE), what="the count form")
    wrong = await harness.emu.submit_view(form, {"schedule_typed": "10"})
    assert "Type 11, the number of servers" in str(wrong.input_errors)
    assert (await harness.emu.submit_view(form, {"schedule_typed": "11"})).ok
    await eventually(lambda: _state_is(harness, "active"), "the plan to be scheduled")


async def test_a_recurring_schedule_keeps_its_wall_time_across_the_spring_change(
    harness: Harness,
) -> None:
    """Every day at 03:30 in Rome: 02:30 UTC in winter, 01:30 UTC from 2027-03-28."""
    await restart_with(harness, bot_schedule_interval_seconds=TICK, bot_timezone="Europe/Rome")
    answer = await scheduled(
        harness, "/vps schedule reboot web-server-01 every day 03:30", button="Schedule reboot"
    )
    assert "2027-01-16 03:30 Europe/Rome (02:30 UTC" in dump(answer)
    harness.clock.now = 1_800_066_600.0  # 2027-01-16 02:30 UTC
    await report(harness, "executed: web-server-01")
    harness.clock.now = 1_806_114_600.0  # 2027-03-27 02:30 UTC: the runs between were missed
    await report(harness, "missed the run at 2027-01-17 03:30 Europe/Rome")
    schedule = await only(harness)
    assert schedule.next_run == 1_806_114_600.0 + 23 * 3600  # 2027-03-28 01:30 UTC
    listed = dump(await harness.answer("/vps schedules"))
    assert "2027-03-28 03:30 Europe/Rome (01:30 UTC" in listed


async def test_a_time_that_cannot_be_read_or_a_refused_change_schedules_nothing(
    harness: Harness,
) -> None:
    unread = await harness.answer("/vps schedule reboot web-server-01 at 25:00")
    assert "Cannot read 25:00 as a time. Like at 22:00" in dump(unread)
    forged = await harness.answer("/vps schedule reboot web-server-01 in <!here>")
    assert "as a duration" in dump(forged)
    assert "<!here>" not in forged.text  # what was typed never pings
    refused = await harness.answer("/vps schedule reboot web-server-01 in 1h", channel=GENERAL)
    assert ":lock:" in dump(refused)  # reboots are allowed in #ops only
    assert await schedules(harness) == []
