"""Authorization holds by construction: every request kind passes the one gate, whatever it is.

The regression tests of the security review (issue 8) live here: rename escalation, read rules,
odd references, a busy state store and the typed-name check.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from bot.commands.usage import commands
from bot.commands.values import policy_action
from bot.operations import operations
from bot.slack import ids
from bot.state import AuditEntry, AuditOutcome
from bot.vps import ServerUpdate
from slackemu import Button, Message
from tests.e2e.harness import (
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    GENERAL,
    OPS,
    OPS_LOG,
    POLICY,
    Harness,
    dump,
    eventually,
)
from tests.e2e.plans import add_running_plan

WRITES = ("POST", "PUT", "PATCH", "DELETE")


async def use_policy(harness: Harness, text: str) -> None:
    """Restart the bot on another policy file."""
    await harness.stop()
    (harness.tmp / "policy.yml").write_text(text)
    await harness.start()


def writes(harness: Harness) -> list[tuple[str, str]]:
    return [(m, p) for m, p in harness.sim.requests if m in WRITES]


def refused(message: Message) -> bool:
    shown = dump(message)
    return ":lock:" in shown and ("may not" in shown or "No rule" in shown or "Only" in shown)


# -- finding 1: a rename must not carry a server out of the globs that allowed it ---------------

GLOBS = f"""
rules:
  "*":
    - users: [{ADMIN}]
  update:
    - servers: ["web-*"]
  delete:
    - servers: ["tmp-*"]
  create:
    - servers: ["web-*"]
confirm: []
"""


@pytest.mark.parametrize(
    "line",
    [
        "/vps rename web-server-01 tmp-gone",
        "/vps set web-server-01 name:tmp-gone",
        "/vps update web-server-01 name:tmp-gone hostname:tmp.example.com backups:off",
    ],
)
async def test_a_rename_needs_the_new_name_allowed_too(harness: Harness, line: str) -> None:
    await use_policy(harness, GLOBS)
    denial = await harness.answer(line, user=BOB, channel=GENERAL)
    assert refused(denial)
    assert "tmp-gone" in dump(denial)
    assert writes(harness) == []
    # ...so the server never becomes deletable under the other rule.
    gone = await harness.answer("/vps delete tmp-gone", user=BOB, channel=GENERAL)
    assert "No server" in dump(gone)
    assert writes(harness) == []


async def test_a_rename_within_the_globs_is_allowed(harness: Harness) -> None:
    await use_policy(harness, GLOBS)
    before = harness.seen(BOB)
    await harness.command("/vps rename web-server-01 web-old", user=BOB, channel=GENERAL)
    result = await harness.new_message(before, user=BOB, where=lambda m: not m.is_ephemeral)
    assert "web-old" in dump(result)
    assert writes(harness) == [("PATCH", "/api/v1/servers/12345/")]


async def test_the_create_form_opens_and_checks_the_name_on_submit(harness: Harness) -> None:
    await use_policy(harness, GLOBS)
    await harness.command("/vps create", user=BOB, channel=GENERAL)
    modal = await harness.emu.wait_for(lambda: harness.emu.modal(BOB), what="the create form")
    form = {"create_plan": "1", "create_os": "5", "create_location": "us-west"}
    before = harness.seen(BOB)
    assert (await harness.emu.submit_view(modal, {"create_name": "db-new", **form})).ok
    denial = await harness.new_message(before, user=BOB)
    assert refused(denial)
    assert "db-new" in dump(denial)
    assert writes(harness) == []

    await harness.command("/vps create", user=BOB, channel=GENERAL)
    modal = await harness.emu.wait_for(lambda: harness.emu.modal(BOB), what="the create form")
    before = harness.seen(BOB)
    assert (await harness.emu.submit_view(modal, {"create_name": "web-new", **form})).ok
    result = await harness.new_message(before, user=BOB, where=lambda m: not m.is_ephemeral)
    assert "web-new" in result.text
    assert writes(harness) == [("POST", "/api/v1/servers/")]


# -- finding 2: reads have rules too, once the policy gives them some ---------------------------

READS = f"""
rules:
  "*":
    - users: [{ADMIN}]
  list:
    - channels: [{OPS}]
    - servers: ["web-*"]
  audit:
    - users: [{ALICE}]
"""


async def test_read_rules_are_enforced(harness: Harness) -> None:
    await use_policy(harness, READS)
    in_ops = await harness.answer("/vps list", user=BOB, channel=OPS)
    assert "db-server-01" in dump(in_ops)
    elsewhere = dump(await harness.answer("/vps list", user=BOB, channel=GENERAL))
    assert "web-server-01" in elsewhere  # the servers: rule lets Bob list web-* servers...
    assert "db-server-01" not in elsewhere  # ...and nothing else
    assert "api-server-01" not in elsewhere
    audit = await harness.answer("/vps audit", user=BOB, channel=OPS)
    assert refused(audit)
    assert "Audit log" in dump(await harness.answer("/vps audit", user=ALICE, channel=GENERAL))
    card = await harness.answer("/vps show db-server-01", user=BOB, channel=GENERAL)
    assert "db-server-01" in dump(card)  # show has no rules of its own: open


# -- finding 4: references that name no server get a clear answer ------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "/vps show #²",
        "/vps show ٣٤",  # Arabic-Indic digits
        "/vps reboot ²",
        "/vps audit ²",
        "/vps stop #99999999999999999999",  # beyond 64 bits
        "/vps show 9223372036854775808",
    ],
)
async def test_odd_references_get_a_clear_answer(harness: Harness, line: str) -> None:
    answer = await harness.answer(line, user=ADMIN, channel=OPS)
    assert "is not a server id or name" in dump(answer)
    assert "Something went wrong" not in dump(answer)
    assert writes(harness) == []


async def test_a_denied_odd_reference_is_still_audited(harness: Harness) -> None:
    denial = await harness.answer("/vps reboot ²", user=BOB, channel=GENERAL)
    assert refused(denial)
    assert harness.bot is not None
    entries = await harness.bot.services.store.list_audit()
    assert [(e.user_id, e.action, e.outcome) for e in entries] == [
        (BOB, "reboot", AuditOutcome.DENIED)
    ]


# -- finding 9: a busy state store neither delays the ack nor lets a write slip past its record --


@asynccontextmanager
async def locked(path: Path) -> AsyncIterator[None]:
    """Hold the state file's write lock, as another process in a long transaction would (taken
    from a thread, so the bot's event loop keeps running meanwhile)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    await asyncio.to_thread(conn.execute, "BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        conn.rollback()
        conn.close()


async def test_a_briefly_busy_store_delays_the_delete_not_its_ack(harness: Harness) -> None:
    prompt = await harness.answer("/vps delete db-server-01")
    await harness.emu.click(prompt, text="Delete db-server-01")
    modal = await harness.emu.wait_for(lambda: harness.emu.modal(ALICE), what="the delete form")
    async with locked(harness.tmp / "state.db"):
        # Acked while the store is locked: nothing before the ack waits for it (an ack that
        # did would come only once the bot gave up on the store, and nothing would be deleted).
        ack = await harness.emu.submit_view(modal, {"delete_name": "db-server-01"})
        assert ack.ok
        assert harness.api_calls("DELETE") == []
        await asyncio.sleep(0.2)  # held a moment longer, well inside the bot's wait (2 s)
    await harness.emu.wait_for(lambda: harness.api_calls("DELETE", "/12346/"), what="the delete")
    assert len(harness.api_calls("DELETE")) == 1


async def test_a_write_is_not_made_when_its_audit_record_cannot_be_written(
    harness: Harness,
) -> None:
    async with locked(harness.tmp / "state.db"):
        before = harness.seen(ALICE)
        await harness.command("/vps reboot web-server-01")
        answer = await harness.new_message(
            before, user=ALICE, within=30, where=lambda m: "unavailable" in dump(m)
        )
        assert "state store is unavailable" in dump(answer)
        assert "nothing was done" in dump(answer)
    assert harness.api_calls("POST", "/reboot/") == []


# -- finding 11: what the delete prompt shows is what it compares ------------------------------


async def test_a_name_with_a_tab_can_be_typed_as_shown(harness: Harness) -> None:
    server = harness.sim.add_server("old\tweb")
    prompt = await harness.answer(f"/vps delete #{server['id']}")
    await harness.emu.click(prompt, index=0)
    modal = await harness.emu.wait_for(lambda: harness.emu.modal(ALICE), what="the delete form")
    assert "Type old web exactly" in json.dumps(modal.blocks)
    assert (await harness.emu.submit_view(modal, {"delete_name": "old web"})).ok
    await harness.emu.wait_for(
        lambda: harness.api_calls("DELETE", f"/{server['id']}/"), what="the delete"
    )


# -- every request kind is refused to a member without rights ----------------------------------

NOTHING_FOR_CAROL = f"""
rules:
  "*":
    - users: [{ADMIN}]
  list:
    - users: [{ALICE}]
  show:
    - users: [{ALICE}]
  audit:
    - users: [{ALICE}]
confirm: [stop, delete]
approve:
  reboot:
    by: [{{users: [{ALICE}]}}]
"""

LINES = {
    "list": "/vps list",
    "show": "/vps show web-server-01",
    "create": "/vps create web-09 plan:1 os:5 location:us-west",
    "rename": "/vps rename web-server-01 web-09",
    "set": "/vps set web-server-01 backups:on",
    "update": "/vps update web-server-01 name:a hostname:a.example.com backups:on",
    "start": "/vps start web-server-03",
    "stop": "/vps stop web-server-01",
    "reboot": "/vps reboot web-server-01",
    "delete": "/vps delete web-server-01",
    "audit": "/vps audit",
}


def interaction_ids() -> set[str]:
    """Every action_id and callback_id the bot emits (bot.slack.ids names them all)."""
    named = {v for k, v in vars(ids).items() if k.isupper() and str(v).startswith("vps_")}
    return named | {ids.card_action(op.name) for op in operations() if op.on_card}


async def test_every_command_and_interaction_is_refused_without_rights(harness: Harness) -> None:
    harness.overrides["bot_schedule_interval_seconds"] = 0.02  # the notice before a run, soon
    await use_policy(harness, NOTHING_FOR_CAROL)
    gated = {word for word in commands() if policy_action(word) is not None}
    assert gated == set(LINES), "a new command needs a line here"
    for word, line in LINES.items():
        denial = await harness.answer(line, user=CAROL, channel=OPS)
        assert refused(denial), f"{word}: {dump(denial)}"
    await harness.command("/vps create", user=CAROL, channel=OPS)
    assert refused(await harness.emu.wait_for(lambda: last(harness), what="create form denial"))
    assert harness.emu.modal(CAROL) is None

    covered: set[str] = set()
    pages = await harness.answer("/vps list", user=ADMIN)
    second = await click_and_wait(harness, pages, ids.LIST_NEXT)
    running = await harness.answer("/vps show web-server-01", user=ADMIN)
    stopped = await harness.answer("/vps show web-server-03", user=ADMIN)
    for message in (pages, second, running, stopped):
        for button in message.buttons():
            if button.action_id in covered:
                continue
            await forge(harness, message, button.action_id)
            covered.add(button.action_id)
    prompt = await harness.answer("/vps delete db-server-01", user=ADMIN)
    for button in prompt.buttons():
        await forge(harness, prompt, button.action_id)
        covered.add(button.action_id)
    await harness.emu.click(prompt, action_id=ids.CONFIRM)
    delete_form = await harness.emu.wait_for(lambda: harness.emu.modal(ADMIN), what="the form")
    await forge_submit(harness, delete_form, {ids.DELETE_NAME_BLOCK: "db-server-01"})
    covered.add(ids.DELETE_MODAL)
    await harness.emu.close_view(delete_form)
    await harness.command("/vps create", user=ADMIN)
    create_form = await harness.emu.wait_for(lambda: harness.emu.modal(ADMIN), what="the form")
    values = {"create_name": "web-09", "create_plan": "1", "create_os": "5"}
    await forge_submit(harness, create_form, {**values, "create_location": "us-west"})
    covered.add(ids.CREATE_MODAL)
    await harness.emu.close_view(create_form)
    preview = await harness.answer("/vps stop worker-*", user=ADMIN)  # a plan of 11 servers
    for button in preview.buttons():
        await forge(harness, preview, button.action_id)
        covered.add(button.action_id)
    await harness.emu.click(preview, action_id=ids.PLAN_CONFIRM)
    count_form = await harness.emu.wait_for(lambda: harness.emu.modal(ADMIN), what="the form")
    await forge_submit(harness, count_form, {ids.PLAN_COUNT_BLOCK: "11"})
    covered.add(ids.PLAN_COUNT_MODAL)
    await harness.emu.close_view(count_form)

    # A plan of ADMIN's, paused (so nothing is called): its message has Resume and Abort; Pause
    # (shown while running) and Retry the failed (shown at the end) carry the same plan id.
    await add_running_plan(harness, ["worker-01"], plan_id="plan-paused", state="paused")
    shown, _ = await harness.emu.wait_for(
        lambda: (
            [
                next(iter(m for m in harness.emu.messages(where) if "asked by" in dump(m)), None)
                for where in (OPS, OPS_LOG)
            ]
            if all(
                any("asked by" in dump(m) for m in harness.emu.messages(where))
                for where in (OPS, OPS_LOG)
            )
            else None
        ),
        what="the paused plan's messages, where it was asked and in the ops channel",
    )
    for button in shown.buttons():
        await forge(harness, shown, button.action_id)
        covered.add(button.action_id)
        for hidden in (ids.PLAN_PAUSE, ids.PLAN_RETRY):
            if hidden not in covered:
                await forge_button(harness, shown, replace(button, action_id=hidden))
                covered.add(hidden)
    # A schedule: its preview, then the notice before its run (Skip this run, Cancel).
    scheduling = await harness.answer("/vps schedule stop web-server-01 in 10m", user=ADMIN)
    for button in scheduling.buttons():
        await forge(harness, scheduling, button.action_id)
        covered.add(button.action_id)
    await harness.emu.click(scheduling, action_id=ids.SCHEDULE_CONFIRM)
    notice = await harness.emu.wait_for(
        lambda: next((m for m in harness.emu.messages(OPS_LOG) if "runs " in dump(m)), None),
        what="the notice before the run",
    )
    for button in notice.buttons():
        await forge(harness, notice, button.action_id, channel=OPS_LOG)
        covered.add(button.action_id)
    scheduling = await harness.answer("/vps schedule delete db-server-01 at 22:00", user=ADMIN)
    await harness.emu.click(scheduling, action_id=ids.SCHEDULE_CONFIRM)
    typed_form = await harness.emu.wait_for(lambda: harness.emu.modal(ADMIN), what="the form")
    await forge_submit(harness, typed_form, {ids.SCHEDULE_TYPED_BLOCK: "db-server-01"})
    covered.add(ids.SCHEDULE_TYPED_MODAL)
    await harness.emu.close_view(typed_form)

    before = {m.ts for m in harness.emu.messages(OPS_LOG)}
    await harness.command("/vps reboot web-server-01", user=ADMIN)
    request = await harness.emu.wait_for(
        lambda: [m for m in harness.emu.messages(OPS_LOG) if m.ts not in before and m.buttons()],
        what="the approval request",
    )
    for button in request[0].buttons():
        await forge(harness, request[0], button.action_id, channel=OPS_LOG)
        covered.add(button.action_id)
    await harness.emu.click(request[0], action_id=ids.REJECT, user=ALICE)  # an approver
    reject_form = await harness.emu.wait_for(lambda: harness.emu.modal(ALICE), what="the form")
    await forge_submit(harness, reject_form, {ids.REJECT_REASON_BLOCK: "no"})
    covered.add(ids.REJECT_MODAL)
    assert "Approval needed" in dump(request[0])  # not rejected by the forged form

    await crowd(harness, 60)  # enough history for three audit pages
    newest = await harness.answer("/vps audit", user=ADMIN)
    older = await click_and_wait(harness, newest, ids.AUDIT_OLDER)
    for button in older.buttons():  # Newest and Older
        await forge(harness, older, button.action_id)
        covered.add(button.action_id)

    for words in ("reboot web-server-01", "reboot web-sever-01"):  # Do it / Cancel; candidates
        said, _ = await harness.emu.mention(words, user=ADMIN, channel=OPS)
        answer = await harness.emu.wait_for(
            lambda ts=said.ts: next(
                (m for m in harness.emu.messages(OPS, thread_ts=ts) if m.buttons()), None
            ),
            what="the answer to the words",
        )
        for button in answer.buttons():
            await forge(harness, answer, button.action_id)
            covered.add(button.action_id.rstrip("0123456789").rstrip("_"))

    assert covered == interaction_ids()
    assert writes(harness) == []


def last(harness: Harness) -> Message | None:
    mine = harness.emu.messages(visible_to=CAROL)
    return mine[-1] if mine and mine[-1].via != "slash_command" else None


async def click_and_wait(harness: Harness, message: Message, action_id: str) -> Message:
    await harness.emu.click(message, action_id=action_id)
    return await harness.emu.wait_for(lambda: message.edited and message, what="the next page")


async def forge(
    harness: Harness, message: Message, action_id: str, channel: str | None = None
) -> None:
    button = next(b for b in message.buttons() if b.action_id == action_id)
    await forge_button(harness, message, button, channel)


async def forge_button(
    harness: Harness, message: Message, button: Button, channel: str | None = None
) -> None:
    action_id = button.action_id
    before = harness.seen(CAROL)
    await harness.emu.forge_click(message, button, user=CAROL)
    answer = await harness.new_message(before, user=CAROL, channel=channel)
    assert refused(answer), f"{action_id}: {dump(answer)}"


async def forge_submit(harness: Harness, view: object, values: dict[str, str]) -> None:
    before = harness.seen(CAROL)
    ack = await harness.emu.forge_submit(view, values, user=CAROL)  # type: ignore[arg-type]
    assert ack.status == 200

    async def answered() -> bool:
        return bool(harness.seen(CAROL) - before) or bool(ack.body)

    await eventually(answered, "an answer to the forged submission")
    news = [m for m in harness.emu.messages(visible_to=CAROL) if m.ts not in before]
    assert ack.body or all(refused(m) for m in news), [dump(m) for m in news]


# -- reads limited to some servers don't reveal the others --------------------------------------

WEB_ONLY = f"""
rules:
  "*":
    - users: [{ADMIN}]
  show:
    - servers: ["web-*"]
  audit:
    - servers: ["web-*"]
  list:
    - servers: ["web-*"]
    - servers: ["api-*"]
"""


@pytest.mark.parametrize(
    ("line", "hidden"),
    [
        ("/vps show #12346", "db-server-01"),  # by id: as if it did not exist
        ("/vps show db-server-0", "db-server-02"),  # no "did you mean" among hidden names
        ("/vps show db01.example.com", "db-server-01"),
        ("/vps audit #12346", "db-server-01"),
    ],
)
async def test_a_limited_reader_learns_nothing_of_other_servers(
    harness: Harness, line: str, hidden: str
) -> None:
    await use_policy(harness, WEB_ONLY)
    answer = dump(await harness.answer(line, user=CAROL, channel=GENERAL))
    assert hidden not in answer
    assert "12346" not in answer or "#12346" in line


async def test_several_limited_rules_add_up(harness: Harness) -> None:
    await use_policy(harness, WEB_ONLY)
    listed = dump(await harness.answer("/vps list", user=CAROL, channel=GENERAL))
    assert "web-server-01" in listed
    assert "api-server-01" in listed
    assert "db-server-01" not in listed


async def test_the_audit_of_a_name_is_that_exact_name(harness: Harness) -> None:
    await use_policy(harness, WEB_ONLY)
    secret = harness.sim.add_server("WEB-SECRET")
    before = harness.seen(ADMIN)
    await harness.command(f"/vps reboot #{secret['id']}", user=ADMIN)
    await harness.new_message(before, user=ADMIN, where=lambda m: "is rebooting" in m.text)
    answer = dump(await harness.answer("/vps audit web-secret", user=CAROL, channel=GENERAL))
    assert "WEB-SECRET" not in answer


async def test_a_server_renamed_before_the_delete_form_gets_no_form(harness: Harness) -> None:
    prompt = await harness.answer("/vps delete db-server-01")
    assert harness.bot is not None
    await harness.bot.services.vps.update_server(12346, ServerUpdate(name="db-precious"))
    await harness.emu.click(prompt, text="Delete db-server-01")
    await harness.emu.wait_for(lambda: "renamed to db-precious" in dump(prompt), what="the answer")
    assert harness.emu.modal(ALICE) is None
    assert harness.api_calls("DELETE") == []


async def crowd(harness: Harness, people: int) -> None:
    """`people` members each rebooted a server once (as recorded)."""
    assert harness.bot is not None
    for i in range(people):
        await harness.bot.services.store.record_audit(
            AuditEntry(
                time=harness.clock.now - 3600 + i,
                user_id=f"U0CROWD{i:03d}",
                channel_id=GENERAL,
                action="reboot",
                server_id=12345,
                server_name="web-server-01",
                outcome=AuditOutcome.EXECUTED,
            )
        )


async def storm(harness: Harness, user: str, names: list[str]) -> None:
    """`user` is refused once on each of `names`, as a scripted member would be."""
    assert harness.bot is not None
    for i, name in enumerate(names):
        await harness.bot.services.store.record_audit(
            AuditEntry(
                time=harness.clock.now + i,
                user_id=user,
                channel_id=GENERAL,
                action="delete",
                server_id=None,
                server_name=name,
                outcome=AuditOutcome.DENIED,
                detail="not allowed",
            )
        )


async def test_a_storm_of_refusals_on_many_names_leaves_room_for_everyone_else(
    harness: Harness,
) -> None:
    before = harness.seen(ALICE)
    await harness.command("/vps reboot web-server-01")
    await harness.new_message(before, user=ALICE, where=lambda m: "is rebooting" in m.text)
    await storm(harness, BOB, [f"junk-{i}" for i in range(250)])
    shown = dump(await harness.answer("/vps audit"))
    assert "*reboot* *web-server-01*" in shown  # Alice's reboot is still in view
    assert shown.count("<@U0BOB0001>") == 6  # Bob's storm: five lines, then one sum
    assert "245 more entries" in shown
    assert "*delete* denied 245 times (junk-244, junk-243, junk-242 …)" in shown


async def test_a_reader_limited_to_some_servers_sees_their_history_past_a_storm(
    harness: Harness,
) -> None:
    await use_policy(harness, WEB_ONLY)
    before = harness.seen(ADMIN)
    await harness.command("/vps reboot web-server-01", user=ADMIN)
    await harness.new_message(before, user=ADMIN, where=lambda m: "is rebooting" in m.text)
    await storm(harness, BOB, [f"db-{i}" for i in range(150)])
    await storm(harness, ALICE, [f"db-{i}" for i in range(150)])
    shown = dump(await harness.answer("/vps audit", user=CAROL, channel=GENERAL))
    assert "web-server-01" in shown
    assert "db-" not in shown  # nothing of the servers Carol may not read


async def test_a_delete_form_submitted_after_its_rights_are_gone_is_refused(
    harness: Harness,
) -> None:
    """The enumeration above refuses a forged form for not being the caller's own; this is the
    owner's own form, the rights gone between opening and submitting it."""
    prompt = await harness.answer("/vps delete db-server-01")
    await harness.emu.click(prompt, text="Delete db-server-01")
    modal = await harness.emu.wait_for(lambda: harness.emu.modal(ALICE), what="the delete form")
    await use_policy(harness, POLICY.replace(f"users: [{ALICE}]", f"users: [{ADMIN}]"))
    assert (await harness.emu.submit_view(modal, {"delete_name": "db-server-01"})).ok
    await harness.emu.wait_for(lambda: "no longer" in dump(prompt), what="the refusal")
    assert harness.api_calls("DELETE") == []
    assert harness.bot is not None
    entries = await harness.bot.services.store.list_audit()
    assert (entries[0].user_id, entries[0].action, entries[0].outcome) == (
        ALICE,
        "delete",
        AuditOutcome.DENIED,
    )
