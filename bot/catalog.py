"""The catalog of plans, operating systems and locations that `create` offers (BOT_CATALOG_FILE)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from bot.vps.models import OperatingSystem, Plan


class Location(BaseModel):
    """A data-center location: the code the API takes and a name people read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    name: str = ""


class Catalog(BaseModel):
    """What `create` offers. The API has the last word on what exists."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    plans: tuple[Plan, ...]
    operating_systems: tuple[OperatingSystem, ...]
    locations: tuple[Location, ...]

    def find_plan(self, ref: str) -> Plan | None:
        """The plan whose id or name (any case) is `ref`."""
        return _find(self.plans, ref)

    def find_os(self, ref: str) -> OperatingSystem | None:
        """The operating system whose id or name (any case) is `ref`."""
        return _find(self.operating_systems, ref)


_Item = TypeVar("_Item", Plan, OperatingSystem)


def _find(items: tuple[_Item, ...], ref: str) -> _Item | None:
    wanted = ref.strip().casefold()
    for item in items:
        if str(item.id) == wanted or item.name.casefold() == wanted:
            return item
    return None


class CatalogError(Exception):
    """The catalog file cannot be read or is not a valid catalog."""


def builtin_catalog_text() -> str:
    """The YAML of the catalog shipped with the bot."""
    return resources.files("bot").joinpath("catalog.yml").read_text(encoding="utf-8")


def builtin_catalog_data() -> dict[str, Any]:
    """The built-in catalog as plain data: what the bot hands the VPS.org simulator (vpssim)."""
    return load_catalog().model_dump(mode="json")


def load_catalog(path: Path | None = None) -> Catalog:
    """Load the catalog at `path`, or the built-in one when `path` is None."""
    source = str(path) if path else "built-in catalog"
    try:
        text = path.read_text(encoding="utf-8") if path else builtin_catalog_text()
        data = yaml.safe_load(text)
        return Catalog.model_validate(data)
    except OSError as exc:
        raise CatalogError(f"{source}: cannot read it ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise CatalogError(f"{source}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'top level'}: {err['msg']}"
            for err in exc.errors()
        )
        raise CatalogError(f"{source}: {problems}") from exc
