"""The writes the bot can make, as values that survive a confirmation, and running them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from bot.slack.blocks import Message, build_result
from bot.vps import Server, ServerCreate, ServerUpdate, VPSClient, VPSError

Kind = Literal["start", "stop", "reboot", "delete", "patch", "put", "create"]
_ACTIONS: dict[str, str] = {"patch": "update", "put": "update"}
_FIELD_NAMES = {"name": "Name", "hostname": "Hostname", "backups_enabled": "Backups"}


@dataclass(frozen=True)
class Operation:
    """One write: what to call, on which server, with which body, and how people named it."""

    kind: Kind
    word: str
    server: Server
    body: Mapping[str, Any] = field(default_factory=dict)

    @property
    def action(self) -> str:
        """The policy action it needs."""
        return _ACTIONS.get(self.kind, self.kind)

    @property
    def server_id(self) -> int | None:
        """The server's id; None for a server still to be created."""
        return None if self.kind == "create" else self.server.id

    def after(self) -> Server:
        """The server as it will be once the operation is done (the planned one for a create)."""
        if self.kind not in ("patch", "put"):
            return self.server
        update = {key: value for key, value in self.body.items() if key in _FIELD_NAMES}
        return self.server.model_copy(update=update)

    def rebased(self, server: Server) -> Operation:
        """The same operation on `server` as it is now (fresher than when it was asked for)."""
        return Operation(self.kind, self.word, server, self.body) if self.kind != "create" else self

    def changes(self) -> list[tuple[str, str]]:
        """(field, "before → after") pairs: a create shows only the new values."""
        pairs = []
        for key, value in self.body.items():
            if key not in _FIELD_NAMES:
                continue
            after = _show(value)
            before = None if self.kind == "create" else getattr(self.server, key, None)
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

    def to_params(self) -> dict[str, Any]:
        """A JSON-able form, kept with a pending confirmation."""
        return {
            "kind": self.kind,
            "word": self.word,
            "server": self.server.model_dump(mode="json"),
            "body": dict(self.body),
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Operation:
        """Rebuild an operation from `to_params()`; ValueError if it was tampered with."""
        try:
            kind = params["kind"]
            if kind not in ("start", "stop", "reboot", "delete", "patch", "put", "create"):
                raise ValueError(f"unknown operation {kind!r}")
            return cls(
                kind=kind,
                word=str(params["word"]),
                server=Server.model_validate(params["server"]),
                body=dict(params.get("body") or {}),
            )
        except (KeyError, TypeError, ValidationError) as exc:
            raise ValueError(f"bad stored operation: {exc}") from exc


@dataclass(frozen=True)
class Outcome:
    """How a write ended: a message for the channel, and what to record."""

    ok: bool
    message: Message
    detail: str
    server: Server | None = None
    status: str | None = None


async def execute(vps: VPSClient, op: Operation, *, user_id: str, channel_id: str) -> Outcome:
    """Make the API call of `op` once and describe the outcome; API errors become outcomes."""
    name, server_id = op.server.name, op.server_id
    try:
        server, detail, status = await _call(vps, op)
    except VPSError as exc:
        message = build_result(
            ok=False,
            action=op.word,
            server_name=name,
            server_id=server_id,
            user_id=user_id,
            channel_id=channel_id,
            detail=str(exc),
        )
        return Outcome(ok=False, message=message, detail=str(exc))
    message = build_result(
        ok=True,
        action=op.word,
        server_name=server.name if server else name,
        server_id=server.id if server else server_id,
        server=server,
        user_id=user_id,
        channel_id=channel_id,
        detail=detail,
    )
    return Outcome(ok=True, message=message, detail=detail or "done", server=server, status=status)


async def _call(vps: VPSClient, op: Operation) -> tuple[Server | None, str | None, str | None]:
    """The API call; (the server if the API sent it, its message, the server's new status)."""
    sid = op.server.id
    match op.kind:
        case "start" | "stop" | "reboot":
            act = {"start": vps.start_server, "stop": vps.stop_server, "reboot": vps.reboot_server}
            result = await act[op.kind](sid)
            return None, result.message, result.server.status
        case "delete":
            await vps.delete_server(sid)
            return None, "Deleted permanently.", None
        case "patch":
            server = await vps.update_server(sid, ServerUpdate.model_validate(op.body))
            return server, op.summary(), server.status
        case "put":
            body = op.body
            server = await vps.replace_server(
                sid,
                name=body["name"],
                hostname=body["hostname"],
                backups_enabled=body["backups_enabled"],
            )
            return server, op.summary(), server.status
        case "create":
            server = await vps.create_server(ServerCreate.model_validate(op.body))
            return server, server.message, server.status
    raise AssertionError(f"unhandled operation {op.kind}")


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)
