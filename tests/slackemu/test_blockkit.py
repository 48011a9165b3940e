"""Block Kit validation: the mistakes Slack refuses, named the way Slack names them."""

from __future__ import annotations

from typing import Any

import pytest

from slackemu import validate_blocks, validate_view
from tests.slackemu.tiny_app import CARD, DELETE_MODAL


def _text(text: str, kind: str = "plain_text") -> dict[str, str]:
    return {"type": kind, "text": text}


def _button(action_id: str, text: str = "Go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": _text(text), **extra}


def _select(options: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"type": "static_select", "action_id": "pick", "options": options, **extra}


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": _text(text), "value": value}


def test_well_formed_messages_and_modals_pass() -> None:
    assert validate_blocks(CARD) == []
    assert validate_view(DELETE_MODAL) == []


@pytest.mark.parametrize(
    ("blocks", "error"),
    [
        (
            [{"type": "section", "text": _text("x" * 3001, "mrkdwn")}],
            "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
        ),
        ([{"type": "section"}], "must provide either text or fields [json-pointer:/blocks/0]"),
        (
            [{"type": "section", "fields": [_text("f")] * 11}],
            "no more than 10 items allowed [json-pointer:/blocks/0/fields]",
        ),
        (
            [{"type": "header", "text": _text("Hi", "mrkdwn")}],
            "must be one of: plain_text [json-pointer:/blocks/0/text/type]",
        ),
        (
            [{"type": "header", "text": _text("h" * 151)}],
            "must be less than 151 characters [json-pointer:/blocks/0/text/text]",
        ),
        ([{"type": "sectoin"}], "unsupported type: sectoin [json-pointer:/blocks/0/type]"),
        ([{"type": "divider"}] * 51, "no more than 50 items allowed [json-pointer:/blocks]"),
        (
            [{"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "a"}],
            "duplicate block_id: a [json-pointer:/blocks/1/block_id]",
        ),
        (
            [{"type": "actions", "elements": [_button("go"), _button("go")]}],
            "duplicate action_id: go [json-pointer:/blocks/0/elements/1/action_id]",
        ),
        (
            [{"type": "actions", "elements": [_button("go", "b" * 76)]}],
            "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
        ),
        (
            [{"type": "actions", "elements": [_button("go", style="warning")]}],
            "must be one of: primary, danger [json-pointer:/blocks/0/elements/0/style]",
        ),
        (
            [{"type": "actions", "elements": [_button("go", value="v" * 2001)]}],
            "must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]",
        ),
        (
            [{"type": "actions", "elements": [_button(f"b{n}") for n in range(26)]}],
            "no more than 25 items allowed [json-pointer:/blocks/0/elements]",
        ),
        (
            [{"type": "context", "elements": [_text("c")] * 11}],
            "no more than 10 items allowed [json-pointer:/blocks/0/elements]",
        ),
        (
            [{"type": "actions", "elements": [_select([_option("Big", "v" * 151)])]}],
            "must be less than 151 characters [json-pointer:/blocks/0/elements/0/options/0/value]",
        ),
        (
            [
                {
                    "type": "actions",
                    "elements": [_select([_option("A", "a")], initial_option=_option("B", "b"))],
                }
            ],
            "must match one of the options [json-pointer:/blocks/0/elements/0/initial_option]",
        ),
        (
            [{"type": "actions", "elements": [_select([_option("A", "a")] * 101)]}],
            "no more than 100 items allowed [json-pointer:/blocks/0/elements/0/options]",
        ),
        (
            [{"type": "section", "txt": _text("typo"), "fields": [_text("f")]}],
            "invalid additional property: txt [json-pointer:/blocks/0/txt]",
        ),
        (
            [{"type": "section", "text": {"type": "mrkdwn", "text": "x", "emoji": True}}],
            "invalid additional property: emoji [json-pointer:/blocks/0/text/emoji]",
        ),
        # The emulator's own rule: what a bot shows must copy byte for byte.
        (
            [{"type": "section", "text": _text("203.\u20600.113.10", "mrkdwn")}],
            "must not contain invisible characters (U+2060 at 4) "
            "[json-pointer:/blocks/0/text/text]",
        ),
        (
            [{"type": "context", "elements": [_text("x"), _text("\u00ad&gt; quote", "mrkdwn")]}],
            "must not contain invisible characters (U+00AD at 0) "
            "[json-pointer:/blocks/0/elements/1/text]",
        ),
        (
            [{"type": "actions", "elements": [_button("go", "Stop web\u200b-01")]}],
            "must not contain invisible characters (U+200B at 8) "
            "[json-pointer:/blocks/0/elements/0/text/text]",
        ),
    ],
)
def test_message_mistakes_are_refused(blocks: list[dict[str, Any]], error: str) -> None:
    assert f"[ERROR] {error}" in validate_blocks(blocks)


def test_action_ids_may_repeat_across_blocks() -> None:
    # Slack wants an action_id unique within its block: a list of server cards may reuse one.
    cards = [
        {"type": "section", "text": _text("web-01"), "accessory": _button("show", value="1")},
        {"type": "section", "text": _text("web-02"), "accessory": _button("show", value="2")},
    ]

    assert validate_blocks(cards) == []


def test_modals_allow_a_hundred_blocks() -> None:
    assert validate_blocks([{"type": "divider"}] * 100, surface="modal") == []


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (
            {"title": _text("t" * 25)},
            "must be less than 25 characters [json-pointer:/view/title/text]",
        ),
        (
            {"submit": _text("s" * 25)},
            "must be less than 25 characters [json-pointer:/view/submit/text]",
        ),
        (
            {"private_metadata": "m" * 3001},
            "must be less than 3001 characters [json-pointer:/view/private_metadata]",
        ),
        (
            {"callback_id": "c" * 256},
            "must be less than 256 characters [json-pointer:/view/callback_id]",
        ),
        ({"submit": None}, "must provide an object [json-pointer:/view/submit]"),
        ({"type": "home"}, "unsupported type: home [json-pointer:/view/type]"),
    ],
)
def test_modal_mistakes_are_refused(change: dict[str, Any], error: str) -> None:
    assert f"[ERROR] {error}" in validate_view({**DELETE_MODAL, **change})


def test_input_blocks_need_a_submit_button_and_a_plain_label() -> None:
    view = {key: value for key, value in DELETE_MODAL.items() if key != "submit"}
    element = {"type": "plain_text_input", "action_id": "name"}
    view["blocks"] = [{"type": "input", "label": _text("*Name*", "mrkdwn"), "element": element}]

    errors = validate_view(view)

    assert (
        "[ERROR] missing required field: submit (the view has input blocks) [json-pointer:/view]"
        in errors
    )
    assert "[ERROR] must be one of: plain_text [json-pointer:/view/blocks/0/label/type]" in errors


def test_text_inputs_cannot_promise_more_than_3000_characters() -> None:
    element = {"type": "plain_text_input", "action_id": "name", "max_length": 5000}
    block = {"type": "input", "label": _text("Name"), "element": element}

    errors = validate_blocks([block], surface="modal")

    assert errors == [
        "[ERROR] must be between 1 and 3000 [json-pointer:/blocks/0/element/max_length]"
    ]
