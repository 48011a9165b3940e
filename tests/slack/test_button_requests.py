"""A card's button holds the `Request` it makes; what comes back from Slack is read with the same
model, and a card posted before (a bare server id) still works."""

from __future__ import annotations

import pytest

from bot.operations.change import Request
from bot.slack.blocks import build_server_card
from bot.slack.listeners.actions import _asked
from bot.vps import Server

WEB = Server(id=12345, name="web-01", status="active")


def test_a_card_button_holds_the_request_it_makes() -> None:
    card = build_server_card(WEB, actions=["stop"]).to_dict()
    values = [e["value"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [_asked(op, v) for op, v in zip(["stop", "show"], values, strict=True)] == [
        Request(operation="stop", target="#12345"),
        Request(operation="show", target="#12345"),
    ]


def test_a_card_posted_before_holds_a_bare_id() -> None:
    assert _asked("stop", "12345") == Request(operation="stop", target="#12345")


@pytest.mark.parametrize(
    "value",
    [
        '{"operation": "delete", "target": "#12345"}',  # another operation than the button's
        '{"operation": "stop"}',  # no target
        '{"operation": "stop", "target": "#12345", "extra": 1}',
        "not ours",
        "١٢٣",  # digits, but not ASCII ones
    ],
)
def test_a_value_that_is_not_ours_asks_nothing(value: str) -> None:
    assert _asked("stop", value) is None


def test_only_the_target_is_taken_from_a_button() -> None:
    forged = '{"operation": "stop", "target": "#12345", "values": {"name": "evil"}}'
    assert _asked("stop", forged) == Request(operation="stop", target="#12345")
