"""The console driven by -c lines, in-process: what a person would read on the screen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import StartupError
from bot.console.startup import demo_policy
from tests.console.conftest import Console
from vpssim.simulator import Simulator, start_simulator


def after(output: str, marker: str) -> str:
    """The output from the first `marker` on."""
    assert marker in output, output
    return output[output.index(marker) :]


async def test_banner_says_demo_policy_state_and_who(console: Console) -> None:
    out = await console()
    assert "DEMO MODE" in out
    assert "demo policy: @you may do everything" in out
    assert "temporary file" in out
    assert "@you (U0YOU0001) in #general" in out
    assert "#ops-log" in out


async def test_list_shows_servers_and_a_numbered_next_button(console: Console) -> None:
    out = await console("/vps list")
    listing = after(out, "/vps list")
    assert "only you can see this" in listing
    assert "Servers" in listing
    for name in ("web-server-01", "db-server-01", "worker-01"):
        assert name in listing
    assert "🟢 web-server-01 · #12345 · active  [1] Show" in listing
    assert "203.0.113.10 · us-west · Standard VPS" in listing  # the IP exactly as the API sent it
    assert "[11] Next →" in listing
    assert "\u2060" not in out


async def test_a_number_clicks_the_latest_message_with_buttons(console: Console) -> None:
    out = await console("/vps list", "11", ":click Previous")
    assert "→ [11] Next →" in out
    page_two = after(out, "(updated)")
    assert "11\u201312 of 12" in page_two
    assert "[1] Show" in page_two
    assert "→ [3] ← Previous" in page_two  # two rows, then Previous: found by its text


async def test_card_has_aligned_details_and_numbered_buttons(console: Console) -> None:
    out = await console("/vps show web-server-01")
    card = after(out, "/vps show")
    assert "[1] Stop  [2] Reboot  [3] Delete  [4] 🔄 Refresh" in card  # it is running
    ip = next(line for line in card.splitlines() if "IPv4" in line)
    system = next(line for line in card.splitlines() if "Operating system" in line)
    assert ip.index("203.0.113.10") == system.index("Ubuntu")  # values in one column
    assert "✅ On" in card


async def test_stop_asks_then_reports_here_and_in_the_ops_channel(console: Console) -> None:
    out = await console("/vps stop web-server-01", ":click 1")
    prompt = after(out, "Stop web-server-01?")
    assert "[1] Stop web-server-01 (danger)  [2] Cancel" in prompt
    assert "only you can see this" in out
    clicked = after(prompt, "→ [1] Stop web-server-01")
    assert "(updated)" in clicked
    assert "web-server-01 (#12345) is stopping" in clicked
    assert "#ops-log · ops notification" in clicked
    assert re.search(r"web-server-01 \(#12345\) is stopped after \ds", clicked)
    assert "↳ thread reply" in clicked


async def test_cancel_sends_nothing(console: Console) -> None:
    out = await console("/vps stop web-server-01", ":click cancel")
    assert "→ [2] Cancel" in out
    assert "is stopping" not in out
    assert "ops notification" not in out


async def test_everyone_the_policy_names_is_drawn_by_name(console: Console, tmp_path: Path) -> None:
    """Members named by README-style ids (U0ALICE01 is alice) are mentioned by name, like the
    people the console made: never a bare id beside a name in one sentence."""
    (tmp_path / "policy.yml").write_text(
        "rules:\n"
        '  "*": [{users: [U0ADMIN01]}]\n'
        "  reboot: [{users: [U0ALICE01]}]\n"
        "approve:\n"
        "  reboot: {by: [{users: [U0ADMIN01, U0BOB0001]}]}\n"
    )
    out = await console(
        ":as bob",
        "/vps reboot web-server-01",
        ":as U0ALICE01",
        "/vps reboot web-server-01",
        keep_going=True,
        expect=1,
    )
    denial = after(out, "bob #general \u203a /vps reboot web-server-01")
    assert "@alice" in denial
    assert "@admin" in denial
    assert "You are @alice (U0ALICE01)." in out
    request = after(out, "alice #general \u203a /vps reboot web-server-01")
    assert "@admin" in request
    assert "@bob" in request
    assert "@U0" not in out  # no member drawn as a bare id
    assert "@u0" not in out


async def test_someone_the_policy_file_does_not_allow_is_denied(
    console: Console, tmp_path: Path
) -> None:
    (tmp_path / "policy.yml").write_text('rules:\n  "*":\n    - users: [U0YOU0001]\n')
    out = await console(":as bob", "/vps stop web-server-01", ":as you", "/vps whoami", expect=1)
    assert "policy.yml (as `vpsbot run` would use it)" in out
    assert "You are @bob (U0BOB0001)." in out
    denial = after(out, "bob #general \u203a /vps stop web-server-01")
    assert "You may not stop web-server-01" in denial
    assert "@you" in denial  # the rule that would allow it
    assert "Stop web-server-01?" not in out
    assert "✗ Failed: /vps stop web-server-01; the lines after it were not run." in out
    assert "/vps whoami" not in out


async def test_create_form_is_filled_from_lines_and_errors_ask_again(console: Console) -> None:
    out = await console(
        "/vps create",
        "bad name",  # name: refused by the app on submit
        "9",  # plan: not an option, asked again
        "1",
        "debian",  # operating system by text
        "us-e",  # location by the start of its value
        "",  # hostname: optional
        "",  # ssh key: optional
        "yes",  # backups
        "web-03",  # the name again, after the app's error
        keep_going=True,
        expect=1,
    )
    form = after(out, "▣ Create a server")
    assert "1) Standard VPS" in form
    assert "'9' is not one of the options" in form
    assert "! Name: Invalid “name”: “bad name” contains a space" in form
    assert form.count("Name \u203a ") == 2
    assert "web-03 (#12357) is being created" in form
    assert re.search(r"web-03 \(#12357\) is active at [\d.]+ after \ds", form)


async def test_submit_fills_named_fields_at_once(console: Console) -> None:
    out = await console("/vps create", ":submit name=api-09 plan=2 os=5 location=us-west")
    assert "api-09 (#12357) is being created" in out
    assert "Performance VPS" in after(out, "is being created")


async def test_delete_asks_for_the_name_in_a_form(console: Console) -> None:
    out = await console(
        "/vps delete worker-01", ":click 1", "worker-02", "worker-01", keep_going=True, expect=1
    )
    form = after(out, "▣ Delete server")
    assert "Type worker-01 exactly." in form
    assert "! Type the server's name to confirm:" in form
    assert "worker-01 (#12347) was deleted" in form


async def test_cancel_closes_a_form(console: Console) -> None:
    out = await console("/vps create", ":cancel", "/vps list")
    assert "Form closed; nothing was sent." in out
    assert "[11] Next →" in out


async def test_console_commands_and_mistakes_get_plain_answers(console: Console) -> None:
    out = await console(
        ":help",
        "hello",
        "3",
        ":in #ops",
        "/other",
        ":as Not A Name",
        ":nope",
        keep_going=True,
        expect=1,
    )
    assert ":as bob" in out  # the help
    assert "Try, for example" in out  # "hello" is words to the bot, not a command
    assert "No message with buttons yet." in out
    assert "You are in #ops (C0OPS0001)." in out
    assert "you #ops \u203a /other" in out
    assert "/other is not installed here" in out
    assert "is not a user name" in out
    assert ":nope is not a console command" in out
    assert "✗ Failed: hello (5 failures in all). Exit code 1." in out


async def test_quit_stops_reading(console: Console) -> None:
    out = await console(":quit", "/vps list")
    assert "Servers" not in out


async def test_colour_only_when_asked(console: Console) -> None:
    plain = await console("/vps show web-server-03")
    coloured = await console("/vps show web-server-03", colour=True)  # stopped: it has Start
    assert "\x1b[" not in plain
    assert "\x1b[1mweb-server-03" in coloured
    assert "\x1b[32mStart\x1b[0m" in coloured  # the primary button, in green


async def test_with_vps_api_settings_it_talks_to_that_api(console: Console, tmp_path: Path) -> None:
    (tmp_path / "policy.yml").write_text('rules:\n  "*": [{users: [U0ADMIN01]}]\n')
    elsewhere = await start_simulator(Simulator(token="real-token", seed=3))
    try:
        out = await console("/vps list", vps_api_url=elsewhere.url, vps_api_token="real-token")
    finally:
        await elsewhere.close()
    assert f"REAL VPS.org API at {elsewhere.url}" in out
    assert "DEMO" not in out
    assert "real-token" not in out
    assert "1\u20133 of 3" in out


async def test_a_url_without_a_token_does_not_start(console: Console) -> None:
    with pytest.raises(StartupError, match="VPS_API_TOKEN: required with VPS_API_URL"):
        await console("/vps list", vps_api_url="http://127.0.0.1:9/api/v1")


async def test_a_state_url_that_is_set_is_kept(console: Console, tmp_path: Path) -> None:
    out = await console("/vps reboot worker-01", bot_state_url="sqlite:///kept.db")
    assert "state   sqlite:///kept.db" in out
    assert (tmp_path / "kept.db").exists()


async def test_a_requester_who_switches_back_finds_the_rejection_and_its_reason(
    console: Console, tmp_path: Path
) -> None:
    lines = demo_policy("U0YOU0001").splitlines()
    start = lines.index("# approve:")
    uncommented = lines[:start] + [line.removeprefix("# ") for line in lines[start:]]
    (tmp_path / "policy.yml").write_text("\n".join(uncommented))
    out = await console(
        "/vps delete worker-01",
        ":click 1",
        "worker-01",
        ":as bob",
        ":click Reject",
        "not before the backup",  # the reject form's one (optional) field: the reason
        ":wait",
        ":as you",
    )
    back = after(out, "You are @you")
    assert "Rejected by @bob" in back  # what came for you while you were bob
    assert "Reason: not before the backup" in back
    assert "worker-01 (#12347) was deleted" not in out


async def test_odd_digits_and_a_menu_option_on_a_button_click_nothing(console: Console) -> None:
    out = await console(
        "/vps show web-server-01", "²", ":click 1 2", ":wait ²", keep_going=True, expect=1
    )
    assert "Traceback" not in out
    assert "[1] is a button, not a menu: nothing was clicked." in out
    assert "Stop web-server-01?" not in out  # neither line pressed Stop


async def test_the_demo_policy_shows_the_guardrails_and_they_work_uncommented(
    console: Console, tmp_path: Path
) -> None:
    shown = await console(":policy")
    demo = demo_policy("U0YOU0001")
    assert demo.rstrip() in shown
    lines = demo.splitlines()
    start = lines.index("# approve:")
    uncommented = lines[:start] + [line.removeprefix("# ") for line in lines[start:]]
    (tmp_path / "policy.yml").write_text("\n".join(uncommented))
    out = await console(
        "/vps delete worker-01",
        ":click 1",
        "worker-01",
        ":as bob",
        ":click Approve",
        ":wait",
    )
    request = after(out, "Approval needed")
    assert "[1] Approve  [2] Reject" in request
    assert "Approved by @bob" in out
    assert "worker-01 (#12347) was deleted" in out


async def test_the_simulated_fleet_wears_the_catalog_create_offers(
    console: Console, tmp_path: Path
) -> None:
    (tmp_path / "catalog.yml").write_text(
        "plans:\n"
        "  - {id: 21, name: Tiny, vcpus: 1, memory: 1024, storage: 20}\n"
        "  - {id: 22, name: Huge, vcpus: 16, memory: 65536, storage: 960}\n"
        "operating_systems: [{id: 31, name: Debian 13}]\n"
        "locations: [{code: eu-north, name: EU North}]\n"
    )
    out = await console(
        "/vps list",
        "/vps create web-09 plan:huge os:debian location:eu-north",
        bot_catalog_file=tmp_path / "catalog.yml",
    )
    listed = out[out.index("\u203a /vps list") : out.index("\u203a /vps create")]
    assert "Tiny" in listed or "Huge" in listed
    for elsewhere in ("Standard VPS", "Performance VPS", "us-west", "us-east"):
        assert elsewhere not in listed  # only what `/vps create` offers
    assert "eu-north" in listed
    assert "web-09 (#12357) is being created" in out


async def test_a_line_of_words_is_a_direct_message_read_as_a_command(console: Console) -> None:
    out = await console("which servers are stopped?", "riavvia web-server-01", "1")
    assert "I read this as /vps list status:stopped" in out
    assert "status: stopped" in out
    assert "I read this as /vps reboot web-server-01" in out
    assert "going ahead" in out
    assert "is rebooting" in out
