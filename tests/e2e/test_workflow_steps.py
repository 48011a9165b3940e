"""Workflow Builder steps, end to end: the emulator sends function_executed with a workflow
token; the bot completes (or fails) the execution through functions.completeSuccess/Error."""

from __future__ import annotations

from slackemu import FunctionExecution, Message
from tests.e2e.harness import ALICE, BOB, CAROL, GENERAL, OPS, Harness, dump
from tests.e2e.test_guardrails import APPROVALS, reject_as, use_policy
from tests.e2e.test_notifications import restart_with, top_level

DM = f"D{ALICE[1:]}"


async def settled(harness: Harness, execution: FunctionExecution) -> FunctionExecution:
    await harness.emu.wait_for(lambda: execution.state != "running", what="the step to end")
    return execution


async def confirm_in_dm(harness: Harness, text: str) -> None:
    """The step's person confirms the prompt the bot sent them in a direct message."""
    prompt = await harness.emu.wait_for(
        lambda: [m for m in harness.emu.messages(DM) if m.buttons()], what="the DM prompt"
    )
    assert harness.api_calls("POST") == []  # nothing before their click
    assert (await harness.emu.click(prompt[0], text=text, user=ALICE)).ok


async def test_a_step_reboots_a_server_and_completes_with_its_status(harness: Harness) -> None:
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    inputs = {"server": "web-server-01", "user_id": ALICE, "channel_id": OPS}
    execution = await harness.emu.run_step("reboot_server", inputs)
    # The workflow's builder named the person: a change waits for that person's own click.
    await confirm_in_dm(harness, "Reboot web-server-01")
    await harness.emu.wait_for(lambda: harness.api_calls("POST", "/reboot/"), what="the reboot")
    assert execution.state == "running"  # not before the server is up again
    harness.clock.now += 61  # the simulator finishes the reboot
    await settled(harness, execution)
    assert execution.state == "completed", execution.error
    assert execution.outputs == {"server_id": 12345, "name": "web-server-01", "status": "active"}
    assert len(harness.api_calls("POST", "/reboot/")) == 1


async def test_a_step_for_a_member_the_policy_refuses_fails_with_the_reason(
    harness: Harness,
) -> None:
    inputs = {"server": "web-server-01", "user_id": BOB, "channel_id": GENERAL}
    execution = await settled(harness, await harness.emu.run_step("reboot_server", inputs))
    assert execution.state == "failed"
    assert execution.error is not None
    assert "reboot" in execution.error.lower()
    assert "#ops" in execution.error or "C0OPS0001" in execution.error  # the rule that would
    assert harness.api_calls("POST", "/reboot/") == []


async def test_a_step_without_its_channel_is_refused_by_a_channel_rule(harness: Harness) -> None:
    inputs = {"server": "web-server-01", "user_id": ALICE}
    execution = await settled(harness, await harness.emu.run_step("reboot_server", inputs))
    assert execution.state == "failed"
    assert harness.api_calls("POST", "/reboot/") == []


async def test_a_step_needing_confirmation_completes_only_once_confirmed(
    harness: Harness,
) -> None:
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    inputs = {"server": "web-server-01", "user_id": ALICE, "channel_id": OPS}
    execution = await harness.emu.run_step("stop_server", inputs)
    prompt = await harness.emu.wait_for(
        lambda: [m for m in harness.emu.messages(DM) if m.buttons()], what="the DM prompt"
    )
    assert "Stop web-server-01" in dump(prompt[0])
    assert execution.state == "running"
    assert harness.api_calls("POST", "/stop/") == []
    assert (await harness.emu.click(prompt[0], text="Stop web-server-01", user=ALICE)).ok
    await harness.emu.wait_for(lambda: harness.api_calls("POST", "/stop/"), what="the stop")
    harness.clock.now += 61
    await settled(harness, execution)
    assert execution.state == "completed", execution.error
    assert execution.outputs["status"] == "stopped"
    assert len(harness.api_calls("POST", "/stop/")) == 1


async def test_a_cancelled_prompt_fails_the_step(harness: Harness) -> None:
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    inputs = {"server": "web-server-01", "user_id": ALICE, "channel_id": OPS}
    execution = await harness.emu.run_step("stop_server", inputs)
    prompt = await harness.emu.wait_for(
        lambda: [m for m in harness.emu.messages(DM) if m.buttons()], what="the DM prompt"
    )
    assert (await harness.emu.click(prompt[0], text="Cancel", user=ALICE)).ok
    await settled(harness, execution)
    assert execution.state == "failed"
    assert "Cancelled" in (execution.error or "")
    assert harness.api_calls("POST", "/stop/") == []


async def test_the_same_execution_sent_again_asks_once(harness: Harness) -> None:
    inputs = {"server": "web-server-01", "user_id": ALICE, "channel_id": OPS}
    execution = await harness.emu.run_step("stop_server", inputs)
    await harness.emu.wait_for(
        lambda: [m for m in harness.emu.messages(DM) if m.buttons()], what="the DM prompt"
    )
    await harness.emu.send_event(  # Slack retrying the event it had sent
        {"type": "function_executed", "function_execution_id": execution.id, "inputs": inputs,
         "function": {"callback_id": "stop_server"}, "bot_access_token": execution.token}
    )  # fmt: skip
    await harness.emu.send_event({"type": "app_home_opened", "user": ALICE, "tab": "home"})
    await harness.emu.wait_for(lambda: harness.emu.home(ALICE), what="a later event handled")
    assert len([m for m in harness.emu.messages(DM) if m.buttons()]) == 1


async def test_the_status_step_gives_status_and_ip(harness: Harness) -> None:
    inputs = {"server": "#12345", "user_id": ALICE}
    execution = await settled(harness, await harness.emu.run_step("server_status", inputs))
    assert execution.state == "completed", execution.error
    assert execution.outputs["name"] == "web-server-01"
    assert execution.outputs["status"] == "active"
    assert execution.outputs["ip"]


async def approval_request(harness: Harness) -> Message:
    [request] = await harness.emu.wait_for(lambda: top_level(harness), what="the request")
    assert "Approval needed" in dump(request)
    return request


async def test_a_step_needing_approval_waits_for_it(harness: Harness) -> None:
    await use_policy(harness, APPROVALS, bot_watch_interval_seconds=0.02)
    inputs = {"server": "db-server-01", "user_id": ALICE, "channel_id": OPS}
    execution = await harness.emu.run_step("reboot_server", inputs)
    await confirm_in_dm(harness, "Reboot db-server-01")
    request = await approval_request(harness)
    assert execution.state == "running"
    assert harness.api_calls("POST", "/reboot/") == []
    assert (await harness.emu.click(request, text="Approve", user=CAROL)).ok
    await harness.emu.wait_for(lambda: harness.api_calls("POST", "/reboot/"), what="the reboot")
    harness.clock.now += 61
    await settled(harness, execution)
    assert execution.state == "completed", execution.error
    assert execution.outputs["name"] == "db-server-01"


async def test_a_rejected_step_fails_saying_who_rejected_it(harness: Harness) -> None:
    await use_policy(harness, APPROVALS, bot_watch_interval_seconds=0.02)
    inputs = {"server": "db-server-01", "user_id": ALICE, "channel_id": OPS}
    execution = await harness.emu.run_step("reboot_server", inputs)
    await confirm_in_dm(harness, "Reboot db-server-01")
    await reject_as(harness, await approval_request(harness), CAROL, "not now")
    await settled(harness, execution)
    assert execution.state == "failed"
    assert f"Rejected by <@{CAROL}>" in (execution.error or "")
    assert harness.api_calls("POST", "/reboot/") == []


async def test_a_step_failing_at_the_api_fails_with_the_api_s_reason(harness: Harness) -> None:
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    harness.sim.inject_failure(
        409, method="POST", path_suffix="/reboot/", body={"detail": "Server is locked for backup"}
    )
    inputs = {"server": "web-server-01", "user_id": ALICE, "channel_id": OPS}
    execution = await harness.emu.run_step("reboot_server", inputs)
    await confirm_in_dm(harness, "Reboot web-server-01")
    await settled(harness, execution)
    assert execution.state == "failed"
    assert "web-server-01" in (execution.error or "")
    assert "locked for backup" in (execution.error or "")
    assert len(harness.api_calls("POST", "/reboot/")) == 1
