"""The Block Kit builders: structure, Slack's limits for any input, and inert outside text."""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.catalog import Catalog, Location, load_catalog
from bot.operations.change import Request
from bot.slack import ids
from bot.slack.blocks import (
    LIST_PAGE_SIZE,
    ListFilters,
    Message,
    action_label,
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
    emoji_for,
)
from bot.slack.blocks.lifecycle import build_lifecycle
from bot.vps.models import OperatingSystem, Plan, ResourceUsage, Server

PLAN = Plan(id=1, name="Standard VPS", vcpus=2, memory=4096, storage=80, bandwidth=2048)
UBUNTU = OperatingSystem(id=5, name="Ubuntu 22.04 LTS")
HOSTILE = ("<!channel>", "<!here>", "<@U0EVIL01>", "*x*", "evil.com", "`rm`", "~s~", "_i_")
LONG = "a" * 10_000
CODE_SPAN = re.compile(r"`[^`]*`")


def make_server(server_id: int = 12345, **changes: Any) -> Server:
    fields: dict[str, Any] = {
        "id": server_id,
        "name": "web-server-01",
        "hostname": "web-01.example.com",
        "status": "active",
        "ip_address": "203.0.113.10",
        "ipv6_address": "2001:db8::1",
        "location": "us-west",
        "plan": PLAN,
        "os": UBUNTU,
        "backups_enabled": True,
        "resource_usage": ResourceUsage(
            cpu_percent=23.4, memory_used=1638.4, disk_used=23.5, bandwidth_used=120
        ),
        "created_at": datetime(2024, 1, 15, 10, 30, tzinfo=UTC),
        "updated_at": datetime(2024, 2, 1, 8, 0, tzinfo=UTC),
    }
    fields.update(changes)
    return Server(**fields)


def hostile_server(text: str, server_id: int = 666) -> Server:
    """Every piece of text the API sends about a server, set to `text`."""
    return make_server(
        server_id,
        name=text,
        hostname=text,
        status=text,
        ip_address=text,
        ipv6_address=text,
        location=text,
        plan=Plan(id=9, name=text, vcpus=2, memory=512, storage=10, bandwidth=100),
        os=OperatingSystem(id=9, name=text),
        message=text,
    )


# --- a walker for Slack's limits -------------------------------------------------------------

BUTTON_TYPES = {"button"}


def limit_problems(payload: dict[str, Any], *, surface: str) -> list[str]:
    """Every Slack limit `payload` (a message's to_dict() or a view's) breaks."""
    problems: list[str] = []

    def check(ok: bool, what: str) -> None:
        if not ok:
            problems.append(what)

    def text_len(obj: dict[str, Any] | None, limit: int, what: str) -> None:
        if obj is None:
            return
        check(1 <= len(obj["text"]) <= limit, f"{what}: {len(obj['text'])} > {limit}")

    def element(el: dict[str, Any]) -> None:
        kind = el["type"]
        check(len(el.get("action_id", "")) <= 255, "action_id")
        if kind in BUTTON_TYPES:
            text_len(el["text"], 75, "button text")
            check(len(el.get("value", "")) <= 2000, "button value")
        if kind in {"static_select", "checkboxes"}:
            check(1 <= len(el["options"]) <= 100, "options count")
            for option in el["options"]:
                text_len(option["text"], 75, "option text")
                check(1 <= len(option["value"]) <= 150, "option value")
        if "placeholder" in el:
            text_len(el["placeholder"], 150, "placeholder")
        check(len(el.get("initial_value", "")) <= 3000, "initial_value")

    def block(b: dict[str, Any]) -> None:
        kind = b["type"]
        check(len(b.get("block_id", "")) <= 255, "block_id")
        if kind == "section":
            check("text" in b or "fields" in b, "empty section")
            text_len(b.get("text"), 3000, "section text")
            check(len(b.get("fields", [])) <= 10, "fields count")
            for field in b.get("fields", []):
                text_len(field, 2000, "field text")
            if "accessory" in b:
                element(b["accessory"])
        elif kind == "header":
            text_len(b["text"], 150, "header text")
        elif kind == "context":
            check(1 <= len(b["elements"]) <= 10, "context elements")
            for piece in b["elements"]:
                text_len(piece, 3000, "context text")
        elif kind == "actions":
            check(1 <= len(b["elements"]) <= 25, "actions elements")
            for el in b["elements"]:
                element(el)
        elif kind == "input":
            text_len(b["label"], 2000, "input label")
            text_len(b.get("hint"), 2000, "input hint")
            element(b["element"])

    if surface == "message":
        check(1 <= len(payload["text"]) <= 4000, "fallback text")
        check(1 <= len(payload["blocks"]) <= 50, f"{len(payload['blocks'])} blocks")
    else:
        check(1 <= len(payload["blocks"]) <= 100, "modal blocks")
        text_len(payload["title"], 24, "modal title")
        text_len(payload.get("submit"), 24, "modal submit")
        text_len(payload.get("close"), 24, "modal close")
        check(len(payload.get("private_metadata", "")) <= 3000, "private_metadata")
    for b in payload["blocks"]:
        block(b)
    return problems


def text_objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every text object (mrkdwn or plain_text) inside a payload."""
    if isinstance(node, dict):
        if node.get("type") in {"mrkdwn", "plain_text"} and isinstance(node.get("text"), str):
            yield node
        for value in node.values():
            yield from text_objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from text_objects(item)


def assert_fits(payload: dict[str, Any], *, surface: str = "message") -> None:
    assert limit_problems(payload, surface=surface) == []


def rendered(message: Message) -> dict[str, Any]:
    """The message as Slack gets it; slack_sdk validates its own limits on the way."""
    payload = message.to_dict()
    assert_fits(payload)
    return payload


def blocks_of(payload: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [b for b in payload["blocks"] if b["type"] == kind]


def buttons(payload: dict[str, Any]) -> list[dict[str, Any]]:
    found = [el for b in blocks_of(payload, "actions") for el in b["elements"]]
    found += [b["accessory"] for b in blocks_of(payload, "section") if "accessory" in b]
    return found


def all_text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


# --- the server list -------------------------------------------------------------------------


def fleet(count: int) -> list[Server]:
    return [make_server(1000 + i, name=f"web-{i:03d}") for i in range(count)]


def list_page(servers: list[Server], page: int, filters: ListFilters | None = None) -> Message:
    start = (page - 1) * LIST_PAGE_SIZE
    return build_server_list(
        servers[start : start + LIST_PAGE_SIZE],
        page=page,
        page_size=LIST_PAGE_SIZE,
        total=len(servers),
        filters=filters or ListFilters(),
    )


def nav_ids(payload: dict[str, Any]) -> list[str]:
    return [b["action_id"] for b in buttons(payload) if b["action_id"] != ids.CARD_SHOW]


def test_paging_buttons_appear_only_where_there_is_such_a_page() -> None:
    servers = fleet(3 * LIST_PAGE_SIZE)
    assert nav_ids(rendered(list_page(servers, 1))) == [ids.LIST_NEXT]
    assert nav_ids(rendered(list_page(servers, 2))) == [ids.LIST_PREVIOUS, ids.LIST_NEXT]
    assert nav_ids(rendered(list_page(servers, 3))) == [ids.LIST_PREVIOUS]
    assert nav_ids(rendered(list_page(servers[:4], 1))) == []


def test_paging_buttons_carry_the_filters_and_the_target_page() -> None:
    filters = ListFilters(status="active", location="us-west", text="web")
    payload = rendered(list_page(fleet(30), 2, filters))
    by_id = {b["action_id"]: b["value"] for b in buttons(payload)}
    assert ListFilters.from_value(by_id[ids.LIST_NEXT]) == (filters, 3)
    assert ListFilters.from_value(by_id[ids.LIST_PREVIOUS]) == (filters, 1)


def test_every_page_of_a_big_fleet_fits_and_shows_its_servers() -> None:
    servers = fleet(250)
    pages = math.ceil(250 / LIST_PAGE_SIZE)
    for page in range(1, pages + 1):
        message = list_page(servers, page, ListFilters(text="web"))
        payload = rendered(message)
        shows = [b["value"] for b in buttons(payload) if b["action_id"] == ids.CARD_SHOW]
        start = (page - 1) * LIST_PAGE_SIZE
        assert shows == [str(s.id) for s in servers[start : start + LIST_PAGE_SIZE]]
        assert f"of {250:,}" in message.text


def test_a_row_shows_status_name_id_ip_location_and_plan() -> None:
    payload = rendered(list_page([make_server()], 1))
    row = next(b for b in blocks_of(payload, "section") if "accessory" in b)["text"]["text"]
    assert row.startswith(":large_green_circle: *web-server-01*")
    assert "#12345" in row
    assert "`203.0.113.10`" in row  # the IP, exactly, in a code span
    assert "us-west" in row
    assert "Standard VPS" in row
    assert "no IP yet" in all_text(rendered(list_page([make_server(ip_address=None)], 1)))


def test_too_many_servers_for_one_page_still_fit() -> None:
    payload = rendered(
        build_server_list(fleet(500), page=1, page_size=500, total=500, filters=ListFilters())
    )
    assert len(payload["blocks"]) <= 50
    assert "more not shown" in all_text(payload)


def test_an_empty_list_says_what_did_not_match_and_what_to_try() -> None:
    filters = ListFilters(status="suspended", location="us-east", text="db")
    message = build_server_list([], page=1, page_size=10, total=0, filters=filters)
    text = all_text(rendered(message))
    assert "No servers match" in text
    assert "suspended" in text
    assert "/vps list" in text
    assert nav_ids(message.to_dict()) == []
    fresh = all_text(
        rendered(build_server_list([], page=1, page_size=10, total=0, filters=ListFilters()))
    )
    assert "No servers yet" in fresh
    assert "/vps create" in fresh


def test_a_page_past_the_end_offers_the_way_back() -> None:
    payload = rendered(build_server_list([], page=9, page_size=10, total=25, filters=ListFilters()))
    back = next(b for b in buttons(payload) if b["action_id"] == ids.LIST_PREVIOUS)
    assert ListFilters.from_value(back["value"]) == (ListFilters(), 3)


# --- the list state in a button value --------------------------------------------------------


@pytest.mark.parametrize(
    "filters",
    [
        ListFilters(),
        ListFilters(status="active"),
        ListFilters(status="stopped", location="us-west", text='we"b\\ “ü” 🚀'),
    ],
)
def test_list_filters_round_trip(filters: ListFilters) -> None:
    assert ListFilters.from_value(filters.to_value(7)) == (filters, 7)


def test_a_huge_text_filter_is_cut_to_fit_a_button_value() -> None:
    filters = ListFilters(status="x" * 500, location="y" * 500, text='\x00"' * 5000)
    value = filters.to_value(2)
    assert len(value) <= 2000
    parsed, page = ListFilters.from_value(value)
    assert page == 2
    assert parsed.text
    assert ('\x00"' * 5000).startswith(parsed.text)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not json",
        "[]",
        "null",
        '{"page": 0}',
        '{"page": true}',
        '{"page": 1.5}',
        '{"page": "2"}',
        '{"page": 99999999}',
        '{"status": "active"}',
        '{"page": 1, "admin": true}',
        '{"page": 1, "status": 5}',
        '{"page": 1, "text": ""}',
        '{"page": 1, "location": ["us-west"]}',
        '{"page": 1, "text": "' + "x" * 300 + '"}',
        '{"page": 1, "text": "' + "x" * 3000 + '"}',
    ],
)
def test_tampered_list_state_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="list state"):
        ListFilters.from_value(value)


# --- the server card -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "allowed",
    [
        ["start", "stop", "reboot", "delete"],
        ["delete", "stop"],
        ["reboot"],
        ["stop", "update", "list"],
    ],
)
def test_the_card_offers_exactly_the_permitted_actions(allowed: list[str]) -> None:
    payload = rendered(build_server_card(make_server(), actions=allowed))
    order = ["start", "stop", "reboot", "delete"]
    expected = [ids.card_action(a) for a in order if a in allowed] + [ids.CARD_REFRESH]
    assert [b["action_id"] for b in buttons(payload)] == expected
    for b in buttons(payload):  # each button holds the request it makes
        request = Request.load(b["value"])
        assert request is not None
        assert request.target == "#12345"
        assert b["action_id"] in {ids.card_action(request.operation), ids.CARD_REFRESH}
    assert all(b.get("style") != "danger" for b in buttons(payload))


def test_a_card_without_actions_says_why_instead_of_showing_buttons() -> None:
    payload = rendered(build_server_card(make_server(), actions=[]))
    [actions] = blocks_of(payload, "actions")
    assert [e["action_id"] for e in actions["elements"]] == ["vps_card_refresh"]
    assert "/vps whoami" in all_text(payload)


def test_the_card_shows_the_details_and_usage() -> None:
    message = build_server_card(make_server(), actions=["start"])
    payload = rendered(message)
    assert blocks_of(payload, "header")[0]["text"]["text"] == "web-server-01"
    text = all_text(payload)
    for expected in [
        ":large_green_circle: *Active*",
        "*ID*\\n#12345",
        "`web-01.example.com`",
        "`203.0.113.10`",
        "`2001:db8::1`",
        "2 vCPU · 4 GB RAM · 80 GB disk · 2 TB transfer",
        "Ubuntu 22.04 LTS",
        "2024-01-15 10:30 UTC",
        "▰▰▱▱▱▱▱▱▱▱ 23%",
        "1.6 GB of 4 GB (40%)",
        "23.5 GB of 80 GB (29%)",
        "120 GB of 2 TB (6%)",
    ]:
        assert expected in text
    assert message.text.startswith("web-server-01")


def test_a_card_without_usage_or_details_still_fits() -> None:
    bare = Server(id=1, name="new-box", status="provisioning")
    payload = rendered(build_server_card(bare, actions=["delete"]))
    assert ":hourglass_flowing_sand:" in all_text(payload)
    assert "Resource usage" not in all_text(payload)


@pytest.mark.parametrize("odd", [math.nan, math.inf, -5.0, 1e300, 0.0, 250.0])
def test_odd_usage_numbers_never_break_the_card(odd: float) -> None:
    usage = ResourceUsage(cpu_percent=odd, memory_used=odd, disk_used=odd, bandwidth_used=odd)
    empty = Plan(id=1, name="p", vcpus=0, memory=0, storage=0, bandwidth=None)
    huge = Plan(id=2, name="q", vcpus=10**30, memory=-1, storage=10**30, bandwidth=10**30)
    for plan in (PLAN, empty, huge, None):
        rendered(build_server_card(make_server(resource_usage=usage, plan=plan), actions=["stop"]))


# --- confirmation ----------------------------------------------------------------------------


def test_the_prompt_has_a_danger_button_that_names_the_server_and_a_cancel() -> None:
    message = build_confirm_prompt(
        action="stop", server=make_server(), confirmation_id="cf-123", expires_in=300
    )
    payload = rendered(message)
    confirm, cancel = blocks_of(payload, "actions")[0]["elements"]
    assert confirm == {
        "type": "button",
        "action_id": ids.CONFIRM,
        "value": "cf-123",
        "style": "danger",
        "text": {"type": "plain_text", "text": "Stop web-server-01", "emoji": False},
    }
    assert cancel["action_id"] == ids.CANCEL
    assert cancel["value"] == "cf-123"
    assert cancel["text"]["text"] == "Cancel"
    assert "style" not in cancel
    text = all_text(payload)
    for fact in ["#12345", "`203.0.113.10`", "us-west", "stays stopped"]:
        assert fact in text
    assert "Only you can confirm. Expires in 5 minutes." in text
    assert "stop" in message.text


@pytest.mark.parametrize(
    ("action", "words"),
    [
        ("delete", "cannot be undone"),
        ("reboot", "restarts"),
        ("start", "Start"),
        ("update", "as follows"),
        ("create", "Create a new server"),
        ("resize", "Resize"),
    ],
)
def test_the_prompt_says_what_each_action_does(action: str, words: str) -> None:
    message = build_confirm_prompt(
        action=action,
        server=make_server(),
        confirmation_id="cf",
        expires_in=61,
        changes=[("Name", "web-02"), ("Backups", "on")],
    )
    payload = rendered(message)
    assert words in all_text(payload)
    confirm = blocks_of(payload, "actions")[0]["elements"][0]
    assert confirm["text"]["text"] == f"{action_label(action)} web-server-01"
    assert "Expires in 1 minute." in all_text(payload)


def test_a_long_name_is_cut_in_the_button_but_the_verb_stays() -> None:
    payload = rendered(
        build_confirm_prompt(
            action="delete", server=make_server(name=LONG), confirmation_id="c", expires_in=300
        )
    )
    confirm = blocks_of(payload, "actions")[0]["elements"][0]
    assert confirm["text"]["text"].startswith("Delete aaa")
    assert len(confirm["text"]["text"]) == 75


def test_many_changes_fit_in_ten_fields() -> None:
    changes = [(f"field {i}", LONG) for i in range(30)]
    payload = rendered(
        build_confirm_prompt(
            action="update",
            server=make_server(),
            confirmation_id="c",
            expires_in=300,
            changes=changes,
        )
    )
    assert "and 21 more" in all_text(payload)


def test_a_confirmation_id_that_cannot_fit_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="confirmation id"):
        build_confirm_prompt(
            action="stop", server=make_server(), confirmation_id="x" * 2001, expires_in=1
        )
    with pytest.raises(ValueError, match="confirmation id"):
        build_delete_modal(server=make_server(), confirmation_id="")


def test_the_delete_modal_asks_for_the_name() -> None:
    view = build_delete_modal(server=make_server(), confirmation_id="cf-9").to_dict()
    assert_fits(view, surface="modal")
    assert view["callback_id"] == ids.DELETE_MODAL
    assert view["private_metadata"] == "cf-9"
    assert view["title"]["text"] == "Delete server"
    assert view["submit"]["text"] == "Delete"
    assert view["close"]["text"] == "Cancel"
    (name_input,) = blocks_of(view, "input")
    assert name_input["block_id"] == ids.DELETE_NAME_BLOCK
    assert name_input["element"]["type"] == "plain_text_input"
    assert name_input["element"]["action_id"] == ids.DELETE_NAME_INPUT
    assert name_input["label"]["text"] == "Type the server's name to confirm"
    assert "web-server-01" in name_input["hint"]["text"]
    assert "cannot be undone" in all_text(view)


def test_the_prompt_outcome_replaces_the_prompt_with_plain_words() -> None:
    payload = rendered(build_prompt_outcome("Confirmed — stopping <!here>…", emoji=":gear:"))
    assert payload["blocks"][0]["text"]["text"].startswith(":gear: Confirmed")
    assert "<!here>" not in all_text(payload)
    bad_emoji = rendered(build_prompt_outcome("Cancelled.", emoji="<!channel>"))
    assert "<!channel>" not in all_text(bad_emoji)


# --- the create modal ------------------------------------------------------------------------


def select_values(view: dict[str, Any], block_id: str) -> list[str]:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return [o["value"] for o in block["element"]["options"]]


def test_the_create_modal_lists_the_catalog() -> None:
    catalog = load_catalog()
    view = build_create_modal(catalog, private_metadata='{"channel_id": "C1"}').to_dict()
    assert_fits(view, surface="modal")
    assert view["callback_id"] == ids.CREATE_MODAL
    assert view["private_metadata"] == '{"channel_id": "C1"}'
    assert select_values(view, ids.CREATE_PLAN) == [str(p.id) for p in catalog.plans]
    assert select_values(view, ids.CREATE_OS) == [str(o.id) for o in catalog.operating_systems]
    assert select_values(view, ids.CREATE_LOCATION) == [loc.code for loc in catalog.locations]
    assert "Standard VPS — 2 vCPU, 4 GB RAM, 80 GB disk" in all_text(view)
    inputs = {b["block_id"]: b for b in blocks_of(view, "input")}
    assert set(inputs) == {
        ids.CREATE_NAME,
        ids.CREATE_PLAN,
        ids.CREATE_OS,
        ids.CREATE_LOCATION,
        ids.CREATE_HOSTNAME,
        ids.CREATE_SSH_KEY,
        ids.CREATE_BACKUPS,
    }
    for block_id, block in inputs.items():
        assert block["element"]["action_id"] == block_id + ids.INPUT_SUFFIX
    optional = {b for b, block in inputs.items() if block.get("optional")}
    assert optional == {ids.CREATE_HOSTNAME, ids.CREATE_SSH_KEY, ids.CREATE_BACKUPS}
    assert inputs[ids.CREATE_BACKUPS]["element"]["type"] == "checkboxes"


def test_the_create_modal_is_prefilled_from_values() -> None:
    values = {
        ids.CREATE_NAME: "web-07",
        ids.CREATE_PLAN: "performance vps",
        ids.CREATE_OS: "3",
        ids.CREATE_LOCATION: "US-EAST",
        ids.CREATE_HOSTNAME: "web-07.example.com",
        ids.CREATE_BACKUPS: "on",
    }
    view = build_create_modal(load_catalog(), private_metadata="{}", values=values).to_dict()
    inputs = {b["block_id"]: b["element"] for b in blocks_of(view, "input")}
    assert inputs[ids.CREATE_NAME]["initial_value"] == "web-07"
    assert inputs[ids.CREATE_PLAN]["initial_option"]["value"] == "2"
    assert inputs[ids.CREATE_OS]["initial_option"]["value"] == "3"
    assert inputs[ids.CREATE_LOCATION]["initial_option"]["value"] == "us-east"
    assert inputs[ids.CREATE_HOSTNAME]["initial_value"] == "web-07.example.com"
    assert [o["value"] for o in inputs[ids.CREATE_BACKUPS]["initial_options"]] == ["on"]
    unknown = build_create_modal(
        load_catalog(), private_metadata="{}", values={ids.CREATE_PLAN: "9"}
    )
    assert "initial_option" not in unknown.to_dict()["blocks"][1]["element"]


def test_a_huge_or_empty_catalog_still_makes_a_valid_modal() -> None:
    huge = Catalog(
        plans=tuple(Plan(id=i, name=LONG, vcpus=i, memory=i * 1024, storage=i) for i in range(150)),
        operating_systems=(),
        locations=(Location(code="x" * 200, name="too long"), Location(code="eu", name=LONG)),
    )
    view = build_create_modal(huge, private_metadata="").to_dict()
    assert_fits(view, surface="modal")
    assert len(select_values(view, ids.CREATE_PLAN)) == 100
    assert select_values(view, ids.CREATE_LOCATION) == ["eu"]
    os_block = next(b for b in view["blocks"] if b.get("block_id") == ids.CREATE_OS)
    assert os_block["element"]["type"] == "plain_text_input"
    assert os_block["element"]["action_id"] == ids.CREATE_OS + ids.INPUT_SUFFIX
    with pytest.raises(ValueError, match="private_metadata"):
        build_create_modal(huge, private_metadata="m" * 3001)


# --- messages --------------------------------------------------------------------------------


def test_a_result_names_the_server_the_outcome_and_who_asked() -> None:
    message = build_result(
        ok=True, action="stop", server=make_server(), user_id="U0ALICE01", channel_id="C0OPS0001"
    )
    text = all_text(rendered(message))
    assert ":white_check_mark: *web-server-01* (#12345) is stopping" in text
    assert "Requested by <@U0ALICE01> in <#C0OPS0001>" in text
    assert message.text.startswith("web-server-01")


def test_a_failed_result_quotes_the_api_safely() -> None:
    message = build_result(
        ok=False,
        action="reboot",
        server_name="db-1",
        server_id=7,
        user_id="<!channel>",
        detail="Server is locked <!here> see evil.com",
    )
    payload = rendered(message)
    text = all_text(payload)
    assert ":warning: Couldn't reboot *db-1* (#7)" in text
    assert "Server is locked" in text
    for raw in ("<!here>", "<!channel>"):
        assert raw not in text
    assert "see evil.com" in text  # in a verbatim text object: shown as written, not linked
    assert message.text.startswith("Couldn't reboot db-1")
    no_name = rendered(build_result(ok=True, action="delete", server_id=7))
    assert "server #7 was deleted" in all_text(no_name)


def test_lifecycle_says_where_the_server_landed() -> None:
    server = make_server()
    message = build_lifecycle(
        action="start",
        server_name=server.name,
        server_id=server.id,
        status="active",
        user_id="U0ALICE01",
        channel_id="C0OPS0001",
        seconds=161,
        ip_address=server.ip_address,
        outcome="steady",
    )
    text = all_text(rendered(message))
    assert "is *active* at `203.0.113.10` after 2m41s" in text
    assert message.text == "web-server-01 (#12345) is active at `203.0.113.10` after 2m41s"


def test_errors_escape_the_message_and_keep_the_hint() -> None:
    payload = rendered(build_error("Bad <@U0EVIL01> *x*", hint="Try `/vps list`."))
    text = all_text(payload)
    assert "<@U0EVIL01>" not in text
    assert "*x*" not in text
    assert "Try `/vps list`." in text


def test_a_denial_keeps_the_policy_mentions() -> None:
    payload = rendered(build_denial("You can't *delete* here. Ask <@U0ADMIN01> in <#C0OPS0001>."))
    assert ":lock: You can't *delete* here. Ask <@U0ADMIN01> in <#C0OPS0001>." in all_text(payload)


def test_help_lists_what_the_caller_may_run_and_fits_however_long() -> None:
    usages = [("/vps list [status:&lt;status&gt;]", "A page of servers"), ("/vps whoami", "Who")]
    text = all_text(rendered(build_help("/vps", usages)))
    assert "`/vps list [status:&lt;status&gt;]` — A page of servers" in text
    assert "`/vps whoami` — Who" in text
    whole = all_text(rendered(build_help("/vps", [("`/vps stop &lt;server&gt;` — stop it", "")])))
    assert '`/vps stop &lt;server&gt;` — stop it"' in whole
    many = [(f"/vps cmd{i} " + "x" * 500, "y" * 2000) for i in range(200)]
    assert "more" in all_text(rendered(build_help("/vps", many)))
    assert "nothing you can run" in all_text(rendered(build_help("/vps", [])))


def test_whoami_shows_each_action_allowed_or_not() -> None:
    lines = [("list", True, "everyone may list"), ("delete", False, "only <@U0ALICE01>")]
    message = build_whoami("U0BOB0001", "C0DEV0001", lines)
    text = all_text(rendered(message))
    assert "You are <@U0BOB0001> in <#C0DEV0001>" in text
    assert ":white_check_mark: `list` — everyone may list" in text
    assert ":no_entry_sign: `delete` — only <@U0ALICE01>" in text
    assert message.text == "You can: list"


@pytest.mark.parametrize(
    ("status", "emoji"),
    [
        ("active", ":large_green_circle:"),
        ("stopped", ":red_circle:"),
        ("suspended", ":no_entry:"),
        ("provisioning", ":hourglass_flowing_sand:"),
        ("Rebooting", ":hourglass_flowing_sand:"),
        ("melting", ":grey_question:"),
        (None, ":grey_question:"),
    ],
)
def test_emoji_for_status(status: str | None, emoji: str) -> None:
    assert emoji_for(status) == emoji


# --- outside text, everywhere ----------------------------------------------------------------


def every_output(server: Server, text: str) -> list[tuple[dict[str, Any], str]]:
    """Every builder, fed `server` and `text` wherever outside text goes in."""
    catalog = Catalog(
        plans=(Plan(id=1, name=text, vcpus=1),),
        operating_systems=(OperatingSystem(id=2, name=text),),
        locations=(Location(code="eu", name=text),),
    )
    filters = ListFilters(status=text, location=text, text=text)
    messages = [
        build_server_list([server] * 3, page=2, page_size=3, total=9, filters=filters),
        build_server_list([], page=1, page_size=3, total=0, filters=filters),
        build_server_card(server, actions=["start", "stop", "reboot", "delete"]),
        build_server_card(server, actions=[], command=text),
        *(
            build_confirm_prompt(
                action=action,
                server=server,
                confirmation_id="c1",
                expires_in=300,
                changes=[(text, text)],
            )
            for action in ("start", "stop", "reboot", "delete", "update", "create", text)
        ),
        build_prompt_outcome(text),
        build_result(ok=True, action="stop", server=server, detail=text, user_id=text),
        build_result(ok=False, action=text, server_name=text, detail=text, channel_id=text),
        *(
            build_lifecycle(
                action=text,
                server_name=text,
                server_id=1,
                status=text,
                user_id=text,
                channel_id=text,
                seconds=3.5,
                ip_address=text,
                outcome=outcome,
            )
            for outcome in ("progress", "steady", "stuck", "gone")
        ),
        build_error(text),
        build_whoami(text, text, [(text, True, "ok")]),
    ]
    views = [
        build_delete_modal(server=server, confirmation_id="c1"),
        build_create_modal(
            catalog,
            private_metadata="{}",
            values={ids.CREATE_NAME: text, ids.CREATE_PLAN: text, ids.CREATE_BACKUPS: text},
        ),
    ]
    return [(rendered(m), "message") for m in messages] + [(v.to_dict(), "modal") for v in views]


@pytest.mark.parametrize("raw", [*HOSTILE, LONG, "a\nb", "> quote", "<https://evil.com|click>"])
def test_outside_text_is_inert_and_cut_everywhere(raw: str) -> None:
    text = f"{raw} {' '.join(HOSTILE)} {raw}"
    for payload, surface in every_output(hostile_server(text), text):
        assert_fits(payload, surface=surface)
        objects = [t for t in text_objects(payload) if t["type"] == "mrkdwn"]
        # Slack auto-parses nothing in a verbatim object: a bare evil.com there is no link.
        assert all(t.get("verbatim") is True for t in objects)
        mrkdwn = [t["text"] for t in objects]
        if surface == "message":
            mrkdwn.append(payload["text"])  # the notification text is parsed as mrkdwn too
            # ...and auto-parsed: what Slack would link is in code spans only.
            assert "evil.com" not in CODE_SPAN.sub("", payload["text"])
        for piece in mrkdwn:
            assert piece.count("`") % 2 == 0  # no code span cut open
            # Inside a code span Slack formats nothing, so only mentions and links matter there.
            outside_code = CODE_SPAN.sub("", piece)
            for token in HOSTILE:
                if token != "evil.com":
                    assert token not in outside_code
            for token in ("<!", "<@", "<#", "<http"):
                assert token not in piece
            assert "\n>" not in piece.replace("\n> ", "")  # our own quote only
        for obj in text_objects(payload):
            if obj["type"] == "plain_text":
                assert "\n" not in obj["text"]
                if raw in obj["text"] or "evil" in obj["text"]:
                    assert obj.get("emoji") is False  # outside text: :shortcodes: stay text
        assert "a" * 3001 not in all_text(payload)


def test_random_outside_text_never_breaks_slack_limits() -> None:
    rng = random.Random(20240115)
    alphabet = "ab.:@#<>&*_~`|!\n\t\u202e\u200b🚀ü“ “ " + "\x00\x1f"
    for _ in range(15):
        text = "".join(rng.choice(alphabet) for _ in range(rng.choice([1, 5, 80, 3000, 12_000])))
        for payload, surface in every_output(hostile_server(text, rng.randrange(1, 10**9)), text):
            assert_fits(payload, surface=surface)
