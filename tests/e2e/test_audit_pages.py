"""`/vps audit` as a reader meets it: like with like folded, no empty fields, no member able
to push the others' history out of view, and pages further back."""

from __future__ import annotations

import re

from bot.slack import ids
from bot.state import AuditEntry, AuditOutcome
from tests.e2e.harness import ADMIN, ALICE, BOB, CAROL, GENERAL, OPS, Harness, dump
from tests.e2e.test_guardrails import FREEZE, use_policy


async def test_a_freeze_and_a_denial_are_two_lines_each_with_its_server(harness: Harness) -> None:
    await use_policy(harness, FREEZE)  # reboots are frozen today, and allowed only in #ops
    assert "frozen" in dump(await harness.answer("/vps reboot web-server-01"))
    denied = await harness.answer("/vps reboot db-server-01", channel=GENERAL)
    assert "may not" in dump(denied)
    shown = dump(await harness.answer("/vps audit", user=ADMIN))
    assert "*reboot* *web-server-01* (#12345) — frozen in" in shown
    assert "*reboot* *db-server-01* — denied in" in shown  # refused before any lookup
    assert "2 times" not in shown  # a freeze is not a denial, nor one server the other
    assert not re.search(r"\*  —|  ", shown)  # no empty field between two spaces


async def test_repeats_of_the_same_thing_are_one_line_with_a_count(harness: Harness) -> None:
    for _ in range(3):  # unconfirmed stops of one server
        prompt = await harness.answer("/vps stop web-server-01", user=BOB)
        assert prompt.buttons()
    shown = dump(await harness.answer("/vps audit", user=ADMIN))
    assert "*stop* *web-server-01* (#12345) — asked 3 times" in shown


async def test_one_members_prompts_leave_room_for_everyone_elses_history(
    harness: Harness,
) -> None:
    before = harness.seen(ADMIN)
    await harness.command("/vps reboot web-server-01", user=ADMIN)
    await harness.new_message(before, user=ADMIN, where=lambda m: "is rebooting" in m.text)
    assert harness.bot is not None
    fleet = [s.name for s in await harness.bot.services.vps.list_servers()]
    prompts = 0
    for name in fleet:  # prompts never confirmed, each an "asked" line
        prompts += bool((await harness.answer(f"/vps stop {name}", user=BOB)).buttons())
    assert prompts > 20
    shown = dump(await harness.answer("/vps audit", user=ALICE, channel=OPS))
    assert "<@U0ADMIN01> *reboot* *web-server-01*" in shown  # still in view
    assert shown.count("<@U0BOB0001>") == 6  # five lines of Bob's, then one sum of the rest
    assert f"{prompts - 5} more entries" in shown
    assert f"*stop* asked {prompts - 5} times" in shown


async def test_older_pages_go_back_through_the_whole_log(harness: Harness) -> None:
    assert harness.bot is not None
    for i in range(45):  # 45 members, one reboot each, oldest first
        await harness.bot.services.store.record_audit(
            AuditEntry(
                time=harness.clock.now - 1000 + i,
                user_id=f"U0CROWD{i:03d}",
                channel_id=GENERAL,
                action="reboot",
                server_id=12345,
                server_name="web-server-01",
                outcome=AuditOutcome.EXECUTED,
            )
        )
    page = await harness.answer("/vps audit", user=ALICE)
    seen: list[str] = []
    for _ in range(3):
        seen += re.findall(r"<@(U0CROWD\d+)>", dump(page))
        if not any(b.action_id == ids.AUDIT_OLDER for b in page.buttons()):
            break
        before = page.history[-1].at if page.history else None
        await harness.emu.click(page, action_id=ids.AUDIT_OLDER, user=ALICE)
        await harness.emu.wait_for(
            lambda b=before: page.history and page.history[-1].at != b, what="the older page"
        )
    assert seen == [f"U0CROWD{i:03d}" for i in range(44, -1, -1)]  # each once, in order
    assert [b.text for b in page.buttons()] == ["Newest"]  # the last page: nothing older
    await harness.emu.click(page, text="Newest", user=ALICE)
    await harness.emu.wait_for(lambda: "U0CROWD044" in dump(page), what="the newest page")


async def test_an_older_page_is_refused_to_whoever_may_no_longer_read(harness: Harness) -> None:
    policy = f"""
rules:
  "*":
    - users: [{ADMIN}]
  audit:
    - users: [{ALICE}]
"""
    await use_policy(harness, policy)
    assert harness.bot is not None
    for i in range(30):
        await harness.bot.services.store.record_audit(
            AuditEntry(
                time=harness.clock.now - 100 + i,
                user_id=f"U0CROWD{i:03d}",
                channel_id=GENERAL,
                action="reboot",
                server_id=12345,
                server_name="web-server-01",
                outcome=AuditOutcome.EXECUTED,
            )
        )
    page = await harness.answer("/vps audit", user=ALICE)
    await use_policy(harness, policy.replace(ALICE, CAROL))  # Alice may not read it any more
    before = harness.seen(ALICE)
    await harness.emu.click(page, action_id=ids.AUDIT_OLDER, user=ALICE)
    refused = await harness.new_message(before, user=ALICE, where=lambda m: m.is_ephemeral)
    assert "may not" in dump(refused) or "No rule" in dump(refused)
    assert "U0CROWD000" not in dump(page)
