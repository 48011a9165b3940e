"""A confirmed plan driven by the real bot: batches in order, each after the previous settled;
the failure budget; the progress message and its summary."""

from __future__ import annotations

import itertools

from bot.slack import ids
from tests.e2e.harness import ALICE, OPS, OPS_LOG, Harness, dump
from tests.e2e.plans import (
    WORKERS,
    add_running_plan,
    called,
    listings_after,
    plan_state,
    progress_says,
    wait_for_steps,
)
from tests.e2e.test_notifications import restart_with

REBOOT = 10.0
"""Simulator seconds that see a reboot through (it takes 8)."""


async def test_batches_run_in_order_each_after_the_previous_settled(harness: Harness) -> None:
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    names = ["worker-01", "worker-02", "worker-03", "worker-04"]
    await add_running_plan(harness, names, batch=2)
    await wait_for_steps(harness, {"worker-01": "running", "worker-02": "running"}, "batch 1")
    await listings_after(harness, 5)  # rounds go by while the first batch reboots
    assert called(harness) == [WORKERS["worker-01"], WORKERS["worker-02"]]
    message = await progress_says(harness, "2 running")
    assert "batch 1 of 2" in dump(message)
    assert "2 waiting" in dump(message)

    harness.clock.now += REBOOT
    await wait_for_steps(harness, {"worker-03": "running", "worker-04": "running"}, "batch 2")
    assert called(harness) == [WORKERS[name] for name in names]
    harness.clock.now += REBOOT
    summary = await progress_says(harness, "finished")
    assert "4 done · 0 failed · 0 skipped · 0 not started" in dump(summary)
    assert summary.buttons() == []  # nothing to pause, abort or retry
    assert await plan_state(harness) == "finished"
    # The ops channel has its own copy, edited to the same end.
    ops = await progress_says(harness, "finished", OPS_LOG)
    assert "4 done" in dump(ops)
    entries = await harness.bot.services.store.list_audit(limit=50)  # type: ignore[union-attr]
    lines = [(e.outcome.value, e.server_name) for e in entries if "plan plan-1" in e.detail]
    assert ("started", None) in lines
    assert ("finished", None) in lines
    assert sorted(name for outcome, name in lines if outcome == "executed") == sorted(names)
    audit = dump(await harness.answer("/vps audit"))  # as people read it
    assert "*reboot* — finished in <#C0OPS0001>: plan plan-1: finished: 4 done" in audit
    assert "*worker-04* (#12353) — executed in <#C0OPS0001>: plan plan-1: done, active" in audit


async def test_max_fail_0_stops_at_the_first_failure_and_lets_the_batch_finish(
    harness: Harness,
) -> None:
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    names = ["worker-01", "worker-02", "worker-03", "worker-04"]
    await add_running_plan(harness, names, batch=2, max_fail=0)
    await wait_for_steps(harness, {"worker-01": "running", "worker-02": "running"}, "batch 1")
    harness.sim.set_status(WORKERS["worker-01"], "suspended")  # it lands elsewhere
    await wait_for_steps(harness, {"worker-01": "failed"}, "the failure")
    message = await progress_says(harness, "last failure")
    assert "worker-01" in dump(message)
    assert "suspended" in dump(message)
    harness.clock.now += REBOOT  # the one in flight finishes
    summary = await progress_says(harness, "stopped")
    assert "1 done · 1 failed · 0 skipped · 2 not started" in dump(summary)
    assert called(harness) == [WORKERS["worker-01"], WORKERS["worker-02"]]
    assert [b.action_id for b in summary.buttons()] == [ids.PLAN_RETRY]

    harness.sim.set_status(WORKERS["worker-01"], "active")  # someone looked into it
    await harness.emu.click(summary, action_id=ids.PLAN_RETRY, user=ALICE)
    preview = await harness.emu.wait_for(
        lambda: next(
            (
                m
                for m in harness.emu.messages(OPS, visible_to=ALICE)
                if any(b.action_id == ids.PLAN_CONFIRM for b in m.buttons())
            ),
            None,
        ),
        what="the retry's preview",
    )
    assert preview.ephemeral_to == ALICE
    assert "worker-01" in dump(preview)
    assert "worker-02" not in dump(preview)  # done: not in the new plan
    store = harness.bot.services.store  # type: ignore[union-attr]
    again = [p for p in await store.list_plans(states=["preview"]) if p.id != "plan-1"]
    assert [s.server_name for s in await store.plan_servers(again[0].id)] == ["worker-01"]
    assert again[0].user_id == ALICE


async def test_max_fail_25_percent_tolerates_one_failure_in_four(harness: Harness) -> None:
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    names = ["worker-01", "worker-02", "worker-03", "worker-04"]
    await add_running_plan(harness, names, batch=1, max_fail=25, max_fail_percent=True)
    await wait_for_steps(harness, {"worker-01": "running"}, "the first server")
    harness.sim.set_status(WORKERS["worker-01"], "suspended")
    await wait_for_steps(harness, {"worker-02": "running"}, "the next after one failure")
    harness.clock.now += REBOOT
    await wait_for_steps(harness, {"worker-02": "done", "worker-03": "running"}, "the third")
    harness.sim.set_status(WORKERS["worker-03"], "suspended")  # a second: one too many
    harness.clock.now += REBOOT  # seen once it could have rebooted (as the others took)
    summary = await progress_says(harness, "stopped")
    assert "1 done · 2 failed · 0 skipped · 1 not started" in dump(summary)
    assert WORKERS["worker-04"] not in called(harness)


async def test_progress_edits_are_at_most_one_every_2_seconds_per_message(
    harness: Harness,
) -> None:
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    names = ["worker-01", "worker-02", "worker-03", "worker-04"]
    await add_running_plan(harness, names, batch=1)
    await wait_for_steps(harness, {"worker-01": "running"}, "worker-01 called")
    await listings_after(harness, 20)  # rounds with news: unthrottled, each would edit both
    for name in names:
        await wait_for_steps(harness, {name: "running"}, f"{name} called")
        harness.clock.now += REBOOT
    await progress_says(harness, "finished")
    await progress_says(harness, "finished", OPS_LOG)
    updates = harness.emu.calls("chat.update")
    assert updates, "the messages were never edited"
    by_message: dict[tuple[str, str], list[float]] = {}
    for call in updates:
        key = (str(call.params["channel"]), str(call.params["ts"]))
        by_message.setdefault(key, []).append(call.at)
    assert {channel for channel, _ in by_message} == {OPS, OPS_LOG}
    for times in by_message.values():
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        # At most one edit every 2 s (measured where Slack receives them: give them slack).
        assert all(gap >= 1.0 for gap in gaps), gaps


async def test_the_fleet_monitor_leaves_a_plan_s_changes_to_the_plan(harness: Harness) -> None:
    await restart_with(harness, bot_watch_interval_seconds=0.02, bot_monitor_interval_seconds=0.02)
    await listings_after(harness, 3)  # the monitor's baseline
    await add_running_plan(harness, ["worker-01", "worker-02"], operation="stop", batch=1)
    await wait_for_steps(harness, {"worker-01": "running"}, "the first stop")
    await listings_after(harness, 5)  # the monitor sees it stopping
    harness.clock.now += REBOOT
    await wait_for_steps(harness, {"worker-02": "running"}, "the second stop")
    harness.clock.now += REBOOT
    await progress_says(harness, "finished")
    await listings_after(harness, 5)  # and stopped, after the plan
    notes = [dump(m) for m in harness.emu.messages(OPS_LOG) if "asked by" not in dump(m)]
    assert notes == []  # no "changed outside the bot" for what the plan did
    assert called(harness, "stop") == [WORKERS["worker-01"], WORKERS["worker-02"]]
