"""The `freeze:` section: one-off and weekly windows in which writes are refused.

One-off: `start`/`end`, ISO 8601 with a UTC offset. Weekly: `weekly: {days, start, end,
timezone}` — local `HH:MM` times in an IANA time zone; `24:00` only as an end; an end before
the start means the next day. Optional `actions:` (default every write), `reason:`, `except:`.
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
    WRITE_ACTIONS,
    FreezeWindow,
    OneOff,
    Rule,
    Weekly,
    hhmm,
)
from bot.policy.nodes import STR_TAG, NodeReader, is_null, line_of, quote

_FULL_DAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WINDOW_KEYS = ("start", "end", "weekly", "actions", "reason", "except")
_WEEKLY_KEYS = ("days", "start", "end", "timezone")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")
# Files in the zone database that are not zones: the machine's own zone, a template.
_NOT_ZONES = frozenset({"localtime", "posixrules"})
_ISO_EXAMPLE = "2026-12-24T00:00:00+01:00"
# YAML reads an unquoted 22:00 as a base-60 number and a date-time as a timestamp: take the text.
_TEXT_TAGS = frozenset({STR_TAG, "tag:yaml.org,2002:int", "tag:yaml.org,2002:timestamp"})


def parse_freeze(reader: NodeReader, node: yaml.Node) -> tuple[FreezeWindow, ...]:
    """Return the windows under `freeze:`, in file order."""
    if is_null(node):
        return ()
    problem = 'freeze must be a list of windows, like freeze: [{weekly: {...}}, {start: "..."}]'
    items = reader.sequence(node, problem)
    return tuple(_window(reader, i, item) for i, item in enumerate(items, start=1))


def _window(reader: NodeReader, index: int, node: yaml.Node) -> FreezeWindow:
    """Return one window: one-off or weekly, and what it freezes."""
    what = f"freeze window {index}"
    if not isinstance(node, yaml.MappingNode):
        reader.fail(node, f"{what} must be a mapping ({', '.join(_WINDOW_KEYS)})")
    found = reader.keys(node, what, _WINDOW_KEYS)
    one_off = [k for k in ("start", "end") if k in found]
    when: OneOff | Weekly
    if "weekly" in found and one_off:
        key_node = found[one_off[0]][0]
        reader.fail(key_node, f"{what} is either one-off (start, end) or weekly, not both")
    if "weekly" in found:
        when = _weekly(reader, found["weekly"][1])
    elif len(one_off) == 2:
        when = _one_off(reader, found["start"][1], found["end"][1])
    elif one_off:
        missing = "end" if one_off == ["start"] else "start"
        reader.fail(node, f"{what} needs {missing}: as well as {one_off[0]}:")
    else:
        reader.fail(node, f"{what} needs start: and end: (a one-off window) or weekly:")
    actions = frozenset(WRITE_ACTIONS)
    if "actions" in found:
        actions_node = found["actions"][1]
        actions = reader.write_actions(
            actions_node, "actions", "is never frozen", f"{what} actions"
        )
        if not actions:
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
    return FreezeWindow(
        index=index,
        line=line_of(node),
        when=when,
        actions=actions,
        reason=reason,
        except_rules=except_rules,
    )


def _one_off(reader: NodeReader, start_node: yaml.Node, end_node: yaml.Node) -> OneOff:
    """Return a one-off window; its end must come after its start."""
    start = _moment(reader, start_node, "start")
    end = _moment(reader, end_node, "end")
    if end <= start:
        reader.fail(end_node, f"end {end.isoformat()} is not after start {start.isoformat()}")
    return OneOff(start, end)


def _moment(reader: NodeReader, node: yaml.Node, key: str) -> datetime:
    """Return an ISO 8601 date and time with its UTC offset."""
    text = _text(reader, node, key)
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
    """Return a weekly window: days, local start and end, time zone."""
    if not isinstance(node, yaml.MappingNode):
        example = 'weekly: {days: [sat, sun], start: "00:00", end: "24:00", timezone: "UTC"}'
        reader.fail(node, f"weekly must be a mapping, like {example}")
    found = reader.keys(node, "weekly", _WEEKLY_KEYS)
    missing = [k for k in _WEEKLY_KEYS if k not in found]
    if missing:
        reader.fail(node, f"weekly needs {', '.join(_WEEKLY_KEYS)}; missing: {', '.join(missing)}")
    start_node, end_node = found["start"][1], found["end"][1]
    start = _minutes(reader, start_node, "start")
    end = _minutes(reader, end_node, "end")
    if start == end:
        whole = 'for whole days write start: "00:00", end: "24:00"'
        reader.fail(end_node, f"start and end are both {hhmm(start)}; {whole}")
    return Weekly(
        days=_days(reader, found["days"][1]),
        start=start,
        end=end,
        timezone=_timezone(reader, found["timezone"][1]),
    )


def _days(reader: NodeReader, node: yaml.Node) -> tuple[int, ...]:
    """Return the days a weekly window starts on, as 0 (Monday) to 6."""
    items = reader.sequence(node, '"days" must be a list, like days: [sat, sun]')
    if not items:
        reader.fail(node, '"days" is empty; name the days the window starts on')
    days = set()
    for item in items:
        name = reader.string(item, '"days" entries')
        key = name.strip().lower()
        if key in DAYS:
            days.add(DAYS.index(key))
        elif key in _FULL_DAYS:
            days.add(_FULL_DAYS.index(key))
        else:
            known = ", ".join(DAYS)
            reader.fail(item, f"unknown day {quote(name)} (known: {known}, or the full names)")
    return tuple(sorted(days))


def _minutes(reader: NodeReader, node: yaml.Node, key: str) -> int:
    """Return a local time of day HH:MM as minutes after midnight; 24:00 only as an end."""
    text = _text(reader, node, key)
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
    """Return a valid IANA time zone name."""
    name = reader.string(node, "timezone")
    if not _is_zone(name):
        close = difflib.get_close_matches(name, zoneinfo.available_timezones() - _NOT_ZONES, n=1)
        hint = f"; did you mean {close[0]}?" if close else " (an IANA name like Europe/Rome or UTC)"
        reader.fail(node, f"unknown time zone {quote(name)}{hint}")
    return name


def _is_zone(name: str) -> bool:
    """Return whether zoneinfo knows `name` as a time zone (from the system or tzdata)."""
    if name in _NOT_ZONES:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _text(reader: NodeReader, node: yaml.Node, key: str) -> str:
    """Return a scalar's text as written (quoted or not)."""
    if not isinstance(node, yaml.ScalarNode) or node.tag not in _TEXT_TAGS:
        return reader.string(node, key)  # fails, naming what it got
    return str(node.value)
