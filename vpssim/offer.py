"""What the simulated provider sells: its caller's catalog (plain data), and a little more.

The simulator is handed the catalog its caller serves (the bot hands over its `BOT_CATALOG_FILE`,
or its built-in one, as plain data shaped like `catalog.yml`), and its seeded fleet wears only
that catalog's plans, images and locations: a server `/vps list` shows is one `/vps create` could
have made. A create may also name the document's examples and a few ids no catalog lists (plans
4, 6, 7; images 7, 8, 9; two more locations), which the simulator accepts as the real API would:
the API, not the catalog, has the last word. Handed no catalog, it serves the document's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import TypeVar

from vpssim.models import DOCUMENT_CATALOG, Catalog, OperatingSystem, Plan

__all__ = ["RANGE_LOCATIONS", "RANGE_OSES", "RANGE_PLANS", "Offer", "plan_price"]

_EXTRA_PLANS = (
    Plan(id=4, name="Starter VPS", vcpus=1, memory=2048, storage=40, bandwidth=1024),
    Plan(id=6, name="High Memory VPS", vcpus=4, memory=16384, storage=160, bandwidth=4096),
    Plan(id=7, name="Dedicated CPU VPS", vcpus=8, memory=16384, storage=320, bandwidth=8192),
)
_EXTRA_OSES = (
    OperatingSystem(id=7, name="Ubuntu 24.04 LTS"),
    OperatingSystem(id=8, name="Rocky Linux 9"),
    OperatingSystem(id=9, name="AlmaLinux 9"),
)

# The provider's whole range, in a fixed order: the seeded fleet is drawn from it (so a seed
# gives the same servers, with the same names and statuses, whatever the catalog), then each
# server is dressed in the served catalog's plan, image and location (`Offer.dress_*`).
RANGE_PLANS: tuple[Plan, ...] = tuple(
    sorted(chain(_EXTRA_PLANS, DOCUMENT_CATALOG.plans), key=lambda p: p.id)
)
RANGE_OSES: tuple[OperatingSystem, ...] = tuple(
    sorted(chain(_EXTRA_OSES, DOCUMENT_CATALOG.operating_systems), key=lambda o: o.id)
)
RANGE_LOCATIONS: tuple[str, ...] = tuple(
    dict.fromkeys([*(loc.code for loc in DOCUMENT_CATALOG.locations), "eu-central", "ap-south"])
)

PRICES: dict[int, float] = {1: 5.0, 2: 10.0, 4: 3.0, 6: 15.0, 7: 25.0}
DEFAULT_PRICE = 7.5
"""The price of a plan missing from PRICES (a catalog plan added after this table was written)."""

_Item = TypeVar("_Item", Plan, OperatingSystem, str)


def plan_price(plan_id: int) -> float:
    """What creating a server on this plan costs, in credits."""
    return PRICES.get(plan_id, DEFAULT_PRICE)


@dataclass(frozen=True)
class Offer:
    """The catalog served (`offered`) and everything a create may name (`plans`, ...)."""

    offered: Catalog
    plans: Mapping[int, Plan]
    operating_systems: Mapping[int, OperatingSystem]
    locations: tuple[str, ...]

    @classmethod
    def of(cls, catalog: Mapping[str, object] | None = None) -> Offer:
        """The offer serving `catalog`: plain data shaped like the bot's catalog.yml (None: the
        document's examples). Its entries win over the range's under the same id."""
        offered = DOCUMENT_CATALOG if catalog is None else Catalog.model_validate(catalog)
        return cls(
            offered=offered,
            plans={p.id: p for p in chain(RANGE_PLANS, offered.plans)},
            operating_systems={o.id: o for o in chain(RANGE_OSES, offered.operating_systems)},
            locations=tuple(
                dict.fromkeys([*(loc.code for loc in offered.locations), *RANGE_LOCATIONS])
            ),
        )

    def dress_plan(self, drawn: Plan) -> Plan:
        """The catalog's plan for a server drawn with `drawn` from the range."""
        return _dress(drawn, RANGE_PLANS, self.offered.plans)

    def dress_os(self, drawn: OperatingSystem) -> OperatingSystem:
        """The catalog's image for a server drawn with `drawn` from the range."""
        return _dress(drawn, RANGE_OSES, self.offered.operating_systems)

    def dress_location(self, drawn: str) -> str:
        """The catalog's location for a server drawn in `drawn` from the range."""
        return _dress(drawn, RANGE_LOCATIONS, [loc.code for loc in self.offered.locations])


def _dress(drawn: _Item, drawn_from: Sequence[_Item], offered: Sequence[_Item]) -> _Item:
    """`drawn` itself when the catalog offers it (by id), else the catalog's entry in the same
    place of the range, counted round: a fixed choice for each item of the range. A catalog
    that offers none (the API has the last word) leaves `drawn` as it is."""
    key = _key(drawn)
    same = next((item for item in offered if _key(item) == key), None)
    if same is not None:
        return same
    if not offered:
        return drawn
    return offered[drawn_from.index(drawn) % len(offered)]


def _key(item: Plan | OperatingSystem | str) -> object:
    return item if isinstance(item, str) else item.id
