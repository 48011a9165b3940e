"""What goes wrong around an action never hides it, doubles it, or lets it slip past a check."""

from __future__ import annotations

import pytest

from bot.runner import start_bot
from bot.state import AuditOutcome
from bot.vps import ServerUpdate
from tests.e2e.harness import ALICE, BOB, GENERAL, OPS_LOG, Harness, dump, eventually
from tests.e2e.test_monitor_audit import polls
from tests.e2e.test_notifications import restart_with, thread, top_level


async def test_a_denied_request_makes_no_api_call(harness: Harness) -> None:
    before = len(harness.sim.requests)
    denial = await harness.answer("/vps delete web-server-01", user=BOB, channel=GENERAL)
    assert "You may not *delete*" in dump(denial)
    assert len(harness.sim.requests) == before


async def test_a_state_store_failure_after_the_call_still_reports_it(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert harness.bot is not None
    store = harness.bot.services.store

    async def locked(*_: object, **__: object) -> None:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(store, "add_watch", locked)
    before = harness.seen(ALICE)
    await harness.command("/vps reboot web-server-01")
    result = await harness.new_message(before, user=ALICE, where=lambda m: not m.is_ephemeral)
    assert "is rebooting" in result.text
    await harness.emu.wait_for(lambda: top_level(harness), what="the ops notice")

    async def audited() -> bool:
        return any(e.outcome == AuditOutcome.EXECUTED for e in await store.list_audit())

    await eventually(audited, "the executed reboot in the audit log")


async def test_a_rename_between_prompt_and_click_stops_the_action(harness: Harness) -> None:
    prompt = await harness.answer("/vps stop web-server-01")
    assert harness.bot is not None
    await harness.bot.services.vps.update_server(12345, ServerUpdate(name="prod-db"))
    await harness.emu.click(prompt, text="Stop web-server-01")
    await harness.emu.wait_for(lambda: prompt.edited, what="the prompt to be answered")
    assert "renamed to prod-db" in dump(prompt)
    assert harness.api_calls("POST", "/stop/") == []


async def test_outside_changes_after_a_bot_reboot_are_all_announced(harness: Harness) -> None:
    await restart_with(harness, bot_monitor_interval_seconds=0.02, bot_watch_interval_seconds=0.02)
    await polls(harness, 2)
    await harness.command("/vps reboot web-server-01")
    await harness.emu.wait_for(lambda: top_level(harness), what="the reboot notice")
    harness.clock.now += 61
    notice = top_level(harness)[0]
    await harness.emu.wait_for(lambda: "is active" in notice.text, what="the watch to end")
    await polls(harness, 2)
    harness.sim.set_status(12345, "stopped")
    await harness.emu.wait_for(lambda: len(top_level(harness)) == 2, what="the outside stop")
    harness.sim.set_status(12345, "active")
    await harness.emu.wait_for(lambda: len(top_level(harness)) == 3, what="the outside start")
    assert "is now *active* (was stopped)" in dump(top_level(harness)[2])


async def test_two_replicas_report_a_watch_once(harness: Harness) -> None:
    await restart_with(harness, bot_watch_interval_seconds=0.02)
    await harness.command("/vps reboot web-server-01")
    [notice] = await harness.emu.wait_for(lambda: top_level(harness), what="the notice")
    second = await start_bot(
        harness.settings(), simulator=harness.sim, announce=lambda _: None, clock=harness.clock
    )
    try:
        harness.clock.now += 61
        await harness.emu.wait_for(lambda: thread(harness, notice.ts), what="the report")
        assert harness.bot is not None
        first = harness.bot

        def both_done() -> bool:
            return first.watcher.active == 0 and second.watcher.active == 0

        await harness.emu.wait_for(both_done, what="both replicas to stop following")
        assert len(thread(harness, notice.ts)) == 1
    finally:
        await second.close()
    assert len(harness.emu.messages(OPS_LOG)) == 2  # the notice and its one thread reply
