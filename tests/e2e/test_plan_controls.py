"""Steering a running plan: Pause, Resume and Abort on its message; the policy and freezes
checked again just before each server's call (a restart mid-plan in between)."""

from __future__ import annotations

from datetime import datetime

from bot.slack import ids
from tests.e2e.harness import ALICE, BOB, OPS, Harness, dump, eventually
from tests.e2e.plans import (
    WORKERS,
    add_running_plan,
    called,
    listings_after,
    plan_state,
    progress_says,
    steps,
    wait_for_steps,
)
from tests.e2e.test_notifications import restart_with
from tests.e2e.test_plan_run import REBOOT
from tests.plans.test_drive import FROZEN

NAMES = ["worker-01", "worker-02", "worker-03", "worker-04"]


async def note_for(harness: Harness, user: str, text: str) -> None:
    await harness.emu.wait_for(
        lambda: any(text in dump(m) for m in harness.emu.messages(OPS, visible_to=user)),
        what=f"{user} told {text!r}",
    )


async def test_pause_holds_the_next_batch_until_resume(harness: Harness) -> None:
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    await add_running_plan(harness, NAMES, batch=2)
    await wait_for_steps(harness, {"worker-01": "running", "worker-02": "running"}, "batch 1")
    message = await progress_says(harness, "batch 1 of 2")
    await harness.emu.click(message, action_id=ids.PLAN_PAUSE, user=ALICE)
    await note_for(harness, ALICE, "Paused")
    harness.clock.now += REBOOT  # the batch under way finishes; the next waits
    await wait_for_steps(harness, {"worker-01": "done", "worker-02": "done"}, "batch 1 done")
    await listings_after(harness, 0)
    paused = await progress_says(harness, "paused")
    assert "2 done" in dump(paused)
    assert await plan_state(harness) == "paused"
    assert len(called(harness)) == 2

    await harness.emu.click(paused, action_id=ids.PLAN_RESUME, user=ALICE)
    await wait_for_steps(harness, {"worker-03": "running", "worker-04": "running"}, "batch 2")
    harness.clock.now += REBOOT
    summary = await progress_says(harness, "finished")
    assert "4 done" in dump(summary)
    entries = await harness.bot.services.store.list_audit(limit=50)  # type: ignore[union-attr]
    outcomes = [e.outcome.value for e in entries if e.user_id == ALICE and not e.server_name]
    assert {"started", "paused", "resumed", "finished"} <= set(outcomes)


ALICE_ONLY = f"""
rules:
  reboot:
    - users: [{ALICE}]
      channels: [{OPS}]
"""


async def test_abort_starts_nothing_more_and_lets_the_batch_under_way_finish(
    harness: Harness,
) -> None:
    (harness.tmp / "policy.yml").write_text(ALICE_ONLY)
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    await add_running_plan(harness, NAMES, batch=2)
    await wait_for_steps(harness, {"worker-01": "running", "worker-02": "running"}, "batch 1")
    message = await progress_says(harness, "batch 1 of 2")
    # Bob may not reboot these servers in #ops: the buttons are not his to click.
    await harness.emu.click(message, action_id=ids.PLAN_ABORT, user=BOB)
    await note_for(harness, BOB, "Only whoever asked for this plan")
    assert await plan_state(harness) == "running"
    await harness.emu.click(message, action_id=ids.PLAN_ABORT, user=ALICE)
    await note_for(harness, ALICE, "Aborted")
    harness.clock.now += REBOOT
    summary = await progress_says(harness, "aborted")
    assert "2 done · 0 failed · 0 skipped · 2 not started" in dump(summary)
    assert called(harness) == [WORKERS["worker-01"], WORKERS["worker-02"]]
    assert (await steps(harness))["worker-03"] == "waiting"


POLICY_WORKERS = f"""
rules:
  reboot:
    - channels: [{OPS}]
      servers: [{{servers}}]
"""


async def test_a_server_no_longer_allowed_when_its_turn_comes_is_skipped_as_denied(
    harness: Harness,
) -> None:
    policy = harness.tmp / "policy.yml"
    policy.write_text(POLICY_WORKERS.format(servers='"worker-*"'))
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    await add_running_plan(harness, NAMES, batch=2)
    await wait_for_steps(harness, {"worker-01": "running", "worker-02": "running"}, "batch 1")
    # The policy changes (a restart reads it): worker-04 is no longer allowed.
    policy.write_text(POLICY_WORKERS.format(servers='"worker-01", "worker-02", "worker-03"'))
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    harness.clock.now += REBOOT
    await wait_for_steps(harness, {"worker-03": "running", "worker-04": "skipped"}, "batch 2")
    harness.clock.now += REBOOT
    summary = await progress_says(harness, "finished")
    assert "3 done · 0 failed · 1 skipped · 0 not started" in dump(summary)
    assert WORKERS["worker-04"] not in called(harness)
    assert called(harness).count(WORKERS["worker-01"]) == 1  # not called again after restart
    entries = await harness.bot.services.store.list_audit("worker-04")  # type: ignore[union-attr]
    assert [(e.outcome.value, e.detail) for e in entries] == [
        ("skipped", "plan plan-1: skipped, denied by the policy")
    ]


async def test_a_freeze_that_begins_mid_plan_pauses_it_saying_why(harness: Harness) -> None:
    (harness.tmp / "policy.yml").write_text(FROZEN)
    harness.clock.now = datetime.fromisoformat("2027-01-14T23:59:00+00:00").timestamp()
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    await add_running_plan(harness, NAMES, batch=2)
    await wait_for_steps(harness, {"worker-01": "running", "worker-02": "running"}, "batch 1")
    harness.clock.now += 120  # the reboots are over, and the freeze has begun
    paused = await progress_says(harness, "paused")
    assert "release day" in dump(paused)
    assert await plan_state(harness) == "paused"
    assert len(called(harness)) == 2
    assert (await steps(harness))["worker-03"] == "waiting"

    harness.clock.now = datetime.fromisoformat("2027-01-16T00:01:00+00:00").timestamp()
    await harness.emu.click(paused, action_id=ids.PLAN_RESUME, user=ALICE)

    async def finished() -> bool:
        return await plan_state(harness) == "finished"

    await wait_for_steps(harness, {"worker-03": "running"}, "batch 2 after the freeze")
    harness.clock.now += 120  # as long as the first batch seemed to take
    await eventually(finished, "the plan's end")
