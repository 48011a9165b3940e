"""Several servers at once, as typed: which servers (`Selector`) and how a plan runs (its
options, `PlanOptions`).

`web-*` is a glob over names; `web-01 web-02 #12347` are references; `location:` and `status:`
filter as in `list`. `batch:<n>|<n>%`, `max-fail:<n>|<n>%`, `pause:<duration>` and
`wait:<duration>` say how the plan runs (a duration: `90`, `30s`, `10m`, `2h`, `1h30m`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from bot.catalog import Catalog
from bot.commands.checks import Collector
from bot.commands.fields import FieldError, check_location, check_status
from bot.commands.selector import Selector, is_glob
from bot.plans import PlanOptions

FILTERS: Final = ("status", "location")
PLAN_OPTIONS: Final = ("batch", "max-fail", "pause", "wait")
SELECTING: Final = FILTERS + PLAN_OPTIONS
"""The options a command that may name several servers takes beyond its own."""
MAX_SERVERS_TYPED: Final = 50
"""References one line may name (a glob or filters name any number)."""

_COUNT = re.compile(r"([0-9]{1,6})(%?)")
_DURATION = re.compile(r"(?:([0-9]{1,4})h)?(?:([0-9]{1,5})m)?(?:([0-9]{1,6})s?)?")
_LONGEST = 7 * 24 * 3600.0


def several(words: tuple[str, ...], options: Mapping[str, str]) -> bool:
    """Whether what was typed names several servers (or a plan's options): a plan, not the
    one-server path."""
    return len(words) != 1 or is_glob(words[0]) or any(key in options for key in SELECTING)


def check_selection(
    words: tuple[str, ...], options: Mapping[str, str], catalog: Catalog, command: str
) -> tuple[Selector, PlanOptions]:
    """The selector and the plan's options, every value checked (ParseError naming each
    refused one)."""
    values = Collector(options)
    status = values.take("status", check_status, None)
    location = values.take("location", lambda raw: check_location(raw, catalog), None)
    batch = values.take("batch", lambda raw: check_count(raw, "batch", least=1), (1, False))
    failures = values.take("max-fail", lambda raw: check_count(raw, "max-fail"), (0, False))
    pause = values.take("pause", lambda raw: check_duration(raw, "pause", least=0.0), 0.0)
    wait = values.take("wait", lambda raw: check_duration(raw, "wait", least=1.0), 600.0)
    values.raise_errors(command)
    plan = PlanOptions(
        batch=batch[0],
        batch_percent=batch[1],
        max_fail=failures[0],
        max_fail_percent=failures[1],
        pause=pause,
        wait=wait,
    )
    return Selector(words, status, location), plan


def check_count(raw: str, field: str, *, least: int = 0) -> tuple[int, bool]:
    """A count or a percentage (`2`, `25%`): the number and whether it is a percentage."""
    value = raw.strip()
    match = _COUNT.fullmatch(value)
    if match is None:
        raise FieldError(field, "not-count", value)
    number, percent = int(match.group(1)), bool(match.group(2))
    if number < least or (percent and number > 100):
        raise FieldError(field, "not-count", value)
    return number, percent


def check_duration(raw: str, field: str, *, least: float) -> float:
    """Seconds from `90`, `30s`, `10m`, `2h` or `1h30m` (at most a week)."""
    value = raw.strip().casefold()
    match = _DURATION.fullmatch(value) if value else None
    if match is None or not any(match.groups()):
        raise FieldError(field, "not-duration", raw.strip())
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    total = hours * 3600.0 + minutes * 60.0 + seconds
    if total < least or total > _LONGEST:
        raise FieldError(field, "not-duration", raw.strip())
    return total
