"""The App Home tab, end to end: opened through the emulator's app_home_opened event, published
with views.publish, clicked like any message."""

from __future__ import annotations

import json

from bot.slack import ids
from slackemu import View
from tests.e2e.harness import ADMIN, ALICE, BOB, CAROL, Harness, eventually
from tests.e2e.plans import add_running_plan, called, plan_state, wait_for_steps
from tests.e2e.test_guardrails import APPROVALS, use_policy
from tests.e2e.test_notifications import restart_with
from tests.e2e.test_plan_run import REBOOT
from tests.e2e.test_plans_front import ask_for_approval

HIDDEN = f"""
rules:
  "*":
    - users: [{ADMIN}]
  list:
    - users: [{ADMIN}]
    - users: [{CAROL}]
      servers: ["web-*"]
  show:
    - users: [{ADMIN}]
  audit:
    - users: [{ADMIN}]
    - users: [{CAROL}]
      servers: ["web-*"]
  reboot:
    - users: [{ALICE}]
"""


def text_of(view: View) -> str:
    return json.dumps(view.blocks, ensure_ascii=False)


async def home_of(harness: Harness, user: str, *, where: str = "") -> View:
    """Open `user`'s Home tab and wait until it is published (showing `where`, if given)."""
    assert (await harness.emu.open_home(user)).ok
    return await harness.emu.wait_for(
        lambda: (home := harness.emu.home(user)) is not None and where in text_of(home) and home,
        what=f"the Home tab of {user}",
    )


async def test_an_approver_approves_from_the_home_tab_and_it_runs_once(harness: Harness) -> None:
    await use_policy(harness, APPROVALS)
    assert harness.bot is not None
    harness.bot.services.home.every = 0.2  # refreshes as soon as they may
    await harness.answer("/vps reboot db-server-01")  # needs Carol's approval
    home = await home_of(harness, CAROL, where="Approvals you may decide")
    assert "db-server-01" in text_of(home)
    assert [b.text for b in home.buttons()] == ["Approve", "Reject"]
    alice = await home_of(harness, ALICE, where="waiting for approval")
    assert "db-server-01" in text_of(alice)
    assert not alice.buttons()  # her own: no buttons

    assert (await harness.emu.click(home, text="Approve", user=CAROL)).ok
    await harness.emu.wait_for(lambda: harness.api_calls("POST", "/reboot/"), what="the reboot")
    # The tab is refreshed without the request; a second click (a stale tab) does nothing more.
    stale = View(home.id, home.user, None, home.history[-1] if home.history else home.payload)
    await harness.emu.wait_for(
        lambda: "Nothing waits for your decision" in text_of(home), what="the refreshed tab"
    )
    harness.emu.world.homes[CAROL] = stale
    assert (await harness.emu.click(stale, text="Approve", user=CAROL)).ok

    async def told_once() -> bool:
        dm = harness.emu.messages(f"D{CAROL[1:]}")
        return any("Already approved" in m.all_text() for m in dm)

    await eventually(told_once, "the second click to be told it was decided")
    assert len(harness.api_calls("POST", "/reboot/")) == 1


async def test_a_viewer_whose_read_rules_hide_servers_sees_none(harness: Harness) -> None:
    await use_policy(harness, HIDDEN)
    await harness.answer("/vps reboot web-server-01")  # something in the audit log
    await harness.answer("/vps reboot db-server-01")
    bob = text_of(await home_of(harness, BOB, where="Running plans"))
    for hidden in ("server-0", "fleet at a glance", "Latest changes", "12345"):
        assert hidden not in bob
    carol = text_of(await home_of(harness, CAROL, where="Latest changes"))
    assert "web-server-01" in carol
    assert "db-server" not in carol  # list and audit let her see web-* only
    admin = text_of(await home_of(harness, ADMIN, where="Latest changes"))
    assert "db-server-01" in admin


WORKERS_CAROL = f"""
rules:
  reboot:
    - users: [{ALICE}]
    - users: [{CAROL}]
      servers: ["worker-*"]
"""


async def test_a_viewer_who_may_control_a_plan_pauses_it_from_the_home_tab(
    harness: Harness,
) -> None:
    (harness.tmp / "policy.yml").write_text(WORKERS_CAROL)
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    assert harness.bot is not None
    harness.bot.services.home.every = 0.2  # refreshes as soon as they may
    await add_running_plan(harness, ["worker-01", "worker-02", "worker-03", "worker-04"], batch=2)
    await wait_for_steps(harness, {"worker-01": "running", "worker-02": "running"}, "batch 1")

    # Bob may not reboot these servers: the plan is not his to see or steer.
    bob = await home_of(harness, BOB, where="Running plans")
    assert "No plan you may control is running." in text_of(bob)
    assert not bob.buttons()
    carol = await home_of(harness, CAROL, where="plan-1")
    assert "running, 0 of 4 done" in text_of(carol)
    assert [(b.text, b.action_id) for b in carol.buttons()] == [
        ("Pause", ids.PLAN_PAUSE),
        ("Abort", ids.PLAN_ABORT),
    ]

    stale = View(carol.id, carol.user, None, carol.payload)  # the tab as clicked
    assert (await harness.emu.click(carol, text="Pause", user=CAROL)).ok
    await eventually(lambda: _is(harness, "paused"), "the plan paused")
    # Her tab shows it paused, with Resume in place of Pause.
    await harness.emu.wait_for(
        lambda: "paused" in text_of(carol) and _labels(carol) == ["Resume", "Abort"],
        what="the refreshed tab",
    )
    harness.clock.now += REBOOT  # the batch under way finishes; the next does not start
    await wait_for_steps(harness, {"worker-01": "done", "worker-02": "done"}, "batch 1 done")
    # Shown once the driver's step that settled them is over: a running plan would have
    # started its next batch in that very step.
    await harness.emu.wait_for(lambda: "paused, 2 of 4 done" in text_of(carol), what="2 done")
    assert len(called(harness)) == 2
    assert await plan_state(harness) == "paused"

    # A second click on the tab as it was (another replica, a stale tab) does nothing more.
    harness.emu.world.homes[CAROL] = stale
    assert (await harness.emu.click(stale, text="Pause", user=CAROL)).ok

    async def told() -> bool:
        dm = harness.emu.messages(f"D{CAROL[1:]}")
        return any("Nothing to do: the plan is paused now." in m.all_text() for m in dm)

    await eventually(told, "the second click to be told the plan is paused already")
    assert await plan_state(harness) == "paused"
    entries = await harness.bot.services.store.list_audit(limit=50)
    assert [e.user_id for e in entries if e.outcome.value == "paused"] == [CAROL]


async def _is(harness: Harness, state: str) -> bool:
    return await plan_state(harness) == state


def _labels(view: View) -> list[str]:
    return [b.text for b in view.buttons()]


async def test_a_plans_approval_is_on_the_home_tab_of_who_may_decide_it(
    harness: Harness,
) -> None:
    await ask_for_approval(harness)  # worker-10 … 12 need Carol's approval: the whole plan does
    home = await home_of(harness, CAROL, where="Approvals you may decide")
    assert "Approve" in [b.text for b in home.buttons()]
    bob = await home_of(harness, BOB)
    assert "Approve" not in [b.text for b in bob.buttons()]
