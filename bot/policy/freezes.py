"""The `freeze:` section: one-off and weekly windows in which writes are refused.

One-off: `start`/`end`, ISO 8601 with a UTC offset. Weekly: `weekly: {days, start, end,
timezone}` — local `HH:MM` times in an IANA time zone; `24:00` only as an end; an end before
the start means the next day. A weekly window across days names them in its times instead of
`days`: `{start: "fri 16:00", end: "mon 08:00", timezone}`, the next such end after the start.
Optional `actions:` (default every write), `reason:`, `except:`.
"""

import difflib
import re
import zoneinfo
from datetime import datetime
from typing import Final

import yaml

from bot.policy.model import (
    DAYS,
    MINUTES_PER_DAY,
    FreezeWindow,
    OneOff,
    PolicyError,
    Rule,
    Weekly,
    hhmm,
    write_actions,
)
from bot.policy.nodes import STR_TAG, NodeReader, is_null, line_of, quote

_FULL_DAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WINDOW_KEYS = ("start", "end", "weekly", "actions", "reason", "except")
_WEEKLY_KEYS = ("days", "start", "end", "timezone")
_SPANNING_KEYS = ("start", "end", "timezone")  # start and end name their days: "fri 16:00"
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")
# Files in the zone database that are not zones: the machine's own zone, a template.
NOT_ZONES = frozenset({"localtime", "posixrules"})
_ISO_EXAMPLE = "2026-12-24T00:00:00+01:00"
# YAML reads an unquoted 22:00 as a base-60 number and a date-time as a timestamp: take the text.
_TEXT_TAGS = frozenset({STR_TAG, "tag:yaml.org,2002:int", "tag:yaml.org,2002:timestamp"})


def parse_freeze(reader: NodeReader, node: yaml.Node) -> tuple[FreezeWindow, ...]:
    """Return the windows under `freeze:`, in file order."""
    if is_null(node):
        return ()
    problem = 'freeze must be a list of windows, like freeze: [{weekly: {...}}, {start: "..."}]'
    windows = []
    for i, item in enumerate(reader.sequence(node, problem), start=1):
        with reader.gather():
            windows.append(_window(reader, i, item))
    return tuple(windows)


def _window(reader: NodeReader, index: int, node: yaml.Node) -> FreezeWindow:
    what = f"freeze window {index}"
    problem = f"{what} must be a mapping ({', '.join(_WINDOW_KEYS)})"
    found = reader.keys(node, what, _WINDOW_KEYS, problem)
    when: OneOff | Weekly | None = None
    with reader.gather():
        when = _when(reader, node, what, found)
    actions = frozenset(write_actions())
    if "actions" in found:
        actions_node = found["actions"][1]
        actions = reader.write_actions(
            actions_node, "actions", "is never frozen", f"{what} actions"
        )
        if not actions and not actions_node.value:  # not an empty list of mistakes
            reader.fail(actions_node, '"actions" is empty; leave it out to freeze every write')
    reason = ""
    if "reason" in found:
        reason = reader.string(found["reason"][1], "reason").strip()
        if not reason:
            reader.fail(found["reason"][1], '"reason" is empty; leave it out or say why')
    except_rules: tuple[Rule, ...] = ()
    if "except" in found:
        empty = "leave it out when nobody may act during the freeze"
        except_rules = reader.rules(f"freeze {index} except", found["except"][1], "except", empty)
    if when is None:
        raise PolicyError()  # its problem is recorded already
    return FreezeWindow(
        index=index,
        line=line_of(node),
        when=when,
        actions=actions,
        reason=reason,
        except_rules=except_rules,
    )


def _when(
    reader: NodeReader, node: yaml.Node, what: str, found: dict[str, tuple[yaml.Node, yaml.Node]]
) -> OneOff | Weekly:
    """Return when a window is on: one-off (start, end) or weekly, never both."""
    one_off = [k for k in ("start", "end") if k in found]
    if "weekly" in found and one_off:
        key_node = found[one_off[0]][0]
        reader.fail(key_node, f"{what} is either one-off (start, end) or weekly, not both")
    if "weekly" in found:
        return _weekly(reader, found["weekly"][1])
    if not one_off:
        reader.fail(node, f"{what} needs start: and end: (a one-off window) or weekly:")
    if len(one_off) == 1:
        missing = "end" if one_off == ["start"] else "start"
        reader.fail(node, f"{what} needs {missing}: as well as {one_off[0]}:")
    start = _moment(reader, found["start"][1], "start")
    end_node = found["end"][1]
    end = _moment(reader, end_node, "end")
    if end <= start:
        reader.fail(end_node, f"end {end.isoformat()} is not after start {start.isoformat()}")
    return OneOff(start, end)


def _moment(reader: NodeReader, node: yaml.Node, key: str) -> datetime:
    text = reader.string(node, key, _TEXT_TAGS)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        reader.fail(
            node, f"{key} {quote(text)} is not an ISO 8601 date and time, like {_ISO_EXAMPLE}"
        )
    if moment.tzinfo is None or moment.utcoffset() is None:
        reader.fail(node, f"{key} {quote(text)} has no UTC offset; write it like {_ISO_EXAMPLE}")
    return moment


def _weekly(reader: NodeReader, node: yaml.Node) -> Weekly:
    example = 'weekly: {days: [sat, sun], start: "00:00", end: "24:00", timezone: "UTC"}'
    found = reader.keys(node, "weekly", _WEEKLY_KEYS, f"weekly must be a mapping, like {example}")
    before = len(reader.problems)
    times: dict[str, tuple[int | None, int]] = {}
    for key in ("start", "end"):
        if key in found:
            with reader.gather():
                times[key] = _clock(reader, found[key][1], key)
    timezone: str | None = None
    days: tuple[int, ...] | None = None
    with reader.gather():
        timezone = _timezone(reader, found["timezone"][1]) if "timezone" in found else None
    with reader.gather():
        days = _days(reader, found["days"][1]) if "days" in found else None
    spanning = "start" in times and times["start"][0] is not None
    needed = _SPANNING_KEYS if spanning else _WEEKLY_KEYS
    missing = [k for k in needed if k not in found]
    if missing and ("start" in times or "start" not in found):  # a bad start: form unknown
        reader.fail(node, f"weekly needs {', '.join(needed)}; missing: {', '.join(missing)}")
    if len(reader.problems) > before or len(times) < 2 or timezone is None:
        raise PolicyError()  # each problem is recorded already
    (start_day, start), (end_day, end) = times["start"], times["end"]
    if start_day is not None:
        return _spanning(reader, found, (start_day, start), (end_day, end), timezone)
    start_node, end_node = found["start"][1], found["end"][1]
    if end_day is not None:
        example = f'start: "fri {hhmm(start)}"'
        reader.fail(start_node, f"end names its day, so must start (like {example}, no days:)")
    if start == end:
        whole = 'for whole days write start: "00:00", end: "24:00"'
        reader.fail(end_node, f"start and end are both {hhmm(start)}; {whole}")
    if days is None:
        raise PolicyError()  # "days" is missing: recorded already
    return Weekly(days=days, start=start, end=end, timezone=timezone)


def _spanning(
    reader: NodeReader,
    found: dict[str, tuple[yaml.Node, yaml.Node]],
    start: tuple[int, int],
    end: tuple[int | None, int],
    timezone: str,
) -> Weekly:
    """Return a weekly window written with its days: from `start` to the next `end`, (day,
    minutes) each; it runs at most a week."""
    if "days" in found:
        reader.fail(found["days"][0], "start names its day, so leave days: out")
    end_node = found["end"][1]
    end_day, end_minutes = end
    if end_day is None:
        example = f'end: "mon {hhmm(end_minutes)}"'
        reader.fail(end_node, f"start names its day, so must end, like {example}")
    later = (end_day - start[0]) % len(DAYS)
    if later == 0 and end_minutes <= start[1]:
        if end_minutes == start[1]:
            reader.fail(end_node, "end is the same moment of the week as start")
        later = len(DAYS)  # "fri 16:00" to "fri 08:00": the next Friday
    return Weekly(
        days=(start[0],), start=start[1], end=end_minutes, timezone=timezone, end_days_later=later
    )


def _days(reader: NodeReader, node: yaml.Node) -> tuple[int, ...]:
    """Return the days a weekly window starts on, as 0 (Monday) to 6."""
    items = reader.sequence(node, '"days" must be a list, like days: [sat, sun]')
    if not items:
        reader.fail(node, '"days" is empty; name the days the window starts on')
    days = set()
    for item in items:
        with reader.gather():
            days.add(_day(reader, item, reader.string(item, '"days" entries')))
    return tuple(sorted(days))


def _day(reader: NodeReader, node: yaml.Node, name: str) -> int:
    """Return a day's name (`fri`, `Friday`) as 0 (Monday) to 6."""
    key = name.strip().lower()
    if key not in DAYS and key not in _FULL_DAYS:
        known = ", ".join(DAYS)
        reader.fail(node, f"unknown day {quote(name)} (known: {known}, or the full names)")
    return DAYS.index(key) if key in DAYS else _FULL_DAYS.index(key)


def _clock(reader: NodeReader, node: yaml.Node, key: str) -> tuple[int | None, int]:
    """Return a weekly time, "16:00" or with its day, "fri 16:00": (the day or None, minutes)."""
    text = reader.string(node, key, _TEXT_TAGS)
    day: int | None = None
    words = text.split()
    if len(words) == 2 and words[0].isalpha():
        day, text = _day(reader, node, words[0]), words[1]
    return day, _minutes(reader, node, key, text)


def _minutes(reader: NodeReader, node: yaml.Node, key: str, text: str) -> int:
    """Return a local time of day HH:MM as minutes after midnight; 24:00 only as an end."""
    match = _TIME.fullmatch(text.strip())
    hours, minutes = (int(match[1]), int(match[2])) if match else (99, 99)
    if (hours, minutes) == (24, 0):
        if key == "start":
            reader.fail(node, 'start "24:00": 24:00 is only allowed as an end; write "00:00"')
        return MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        latest = "24:00" if key == "end" else "23:59"
        reader.fail(node, f"{key} {quote(text)} is not a time of day (HH:MM, 00:00 to {latest})")
    return hours * 60 + minutes


def _timezone(reader: NodeReader, node: yaml.Node) -> str:
    name = reader.string(node, "timezone")
    if not is_zone(name):
        close = difflib.get_close_matches(name, zoneinfo.available_timezones() - NOT_ZONES, n=1)
        hint = f"; did you mean {close[0]}?" if close else " (an IANA name like Europe/Rome or UTC)"
        reader.fail(node, f"unknown time zone {quote(name)}{hint}")
    return name


def is_zone(name: str) -> bool:
    """Return whether zoneinfo knows `name` as a time zone (from the system or tzdata)."""
    if name in NOT_ZONES:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True
