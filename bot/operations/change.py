"""`Request`: this member asks for this operation on this target with these values — what the
pipeline carries and a card's button holds. `Change`: the request resolved to one server — what
a pending confirmation and a pending approval hold. One format each (their JSON), validated on
the way back in."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.commands.selector import Selector
from bot.operations import Operation, find
from bot.plans import PlanOptions
from bot.slack.roundtrip import RoundTrip
from bot.vps import Server

__all__ = ["Change", "Member", "Request"]

_FIELD_NAMES = {"name": "Name", "hostname": "Hostname", "backups_enabled": "Backups"}


class Member(BaseModel):
    """Who asks, and where: what the pipeline needs of them beyond the click or the command
    (the policy's `channels:` rules ask where)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: str
    channel_id: str
    channel_name: str | None = None


class Change(BaseModel):
    """`operation` on `server` (the planned one for a create) with `values` (the API body),
    asked for by `member` (None in what was stored before it was said)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    operation: str
    server: Server
    values: dict[str, Any] = {}
    member: Member | None = None

    @model_validator(mode="before")
    @classmethod
    def _earlier_format(cls, data: Any) -> Any:
        """Read what the previous version stored: {kind, word, server, body}; its `word` is
        the operation's one name now."""
        if isinstance(data, dict) and "word" in data and "operation" not in data:
            return {
                "operation": data["word"],
                "server": data.get("server"),
                "values": data.get("body") or {},
            }
        return data

    @model_validator(mode="after")
    def _known(self) -> Change:
        _declared(self.operation)
        return self

    @classmethod
    def load(cls, stored: Any) -> Change:
        """Rebuild a stored change; ValueError if it is not one we made."""
        try:
            return cls.model_validate(stored)
        except ValidationError as exc:
            raise ValueError(f"bad stored change: {exc}") from exc

    def dump(self) -> dict[str, Any]:
        """The JSON-able form that is stored."""
        return self.model_dump(mode="json")

    @property
    def declared(self) -> Operation:
        """The operation's declaration (ValueError when withdrawn since: a test's)."""
        return _declared(self.operation)

    @property
    def action(self) -> str:
        """The policy action it needs."""
        return self.declared.policy_action

    @property
    def server_id(self) -> int | None:
        """The server's id; None for a server still to be made."""
        return self.server.id if self.declared.targets_server else None

    def after(self) -> Server:
        """The server as it will be once the change is done (the planned one for a create)."""
        if not self.declared.targets_server:
            return self.server
        update = {key: value for key, value in self.values.items() if key in _FIELD_NAMES}
        return self.server.model_copy(update=update) if update else self.server

    def rebased(self, server: Server) -> Change:
        """The same change on `server` as it is now (fresher than when it was asked for)."""
        if not self.declared.targets_server:
            return self
        return self.model_copy(update={"server": server})

    def changes(self) -> list[tuple[str, str]]:
        """(field, "before → after") pairs: a create shows only the new values."""
        pairs = []
        for key, value in self.values.items():
            if key not in _FIELD_NAMES:
                continue
            after = _show(value)
            before = getattr(self.server, key, None) if self.declared.targets_server else None
            if before is None:
                shown = after
            elif _show(before) == after:
                shown = f"{after} (unchanged)"
            else:
                shown = f"{_show(before)} → {after}"
            pairs.append((_FIELD_NAMES[key], shown))
        return pairs

    def summary(self) -> str:
        """The changes in one line: "Name: web-01 → web-02 · Backups: off → on"."""
        return " · ".join(f"{label}: {value}" for label, value in self.changes())


class Request(RoundTrip):
    """What `member` asks for: `operation` on the server they named (`target`, as typed, "#id"
    on a button; None for a create) with `values`; `planned` is the server a create will make.
    A card's button holds one without its member (whoever clicks asks). Resolved to a server,
    it is a `Change`. A request for several servers at once (a plan) names them by `selector`
    instead of `target`, and says how the plan runs (`plan`); a plan stores it as its
    request."""

    operation: str = Field(max_length=40)
    target: str | None = Field(default=None, max_length=1000)
    values: dict[str, Any] = Field(default_factory=dict)
    planned: Server | None = None
    member: Member | None = None
    selector: Selector | None = None
    plan: PlanOptions | None = None

    @property
    def declared(self) -> Operation:
        """The operation's declaration; ValueError when none is declared by that name."""
        return _declared(self.operation)

    def on(self, server: Server | None) -> Change:
        """The change on `server` as it is now (on the planned server for a create)."""
        found = server if server is not None and self.planned is None else self.planned
        if found is None:
            raise ValueError(f"{self.operation} needs a server")
        return Change(
            operation=self.operation, server=found, values=self.values, member=self.member
        )


def _declared(name: str) -> Operation:
    op = find(name)
    if op is None:
        raise ValueError(f"unknown operation {name!r}")
    return op


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)
