"""The simulated provider's data and rules, free of HTTP: server record, fleet, checks.

What it sells is in `offer.py`: the seeded fleet wears the catalog the bot serves. The
request checks and the lifecycle rules live here too, beside the fleet they act on.
"""

from __future__ import annotations

import ipaddress
import random
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import chain, count
from typing import cast

from vpssim.models import OperatingSystem, Plan, ServerStatus
from vpssim.offer import RANGE_LOCATIONS, RANGE_OSES, RANGE_PLANS, Offer

RUNNING = frozenset({ServerStatus.ACTIVE, ServerStatus.STARTING, ServerStatus.REBOOTING})


def iso(moment: datetime) -> str:
    """ISO-8601 in UTC with a Z, to the second, as the document writes it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Usage:
    """Live resource usage. Memory in MB, disk and bandwidth in GB."""

    cpu_percent: float = 0.0
    memory_used: int = 0
    disk_used: int = 2
    bandwidth_used: int = 0


@dataclass
class SimServer:
    """One server as the simulator stores it; `pending` is the status it reaches at `ready_at`."""

    id: int
    name: str
    hostname: str | None
    status: str
    location: str
    plan: Plan
    os: OperatingSystem
    created_at: datetime
    updated_at: datetime
    ip_address: str | None = None
    ipv6_address: str | None = None
    backups_enabled: bool = False
    usage: Usage = field(default_factory=Usage)
    pending: str | None = None
    ready_at: float = 0.0

    def list_view(self) -> dict[str, object]:
        """The server as the list endpoint shows it."""
        return {
            "id": self.id,
            "name": self.name,
            "hostname": self.hostname,
            "status": self.status,
            "ip_address": self.ip_address,
            "location": self.location,
            "plan": self.plan.model_dump(exclude={"bandwidth"}),
            "os": self.os.model_dump(),
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }

    def detail_view(self) -> dict[str, object]:
        """The server as the details endpoint (and PUT/PATCH) shows it."""
        return {
            "id": self.id,
            "name": self.name,
            "hostname": self.hostname,
            "status": self.status,
            "ip_address": self.ip_address,
            "ipv6_address": self.ipv6_address,
            "location": self.location,
            "plan": self.plan.model_dump(),
            "os": self.os.model_dump(),
            "backups_enabled": self.backups_enabled,
            "resource_usage": self._usage_view(),
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }

    def created_view(self, message: str) -> dict[str, object]:
        """The server as the create endpoint answers it."""
        view = self.list_view()
        timestamps = {key: view.pop(key) for key in ("created_at", "updated_at")}
        return {**view, "backups_enabled": self.backups_enabled, **timestamps, "message": message}

    def ref_view(self) -> dict[str, object]:
        """The short server object inside an action's answer."""
        return {"id": self.id, "name": self.name, "status": self.status}

    def _usage_view(self) -> dict[str, object]:
        running = self.status in RUNNING
        return {
            "cpu_percent": self.usage.cpu_percent if running else 0.0,
            "memory_used": self.usage.memory_used if running else 0,
            "disk_used": self.usage.disk_used,
            "bandwidth_used": self.usage.bandwidth_used,
        }


class AddressPool:
    """Hands out unique addresses: the documentation ranges first, then private space."""

    def __init__(self) -> None:
        self._v4 = _ipv4_addresses()
        self._v6 = count(1)

    def take_ipv4(self) -> str:
        """The next unused IPv4 address."""
        return next(self._v4)

    def take_ipv6(self) -> str:
        """The next unused IPv6 address, written as the document writes 2001:0db8::1."""
        return f"2001:0db8::{next(self._v6):x}"


def _ipv4_addresses() -> Iterator[str]:
    # 203.0.113.10 first so the document's two servers get .10 and .11, as in its examples.
    ranges = (
        (f"203.0.113.{n}" for n in range(10, 255)),
        (f"198.51.100.{n}" for n in range(1, 255)),
        (f"192.0.2.{n}" for n in range(1, 255)),
        (f"203.0.113.{n}" for n in range(1, 10)),
        (str(host) for host in ipaddress.IPv4Network("10.0.0.0/8").hosts()),
    )
    return chain.from_iterable(ranges)


FIRST_ID = 12345
_BASE_SEED = 20250110
# web-server-02 is left free: the document's create example makes it.
_ROLES = {
    "web": ("web-server", 30, 3),
    "db": ("db-server", 15, 2),
    "api": ("api-server", 20, 1),
    "cache": ("cache", 10, 1),
    "worker": ("worker", 25, 1),
}
_LOCATION_WEIGHTS = [
    {"us-west": 35, "us-east": 35, "eu-central": 20}.get(c, 10) for c in RANGE_LOCATIONS
]


def seed_fleet(size: int, pool: AddressPool, offer: Offer) -> list[SimServer]:
    """`size` servers, the same ones for the same size; the first two are the document's.

    Each is drawn from the provider's whole range, then wears the plan, image and location the
    served catalog has in its place: the draws never depend on the catalog, so names and
    statuses stay the same whatever it sells.
    """
    documented = _documented_servers(pool)[:size]
    rng = random.Random(_BASE_SEED)
    counters = {role: start for role, (_, _, start) in _ROLES.items()}
    generated = [
        _random_server(FIRST_ID + index, rng, counters, pool)
        for index in range(len(documented), size)
    ]
    return [_dressed(server, offer) for server in documented + generated]


def _dressed(server: SimServer, offer: Offer) -> SimServer:
    """`server` in the catalog's plan, image and location, its usage scaled to the plan."""
    plan = offer.dress_plan(server.plan)
    used, drawn = server.usage, server.plan
    usage = replace(
        used,
        memory_used=_scaled(used.memory_used, drawn.memory, plan.memory),
        disk_used=_scaled(used.disk_used, drawn.storage, plan.storage),
        bandwidth_used=_scaled(used.bandwidth_used, drawn.bandwidth, plan.bandwidth),
    )
    return replace(
        server,
        plan=plan,
        os=offer.dress_os(server.os),
        location=offer.dress_location(server.location),
        usage=usage,
    )


def _scaled(used: int, drawn: int | None, worn: int | None) -> int:
    return used * worn // drawn if drawn and worn else used


def _in_range(plan_id: int, os_id: int) -> tuple[Plan, OperatingSystem]:
    plan = next(p for p in RANGE_PLANS if p.id == plan_id)
    return plan, next(o for o in RANGE_OSES if o.id == os_id)


def _documented_servers(pool: AddressPool) -> list[SimServer]:
    web_plan, web_os = _in_range(1, 5)
    db_plan, db_os = _in_range(2, 3)
    web = SimServer(
        id=FIRST_ID,
        name="web-server-01",
        hostname="web01.example.com",
        status=ServerStatus.ACTIVE,
        location="us-west",
        plan=web_plan,
        os=web_os,
        created_at=datetime(2025, 1, 10, 14, 30, tzinfo=UTC),
        updated_at=datetime(2025, 1, 15, 10, 20, tzinfo=UTC),
        ip_address=pool.take_ipv4(),
        ipv6_address=pool.take_ipv6(),
        backups_enabled=True,
        usage=Usage(cpu_percent=23.5, memory_used=2048, disk_used=35, bandwidth_used=450),
    )
    db = SimServer(
        id=FIRST_ID + 1,
        name="db-server-01",
        hostname="db01.example.com",
        status=ServerStatus.ACTIVE,
        location="us-east",
        plan=db_plan,
        os=db_os,
        created_at=datetime(2025, 1, 12, 9, 15, tzinfo=UTC),
        updated_at=datetime(2025, 1, 16, 8, 45, tzinfo=UTC),
        ip_address=pool.take_ipv4(),
        ipv6_address=pool.take_ipv6(),
        backups_enabled=True,
        usage=Usage(cpu_percent=41.0, memory_used=6144, disk_used=92, bandwidth_used=1210),
    )
    return [web, db]


def _random_server(
    server_id: int, rng: random.Random, counters: dict[str, int], pool: AddressPool
) -> SimServer:
    role = rng.choices(list(_ROLES), weights=[w for _, w, _ in _ROLES.values()])[0]
    number = counters[role]
    counters[role] += 1
    plan = rng.choice(RANGE_PLANS)
    created = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(525_600))
    return SimServer(
        id=server_id,
        name=f"{_ROLES[role][0]}-{number:02d}",
        hostname=f"{role}{number:02d}.example.com",
        status=_random_status(rng),
        location=rng.choices(RANGE_LOCATIONS, weights=_LOCATION_WEIGHTS)[0],
        plan=plan,
        os=rng.choice(RANGE_OSES),
        created_at=created,
        updated_at=created + timedelta(minutes=rng.randrange(43_200)),
        ip_address=pool.take_ipv4(),
        ipv6_address=pool.take_ipv6(),
        backups_enabled=rng.random() < 0.5,
        usage=_random_usage(rng, plan),
    )


def _random_status(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.8:
        return ServerStatus.ACTIVE
    return ServerStatus.STOPPED if roll < 0.94 else ServerStatus.SUSPENDED


def _random_usage(rng: random.Random, plan: Plan) -> Usage:
    return Usage(
        cpu_percent=round(rng.uniform(0.5, 95.0), 1),
        memory_used=rng.randrange(256, plan.memory or 1024),
        disk_used=rng.randrange(3, plan.storage or 20),
        bandwidth_used=rng.randrange(0, plan.bandwidth or 1024),
    )


# --- lifecycle ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Durations:
    """How long each transition takes, in seconds of the simulator's clock."""

    provisioning: float = 20.0
    starting: float = 5.0
    stopping: float = 5.0
    rebooting: float = 8.0

    @classmethod
    def instant(cls) -> Durations:
        """Every transition is over by the next request."""
        return cls(provisioning=0.0, starting=0.0, stopping=0.0, rebooting=0.0)

    def of(self, status: str) -> float:
        """The duration of the transition that `status` names."""
        return {
            ServerStatus.PROVISIONING: self.provisioning,
            ServerStatus.STARTING: self.starting,
            ServerStatus.STOPPING: self.stopping,
            ServerStatus.REBOOTING: self.rebooting,
        }[ServerStatus(status)]


ACTIONS = {
    "start": ServerStatus.STARTING,
    "stop": ServerStatus.STOPPING,
    "reboot": ServerStatus.REBOOTING,
}
TRANSITIONS = {
    ServerStatus.PROVISIONING: ServerStatus.ACTIVE,
    ServerStatus.STARTING: ServerStatus.ACTIVE,
    ServerStatus.STOPPING: ServerStatus.STOPPED,
    ServerStatus.REBOOTING: ServerStatus.ACTIVE,
}


# --- what the API accepts ------------------------------------------------------------------------

Check = Callable[[object], "str | None"]
_NAME = re.compile(r"[A-Za-z0-9-]+")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_NOT_STRING = "Not a valid string."
_BLANK = "This field may not be blank."


def _is_int(value: object) -> bool:
    # JSON true/false arrive as bool, a subclass of int: they are not ids.
    return isinstance(value, int) and not isinstance(value, bool)


def _check_name(value: object) -> str | None:
    if not isinstance(value, str):
        return _NOT_STRING
    if not value:
        return _BLANK
    if len(value) > 63:
        return "Ensure this field has no more than 63 characters."
    if not _NAME.fullmatch(value):
        return "Use only letters, digits and hyphens."
    return None


def _check_hostname(value: object) -> str | None:
    if not isinstance(value, str):
        return _NOT_STRING
    if not value:
        return _BLANK
    labels = value.removesuffix(".").split(".")
    if len(value) > 253 or len(labels) < 2 or not all(map(_LABEL.fullmatch, labels)):
        return "Enter a valid fully qualified hostname, e.g. web01.example.com."
    return None


def _check_known(table: Mapping[int, object], what: str) -> Check:
    def check(value: object) -> str | None:
        if not _is_int(value):
            return "A valid integer is required."
        if value not in table:
            return f'Invalid {what} "{value}" - object does not exist.'
        return None

    return check


def _check_location(locations: tuple[str, ...]) -> Check:
    def check(value: object) -> str | None:
        if not isinstance(value, str):
            return _NOT_STRING
        return None if value in locations else f'"{value}" is not a valid choice.'

    return check


def _check_ssh_key(value: object) -> str | None:
    if not _is_int(value):
        return "A valid integer is required."
    return None if cast(int, value) >= 1 else "Ensure this value is greater than or equal to 1."


def _check_bool(value: object) -> str | None:
    return None if isinstance(value, bool) else "Must be a valid boolean."


@dataclass(frozen=True)
class Rule:
    """How one body field is checked."""

    check: Check
    required: bool = False
    nullable: bool = False


def create_rules(offer: Offer) -> dict[str, Rule]:
    """How a create's body is checked: its plan, image and location must be ones sold."""
    return {
        "name": Rule(_check_name, required=True),
        "plan_id": Rule(_check_known(offer.plans, "plan_id"), required=True),
        "os_id": Rule(_check_known(offer.operating_systems, "os_id"), required=True),
        "location": Rule(_check_location(offer.locations), required=True),
        "hostname": Rule(_check_hostname, nullable=True),
        "ssh_key_id": Rule(_check_ssh_key, nullable=True),
        "backups_enabled": Rule(_check_bool, nullable=True),
    }


REPLACE_RULES: dict[str, Rule] = {
    "name": Rule(_check_name, required=True),
    "hostname": Rule(_check_hostname, required=True),
    "backups_enabled": Rule(_check_bool, required=True),
}
UPDATE_RULES = {name: replace(rule, required=False) for name, rule in REPLACE_RULES.items()}


def _field_problem(body: Mapping[str, object], name: str, rule: Rule) -> str | None:
    if name not in body:
        return "This field is required." if rule.required else None
    value = body[name]
    if value is None:
        return None if rule.nullable else "This field may not be null."
    return rule.check(value)


def field_errors(body: Mapping[str, object], rules: Mapping[str, Rule]) -> dict[str, list[str]]:
    """DRF-style field errors of `body` under `rules`; empty when it is valid."""
    problems = {name: _field_problem(body, name, rule) for name, rule in rules.items()}
    return {name: [problem] for name, problem in problems.items() if problem is not None}


def accepted_fields(body: Mapping[str, object], rules: Mapping[str, Rule]) -> dict[str, object]:
    """The fields of a valid `body` that `rules` know and that are not null."""
    return {name: body[name] for name in rules if body.get(name) is not None}


def action_refusal(action: str, status: str) -> str | None:
    """Why `action` cannot run on a server in `status`, or None when it can."""
    if status == ServerStatus.SUSPENDED:
        return "Server is suspended."
    if status == ServerStatus.PROVISIONING:
        return "Server is still being provisioned; try again when it is active."
    if action == "start":
        if status == ServerStatus.STOPPING:
            return "Server is stopping; start it once it has stopped."
        return None if status == ServerStatus.STOPPED else "Server is already running."
    if status == ServerStatus.STOPPED:
        return "Server is not running."
    if status == ServerStatus.STOPPING:
        return "Server is already stopping." if action == "stop" else "Server is stopping."
    if status != ServerStatus.ACTIVE:
        return f"Server is {status}; try again when it is active."
    return None
