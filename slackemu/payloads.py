"""What Slack sends to the app, in its wire format: slash commands and interaction payloads."""

from __future__ import annotations

import copy
from collections.abc import Mapping

from slackemu.model import (
    Button,
    Channel,
    EmulatorUsageError,
    Input,
    JsonObject,
    User,
    View,
)
from slackemu.records import Interaction
from slackemu.world import Workspace

REQUIRED_FIELD = "Please complete this required field."

# element type -> (key in view.state, key of the element's initial value)
_STATE_KEYS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(
        ("plain_text_input", "email_text_input", "url_text_input", "number_input"),
        ("value", "initial_value"),
    ),
    **dict.fromkeys(
        ("static_select", "external_select", "radio_buttons"), ("selected_option", "initial_option")
    ),
    **dict.fromkeys(
        ("multi_static_select", "multi_external_select", "checkboxes"),
        ("selected_options", "initial_options"),
    ),
    "users_select": ("selected_user", "initial_user"),
    "multi_users_select": ("selected_users", "initial_users"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "channels_select": ("selected_channel", "initial_channel"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
}


def escape(text: str) -> str:
    """Slack's escaping of user-typed text: ``&``, ``<`` and ``>`` become entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _user(ws: Workspace, user: User) -> JsonObject:
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": ws.team_id}


def _base(ws: Workspace, kind: str, user: User, token: str) -> JsonObject:
    return {
        "type": kind,
        "user": _user(ws, user),
        "api_app_id": ws.app_id,
        "token": token,
        "team": {"id": ws.team_id, "domain": ws.team_domain},
        "enterprise": None,
        "is_enterprise_install": False,
    }


def slash_command(
    ws: Workspace, token: str, user: User, channel: Channel, it: Interaction
) -> dict[str, str]:
    """The form fields of a slash command request."""
    return {
        "token": token,
        "team_id": ws.team_id,
        "team_domain": ws.team_domain,
        "channel_id": channel.id,
        "channel_name": "directmessage" if channel.is_im else channel.name,
        "user_id": user.id,
        "user_name": user.name,
        "command": it.command or "",
        "text": escape(it.text or ""),
        "api_app_id": ws.app_id,
        "is_enterprise_install": "false",
        "response_url": it.response_url or "",
        "trigger_id": it.trigger_id,
    }


def button_action(button: Button, action_ts: str) -> JsonObject:
    """One entry of ``actions`` for a button click."""
    action: JsonObject = {
        "action_id": button.action_id,
        "block_id": button.block_id,
        "text": button.element.get("text"),
        "type": "button",
        "action_ts": action_ts,
    }
    for key in ("value", "style", "url"):
        if key in button.element:
            action[key] = button.element[key]
    return action


def select_action(
    element: JsonObject, block_id: str, option: JsonObject, action_ts: str
) -> JsonObject:
    """One entry of ``actions`` for choosing an option of a select, overflow or radio group."""
    return {
        "type": element.get("type"),
        "action_id": element.get("action_id"),
        "block_id": block_id,
        "selected_option": option,
        "action_ts": action_ts,
    }


def block_actions(
    ws: Workspace,
    token: str,
    user: User,
    it: Interaction,
    action: JsonObject,
    channel: Channel | None,
) -> JsonObject:
    """A ``block_actions`` payload from a message (ephemeral or not) or from a modal view."""
    payload = _base(ws, "block_actions", user, token)
    payload.update(trigger_id=it.trigger_id, state={"values": {}}, actions=[action])
    message, view = it.source_message, it.source_view
    if message is not None and channel is not None:
        payload["container"] = {
            "type": "message",
            "message_ts": message.ts,
            "channel_id": channel.id,
            "is_ephemeral": message.is_ephemeral,
        }
        payload["channel"] = {"id": channel.id, "name": channel.name}
        if not message.is_ephemeral:
            # Slack sends no copy of an ephemeral message: the app never stored it.
            payload["message"] = message.to_slack(ws.bot_user_id, ws.bot_id, ws.app_id)
        payload["response_url"] = it.response_url
    elif view is not None:
        payload["container"] = {"type": "view", "view_id": view.id}
        payload["view"] = view.payload
    return payload


def find_option(field: Input | JsonObject, wanted: object) -> JsonObject:
    """The option whose value, or else whose text, is ``wanted``."""
    options = field.options if isinstance(field, Input) else _options(field)
    for key in ("value", "text"):
        for option in options:
            found = option.get("value") if key == "value" else option.get("text", {}).get("text")
            if found == wanted:
                return dict(option)
    shown = [(o.get("value"), o.get("text", {}).get("text")) for o in options]
    raise EmulatorUsageError(f"no option {wanted!r}; the options are {shown}")


def _options(element: JsonObject) -> list[JsonObject]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return options


def _state_value(field: Input, raw: object) -> object:
    key = _STATE_KEYS[field.type][0]
    if key == "selected_option":
        return None if raw in (None, "") else find_option(field, raw)
    if key == "selected_options":
        if raw is None or isinstance(raw, str):
            items: list[object] = [] if raw in (None, "") else [raw]
        elif isinstance(raw, list | tuple | set | frozenset):
            items = list(raw)
        else:
            raise EmulatorUsageError(f"{field.block_id} takes a list of options, not {raw!r}")
        return [find_option(field, item) for item in items]
    if key == "value" and isinstance(raw, int | float):
        return str(raw)
    return None if raw == "" else raw


def view_state(view: View, values: Mapping[str, object]) -> tuple[JsonObject, dict[str, str]]:
    """``view.state.values`` after a person filled the inputs, and Slack's own input errors.

    ``values`` is keyed by block_id: text for text inputs; an option's value or text for
    selects and radio buttons; a list of them for checkboxes and multi-selects. Inputs left out
    keep their initial value, as in Slack.
    """
    fields = {f.block_id: f for f in view.inputs()}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise EmulatorUsageError(f"no input block {unknown} in the view; it has {sorted(fields)}")
    state: JsonObject = {}
    errors: dict[str, str] = {}
    for block_id, field in fields.items():
        if field.type not in _STATE_KEYS:
            raise EmulatorUsageError(f"cannot fill a {field.type} ({block_id}) yet")
        key, initial_key = _STATE_KEYS[field.type]
        if block_id in values:
            value = _state_value(field, values[block_id])
        else:
            value = copy.deepcopy(field.element.get(initial_key))
        if value is None and key == "selected_options":
            value = []
        state[block_id] = {field.action_id: {"type": field.type, key: value}}
        if value in (None, "", []) and not field.optional:
            errors[block_id] = REQUIRED_FIELD
        elif key == "value" and isinstance(value, str):
            low, high = field.element.get("min_length"), field.element.get("max_length")
            if isinstance(low, int) and len(value) < low:
                errors[block_id] = f"Please enter at least {low} characters."
            elif isinstance(high, int) and len(value) > high:
                errors[block_id] = f"Please enter no more than {high} characters."
    return state, errors


def view_submission(
    ws: Workspace, token: str, user: User, view: View, it: Interaction, state: JsonObject
) -> JsonObject:
    """A ``view_submission`` payload carrying the filled-in state."""
    payload = _base(ws, "view_submission", user, token)
    submitted = dict(view.payload, state={"values": state})
    payload.update(trigger_id=it.trigger_id, view=submitted, response_urls=[])
    return payload


def view_closed(
    ws: Workspace, token: str, user: User, view: View, *, is_cleared: bool
) -> JsonObject:
    """A ``view_closed`` payload (sent only for views with ``notify_on_close``)."""
    payload = _base(ws, "view_closed", user, token)
    payload.update(view=view.payload, is_cleared=is_cleared)
    return payload


def message_for_ack(body: JsonObject | str | None) -> JsonObject | None:
    """The message a slash command's ack body asks Slack to show, if any."""
    if isinstance(body, str):
        return {"text": body} if body.strip() else None
    if isinstance(body, dict) and any(body.get(k) for k in ("text", "blocks", "attachments")):
        return body
    return None


def event_callback(ws: Workspace, token: str, event: JsonObject, event_id: str) -> JsonObject:
    """An Events API request: ``event`` in its ``event_callback`` envelope."""
    return {
        "token": token,
        "team_id": ws.team_id,
        "api_app_id": ws.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(float(event.get("event_ts") or 0)),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.team_id,
                "user_id": ws.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
