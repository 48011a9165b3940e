"""Checks of the values people type: each returns the clean value or raises FieldError.

Every message names the field, shows the offending value and says what is allowed. Messages come
in two styles: mrkdwn for slash-command answers (untrusted values through `bot.slack.text.code`)
and plain text for a modal's inline errors, which Slack does not format.
"""

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from bot.catalog import Catalog
from bot.slack.text import code, plain
from bot.vps.models import OperatingSystem, Plan

__all__ = [
    "MAX_ID",
    "MRKDWN",
    "PLAIN",
    "STATUSES",
    "FieldError",
    "Style",
    "check_backups",
    "check_hostname",
    "check_id",
    "check_location",
    "check_name",
    "check_os",
    "check_plan",
    "check_status",
    "one_of",
]

MAX_ID: Final = 2**63 - 1
STATUSES: Final = ("active", "stopped", "suspended")
_BOOLEANS: Final = {
    "on": True,
    "yes": True,
    "true": True,
    "off": False,
    "no": False,
    "false": False,
}
_LDH = re.compile(r"[A-Za-z0-9-]")
_DIGITS = re.compile(r"-?[0-9]+")
_LOCATION = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SHOWN_CHARS = 80  # an echoed value longer than this is cut
_LISTED = 10  # catalog entries named in one message


class FieldError(ValueError):
    """A typed value is not allowed; the message is for the person who typed it."""


@dataclass(frozen=True)
class Style:
    """How a message shows our own literals (`lit`) and a value someone typed (`value`)."""

    lit: Callable[[str], str]
    value: Callable[[str], str]
    slash: bool  # whether hints about typing a slash command apply


def _mrkdwn_value(text: str) -> str:
    return code(plain(text, _SHOWN_CHARS)) or "(blank)"


def _plain_value(text: str) -> str:
    return f"“{plain(text, _SHOWN_CHARS)}”"


MRKDWN: Final = Style(lit=lambda text: f"`{text}`", value=_mrkdwn_value, slash=True)
PLAIN: Final = Style(lit=lambda text: f"“{text}”", value=_plain_value, slash=False)


def one_of(words: Sequence[str], conjunction: str = "or") -> str:
    """Join already-quoted words as people write them: `a`, `b` or `c`."""
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def check_name(raw: str, style: Style = MRKDWN) -> str:
    """Return a server name: 1 to 63 letters, digits and hyphens, no hyphen at either end."""
    value = raw.strip()
    problem = _ldh_problem(value, style, limit=63)
    if problem:
        rule = (
            "A name is 1 to 63 letters (A-Z, a-z), digits and hyphens, not starting or ending "
            f"with a hyphen, like {style.lit('web-01')}."
        )
        raise FieldError(f"Invalid {style.lit('name')}: {problem}. {rule}")
    return value


def check_hostname(raw: str, style: Style = MRKDWN) -> str:
    """Return a fully qualified domain name, without its trailing dot."""
    value = raw.strip()
    host = value.removesuffix(".")
    problem = _hostname_problem(value, host, style)
    if problem:
        rule = (
            f"A hostname is a fully qualified domain name like {style.lit('web-01.example.com')}: "
            "two or more labels separated by dots, each 1 to 63 letters, digits and hyphens, "
            "not starting or ending with a hyphen."
        )
        raise FieldError(f"Invalid {style.lit('hostname')}: {problem}. {rule}")
    return host


def check_id(raw: str, field: str, style: Style = MRKDWN) -> int:
    """Return an API id: a positive whole number."""
    value = raw.strip()
    number = _positive_int(value)
    if number is None:
        raise FieldError(
            f"Invalid {style.lit(field)}: {style.value(value)} is not an id. "
            f"An id is a positive whole number, like {style.lit('42')}."
        )
    return number


def check_plan(raw: str, catalog: Catalog, style: Style = MRKDWN) -> int:
    """Return a plan id: the catalog's plan that `raw` names (`bot.catalog.matches`: its id,
    name or the start of its name, as in the create form), or any other positive id."""
    found = catalog.plans_named(raw)
    if len(found) == 1:
        return found[0].id
    _refuse_ambiguous(raw, "plan", [plan.name for plan in found], style)
    return _unknown_ref(raw, "plan", catalog.plans, style)


def check_os(raw: str, catalog: Catalog, style: Style = MRKDWN) -> int:
    """Return an operating-system id: the catalog's OS that `raw` names (its id, name or the
    start of its name, as in the create form), or any other positive id."""
    found = catalog.operating_systems_named(raw)
    if len(found) == 1:
        return found[0].id
    _refuse_ambiguous(raw, "os", [system.name for system in found], style)
    return _unknown_ref(raw, "os", catalog.operating_systems, style)


def check_location(raw: str, catalog: Catalog, style: Style = MRKDWN) -> str:
    """Return a location code: the catalog's location that `raw` names (its code, name or the
    start of either, as in the create form); unknown codes pass."""
    value = raw.strip()
    found = catalog.locations_named(value)
    if len(found) == 1:
        return found[0].code
    _refuse_ambiguous(value, "location", [loc.code for loc in found], style)
    lowered = value.lower()
    if len(lowered) <= 63 and _LOCATION.fullmatch(lowered):
        return lowered
    known = [style.lit(loc.code) for loc in catalog.locations[:_LISTED]]
    listing = f" Known locations: {one_of(known)}." if known else ""
    raise FieldError(
        f"Invalid {style.lit('location')}: {style.value(value)} is not a location code. "
        "A location is a code of lowercase letters, digits and hyphens, like "
        f"{style.lit('us-west')}.{listing}"
    )


def check_backups(raw: str, style: Style = MRKDWN) -> bool:
    """Return whether backups are wanted: on/off, yes/no or true/false."""
    value = raw.strip()
    try:
        return _BOOLEANS[value.casefold()]
    except KeyError:
        raise FieldError(
            f"Invalid {style.lit('backups')}: {style.value(value)}. Use {style.lit('on')} or "
            f"{style.lit('off')} ({style.lit('yes')}/{style.lit('no')} and "
            f"{style.lit('true')}/{style.lit('false')} work too)."
        ) from None


def check_status(raw: str, style: Style = MRKDWN) -> str:
    """Return one of the statuses the server list can filter by."""
    value = raw.strip()
    if value.casefold() in STATUSES:
        return value.casefold()
    guess = difflib.get_close_matches(value.casefold(), STATUSES, n=1)
    hint = f" Did you mean {style.lit(guess[0])}?" if guess else ""
    allowed = one_of([style.lit(s) for s in STATUSES])
    raise FieldError(f"Invalid {style.lit('status')}: {style.value(value)}.{hint} Use {allowed}.")


def _ldh_problem(value: str, style: Style, limit: int) -> str | None:
    """Say what is wrong with a name or a label of letters, digits and hyphens, if anything."""
    if not value:
        return "it is empty"
    bad = list(dict.fromkeys(ch for ch in value if not _LDH.fullmatch(ch)))
    if bad:
        shown = [("a space" if ch == " " else style.value(ch)) for ch in bad[:5]]
        return f"{style.value(value)} contains {one_of(shown, 'and')}"
    if len(value) > limit:
        return f"{style.value(value)} is {len(value)} characters long; the most is {limit}"
    if value.startswith("-") or value.endswith("-"):
        end = "starts" if value.startswith("-") else "ends"
        return f"{style.value(value)} {end} with a hyphen"
    return None


def _hostname_problem(value: str, host: str, style: Style) -> str | None:
    if not host:
        return "it is empty"
    shown = style.value(value)
    bad = list(dict.fromkeys(ch for ch in host if ch != "." and not _LDH.fullmatch(ch)))
    if bad:
        chars = [("a space" if ch == " " else style.value(ch)) for ch in bad[:5]]
        return f"{shown} contains {one_of(chars, 'and')}"
    if len(host) > 253:
        return f"{shown} is {len(host)} characters long; the most is 253"
    labels = host.split(".")
    if len(labels) < 2:
        return f"{shown} is a single label; it needs a domain too"
    if "" in labels:
        return f"{shown} has an empty label (two dots in a row, or a dot at the start)"
    if labels[-1].isdigit():
        return f"{shown} looks like an IP address, not a domain name"
    for label in labels:
        if len(label) > 63:
            return f"{shown} has a label longer than 63 characters"
        if label.startswith("-") or label.endswith("-"):
            return f"{shown} has a label that starts or ends with a hyphen"
    return None


def _positive_int(value: str) -> int | None:
    if not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def _refuse_ambiguous(raw: str, field: str, names: list[str], style: Style) -> None:
    """Refuse the start of several catalog names: which one is meant is for the person to say."""
    if len(names) < 2:
        return
    shown = one_of([style.value(name) for name in names[:_LISTED]])
    more = "the whole code" if field == "location" else "more of the name, or the id"
    raise FieldError(
        f"Invalid {style.lit(field)}: {style.value(raw.strip())} could be {shown}; give {more}."
    )


def _unknown_ref(
    raw: str,
    field: str,
    items: Sequence[Plan] | Sequence[OperatingSystem],
    style: Style,
) -> int:
    """Pass an id the catalog doesn't know through to the API; refuse an unknown name."""
    value = raw.strip()
    noun, article = ("operating system", "an") if field == "os" else (field, "a")
    if _DIGITS.fullmatch(value):
        number = _positive_int(value)
        if number is not None:
            return number
        problem = f"{style.value(value)} is not {article} {noun} id"
    else:
        problem = f"there is no {noun} named {style.value(value)}"
        names = {item.name.casefold(): item.name for item in items}
        guess = difflib.get_close_matches(value.casefold(), list(names), n=1)
        if guess:
            problem += f". Did you mean {style.value(names[guess[0]])}?"
    listing = [f"{style.value(item.name)} (id {item.id})" for item in items[:_LISTED]]
    if len(items) > _LISTED:
        listing.append(f"{len(items) - _LISTED} more")
    known = f" or one of these names: {', '.join(listing)}" if listing else ""
    end = "" if problem.endswith("?") else "."
    quoting = ""
    spaced = next((item.name for item in items if " " in item.name), None)
    if style.slash and spaced:
        example = f'{field}:"{spaced}"'
        quoting = f" A name with spaces goes in quotes, like {style.value(example)}."
    raise FieldError(
        f"Invalid {style.lit(field)}: {problem}{end} Give {article} {noun} id (a positive whole "
        f"number){known}.{quoting}"
    )
