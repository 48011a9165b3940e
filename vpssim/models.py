"""The simulator's own words for what VPS.org serves: statuses, plans, images and the catalog.

The simulator speaks the API's wire format and imports nothing from the bot: a caller that has a
catalog of its own (the bot's `catalog.yml`) hands it over as plain data, in the same shape
(`plans`, `operating_systems`, `locations`), and the simulator offers it beside the document's.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class ServerStatus(StrEnum):
    """The statuses the provider's document shows."""

    ACTIVE = "active"
    STOPPED = "stopped"
    SUSPENDED = "suspended"
    PROVISIONING = "provisioning"
    STARTING = "starting"
    STOPPING = "stopping"
    REBOOTING = "rebooting"


class _Data(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Plan(_Data):
    """A VPS plan as the API shows it. Memory in MB, storage and bandwidth in GB."""

    id: int
    name: str
    vcpus: int | None = None
    memory: int | None = None
    storage: int | None = None
    bandwidth: int | None = None


class OperatingSystem(_Data):
    """An operating system image as the API shows it."""

    id: int
    name: str


class Location(_Data):
    """A data-center location: the code the API takes (the name is for people)."""

    code: str
    name: str = ""


class Catalog(_Data):
    """Plans, images and locations on offer, in the shape of the bot's catalog.yml."""

    plans: tuple[Plan, ...]
    operating_systems: tuple[OperatingSystem, ...]
    locations: tuple[Location, ...]


DOCUMENT_CATALOG = Catalog(
    plans=(
        Plan(id=1, name="Standard VPS", vcpus=2, memory=4096, storage=80, bandwidth=2048),
        Plan(id=2, name="Performance VPS", vcpus=4, memory=8192, storage=160, bandwidth=4096),
    ),
    operating_systems=(
        OperatingSystem(id=5, name="Ubuntu 22.04 LTS"),
        OperatingSystem(id=3, name="Debian 12"),
    ),
    locations=(Location(code="us-west", name="US West"), Location(code="us-east", name="US East")),
)
"""The examples of the provider's document, always on offer (the bot's built-in catalog holds the
same)."""
