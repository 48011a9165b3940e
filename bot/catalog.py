"""The catalog of plans, operating systems and locations that `create` offers (BOT_CATALOG_FILE)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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

    def plans_named(self, ref: str) -> list[Plan]:
        """The plans `ref` may mean (see `matches`): one when it names one."""
        return _named(self.plans, ref, lambda plan: (str(plan.id), [plan.name]))

    def operating_systems_named(self, ref: str) -> list[OperatingSystem]:
        """The operating systems `ref` may mean (see `matches`): one when it names one."""
        return _named(self.operating_systems, ref, lambda os: (str(os.id), [os.name]))

    def locations_named(self, ref: str) -> list[Location]:
        """The locations `ref` may mean (see `matches`), by code or name: one when it names one."""
        return _named(self.locations, ref, lambda loc: (loc.code, [loc.code, loc.name]))

    def find_plan(self, ref: str) -> Plan | None:
        """The plan `ref` names: its id, its name or the start of its name (any case)."""
        return _one(self.plans_named(ref))

    def find_os(self, ref: str) -> OperatingSystem | None:
        """The operating system `ref` names: its id, its name or the start of its name."""
        return _one(self.operating_systems_named(ref))


def matches(typed: str, choices: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """The keys of the choices `typed` may mean, each choice a key and the names it goes by.

    The one rule for naming a plan, an operating system or a location, whether typed on the
    command line (`os:Debian`) or in a form (the console's `:submit os=Debian`): the key itself
    (an id, a code), else one of the names (any case), else the start of names (any case). A
    code is one of its location's names too (`us-w`); an id is never started (`2` is not `21`).
    One key: that is the choice; several: `typed` is ambiguous; none: it names no choice.
    """
    wanted = typed.strip().casefold()
    if not wanted:
        return []
    for key, _ in choices:
        if key.casefold() == wanted:
            return [key]
    for key, names in choices:
        if any(name.casefold() == wanted for name in names):
            return [key]
    return [key for key, names in choices if any(n.casefold().startswith(wanted) for n in names)]


_T = TypeVar("_T")


def _named(
    items: tuple[_T, ...], ref: str, choice: Callable[[_T], tuple[str, list[str]]]
) -> list[_T]:
    keys = matches(ref, [choice(item) for item in items])
    by_key = {choice(item)[0]: item for item in reversed(items)}  # the first of a repeated key
    return [by_key[key] for key in dict.fromkeys(keys)]


def _one(found: Sequence[_T]) -> _T | None:
    return found[0] if len(found) == 1 else None


class CatalogError(Exception):
    """The catalog file cannot be read or is not a valid catalog."""


def catalog_data(catalog: Catalog) -> dict[str, Any]:
    """`catalog` as plain data in catalog.yml's shape: what the bot hands the VPS.org simulator
    (vpssim imports nothing from the bot), whose seeded fleet then wears it."""
    return catalog.model_dump(mode="json")


def load_catalog(path: Path | None = None) -> Catalog:
    """Load the catalog at `path`, or the built-in one when `path` is None."""
    source = str(path) if path else "built-in catalog"
    try:
        text = (path or resources.files("bot").joinpath("catalog.yml")).read_text(encoding="utf-8")
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
