"""Every /vps command through signed Slack requests to the real app and the simulator."""

from __future__ import annotations

import pytest

from slackemu import Message
from tests.e2e.harness import ADMIN, ALICE, BOB, GENERAL, OPS, Harness, dump


def buttons(message: Message) -> list[str]:
    return [b.text for b in message.buttons()]


async def test_list_pages_through_the_fleet_in_place(harness: Harness) -> None:
    first = await harness.answer("/vps list")
    assert "Servers 1\u201310 of 25" in first.text
    assert buttons(first)[-1].startswith("Next")
    await harness.emu.click(first, text=buttons(first)[-1])
    await harness.emu.wait_for(lambda: first.edited, what="the list to turn a page")
    assert "Servers 11\u201320 of 25" in first.text
    assert any(b.startswith(":arrow_left: Previous") or "Previous" in b for b in buttons(first))


async def test_list_filters_by_status_location_and_text(harness: Harness) -> None:
    message = await harness.answer("/vps list status:active location:us-west web")
    shown = dump(message)
    assert "status: active" in shown or "active" in shown
    servers = await harness.bot.services.vps.list_servers()  # type: ignore[union-attr]
    expected = [
        s.name
        for s in servers
        if s.status == "active" and s.location == "us-west" and "web" in s.name
    ]
    assert expected
    for name in expected[:10]:
        assert name in shown


async def test_show_card_has_details_and_the_viewers_buttons(harness: Harness) -> None:
    card = await harness.answer("/vps show web-server-01")
    shown = dump(card)
    assert "203.0.113.10" in shown
    assert "Resource usage" in shown
    # Alice in #ops: stop and reboot (ops channel), delete (alice in ops); it is running, so
    # there is no Start (the policy would allow it for web-*).
    assert buttons(card)[:3] == ["Stop", "Reboot", "Delete"]
    assert "Start" not in buttons(card)
    stopped = await harness.answer("/vps show web-server-03")
    assert buttons(stopped)[:2] == ["Start", "Delete"]
    bob_card = await harness.answer("/vps show db-server-01", user=BOB, channel=GENERAL)
    # Bob in #general: only stop, through the on-call group; db-* is not web-*.
    assert [b for b in buttons(bob_card) if "Refresh" not in b] == ["Stop"]


async def test_show_by_id_hostname_and_unknown(harness: Harness) -> None:
    assert "web-server-01" in dump(await harness.answer("/vps show #12345"))
    assert "db-server-01" in dump(await harness.answer("/vps show db01.example.com"))
    missing = await harness.answer("/vps show web-server-99")
    assert "No server" in dump(missing)


async def test_unknown_command_gets_did_you_mean(harness: Harness) -> None:
    message = await harness.answer("/vps stpo web-server-01")
    assert "Did you mean" in dump(message)
    assert "stop" in dump(message)


async def test_invalid_values_are_refused_before_any_api_call(harness: Harness) -> None:
    before = len(harness.sim.requests)
    message = await harness.answer("/vps create bad_name! plan:1 os:5 location:us-west")
    assert "name" in dump(message)
    assert len(harness.sim.requests) == before


async def test_help_shows_only_what_the_caller_may_run(harness: Harness) -> None:
    admin = dump(await harness.answer("/vps help", user=ADMIN, channel=GENERAL))
    bob = dump(await harness.answer("/vps help", user=BOB, channel=GENERAL))
    assert "/vps delete" in admin
    assert "/vps delete" not in bob
    assert "/vps stop" in bob  # the on-call group may stop anywhere
    assert "/vps list" in bob


async def test_whoami_lists_actions_and_why(harness: Harness) -> None:
    message = dump(await harness.answer("/vps whoami", user=BOB, channel=GENERAL))
    assert "<@U0BOB0001>" in message
    assert "stop" in message
    assert "S0ONCALL1" in message


async def test_start_runs_without_confirmation_and_reports_in_channel(harness: Harness) -> None:
    harness.sim.set_status(12345, "stopped")
    before = harness.seen(ALICE)
    await harness.command("/vps start web-server-01")
    result = await harness.new_message(before, user=ALICE, where=lambda m: not m.is_ephemeral)
    assert result.channel == OPS
    assert "web-server-01" in result.text
    assert "starting" in result.text
    assert len(harness.api_calls("POST", "/12345/start/")) == 1


async def test_an_api_refusal_is_reported_with_its_reason(harness: Harness) -> None:
    before = harness.seen(ALICE)
    await harness.command("/vps start web-server-01")  # already running
    result = await harness.new_message(before, user=ALICE)
    assert "already running" in dump(result)


@pytest.mark.parametrize(
    ("line", "method", "body_has"),
    [
        ("/vps rename web-server-01 web-server-renamed", "PATCH", "web-server-renamed"),
        ("/vps set web-server-01 backups:on hostname:new.example.com", "PATCH", "new.example.com"),
        (
            "/vps update web-server-01 name:web-a hostname:a.example.com backups:off",
            "PUT",
            "web-a",
        ),
    ],
)
async def test_updates_change_the_server(
    harness: Harness, line: str, method: str, body_has: str
) -> None:
    before = harness.seen(ALICE)
    await harness.command(line)
    result = await harness.new_message(before, user=ALICE, where=lambda m: not m.is_ephemeral)
    assert body_has in dump(result)
    assert len(harness.api_calls(method, "/12345/")) == 1
    detail = await harness.bot.services.vps.get_server(12345)  # type: ignore[union-attr]
    assert body_has in (detail.name, detail.hostname)


async def test_create_with_arguments_provisions_a_server(harness: Harness) -> None:
    before = harness.seen(ALICE)
    await harness.command(
        '/vps create web-server-02 plan:"Standard VPS" os:5 location:us-west '
        "hostname:web02.example.com backups:on"
    )
    result = await harness.new_message(before, user=ALICE, where=lambda m: not m.is_ephemeral)
    assert "web-server-02" in result.text
    assert "provision" in dump(result)
    assert len(harness.api_calls("POST", "/servers/")) == 1


async def test_create_modal_opens_validates_and_creates(harness: Harness) -> None:
    await harness.command("/vps create")
    modal = await harness.emu.wait_for(lambda: harness.emu.modal(ALICE), what="the create form")
    bad = await harness.emu.submit_view(
        modal,
        {
            "create_name": "no spaces allowed",
            "create_plan": "1",
            "create_os": "5",
            "create_location": "us-west",
        },
    )
    assert bad.input_errors
    assert "create_name" in bad.input_errors
    assert harness.api_calls("POST", "/servers/") == []
    before = harness.seen(ALICE)
    good = await harness.emu.submit_view(
        modal,
        {
            "create_name": "api-new-01",
            "create_plan": "2",
            "create_os": "3",
            "create_location": "us-east",
        },
    )
    assert good.ok
    result = await harness.new_message(before, user=ALICE, where=lambda m: not m.is_ephemeral)
    assert "api-new-01" in result.text
    assert len(harness.api_calls("POST", "/servers/")) == 1


async def test_audit_answers_who_did_what(harness: Harness) -> None:
    before = harness.seen(ALICE)
    await harness.command("/vps reboot web-server-01")
    await harness.new_message(before, user=ALICE, where=lambda m: not m.is_ephemeral)
    await harness.answer("/vps delete web-server-01", user=BOB, channel=GENERAL)  # denied
    audit = dump(await harness.answer("/vps audit web-server-01"))
    assert "<@U0ALICE01>" in audit
    assert "executed" in audit
    assert "<@U0BOB0001>" in audit
    assert "denied" in audit
    assert audit.index("U0BOB0001") < audit.index("U0ALICE01")  # newest first
