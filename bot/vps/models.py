"""Pydantic models of what VPS.org sends and accepts.

Response models ignore fields they do not know and accept `null` where the API may send it, so a
new field or a server still provisioning never breaks the bot.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
)


class ServerStatus(StrEnum):
    """The statuses the document shows. The API may send others: models keep `status` a string."""

    ACTIVE = "active"
    STOPPED = "stopped"
    SUSPENDED = "suspended"
    PROVISIONING = "provisioning"
    STARTING = "starting"
    STOPPING = "stopping"
    REBOOTING = "rebooting"


STEADY_STATUSES = frozenset({ServerStatus.ACTIVE, ServerStatus.STOPPED, ServerStatus.SUSPENDED})
"""A server in one of these stays there until someone acts on it."""


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Plan(_Response):
    """A VPS plan: size of the machine. Memory in MB, storage and bandwidth in GB."""

    id: int
    name: str
    vcpus: int | None = None
    memory: int | None = None
    storage: int | None = None
    bandwidth: int | None = None


class OperatingSystem(_Response):
    """An operating system image."""

    id: int
    name: str


class ResourceUsage(_Response):
    """Live usage (details only). Memory in MB, disk and bandwidth in GB."""

    cpu_percent: float | None = None
    memory_used: float | None = None
    disk_used: float | None = None
    bandwidth_used: float | None = None


_SHARED_LIMIT = 1024
_shared: dict[tuple[str, tuple[tuple[str, object], ...]], object] = {}


def _shared_value(value: Any, handler: ValidatorFunctionWrapHandler, field: str) -> Any:
    """One frozen Plan/OS object per distinct body: a 50,000-server listing holds a handful of
    them instead of 50,000 copies (about half the memory of a listed server)."""
    if not isinstance(value, dict):
        return handler(value)
    try:
        key = (field, tuple(value.items()))
        kept = _shared.get(key)
    except TypeError:  # a nested value that cannot be a key: validate it as it is
        return handler(value)
    if kept is None:
        kept = handler(value)
        if len(_shared) < _SHARED_LIMIT:  # an API sending endless variants cannot grow it
            _shared[key] = kept
    return kept


class Server(_Response):
    """A server as listed, created or fetched; detail-only fields are None elsewhere."""

    id: int
    name: str
    hostname: str | None = None
    status: str
    ip_address: str | None = None
    ipv6_address: str | None = None
    location: str | None = None
    plan: Plan | None = None
    os: OperatingSystem | None = None
    backups_enabled: bool | None = None
    resource_usage: ResourceUsage | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    message: str | None = None

    @field_validator("plan", "os", mode="wrap")
    @classmethod
    def _share(cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
        return _shared_value(value, handler, info.field_name or "")

    @property
    def is_steady(self) -> bool:
        """True when the server is not in the middle of a transition."""
        return self.status in STEADY_STATUSES


class ServerPage(_Response):
    """One page of the server list."""

    count: int
    results: list[Server]
    next: str | None = None
    previous: str | None = None


class ServerRef(_Response):
    """The short server object inside an action's answer."""

    id: int
    name: str | None = None
    status: str | None = None


class ActionResult(_Response):
    """The answer to start, stop or reboot."""

    status: str
    message: str = ""
    server: ServerRef


class ServerCreate(BaseModel):
    """The body of a create request."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    plan_id: int
    os_id: int
    location: str
    hostname: str | None = None
    ssh_key_id: int | None = None
    backups_enabled: bool | None = None


class ServerUpdate(BaseModel):
    """The body of a partial update (PATCH): only the fields that are set are sent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(default=None)
    hostname: str | None = Field(default=None)
    backups_enabled: bool | None = Field(default=None)

    def body(self) -> dict[str, object]:
        """The JSON body: the fields that were given, nothing else."""
        return self.model_dump(exclude_none=True)
