"""What our modals and buttons carry across Slack's round trip, and what a person entered in them.

`private_metadata` is ours but comes back from outside: each modal's is a pydantic model with one
format, validated on the way back in (`load` → None when it is not one of ours).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from pydantic import Field

from bot.catalog import Catalog
from bot.commands.checks import check_create_fields
from bot.commands.fields import FieldError
from bot.commands.values import Create
from bot.flow.caller import Caller
from bot.slack import ids
from bot.slack.roundtrip import RoundTrip

_FIELDS = (
    ids.CREATE_NAME,
    ids.CREATE_PLAN,
    ids.CREATE_OS,
    ids.CREATE_LOCATION,
    ids.CREATE_HOSTNAME,
    ids.CREATE_SSH_KEY,
    ids.CREATE_BACKUPS,
)


class Opened(RoundTrip):
    """Who opened a modal, in which channel, and where to answer them."""

    user_id: str = Field(max_length=40)
    channel_id: str = Field(max_length=40)
    channel_name: str | None = Field(default=None, max_length=100)
    response_url: str | None = Field(default=None, max_length=1000)

    @classmethod
    def of(cls, caller: Caller, **more: Any) -> Self:
        """Opened by `caller`, where they clicked."""
        where = {name: getattr(caller, name) for name in Opened.model_fields}
        return cls(**where, **more)

    def caller(self, user_id: str) -> Caller:
        """The member who submitted it (`user_id`, from Slack), in the channel it was opened."""
        return Caller(
            user_id=user_id,
            channel_id=self.channel_id,
            channel_name=self.channel_name,
            response_url=self.response_url,
        )


class CreateFormState(Opened):
    """The create modal: who opened it where, so the result goes back there."""


class DeleteFormState(Opened):
    """The delete modal: the confirmation it finishes, the name to type, where to answer."""

    confirmation: str = Field(min_length=1, max_length=100)
    name: str = Field(max_length=1000)


def form_values(state: Mapping[str, Any]) -> dict[str, str | None]:
    """What the person entered, by block id, from a view's `state.values`."""
    values: dict[str, str | None] = {}
    for block_id in _FIELDS:
        element = (state.get(block_id) or {}).get(block_id + ids.INPUT_SUFFIX) or {}
        if element.get("type") == "checkboxes":
            values[block_id] = "on" if element.get("selected_options") else "off"
        elif element.get("selected_option"):
            values[block_id] = str(element["selected_option"].get("value"))
        else:
            values[block_id] = element.get("value")
    return values


def check_form(catalog: Catalog, state: Mapping[str, Any]) -> Create | dict[str, FieldError]:
    """The checked create command, or the inline errors keyed by block id."""
    return check_create_fields(form_values(state), catalog)


class RejectFormState(Opened):
    """The reject modal: the request it rejects, who opened it, where the click came from."""

    approval: str = Field(min_length=1, max_length=100)


class AuditPageState(RoundTrip):
    """`/vps audit`'s Older button: what was asked about (as typed), and where the page starts
    (the time and id of the newest entry not shown yet; none: the newest page)."""

    about: str | None = Field(default=None, max_length=500)
    before_time: float | None = None
    before_id: int | None = Field(default=None, ge=0)

    @property
    def before(self) -> tuple[float, int] | None:
        """Where the page starts, or None for the newest."""
        if self.before_time is None or self.before_id is None:
            return None
        return self.before_time, self.before_id


class PlanCountFormState(Opened):
    """The typed-count modal of a large plan: the plan it confirms and how many servers it has
    (the number to type), who opened it, where the click came from."""

    plan: str = Field(min_length=1, max_length=100)
    count: int = Field(ge=1)


class ScheduleFormState(Opened):
    """The typed confirmation of a schedule: the schedule it confirms, what must be typed (the
    server's name, or the number of servers when `counting`), who opened it, where."""

    schedule: str = Field(min_length=1, max_length=100)
    expected: str = Field(max_length=1000)
    counting: bool = False
