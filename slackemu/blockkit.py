"""Block Kit validation: Slack's documented limits, reported with Slack's error strings.

Each problem reads like Slack's: ``[ERROR] must be less than 3001 characters
[json-pointer:/blocks/0/text/text]``. It is strict where real mistakes happen (lengths, counts,
text object types, duplicate ids, unknown types) and lenient about the rarely used corners.

On one point it is stricter than Slack, on purpose: text an app sends (text objects, markdown
blocks, a message's top-level text) may hold no invisible format character (Unicode category
Cf: word joiners, zero-width spaces, soft hyphens, bidi controls). What a bot shows must
copy and search byte for byte, so every test that runs through the emulator checks that too.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Literal

from slackemu.model import JsonObject

Surface = Literal["message", "modal", "home"]

MAX_BLOCKS: dict[Surface, int] = {"message": 50, "modal": 100, "home": 100}
MAX_ID = 255

_SELECTS = {"static_select", "external_select", "users_select", "conversations_select"}
_SELECTS |= {"channels_select"} | {f"multi_{name}" for name in _SELECTS | {"channels_select"}}
_CHOICES = {"checkboxes", "radio_buttons"}
_PICKERS = {"datepicker", "timepicker", "datetimepicker"}
_INTERACTIVE = {"button", "overflow", "workflow_button"} | _SELECTS | _CHOICES | _PICKERS
_TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
ACCESSORY_TYPES = _INTERACTIVE - {"datetimepicker"} | {"image"}
ACTIONS_TYPES = _INTERACTIVE | {"rich_text_input"}
INPUT_TYPES = (_INTERACTIVE - {"button", "overflow", "workflow_button"}) | _TEXT_INPUTS
INPUT_TYPES |= {"rich_text_input", "file_input"}
# The fields Slack accepts on the text objects and the blocks apps use most; any other key is
# refused ("invalid additional property"), which catches typos like "txt" for "text".
_TEXT_KEYS = {"plain_text": {"type", "text", "emoji"}, "mrkdwn": {"type", "text", "verbatim"}}
_BLOCK_KEYS = {
    "section": {"type", "block_id", "text", "fields", "accessory", "expand"},
    "header": {"type", "block_id", "text", "level"},
    "divider": {"type", "block_id"},
    "context": {"type", "block_id", "elements"},
    "actions": {"type", "block_id", "elements"},
    "input": {"type", "block_id", "label", "element", "hint", "optional", "dispatch_action"},
}
BLOCK_TYPES = {"section", "header", "divider", "context", "actions", "input", "image"}
BLOCK_TYPES |= {"markdown", "rich_text", "video", "file", "table", "context_actions"}


class _Checker:
    """Walks one blocks array or view and collects every problem."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.block_ids: set[str] = set()

    def error(self, message: str, pointer: str) -> None:
        self.errors.append(f"[ERROR] {message} [json-pointer:{pointer}]")

    def string(self, obj: JsonObject, key: str, ptr: str, limit: int, *, required: bool) -> None:
        if key not in obj:
            if required:
                self.error(f"missing required field: {key}", ptr)
            return
        value = obj[key]
        if not isinstance(value, str):
            self.error("must provide a string", f"{ptr}/{key}")
        elif len(value) > limit:
            self.error(f"must be less than {limit + 1} characters", f"{ptr}/{key}")

    def text(
        self,
        obj: JsonObject,
        key: str,
        ptr: str,
        limit: int,
        *,
        required: bool = True,
        plain_only: bool = False,
    ) -> None:
        """A text object at ``obj[key]``: plain_text (or mrkdwn if allowed) of 1..limit chars."""
        if key not in obj:
            if required:
                self.error(f"missing required field: {key}", ptr)
            return
        self.text_object(obj[key], f"{ptr}/{key}", limit, plain_only=plain_only)

    def text_object(self, value: object, at: str, limit: int, *, plain_only: bool = False) -> None:
        if not isinstance(value, dict):
            self.error("must provide an object", at)
            return
        allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if value.get("type") not in allowed:
            self.error(f"must be one of: {', '.join(allowed)}", f"{at}/type")
        self.known_keys(value, _TEXT_KEYS.get(str(value.get("type"))), at)
        text = value.get("text")
        if not isinstance(text, str):
            self.error("must provide a string", f"{at}/text")
        elif not text:
            self.error("must be more than 0 characters", f"{at}/text")
        elif len(text) > limit:
            self.error(f"must be less than {limit + 1} characters", f"{at}/text")
        else:
            self.visible(text, f"{at}/text")

    def visible(self, text: str, ptr: str) -> None:
        problem = _invisible(text)
        if problem:
            self.error(problem, ptr)

    def array(
        self, obj: JsonObject, key: str, ptr: str, low: int, high: int, *, required: bool = True
    ) -> list[Any]:
        """``obj[key]`` as a list of ``low``..``high`` items (empty after reporting otherwise)."""
        value = obj.get(key)
        if key not in obj:
            if required:
                self.error(f"missing required field: {key}", ptr)
            return []
        if not isinstance(value, list):
            self.error("must provide an array", f"{ptr}/{key}")
            return []
        if len(value) > high:
            self.error(f"no more than {high} items allowed", f"{ptr}/{key}")
        elif len(value) < low:
            self.error(f"must provide at least {low} items", f"{ptr}/{key}")
        return value

    def blocks(self, blocks: object, ptr: str, surface: Surface) -> None:
        if not isinstance(blocks, list):
            self.error("must provide an array", ptr)
            return
        if len(blocks) > MAX_BLOCKS[surface]:
            self.error(f"no more than {MAX_BLOCKS[surface]} items allowed", ptr)
        for index, block in enumerate(blocks):
            self.block(block, f"{ptr}/{index}")

    def block(self, block: object, ptr: str) -> None:
        if not isinstance(block, dict):
            self.error("must provide an object", ptr)
            return
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            self.error(f"unsupported type: {kind}", f"{ptr}/type")
            return
        self.known_keys(block, _BLOCK_KEYS.get(kind), ptr)
        self.string(block, "block_id", ptr, MAX_ID, required=False)
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in self.block_ids:
                self.error(f"duplicate block_id: {block_id}", f"{ptr}/block_id")
            self.block_ids.add(block_id)
        action_ids: set[str] = set()  # Slack wants action_ids unique within their block
        if kind == "section":
            if "text" not in block and "fields" not in block:
                self.error("must provide either text or fields", ptr)
            self.text(block, "text", ptr, 3000, required=False)
            for index, field in enumerate(self.array(block, "fields", ptr, 1, 10, required=False)):
                self.text_object(field, f"{ptr}/fields/{index}", 2000)
            if "accessory" in block:
                self.element(block["accessory"], f"{ptr}/accessory", ACCESSORY_TYPES, action_ids)
        elif kind == "header":
            self.text(block, "text", ptr, 150, plain_only=True)
        elif kind == "context":
            for index, item in enumerate(self.array(block, "elements", ptr, 1, 10)):
                at = f"{ptr}/elements/{index}"
                if isinstance(item, dict) and item.get("type") == "image":
                    self.element(item, at, {"image"}, action_ids)
                else:
                    self.text_object(item, at, 3000)
        elif kind == "actions":
            for index, item in enumerate(self.array(block, "elements", ptr, 1, 25)):
                self.element(item, f"{ptr}/elements/{index}", ACTIONS_TYPES, action_ids)
        elif kind == "input":
            self.text(block, "label", ptr, 2000, plain_only=True)
            self.text(block, "hint", ptr, 2000, required=False, plain_only=True)
            if "element" not in block:
                self.error("missing required field: element", ptr)
            else:
                self.element(block["element"], f"{ptr}/element", INPUT_TYPES, action_ids)
        elif kind == "image":
            self.image(block, ptr)
            self.text(block, "title", ptr, 2000, required=False, plain_only=True)
        elif kind == "markdown":
            self.string(block, "text", ptr, 12000, required=True)
            if isinstance(block.get("text"), str):
                self.visible(block["text"], f"{ptr}/text")

    def known_keys(self, obj: JsonObject, keys: set[str] | None, ptr: str) -> None:
        """Report every key Slack would not accept here (`keys` None: not checked)."""
        for key in sorted(set(obj) - keys) if keys is not None else ():
            self.error(f"invalid additional property: {key}", f"{ptr}/{key}")

    def image(self, obj: JsonObject, ptr: str) -> None:
        if "slack_file" not in obj:
            self.string(obj, "image_url", ptr, 3000, required=True)
        self.string(obj, "alt_text", ptr, 2000, required=True)

    def element(self, element: object, ptr: str, allowed: set[str], action_ids: set[str]) -> None:
        if not isinstance(element, dict):
            self.error("must provide an object", ptr)
            return
        kind = element.get("type")
        if kind not in allowed:
            self.error(f"unsupported type: {kind}", f"{ptr}/type")
            return
        if kind == "image":
            self.image(element, ptr)
            return
        self.string(element, "action_id", ptr, MAX_ID, required=False)
        action_id = element.get("action_id")
        if isinstance(action_id, str):
            if action_id in action_ids:
                self.error(f"duplicate action_id: {action_id}", f"{ptr}/action_id")
            action_ids.add(action_id)
        self.text(element, "placeholder", ptr, 150, required=False, plain_only=True)
        if "confirm" in element:
            self.confirm(element["confirm"], f"{ptr}/confirm")
        if kind == "button":
            self.text(element, "text", ptr, 75, plain_only=True)
            self.string(element, "value", ptr, 2000, required=False)
            self.string(element, "url", ptr, 3000, required=False)
            self.string(element, "accessibility_label", ptr, 75, required=False)
            self.style(element, ptr)
        elif kind in {"static_select", "multi_static_select"}:
            self.select_options(element, ptr)
        elif kind in _CHOICES:
            for index, option in enumerate(self.array(element, "options", ptr, 1, 10)):
                self.option(option, f"{ptr}/options/{index}", plain_only=False)
        elif kind == "overflow":
            for index, option in enumerate(self.array(element, "options", ptr, 2, 5)):
                self.option(option, f"{ptr}/options/{index}", plain_only=True)
        elif kind == "plain_text_input":
            self.string(element, "initial_value", ptr, 3000, required=False)
            for key, low in (("min_length", 0), ("max_length", 1)):
                value = element.get(key)
                if key in element and (not isinstance(value, int) or not low <= value <= 3000):
                    self.error(f"must be between {low} and 3000", f"{ptr}/{key}")

    def select_options(self, element: JsonObject, ptr: str) -> None:
        if ("options" in element) == ("option_groups" in element):
            self.error("must provide exactly one of options or option_groups", ptr)
        values: list[object] = []
        for index, option in enumerate(self.array(element, "options", ptr, 1, 100, required=False)):
            self.option(option, f"{ptr}/options/{index}", plain_only=True)
            values.append(option.get("value") if isinstance(option, dict) else None)
        for index, group in enumerate(
            self.array(element, "option_groups", ptr, 1, 100, required=False)
        ):
            at = f"{ptr}/option_groups/{index}"
            if not isinstance(group, dict):
                self.error("must provide an object", at)
                continue
            self.text(group, "label", at, 75, plain_only=True)
            for sub, option in enumerate(self.array(group, "options", at, 1, 100)):
                self.option(option, f"{at}/options/{sub}", plain_only=True)
                values.append(option.get("value") if isinstance(option, dict) else None)
        initial = element.get("initial_option")
        if isinstance(initial, dict) and initial.get("value") not in values:
            self.error("must match one of the options", f"{ptr}/initial_option")

    def option(self, option: object, ptr: str, *, plain_only: bool) -> None:
        if not isinstance(option, dict):
            self.error("must provide an object", ptr)
            return
        self.text(option, "text", ptr, 75, plain_only=plain_only)
        self.string(option, "value", ptr, 150, required=True)
        self.text(option, "description", ptr, 75, required=False, plain_only=plain_only)
        self.string(option, "url", ptr, 3000, required=False)

    def confirm(self, confirm: object, ptr: str) -> None:
        if not isinstance(confirm, dict):
            self.error("must provide an object", ptr)
            return
        self.text(confirm, "title", ptr, 100, plain_only=True)
        self.text(confirm, "text", ptr, 300)
        self.text(confirm, "confirm", ptr, 30, plain_only=True)
        self.text(confirm, "deny", ptr, 30, plain_only=True)
        self.style(confirm, ptr)

    def style(self, obj: JsonObject, ptr: str) -> None:
        if "style" in obj and obj["style"] not in ("primary", "danger"):
            self.error("must be one of: primary, danger", f"{ptr}/style")


def _invisible(text: str) -> str | None:
    """What is wrong with the first invisible format character in `text` (None: there is none)."""
    for index, ch in enumerate(text):
        if unicodedata.category(ch) == "Cf":
            return f"must not contain invisible characters (U+{ord(ch):04X} at {index})"
    return None


def validate_text(text: object, pointer: str = "/text") -> list[str]:
    """The problem with a message's top-level text the emulator refuses (empty when fine)."""
    problem = _invisible(text) if isinstance(text, str) else None
    return [f"[ERROR] {problem} [json-pointer:{pointer}]"] if problem else []


def validate_blocks(
    blocks: object, surface: Surface = "message", pointer: str = "/blocks"
) -> list[str]:
    """Every problem Slack would report for this blocks array (empty when valid)."""
    checker = _Checker()
    checker.blocks(blocks, pointer, surface)
    return checker.errors


def validate_view(
    view: object, pointer: str = "/view", surface: Literal["modal", "home"] = "modal"
) -> list[str]:
    """Every problem Slack would report for this modal (or, with ``surface`` "home", Home tab)
    view (empty when valid)."""
    checker = _Checker()
    if not isinstance(view, dict):
        checker.error("must provide an object", pointer)
        return checker.errors
    if view.get("type") != surface:
        checker.error(f"unsupported type: {view.get('type')}", f"{pointer}/type")
    if surface == "modal":
        checker.text(view, "title", pointer, 24, plain_only=True)
        checker.text(view, "submit", pointer, 24, required=False, plain_only=True)
        checker.text(view, "close", pointer, 24, required=False, plain_only=True)
    checker.string(view, "callback_id", pointer, MAX_ID, required=False)
    checker.string(view, "private_metadata", pointer, 3000, required=False)
    checker.string(view, "external_id", pointer, MAX_ID, required=False)
    if "blocks" not in view:
        checker.error("missing required field: blocks", pointer)
    else:
        checker.blocks(view["blocks"], f"{pointer}/blocks", surface)
        blocks = view["blocks"] if isinstance(view["blocks"], list) else []
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and "submit" not in view:
            checker.error("missing required field: submit (the view has input blocks)", pointer)
    return checker.errors
