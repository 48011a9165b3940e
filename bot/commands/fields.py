"""Checks of the values people type: each returns the clean value or raises FieldError.

A FieldError is data — the field, what was typed, what is wrong with it (a key) and the
accepted choices; `bot.slack.wording` puts it in words, as mrkdwn for a slash command's answer
or as plain text for a modal's inline errors.
"""

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from bot.catalog import Catalog
from bot.vps.models import OperatingSystem, Plan

MAX_ID: Final = 2**63 - 1
MAX_LENGTH: Final = {"name": 63, "hostname": 253}  # characters; a hostname's labels as a name
STATUSES: Final = ("active", "stopped", "suspended")
_BOOLEANS: Final = dict.fromkeys(("on", "yes", "true"), True) | dict.fromkeys(
    ("off", "no", "false"), False
)
_LDH = re.compile(r"[A-Za-z0-9-]")
_DIGITS = re.compile(r"-?[0-9]+")
_LOCATION = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(eq=False)
class FieldError(ValueError):
    """A typed value is refused: `problem` says what is wrong (e.g. "chars", "unknown"),
    `choices` what was offending or is accepted (bad characters, catalog names; `ids` beside
    them), `guess` the closest accepted value, `size` the value's length."""

    field: str
    problem: str
    value: str = ""
    choices: tuple[str, ...] = ()
    ids: tuple[int, ...] = ()
    guess: str | None = None
    size: int = 0


def check_name(raw: str) -> str:
    """Return a server name: 1 to 63 letters, digits and hyphens, no hyphen at either end."""
    value = raw.strip()
    if not value:
        raise FieldError("name", "empty", value)
    bad = list(dict.fromkeys(ch for ch in value if not _LDH.fullmatch(ch)))
    if bad:
        raise FieldError("name", "chars", value, tuple(bad[:5]))
    if len(value) > MAX_LENGTH["name"]:
        raise FieldError("name", "long", value, size=len(value))
    if value.startswith("-") or value.endswith("-"):
        raise FieldError("name", "starts" if value.startswith("-") else "ends", value)
    return value


def check_hostname(raw: str) -> str:
    """Return a fully qualified domain name, without its trailing dot."""
    value = raw.strip()
    host = value.removesuffix(".")
    if not host:
        raise FieldError("hostname", "empty", value)
    bad = list(dict.fromkeys(ch for ch in host if ch != "." and not _LDH.fullmatch(ch)))
    if bad:
        raise FieldError("hostname", "chars", value, tuple(bad[:5]))
    labels = host.split(".")
    problem = None
    if len(host) > MAX_LENGTH["hostname"]:
        problem = "long"
    elif len(labels) < 2:
        problem = "single"
    elif "" in labels:
        problem = "empty-label"
    elif labels[-1].isdigit():
        problem = "ip"
    elif any(len(label) > MAX_LENGTH["name"] for label in labels):
        problem = "label-long"
    elif any(label.startswith("-") or label.endswith("-") for label in labels):
        problem = "label-hyphen"
    if problem is not None:
        raise FieldError("hostname", problem, value, size=len(host))
    return host


def check_id(raw: str, field: str) -> int:
    """Return an API id: a positive whole number."""
    value = raw.strip()
    number = _positive_int(value)
    if number is None:
        raise FieldError(field, "not-id", value)
    return number


def check_plan(raw: str, catalog: Catalog) -> int:
    """Return a plan id: the catalog's plan that `raw` names (`bot.catalog.matches`: its id,
    name or the start of its name, as in the create form), or any other positive id."""
    return _catalog_id(raw, "plan", catalog.plans_named(raw), catalog.plans)


def check_os(raw: str, catalog: Catalog) -> int:
    """Return an operating-system id: the catalog's OS that `raw` names (its id, name or the
    start of its name, as in the create form), or any other positive id."""
    return _catalog_id(raw, "os", catalog.operating_systems_named(raw), catalog.operating_systems)


def check_location(raw: str, catalog: Catalog) -> str:
    """Return a location code: the catalog's location that `raw` names (its code, name or the
    start of either, as in the create form); unknown codes pass."""
    value = raw.strip()
    found = catalog.locations_named(value)
    if len(found) == 1:
        return found[0].code
    _refuse_ambiguous(value, "location", tuple(loc.code for loc in found))
    lowered = value.lower()
    if len(lowered) <= 63 and _LOCATION.fullmatch(lowered):
        return lowered
    raise FieldError("location", "not-code", value, tuple(loc.code for loc in catalog.locations))


def check_backups(raw: str) -> bool:
    """Return whether backups are wanted: on/off, yes/no or true/false."""
    value = raw.strip()
    try:
        return _BOOLEANS[value.casefold()]
    except KeyError:
        raise FieldError("backups", "not-boolean", value, tuple(_BOOLEANS)) from None


def check_status(raw: str) -> str:
    """Return one of the statuses the server list can filter by."""
    value = raw.strip()
    if value.casefold() in STATUSES:
        return value.casefold()
    guess = closest(value.casefold(), STATUSES)
    raise FieldError("status", "not-status", value, STATUSES, guess=guess)


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to `word` (as difflib judges it), if any is close enough."""
    found = difflib.get_close_matches(word, list(choices), n=1)
    return found[0] if found else None


def _positive_int(value: str) -> int | None:
    if not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def _refuse_ambiguous(raw: str, field: str, names: tuple[str, ...]) -> None:
    """Refuse the start of several catalog names: which one is meant is for the person to say."""
    if len(names) >= 2:
        raise FieldError(field, "ambiguous", raw.strip(), names)


def _catalog_id(
    raw: str,
    field: str,
    found: Sequence[Plan] | Sequence[OperatingSystem],
    items: Sequence[Plan] | Sequence[OperatingSystem],
) -> int:
    """The one catalog entry `raw` names (`found`); else an id the catalog doesn't know, passed
    through to the API; else a refusal."""
    if len(found) == 1:
        return found[0].id
    _refuse_ambiguous(raw, field, tuple(item.name for item in found))
    value = raw.strip()
    number = _positive_int(value)
    if number is not None:
        return number
    names, ids = tuple(item.name for item in items), tuple(item.id for item in items)
    if _DIGITS.fullmatch(value):
        raise FieldError(field, "bad-id", value, names, ids=ids)
    folded = {name.casefold(): name for name in names}
    guess = folded.get(closest(value.casefold(), folded) or "")
    raise FieldError(field, "unknown", value, names, ids=ids, guess=guess)
