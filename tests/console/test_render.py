"""Block Kit → terminal text, on every builder the bot has and on hostile or broken input."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.catalog import load_catalog
from bot.console.mrkdwn import Style, mrkdwn, width
from bot.console.render import Rendered, render_blocks, render_message
from bot.slack.blocks import (
    ListFilters,
    Message,
    build_confirm_prompt,
    build_create_modal,
    build_delete_modal,
    build_denial,
    build_error,
    build_help,
    build_prompt_outcome,
    build_result,
    build_server_card,
    build_server_list,
    build_whoami,
)
from bot.slack.blocks.lifecycle import build_fleet_change, build_lifecycle
from bot.slack.blocks.notes import build_audit, build_note
from bot.state import AuditEntry
from bot.vps.models import Server

PLAIN, COLOUR = Style(colour=False), Style(colour=True)
SGR = re.compile(r"\x1b\[[0-9;]*m")
HOSTILE = (
    "\x1b[2J\x1b]0;pwned\x07 <!channel> *bold* `code` <@U0ADMIN01> <http://evil.example|click> "
    "&amp; \u202eevil\u202c :red_circle: line\nbreak \u2060\u00ad " + "x" * 300
)


class Names:
    def user_name(self, user_id: str) -> str | None:
        return {"U0YOU0001": "you", "U0ADMIN01": "admin"}.get(user_id)

    def channel_name(self, channel_id: str) -> str | None:
        return {"C0GENERA1": "general"}.get(channel_id)


def server(name: str = "web-server-01", status: str = "active", **extra: Any) -> Server:
    data: dict[str, Any] = {
        "id": 12345,
        "name": name,
        "hostname": "web01.example.com",
        "status": status,
        "ip_address": "203.0.113.10",
        "location": "us-west",
        "plan": {"id": 1, "name": "Standard VPS", "vcpus": 2, "memory": 4096, "storage": 80},
        "os": {"id": 5, "name": "Ubuntu 22.04 LTS"},
        "backups_enabled": True,
        "resource_usage": {"cpu_percent": 24.0, "memory_used": 2048, "disk_used": 35},
        **extra,
    }
    return Server.model_validate(data)


def show(message: Message, style: Style = PLAIN) -> Rendered:
    data = message.to_dict()
    return render_message(data["text"], data["blocks"], [], style, Names())


def text_of(rendered: Rendered) -> str:
    return "\n".join(rendered.lines)


def assert_readable(shown: str) -> None:
    """No Slack syntax left over, and nothing that drives the terminal but colour."""
    assert "\u2060" not in shown
    assert "&lt;" not in shown
    assert "&gt;" not in shown
    assert ":large_green_circle:" not in shown
    assert "\x1b" not in SGR.sub("", shown)
    assert "\x07" not in shown
    assert "\u202e" not in shown


def test_list_rows_buttons_and_paging() -> None:
    page = build_server_list(
        [server(), server("db-01", "stopped", id=12346)],
        page=1,
        page_size=2,
        total=5,
        filters=ListFilters(status="active"),
    )
    shown = show(page)
    out = text_of(shown)
    assert_readable(out)
    assert "🟢 web-server-01 · #12345 · active  [1] Show" in out
    assert "🔴 db-01 · #12346 · stopped  [2] Show" in out
    assert "   203.0.113.10 · us-west · Standard VPS" in out  # hangs under its row
    assert "status: active" in out
    assert "─" * 40 in out
    assert out.splitlines()[-1] == "[3] Next →"
    assert [c.label for c in shown.controls] == ["Show", "Show", "Next →"]
    assert [c.button_index for c in shown.controls] == [0, 1, 2]


def test_card_header_fields_and_buttons() -> None:
    out = text_of(show(build_server_card(server(), actions=["start", "stop"])))
    assert_readable(out)
    lines = out.splitlines()
    assert lines[0] == "web-server-01"
    assert lines[1] == "🟢 Active"
    column = {
        line.index(value) for line in lines for value in ("#12345", "us-west") if value in line
    }
    assert len(column) == 1  # every value starts in the same column
    assert "[1] Start  [2] Stop  [3] 🔄 Refresh" in out


def test_card_without_actions_says_why_and_can_only_be_refreshed() -> None:
    shown = show(build_server_card(server(), actions=[]))
    assert [c.label for c in shown.controls] == ["🔄 Refresh"]
    assert "🔒 You can't change this server here — /vps whoami says why." in text_of(shown)


def test_confirmation_prompt_outcome_and_colour() -> None:
    prompt = build_confirm_prompt(
        action="stop", server=server(), confirmation_id="abc", expires_in=300
    )
    out = text_of(show(prompt))
    assert "⚠️ Stop web-server-01?" in out
    assert "[1] Stop web-server-01 (danger)  [2] Cancel" in out
    assert "🔒 Only you can confirm. Expires in 5 minutes." in out
    coloured = text_of(show(prompt, COLOUR))
    assert "\x1b[31mStop web-server-01\x1b[0m (danger)" in coloured
    assert "\x1b[2m🔒 Only you can confirm" in coloured  # context is dim
    assert text_of(show(build_prompt_outcome("Cancelled.", emoji=":x:"))) == "❌ Cancelled."


def test_results_notes_and_lifecycle() -> None:
    result = build_result(
        ok=True, action="stop", server=server(), user_id="U0YOU0001", channel_id="C0GENERA1"
    )
    out = text_of(show(result))
    assert "web-server-01 (#12345) is stopping" in out
    assert "@you" in out
    assert "#general" in out
    steady = build_lifecycle(
        action="stop",
        server_name="web-server-01",
        server_id=12345,
        status="stopped",
        user_id="U0YOU0001",
        channel_id="C0GENERA1",
        seconds=161,
        outcome="steady",
    )
    assert "🔴 web-server-01 (#12345) is stopped after 2m41s" in text_of(show(steady))
    for message in (
        build_fleet_change(12345, "web-server-01", "active", "suspended"),
        build_error("VPS.org is down", hint="try again"),
        build_denial("You may not *stop* here."),
        build_note("Nothing to do.", hint="try /vps list"),
        build_help("/vps", [("/vps list", "a page of servers")]),
        build_whoami("U0YOU0001", "C0GENERA1", [("stop", True, "rule 1"), ("delete", False, "")]),
        build_audit(
            [
                AuditEntry(
                    time=1.8e9,
                    user_id="U0YOU0001",
                    channel_id="C0GENERA1",
                    action="stop",
                    server_id=12345,
                    server_name="web-01",
                    outcome="executed",
                )
            ]
        ),
    ):
        assert_readable(text_of(show(message)))


def test_modals_render_their_non_input_blocks() -> None:
    create = build_create_modal(load_catalog(None), private_metadata="{}").to_dict()
    out = text_of(render_blocks(create["blocks"], PLAIN, Names(), skip_inputs=True))
    assert out == "The server is created when you press Create; it takes a few minutes to boot."
    delete = build_delete_modal(server=server(), confirmation_id="abc").to_dict()
    out = text_of(render_blocks(delete["blocks"], PLAIN, Names()))
    assert "This cannot be undone." in out
    assert "✎ Type the server's name to confirm" in out


@pytest.mark.parametrize("style", [PLAIN, COLOUR])
def test_hostile_names_render_inert_through_every_builder(style: Style) -> None:
    nasty = server(HOSTILE, hostname=HOSTILE, message=HOSTILE, location=HOSTILE)
    for message in (
        build_server_list(
            [nasty], page=1, page_size=10, total=1, filters=ListFilters(text=HOSTILE)
        ),
        build_server_card(nasty, actions=["stop"]),
        build_confirm_prompt(action="stop", server=nasty, confirmation_id="a", expires_in=1),
        build_result(ok=False, action="stop", server=nasty, detail=HOSTILE),
        build_error(HOSTILE),
    ):
        out = text_of(show(message, style))
        assert_readable(out)
        assert "pwned" in out  # the text is shown, the escape sequence is not
        assert "<!channel>" in out  # escaped by the bot: Slack shows it as text, so do we


def test_mrkdwn_is_made_readable() -> None:
    assert mrkdwn("*web-01* is _on_ ~off~", PLAIN, Names()) == "web-01 is on off"
    assert mrkdwn("<@U0YOU0001> in <#C0GENERA1>", PLAIN, Names()) == "@you in #general"
    assert mrkdwn("<@U0NOBODY1|bob> <#C0NOWHERE|ops>", PLAIN, Names()) == "@bob #ops"
    assert mrkdwn("<!here> <!subteam^S0ONCALL1>", PLAIN, Names()) == "@here @S0ONCALL1"
    assert mrkdwn("<https://x.example|docs>", PLAIN, Names()) == "docs (https://x.example)"
    assert mrkdwn("&lt;server&gt; &amp;lt;", PLAIN, Names()) == "<server> &lt;"
    assert mrkdwn("203.0.113.10 VPS_API_TOKEN", PLAIN, Names()) == "203.0.113.10 VPS_API_TOKEN"
    assert mrkdwn("`*not bold*` :tada: :unknown:", PLAIN, Names()) == "*not bold* 🎉 :unknown:"
    assert mrkdwn("&gt; quoted", PLAIN, Names()) == "▎ quoted"
    assert mrkdwn("*a _b_ c*", COLOUR, Names()) == (
        "\x1b[0m\x1b[1ma \x1b[0m\x1b[1;3mb\x1b[0m\x1b[1m c\x1b[0m"
    )


@pytest.mark.parametrize(
    "blocks",
    [
        None,
        "text",
        [None, 1, "x", [], {}],
        [{"type": "section"}, {"type": "section", "text": 5, "fields": "no"}],
        [{"type": "actions", "elements": [{"type": "button"}, {"type": "datepicker"}, 3]}],
        [{"type": "context", "elements": [{"type": "image", "alt_text": "pic"}, None]}],
        [{"type": {"odd": 1}}, {"type": "table"}, {"type": "image"}, {"type": "markdown"}],
        [{"type": "rich_text", "elements": [{"type": "rich_text_list", "elements": [None]}]}],
    ],
)
def test_broken_blocks_never_crash(blocks: object) -> None:
    out = render_message("fallback", blocks, [None, {"fallback": "fb"}], COLOUR, Names())
    assert_readable(text_of(out))


def test_menus_and_attachments_are_numbered_too() -> None:
    blocks = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "Pick one"},
            "accessory": {
                "type": "overflow",
                "action_id": "more",
                "options": [
                    {"text": {"type": "plain_text", "text": "Edit"}, "value": "e"},
                    {"text": {"type": "plain_text", "text": "Drop"}, "value": "d"},
                ],
            },
        }
    ]
    attachments = [{"text": "old *style*", "fields": [{"title": "Plan", "value": "1"}]}]
    shown = render_message("x", blocks, attachments, PLAIN, Names())
    assert text_of(shown).splitlines() == [
        "Pick one  [1] ⋯ Choose: 1) Edit  2) Drop",
        "▌ old style",
        "▌   Plan  1",
    ]
    assert shown.controls[0].options == (("e", "Edit"), ("d", "Drop"))


def test_width_counts_wide_emoji_twice() -> None:
    assert width("ab") == 2
    assert width("🟢 a") == 4
    assert width("\x1b[1mab\x1b[0m") == 2
