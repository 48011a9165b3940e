"""The two-person rule where it could give way: a rename out of protection, a failed record,
a withdrawal, the write limit, a freeze or a policy change while a request waits."""

from __future__ import annotations

import pytest

from bot.state import AuditEntry, AuditOutcome, StateStoreUnavailable
from tests.e2e.harness import ADMIN, ALICE, BOB, CAROL, ONCALL, OPS, Harness, dump
from tests.e2e.test_guardrails import (
    APPROVALS,
    click_as,
    outcomes,
    request_delete,
    requester_told,
    use_policy,
)
from tests.e2e.test_notifications import top_level

RENAMES = f"""
rules:
  "*":
    - users: [{ADMIN}]
  update:
    - channels: [{OPS}]
  delete:
    - users: [{ALICE}]
      channels: [{OPS}]
approve:
  delete:
    by: [{{usergroups: [{ONCALL}]}}]
    servers: ["db-*"]
"""


async def test_renaming_a_protected_server_needs_its_approval(harness: Harness) -> None:
    await use_policy(harness, RENAMES)
    await harness.command("/vps rename db-server-01 scratch-01")
    [request] = await harness.emu.wait_for(lambda: top_level(harness), what="the request")
    assert "Approval needed" in dump(request)
    assert harness.api_calls("PATCH") == []
    # A rename that stays outside every protected glob runs at once.
    before = harness.seen(ALICE)
    await harness.command("/vps rename worker-01 worker-old")
    await harness.new_message(before, user=ALICE, where=lambda m: "worker-old" in dump(m))
    assert len(harness.api_calls("PATCH")) == 1
    # So does one that keeps the server inside them: it stays protected.
    before = harness.seen(ALICE)
    harness.sim.add_server("db-server-77")
    await harness.command("/vps rename db-server-77 db-old-77")
    await harness.new_message(before, user=ALICE, where=lambda m: "db-old-77" in dump(m))
    assert len(harness.api_calls("PATCH")) == 2
    asked = [m for m in top_level(harness) if "Approval needed" in dump(m)]
    assert len(asked) == 1  # the one request, for the rename out of protection


async def test_a_protected_server_deleted_while_its_rename_waits_is_not_done(
    harness: Harness,
) -> None:
    await use_policy(harness, RENAMES)
    await harness.command("/vps rename db-server-01 scratch-01")
    [request] = await harness.emu.wait_for(lambda: top_level(harness), what="the request")
    harness.sim.remove_server(12346)  # deleted elsewhere meanwhile
    outsider = await click_as(harness, request, "Approve", CAROL)
    assert "may not decide" in dump(outsider)  # the rule's approvers still decide it
    await harness.emu.click(request, text="Approve", user=BOB)
    await harness.emu.wait_for(lambda: "Not done" in dump(request), what="the outcome")
    assert "no longer exists" in dump(request)
    assert harness.api_calls("PATCH") == []


async def test_a_request_that_cannot_be_recorded_is_not_left_open(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await use_policy(harness, APPROVALS)
    assert harness.bot is not None
    store = harness.bot.services.store
    record = store.record_audit

    async def failing(entry: AuditEntry) -> None:
        if entry.outcome is AuditOutcome.REQUESTED:
            raise StateStoreUnavailable("database is locked")
        await record(entry)

    monkeypatch.setattr(store, "record_audit", failing)
    prompt = await harness.answer("/vps delete db-server-01")
    await harness.emu.click(prompt, text="Delete db-server-01")
    modal = await harness.emu.wait_for(lambda: harness.emu.modal(ALICE), what="the delete form")
    before = harness.seen(ALICE)
    await harness.emu.submit_view(modal, {"delete_name": "db-server-01"})
    told = await harness.new_message(before, user=ALICE, where=lambda m: "unavailable" in m.text)
    assert "nothing was done" in dump(told)
    assert await store.list_approvals() == []
    assert top_level(harness) == []


async def test_the_requester_can_withdraw_their_request(harness: Harness) -> None:
    await use_policy(harness, APPROVALS)
    request = await request_delete(harness)
    await harness.emu.click(request, text="Reject", user=ALICE)
    await harness.emu.wait_for(lambda: "Withdrawn by" in dump(request), what="the withdrawal")
    late = await click_as(harness, request, "Approve", BOB) if request.buttons() else None
    assert late is None  # no buttons are left to click
    assert harness.api_calls("DELETE") == []


LIMITED_APPROVALS = f"""
rules:
  "*":
    - users: [{ADMIN}]
  reboot:
    - channels: [{OPS}]
approve:
  reboot:
    by: [{{users: [{CAROL}]}}]
    servers: ["db-*"]
limits:
  writes: {{per_user: 1, window: 10m}}
"""


async def test_an_approval_waits_for_the_requesters_write_limit(harness: Harness) -> None:
    await use_policy(harness, LIMITED_APPROVALS)
    await harness.command("/vps reboot db-server-01")
    [request] = await harness.emu.wait_for(lambda: top_level(harness), what="the request")
    before = harness.seen(ALICE)
    await harness.command("/vps reboot web-server-01")  # uses Alice's one write
    await harness.new_message(before, user=ALICE, where=lambda m: "is rebooting" in m.text)
    before = harness.seen(CAROL)
    await harness.emu.click(request, text="Approve", user=CAROL)
    told = await harness.new_message(before, user=CAROL, where=lambda m: m.is_ephemeral)
    assert "Not now" in dump(told)
    assert "stays open" in dump(told)
    assert "Approval needed" in dump(request)  # not used up
    assert len(harness.api_calls("POST", "/reboot/")) == 1
    assert harness.bot is not None
    held = [
        e
        for e in await harness.bot.services.store.list_audit(limit=50)
        if e.outcome is AuditOutcome.LIMITED
    ]
    assert [(e.user_id, e.server_name) for e in held] == [(ALICE, "db-server-01")]
    assert f"approved by {CAROL}" in held[0].detail
    harness.clock.now += 601
    await harness.emu.click(request, text="Approve", user=CAROL)
    await harness.emu.wait_for(
        lambda: len(harness.api_calls("POST", "/reboot/")) == 2, what="the approved reboot"
    )


FROZEN_LATER = (
    APPROVALS
    + """
freeze:
  - start: "2027-01-15T08:05:00+00:00"
    end: "2027-01-15T10:00:00+00:00"
    reason: "release"
"""
)


async def test_a_freeze_that_starts_while_it_waits_closes_the_request(harness: Harness) -> None:
    await use_policy(harness, FROZEN_LATER)  # the clock says 08:00 UTC
    request = await request_delete(harness)
    harness.clock.now += 6 * 60  # 08:06: frozen, and the request (10 minutes) still open
    await harness.emu.click(request, text="Approve", user=BOB)
    await harness.emu.wait_for(lambda: "Not done" in dump(request), what="the outcome")
    assert "frozen" in dump(request)
    assert harness.api_calls("DELETE") == []
    assert harness.bot is not None
    entries = await harness.bot.services.store.list_audit(limit=50)
    frozen = [e for e in entries if e.outcome is AuditOutcome.FROZEN]
    assert [e.user_id for e in frozen] == [ALICE]  # the requester's, not the approver's
    await requester_told(harness, "Not done")


async def test_an_approval_the_policy_no_longer_asks_for_is_void(harness: Harness) -> None:
    await use_policy(harness, APPROVALS)
    request = await request_delete(harness)
    without = APPROVALS.split("approve:")[0]
    await use_policy(harness, without)
    await harness.emu.click(request, text="Approve", user=ADMIN)  # allowed every action
    await harness.emu.wait_for(lambda: "Not done" in dump(request), what="the outcome")
    assert "no longer asks" in dump(request)
    assert harness.api_calls("DELETE") == []
    assert AuditOutcome.APPROVED not in await outcomes(harness)


async def test_a_request_whose_rule_is_gone_is_closed_only_by_its_requester_or_an_admin(
    harness: Harness,
) -> None:
    await use_policy(harness, APPROVALS)
    request = await request_delete(harness)
    await use_policy(harness, APPROVALS.split("approve:")[0])  # the policy changed
    for label in ("Reject", "Approve"):  # Carol was never an approver, and is no admin
        refused = await click_as(harness, request, label, CAROL)
        assert "only <@U0ALICE01>, who asked, or a member allowed every action" in dump(refused)
        assert harness.emu.modal(CAROL) is None
    assert "Approval needed" in dump(request)  # still open
    assert AuditOutcome.REJECTED not in await outcomes(harness)
    await harness.emu.click(request, text="Reject", user=ALICE)  # the requester withdraws
    await harness.emu.wait_for(lambda: "Withdrawn by" in dump(request), what="the withdrawal")


async def test_a_server_renamed_out_of_the_rule_is_not_rejected_by_anyone(
    harness: Harness,
) -> None:
    await use_policy(harness, APPROVALS)
    await harness.command("/vps reboot db-server-01")  # db-*: Carol must approve
    [request] = await harness.emu.wait_for(lambda: top_level(harness), what="the request")
    assert harness.bot is not None
    from bot.vps import ServerUpdate

    await harness.bot.services.vps.update_server(12346, ServerUpdate(name="scratch-01"))
    for label in ("Reject", "Approve"):  # Bob is neither the rule's approver nor an admin
        refused = await click_as(harness, request, label, BOB)
        assert "may not decide" in dump(refused) or "only <@U0ALICE01>" in dump(refused)
        assert harness.emu.modal(BOB) is None
    assert "Approval needed" in dump(request)
    # A rejection is decided on the request as it was made: its approver may still reject it.
    await harness.emu.click(request, text="Reject", user=CAROL)
    form = await harness.emu.wait_for(lambda: harness.emu.modal(CAROL), what="the reject form")
    assert (await harness.emu.submit_view(form, {"reject_reason": "renamed"})).ok
    await harness.emu.wait_for(lambda: "Rejected by" in dump(request), what="the rejection")
    assert harness.api_calls("POST", "/reboot/") == []


async def test_approvals_are_listed_only_to_who_may_see_them(harness: Harness) -> None:
    hidden = APPROVALS.replace(
        "confirm: [delete]", f"  show:\n    - users: [{ALICE}, {BOB}]\nconfirm: [delete]"
    )
    await use_policy(harness, hidden)
    await request_delete(harness)
    carol = dump(await harness.answer("/vps approvals", user=CAROL))
    assert "db-server-01" not in carol
    assert "db-server-01" in dump(await harness.answer("/vps approvals", user=BOB))


async def test_a_reject_click_on_a_decided_request_opens_no_form(harness: Harness) -> None:
    await use_policy(harness, APPROVALS)
    harness.emu.set_usergroup(ONCALL, [BOB, CAROL])
    request = await request_delete(harness)
    listing = await harness.answer("/vps approvals", user=CAROL, channel=OPS)  # before it ends
    await harness.emu.click(request, text="Approve", user=BOB)
    await harness.emu.wait_for(lambda: harness.api_calls("DELETE"), what="the delete")
    await harness.emu.wait_for(lambda: "Approved by" in dump(request), what="the approval")
    before = harness.seen(CAROL)
    await harness.emu.click(listing, text="Reject", user=CAROL)
    late = await harness.new_message(before, user=CAROL, where=lambda m: m.is_ephemeral)
    assert "Already approved by <@U0BOB0001>" in dump(late)
    assert harness.emu.modal(CAROL) is None
