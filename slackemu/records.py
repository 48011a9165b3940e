"""What happened between Slack and the app: interactions, Web API calls, acks, changes."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from slackemu.model import ChangeKind, JsonObject, Message, View


@dataclass(eq=False)
class Interaction:
    """One thing a person did (command, click, submission) with what Slack issued for it."""

    id: str
    kind: str
    user: str
    channel: str | None
    trigger_id: str
    response_url: str | None
    at: float
    command: str | None = None
    text: str | None = None
    source_message: Message | None = None
    source_view: View | None = None
    responses: list[Message] = field(default_factory=list)
    response_uses: int = 0
    trigger_used: bool = False
    echoed: bool = False


@dataclass(frozen=True)
class ApiCall:
    """One Web API call the app made, with Slack's answer."""

    method: str
    params: JsonObject
    at: float
    status: int
    response: JsonObject

    @property
    def ok(self) -> bool:
        """Whether Slack answered ``ok: true``."""
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        """Slack's error code, if any."""
        error = self.response.get("error")
        return str(error) if error is not None else None


@dataclass(frozen=True)
class Ack:
    """The app's answer to one request, as Slack judged it."""

    kind: str
    status: int | None
    body: JsonObject | str | None
    elapsed: float
    interaction: Interaction | None = None
    error: str | None = None
    input_errors: Mapping[str, str] = field(default_factory=dict)
    sent: bool = True

    @property
    def ok(self) -> bool:
        """Acknowledged in time with 200, and Slack accepted what came with it."""
        return self.sent and self.status == 200 and self.error is None

    @property
    def response_action(self) -> str | None:
        """A view submission's ``response_action`` (errors, update, push, clear)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("response_action"), str):
            return str(self.body["response_action"])
        return None


@dataclass(frozen=True)
class Change:
    """Something changed in the world; subscribers (the console) get one per change."""

    kind: ChangeKind
    message: Message | None = None
    view: View | None = None


@dataclass(eq=False)
class FunctionExecution:
    """One run of the app's step in a workflow, and how it ended."""

    id: str
    callback_id: str
    inputs: JsonObject
    token: str
    state: str = "running"  # running, completed, failed
    outputs: JsonObject = field(default_factory=dict)
    error: str | None = None

    @classmethod
    def new(cls, execution_id: str, callback_id: str, inputs: JsonObject) -> FunctionExecution:
        """An execution with a fresh workflow token."""
        return cls(execution_id, callback_id, dict(inputs), f"xwfp-{uuid.uuid4().hex}")
