"""What an operator copies out of Slack (IP, hostname, id, name) is exactly what the API sent:
byte for byte, with no invisible character inside, in the blocks and in the notification."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest

from bot.slack.blocks import ListFilters, Message
from bot.slack.blocks.card import build_server_card
from bot.slack.blocks.lifecycle import build_fleet_change, build_lifecycle
from bot.slack.blocks.messages import build_result
from bot.slack.blocks.servers import build_server_list
from bot.vps.models import Server

IP, IPV6, HOSTNAME = "203.0.113.10", "2001:db8::1", "web-01.example.com"
# Ordinary names: one that is a hostname, and one with an underscore inside a word.
NAMES = ["web-server-01", "web-01.example.com", "db_primary-2", "12345"]


def make_server(name: str) -> Server:
    return Server(
        id=12345,
        name=name,
        hostname=HOSTNAME,
        status="active",
        ip_address=IP,
        ipv6_address=IPV6,
        location="us-west",
    )


def block_texts(message: Message) -> list[str]:
    """The text of every text object in the blocks, as Slack receives it."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text"):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.to_dict()["blocks"])
    return found


def assert_no_invisible_characters(message: Message) -> None:
    everything = json.dumps(message.to_dict(), ensure_ascii=False)
    hidden = [f"U+{ord(ch):04X}" for ch in everything if unicodedata.category(ch) == "Cf"]
    assert not hidden, f"invisible characters in {everything}"


def shows(texts: list[str], value: str) -> bool:
    return any(value in text for text in texts)


@pytest.mark.parametrize("name", NAMES)
def test_the_card_shows_ip_hostname_and_name_exactly(name: str) -> None:
    card = build_server_card(make_server(name), actions=["reboot"])
    texts = block_texts(card)
    for value in (IP, IPV6, HOSTNAME, name, "#12345"):
        assert shows(texts, value), value
    assert name in card.text
    assert_no_invisible_characters(card)


@pytest.mark.parametrize("name", NAMES)
def test_the_list_shows_ip_and_name_exactly(name: str) -> None:
    page = build_server_list(
        [make_server(name)], page=1, page_size=10, total=1, filters=ListFilters(text=name)
    )
    texts = block_texts(page)
    for value in (IP, name, "#12345"):
        assert shows(texts, value), value
    assert name in page.text  # the filter, in the notification
    assert_no_invisible_characters(page)


@pytest.mark.parametrize("name", NAMES)
def test_the_result_and_ops_notification_show_ip_and_name_exactly(name: str) -> None:
    # The same message goes to the channel that asked and to the ops channel.
    result = build_result(
        ok=True,
        action="reboot",
        server=make_server(name),
        user_id="U0ALICE01",
        channel_id="C0OPS0001",
    )
    texts = block_texts(result)
    for value in (IP, name, "#12345"):
        assert shows(texts, value), value
    assert name in result.text
    assert_no_invisible_characters(result)


@pytest.mark.parametrize("name", NAMES)
def test_the_lifecycle_report_shows_ip_and_name_exactly(name: str) -> None:
    report = build_lifecycle(
        action="reboot",
        server_name=name,
        server_id=12345,
        status="active",
        user_id="U0ALICE01",
        channel_id="C0OPS0001",
        seconds=61,
        ip_address=IP,
        outcome="steady",
    )
    assert shows(block_texts(report), f"`{IP}`")
    assert shows(block_texts(report), name)
    assert f"at `{IP}` after 1m01s" in report.text
    assert name in report.text
    assert_no_invisible_characters(report)


@pytest.mark.parametrize("name", NAMES)
def test_the_fleet_monitor_notice_shows_the_name_exactly(name: str) -> None:
    notice = build_fleet_change(12345, name, "active", "stopped")
    assert shows(block_texts(notice), name)
    assert name in notice.text
    assert_no_invisible_characters(notice)


def test_a_name_that_is_a_hostname_is_one_code_span_in_the_notification() -> None:
    """Where Slack auto-parses (the notification text), the name cannot link, yet stays whole."""
    result = build_result(ok=True, action="stop", server=make_server("web-01.example.com"))
    assert result.text == "`web-01.example.com` (#12345) is stopping"
