"""Checking several values at once, and the create form's fields (the same rules as `create`)."""

from collections.abc import Callable, Mapping
from typing import Final, TypeVar

from bot.catalog import Catalog
from bot.commands.fields import (
    FieldError,
    check_backups,
    check_hostname,
    check_id,
    check_location,
    check_name,
    check_os,
    check_plan,
)
from bot.commands.tokens import canonical_key
from bot.commands.values import Create, ParseError

CREATE_FIELDS: Final = ("name", "plan", "os", "location", "hostname", "ssh-key", "backups")
"""The create form's fields, as `create`'s options are named (`ssh_key` is accepted too)."""
_REQUIRED: Final = ("name", "plan", "os", "location")

_T = TypeVar("_T")


class Collector:
    """Runs the checks of several fields and keeps every refusal, keyed by field."""

    def __init__(self, raw: Mapping[str, str]) -> None:
        self.raw = raw
        self.errors: dict[str, FieldError] = {}

    def take(self, key: str, check: Callable[[str], _T], default: _T) -> _T:
        """Return the checked value of `key`; `default` when it is absent, blank or refused."""
        raw = self.raw.get(key)
        if raw is None or not raw.strip():
            return default
        try:
            return check(raw)
        except FieldError as exc:
            self.errors[key] = exc
            return default

    def raise_errors(self, word: str) -> None:
        """Raise one ParseError naming every refused field, if any was refused."""
        if self.errors:
            errors = tuple(self.errors.values())
            raise ParseError("invalid", command=word, fields=tuple(self.errors), errors=errors)


def check_create(raw: Mapping[str, str], catalog: Catalog) -> Create | dict[str, FieldError]:
    """Return the checked create request, or the error of each missing or refused field."""
    values = Collector(raw)
    for key in _REQUIRED:
        if not raw.get(key, "").strip():
            values.errors[key] = FieldError(key, "required")
    name = values.take("name", check_name, "")
    plan_id = values.take("plan", lambda r: check_plan(r, catalog), 0)
    os_id = values.take("os", lambda r: check_os(r, catalog), 0)
    location = values.take("location", lambda r: check_location(r, catalog), "")
    hostname = values.take("hostname", check_hostname, None)
    ssh_key_id = values.take("ssh-key", lambda r: check_id(r, "ssh-key"), None)
    backups = values.take("backups", check_backups, None)
    if values.errors:
        return {key: values.errors[key] for key in CREATE_FIELDS if key in values.errors}
    return Create(
        name=name,
        plan_id=plan_id,
        os_id=os_id,
        location=location,
        hostname=hostname,
        ssh_key_id=ssh_key_id,
        backups_enabled=backups,
    )


def check_create_fields(
    values: Mapping[str, str | None], catalog: Catalog
) -> Create | dict[str, FieldError]:
    """Check the create form: the request, or an error per field keyed as `values` is.

    Keys are `CREATE_FIELDS` (any case, `_` for `-`), also with a `create_` prefix as the
    modal's block ids (`ids.CREATE_*`) have it, so errors can go straight back as
    `response_action: errors` (worded as plain text: Slack shows them as they are). None or
    blank means not given.
    """
    typed: dict[str, str] = {}
    raw: dict[str, str] = {}
    for key, value in values.items():
        field = canonical_key(key.casefold().removeprefix("create_").removeprefix("create-"))
        if field not in CREATE_FIELDS:
            raise ValueError(f"not a create field: {key!r} (expected one of {CREATE_FIELDS})")
        typed[field] = key
        raw[field] = value or ""
    result = check_create(raw, catalog)
    if isinstance(result, Create):
        return result
    return {typed.get(field, field): error for field, error in result.items()}
