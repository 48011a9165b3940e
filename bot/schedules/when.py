"""When a schedule runs: `at`, `in` and `every` read from text, and the next run after a moment.

Pure time arithmetic on aware datetimes (the caller hands in `now`; nothing here reads a clock).
Wall times are read in an IANA zone (`zoneinfo`): a time that a spring-forward change skips runs
at the same distance past the change (02:30 → 03:30); a time that a fall-back change repeats
runs once, at its first occurrence. Runs are returned in UTC.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final, Literal

from bot.policy.freezes import is_zone
from bot.policy.model import DAYS

__all__ = [
    "Once",
    "Recurring",
    "When",
    "WhenError",
    "dump_when",
    "load_when",
    "next_run",
    "parse_when",
]

Kind = Literal["at", "in", "every"]
KINDS: Final = ("at", "in", "every")
_FULL_DAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK: Final = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DURATION: Final = re.compile(r"(\d+(?:\.\d+)?)(s|sec|m|min|h|d)")
_UNITS: Final = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_LONGEST: Final = timedelta(days=366)


class WhenError(ValueError):
    """The time of a schedule cannot be read, as data the Slack layer words: `problem` in
    plain words where `{typed}` stands for what was typed (untrusted), and `examples` of what
    is allowed."""

    def __init__(self, problem: str, typed: str = "", examples: tuple[str, ...] = ()) -> None:
        super().__init__(problem.format(typed=repr(typed)))
        self.problem = problem
        self.typed = typed
        self.examples = examples


@dataclass(frozen=True)
class Once:
    """One run, at `moment` (UTC). `zone` is the zone it was written in."""

    moment: datetime
    zone: str

    def describe(self) -> str:
        return "once"


@dataclass(frozen=True)
class Recurring:
    """A run on each of `days` (0 = Monday) at `clock` local time in `zone`."""

    days: frozenset[int]
    clock: time
    zone: str

    def describe(self) -> str:
        return f"every {days_text(self.days)} {self.clock:%H:%M} {self.zone}"


When = Once | Recurring


def days_text(days: frozenset[int]) -> str:
    """`day`, `mon-fri`, `sat,sun`: the days as they would be typed."""
    if len(days) == len(DAYS):
        return "day"
    ordered = sorted(days)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{DAYS[ordered[0]]}-{DAYS[ordered[-1]]}"
    return ",".join(DAYS[d] for d in ordered)


def parse_when(kind: str, text: str, *, now: datetime, zone: str) -> When:
    """Read what follows `at`, `in` or `every`; `zone` (BOT_TIMEZONE) unless the text names one.
    A one-off time must lie ahead of `now`."""
    words = text.split()
    if not words:
        raise WhenError("{typed} needs a time", kind, _EXAMPLES.get(kind, ()))
    if kind == "in":
        return Once(now.astimezone(UTC) + _duration(" ".join(words)), zone)
    if len(words) > 1 and _is_zone(words[-1]):
        zone = words[-1]
        words = words[:-1]
    elif len(words) > 1 and "/" in words[-1]:
        raise WhenError("{typed} is not an IANA time zone", words[-1], _ZONES)
    if kind == "every":
        return _every(words, zone)
    if kind != "at":
        raise WhenError("a schedule runs at, in or every a time, not {typed}", kind)
    return _at(words, now, zone)


_EXAMPLES: Final = {
    "at": ("at 22:00", "at sat 02:00", "at 2026-12-24T22:00+01:00", "at 03:30 Europe/Rome"),
    "in": ("in 90s", "in 10m", "in 2h", "in 1h30m"),
    "every": ("every day 03:30", "every mon-fri 03:30", "every sat,sun 02:00 Europe/Rome"),
}
_ZONES: Final = ("Europe/Rome", "America/New_York", "UTC")


def next_run(when: When, after: datetime) -> datetime | None:
    """The first run strictly after `after` (UTC), or None when there is none left."""
    after = after.astimezone(UTC)
    if isinstance(when, Once):
        return when.moment if when.moment > after else None
    zone = zoneinfo.ZoneInfo(when.zone)
    day = after.astimezone(zone).date() - timedelta(days=1)
    for _ in range(9):  # a week and the days either side cover every case
        if day.weekday() in when.days:
            run = _wall(day, when.clock, zone)
            if run > after:
                return run
        day += timedelta(days=1)
    return None  # unreachable with at least one day


def _at(words: list[str], now: datetime, zone: str) -> Once:
    now = now.astimezone(UTC)
    if len(words) == 1 and not _CLOCK.match(words[0]):
        moment = _iso(words[0], zone)
    elif len(words) == 1:
        moment = _next_on(frozenset(range(len(DAYS))), _clock(words[0]), zone, now)
    elif len(words) == 2:
        moment = _next_on(frozenset({_day(words[0])}), _clock(words[1]), zone, now)
    else:
        raise WhenError("cannot read {typed} as a time", " ".join(words), _EXAMPLES["at"])
    if moment <= now:
        raise WhenError("{typed} is in the past: a schedule runs at a time ahead", words[0])
    if moment - now > _LONGEST:
        raise WhenError("a schedule runs within a year")
    return Once(moment, zone)


def _every(words: list[str], zone: str) -> Recurring:
    if len(words) == 1:
        return Recurring(frozenset(range(len(DAYS))), _clock(words[0]), zone)
    if len(words) != 2:
        raise WhenError("cannot read {typed}", " ".join(words), _EXAMPLES["every"])
    return Recurring(_days(words[0]), _clock(words[1]), zone)


def _next_on(days: frozenset[int], clock: time, zone: str, now: datetime) -> datetime:
    found = next_run(Recurring(days, clock, zone), now)
    assert found is not None  # noqa: S101 - every day set holds a day
    return found


def _wall(day: date, clock: time, zone: zoneinfo.ZoneInfo) -> datetime:
    """The UTC moment of a wall time: fold=0 is the first of a repeated hour and moves a
    skipped one forward by the gap."""
    return datetime.combine(day, clock, tzinfo=zone).replace(fold=0).astimezone(UTC)


def _iso(text: str, zone: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise WhenError("cannot read {typed} as a time", text, _EXAMPLES["at"]) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(zone))
    return moment.astimezone(UTC)


def _duration(text: str) -> timedelta:
    compact = text.replace(" ", "").casefold()
    parts = _DURATION.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        raise WhenError("cannot read {typed} as a duration", text, _EXAMPLES["in"])
    seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise WhenError("a duration must be more than 0")
    if seconds > _LONGEST.total_seconds():
        raise WhenError("a schedule runs within a year")
    return timedelta(seconds=seconds)


def _clock(text: str) -> time:
    found = _CLOCK.match(text)
    if found is None:
        raise WhenError("{typed} is not a time of day (HH:MM)", text, ("03:30",))
    return time(int(found.group(1)), int(found.group(2)))


def _days(text: str) -> frozenset[int]:
    key = text.casefold()
    if key in ("day", "days", "daily"):
        return frozenset(range(len(DAYS)))
    days: set[int] = set()
    for part in key.split(","):
        first, dash, last = part.partition("-")
        start = _day(first)
        end = _day(last) if dash else start
        span = (end - start) % len(DAYS)
        days.update((start + i) % len(DAYS) for i in range(span + 1))
    return frozenset(days)


def _day(text: str) -> int:
    key = text.casefold()
    if key in DAYS:
        return DAYS.index(key)
    if key in _FULL_DAYS:
        return _FULL_DAYS.index(key)
    raise WhenError("{typed} is not a day", text, (*DAYS, "mon-fri", "sat,sun", "day"))


def _is_zone(name: str) -> bool:
    """A zone named in full ("Europe/Paris") or UTC; not a lone word that could be a day."""
    return ("/" in name or name.upper() == "UTC") and is_zone(name)


def dump_when(when: When) -> dict[str, object]:
    """`when` as a schedule keeps it (JSON)."""
    if isinstance(when, Once):
        return {"once": when.moment.timestamp(), "zone": when.zone}
    return {"days": sorted(when.days), "clock": f"{when.clock:%H:%M}", "zone": when.zone}


def load_when(data: Mapping[str, Any]) -> When:
    """A schedule's `timing` back; ValueError for one this version did not write."""
    zone = str(data["zone"])
    if "once" in data:
        return Once(datetime.fromtimestamp(float(data["once"]), UTC), zone)
    return Recurring(frozenset(int(d) for d in data["days"]), _clock(str(data["clock"])), zone)
