"""A signed request body, decoded and shape-checked before Bolt sees it.

Slack sends three shapes to the request URL: a slash command (form fields), an interaction
(`payload=<JSON object>`), or an Events API envelope (a JSON body). Anything else, or one of these
with the fields Bolt and the listeners rely on missing or of the wrong type, is `Malformed` (400):
the check here is what keeps such a body from turning into a 500 deep inside Bolt.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

MAX_FORM_FIELDS = 100


class Malformed(Exception):
    """A body that is not one of the shapes Slack sends; the message says what is wrong."""


class _Shape(BaseModel):
    """Strict types (no "1" for 1), unknown keys kept: Slack adds fields over time."""

    model_config = ConfigDict(extra="allow", strict=True)


class _Ref(_Shape):
    id: str | None = None


class _User(_Ref):
    id: str


class _Action(_Shape):
    action_id: str
    block_id: str | None = None
    value: str | None = None


class _Option(_Shape):
    value: str


class _Input(_Shape):
    """One input's state, as the modal listeners read it (`bot.flow.forms.form_values`)."""

    type: str
    value: str | None = None
    selected_option: _Option | None = None
    selected_options: list[_Option] | None = None


class _State(_Shape):
    values: dict[str, dict[str, _Input]]  # block_id → action_id → the input's state


class _View(_Shape):
    id: str
    type: str  # Bolt reads view["type"] of every submission (a workflow step's, or not)
    callback_id: str
    private_metadata: str | None = None
    state: _State | None = None


_Url = Annotated[str, Field(pattern=r"^https?://[^\s/]+/\S*$")]


class _ResponseUrl(_Shape):
    response_url: _Url


_Id = _Ref | str | None


class _Context(_Shape):
    """What Bolt reads to build a request's context, in the body and in the objects inside it
    that it searches the same way (event, message, item...)."""

    team: _Id = None
    enterprise: _Id = None
    channel: _Id = None
    user: _Id = None
    authorizations: list[_Context] | None = None
    event: _Context | None = None
    message: _Context | None = None
    previous_message: _Context | None = None
    item: _Context | None = None
    assistant_thread: _Context | None = None
    function_data: dict[str, Any] | None = None
    response_url: _Url | None = None
    response_urls: list[_ResponseUrl] | None = None
    container: dict[str, Any] | None = None
    thread_ts: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls_where_bolt_reads_on(cls, data: Any) -> Any:
        # Bolt reads body.get("event", {}).get(...), len(body["response_urls"])...: a key
        # that is present must hold an object (or a list), never null.
        if isinstance(data, dict):
            for key in ("event", "view", "actions", "response_urls"):
                if key in data and data[key] is None:
                    raise ValueError(f"{key} is null")
        return data


class _Interaction(_Context):
    # What this app receives: it has no shortcuts and no legacy attachment buttons.
    type: Literal["block_actions", "block_suggestion", "view_submission", "view_closed"]
    user: _User
    team: _Ref | None = None  # interactions carry objects here, never bare ids
    channel: _Ref | None = None
    trigger_id: str | None = None
    view: _View | None = None
    actions: list[_Action] | None = None
    action_id: str | None = None

    @model_validator(mode="after")
    def _kind_fields(self) -> _Interaction:
        needs = {
            "block_actions": ("actions", self.actions),
            "view_submission": ("view", self.view),
            "view_closed": ("view", self.view),
            "block_suggestion": ("action_id", self.action_id),
        }
        field, value = needs[self.type]
        if not value:
            raise ValueError(f"a {self.type} payload needs {field}")
        return self


class _Event(_Context):
    type: str


class _Envelope(_Context):
    type: Literal["url_verification", "event_callback"]
    challenge: str | None = None
    event: _Event | None = None

    @model_validator(mode="after")
    def _kind_fields(self) -> _Envelope:
        if self.type == "url_verification" and self.challenge is None:
            raise ValueError("url_verification needs a challenge")
        if self.type == "event_callback" and self.event is None:
            raise ValueError("event_callback needs an event")
        return self


def parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """The body as Bolt expects it (form fields, or the payload/envelope object), or Malformed."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("the body is not UTF-8") from None
    if content_type == "application/json" or text.lstrip().startswith(("{", "[")):
        return _check(_Envelope, _json(text), "the JSON body")
    fields = _form(text)
    if "payload" in fields:
        return _check(_Interaction, _json(fields["payload"]), "payload")
    if "ssl_check" in fields:
        return fields
    if "command" in fields:
        return _command(fields)
    raise Malformed("neither a slash command nor an interaction")


def user_of(body: dict[str, Any]) -> str | None:
    """Who sent a parsed body (a slash command's user_id, an interaction's user.id)."""
    user = body.get("user")
    if isinstance(user, dict) and isinstance(user.get("id"), str):
        return str(user["id"])
    found = body.get("user_id")
    return found if isinstance(found, str) else None


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        raise Malformed("not valid JSON") from None


def _form(text: str) -> dict[str, str]:
    if not text:
        raise Malformed("an empty body")
    try:
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=True,
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except ValueError:
        raise Malformed("not a form body Slack would send") from None
    return dict(pairs)


def _command(fields: dict[str, str]) -> dict[str, str]:
    for name in ("command", "user_id", "channel_id"):
        if not fields.get(name):
            raise Malformed(f"a slash command without {name}")
    if not fields["command"].startswith("/"):
        raise Malformed("a slash command whose command does not start with /")
    if fields.get("response_url"):
        _check(_Context, {"response_url": fields["response_url"]}, "response_url")
    return fields


def _check(model: type[_Shape], value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Malformed(f"{what} is not a JSON object")
    try:
        model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or what
        raise Malformed(f"{what}: {where}: {first['msg']}") from None
    return value
