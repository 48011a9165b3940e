"""The fleet monitor announces outside changes once; the audit log records every outcome."""

from __future__ import annotations

import pytest

from bot.state import AuditEntry, AuditOutcome
from tests.e2e.harness import ALICE, BOB, GENERAL, OPS_LOG, Harness, dump, eventually
from tests.e2e.test_notifications import restart_with


def lists(harness: Harness) -> int:
    return len(harness.api_calls("GET", "/servers/"))


async def polls(harness: Harness, count: int) -> None:
    """Wait until the monitor has listed the fleet `count` more times."""
    start = lists(harness)
    await harness.emu.wait_for(
        lambda: lists(harness) >= start + count, what=f"{count} monitor polls"
    )


async def test_monitor_baseline_changes_no_duplicates_no_reannouncement(
    harness: Harness,
) -> None:
    await restart_with(harness, bot_monitor_interval_seconds=0.02)
    await polls(harness, 3)
    assert harness.emu.messages(OPS_LOG) == []  # the first poll is a baseline

    harness.sim.set_status(12346, "suspended")
    added = harness.sim.add_server("cache-new-01")
    harness.sim.remove_server(12347)
    await harness.emu.wait_for(lambda: len(harness.emu.messages(OPS_LOG)) >= 3, what="3 notes")
    await polls(harness, 3)
    notes = [dump(m) for m in harness.emu.messages(OPS_LOG)]
    assert len(notes) == 3
    assert any("*db-server-01* (#12346) is now *suspended* (was active)" in n for n in notes)
    assert any(f"cache-new-01* (#{added['id']}) appeared" in n for n in notes)
    assert any("#12347) disappeared" in n for n in notes)

    await harness.stop()
    await harness.start()
    await polls(harness, 3)
    assert len(harness.emu.messages(OPS_LOG)) == 3


async def test_a_change_being_posted_when_the_bot_stops_is_posted_once(harness: Harness) -> None:
    await restart_with(harness, bot_monitor_interval_seconds=0.02)
    await polls(harness, 2)
    harness.emu.inject_rate_limit("chat.postMessage", times=1, retry_after=1)
    harness.sim.set_status(12346, "suspended")
    await harness.emu.wait_for(
        lambda: [c for c in harness.emu.calls("chat.postMessage") if c.status == 429],
        what="the change notice held back by Slack",
    )
    await harness.stop()  # a deploy while the notice waits: it goes out, and is remembered
    assert ["suspended" in m.text for m in harness.emu.messages(OPS_LOG)] == [True]
    await harness.start()
    await polls(harness, 3)
    assert ["suspended" in m.text for m in harness.emu.messages(OPS_LOG)] == [True]


async def test_changes_made_through_the_bot_are_not_announced_twice(harness: Harness) -> None:
    await restart_with(harness, bot_monitor_interval_seconds=0.02, bot_watch_interval_seconds=0.02)
    await polls(harness, 2)
    await harness.command("/vps reboot web-server-01")
    await harness.emu.wait_for(lambda: harness.emu.messages(OPS_LOG), what="the change notice")
    harness.clock.now += 61
    notice = harness.emu.messages(OPS_LOG)[0]
    await harness.emu.wait_for(lambda: "is active" in notice.text, what="the watch to end")
    harness.sim.set_status(12345, "stopped")  # an outside change afterwards is still seen
    await harness.emu.wait_for(
        lambda: any("is now" in m.text for m in harness.emu.messages(OPS_LOG)),
        what="the outside change",
    )
    await polls(harness, 3)
    outside = [m for m in harness.emu.messages(OPS_LOG) if "is now" in m.text]
    assert len(outside) == 1
    assert "stopped" in outside[0].text


# The steps of a request without guardrails (tests/e2e/test_guardrails.py has the others).
BASIC = {
    AuditOutcome.ASKED,
    AuditOutcome.DENIED,
    AuditOutcome.CONFIRMED,
    AuditOutcome.CANCELLED,
    AuditOutcome.EXPIRED,
    AuditOutcome.EXECUTED,
    AuditOutcome.FAILED,
}


async def listed_mid_write(harness: Harness, monkeypatch: pytest.MonkeyPatch, action: str) -> None:
    """Have the monitor list the fleet right after the API call of `action`, before the bot has
    stored what follows it (its watch, its expectations): the moment a race would show."""
    assert harness.bot is not None
    store = harness.bot.services.store
    record = store.record_audit

    async def listed_first(entry: AuditEntry) -> None:
        if entry.outcome is AuditOutcome.EXECUTED and entry.action == action:
            await polls(harness, 2)
        await record(entry)

    monkeypatch.setattr(store, "record_audit", listed_first)


async def test_a_delete_listed_right_after_its_call_is_not_announced(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await restart_with(harness, bot_monitor_interval_seconds=0.02)
    await polls(harness, 2)  # the baseline
    await listed_mid_write(harness, monkeypatch, "delete")
    prompt = await harness.answer("/vps delete db-server-01")
    await harness.emu.click(prompt, text="Delete db-server-01")
    modal = await harness.emu.wait_for(lambda: harness.emu.modal(ALICE), what="the delete form")
    await harness.emu.submit_view(modal, {"delete_name": "db-server-01"})
    await harness.emu.wait_for(lambda: harness.ops_log(), what="the delete's notice")
    await polls(harness, 3)
    assert [m.text for m in harness.emu.messages(OPS_LOG) if "disappeared" in m.text] == []


async def test_a_create_listed_while_it_provisions_is_not_announced(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await restart_with(harness, bot_monitor_interval_seconds=0.02, bot_watch_interval_seconds=0.02)
    await polls(harness, 2)  # the baseline
    await listed_mid_write(harness, monkeypatch, "create")
    await harness.command("/vps create api-new-09 plan:1 os:5 location:us-west")
    notice = await harness.emu.wait_for(lambda: harness.ops_log(), what="the create's notice")
    harness.clock.now += 161  # provisioning ends
    await harness.emu.wait_for(lambda: "is active" in notice[0].text, what="the follow-up")
    await polls(harness, 3)
    assert [m.text for m in harness.emu.messages(OPS_LOG) if "appeared" in m.text] == []
    harness.sim.add_server("cache-outside-01", status="provisioning")  # made elsewhere
    await polls(harness, 2)
    assert not [m for m in harness.emu.messages(OPS_LOG) if "cache-outside-01" in m.text]
    harness.clock.now += 161
    await harness.emu.wait_for(
        lambda: [m for m in harness.emu.messages(OPS_LOG) if "cache-outside-01" in m.text],
        what="the outside create, once it settled",
    )


async def test_every_outcome_is_audited(harness: Harness) -> None:
    # denied
    await harness.answer("/vps delete web-server-01", user=BOB, channel=GENERAL)
    # asked + cancelled
    prompt = await harness.answer("/vps stop web-server-01")
    await harness.emu.click(prompt, text="Cancel")
    await harness.emu.wait_for(lambda: prompt.edited, what="the cancel")
    # asked + expired
    prompt = await harness.answer("/vps stop web-server-01")
    harness.clock.now += 400
    await harness.emu.click(prompt, text="Stop web-server-01")
    await harness.emu.wait_for(lambda: prompt.edited, what="the expiry")
    # asked + confirmed + executed
    prompt = await harness.answer("/vps stop web-server-01")
    before = harness.seen(ALICE)
    await harness.emu.click(prompt, text="Stop web-server-01")
    await harness.new_message(before, user=ALICE, where=lambda m: not m.is_ephemeral)
    # failed
    harness.sim.inject_failure(500, method="POST")
    before = harness.seen(ALICE)
    await harness.command("/vps reboot db-server-01")
    await harness.new_message(before, user=ALICE, where=lambda m: "Couldn't" in m.text)

    assert harness.bot is not None
    store = harness.bot.services.store

    async def all_recorded() -> bool:
        return {e.outcome for e in await store.list_audit(limit=100)} >= BASIC

    await eventually(all_recorded, "every outcome in the audit log")
    entries = await store.list_audit(limit=100)
    denied = next(e for e in entries if e.outcome == AuditOutcome.DENIED)
    assert denied.user_id in (BOB, ALICE)
    shown = dump(await harness.answer("/vps audit"))
    for outcome in BASIC:
        assert str(outcome) in shown


async def test_old_audit_entries_are_pruned(harness: Harness) -> None:
    await harness.answer("/vps delete web-server-01", user=BOB, channel=GENERAL)  # one entry
    assert harness.bot is not None
    assert len(await harness.bot.services.store.list_audit()) == 1
    harness.clock.now += 91 * 86400  # past BOT_AUDIT_RETENTION_DAYS (90)
    await harness.stop()
    await harness.start()  # housekeeping runs at start
    assert harness.bot is not None
    store = harness.bot.services.store

    async def pruned() -> bool:
        return await store.list_audit() == []

    await eventually(pruned, "housekeeping to prune the old entry")
