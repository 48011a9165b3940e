"""Freeze windows in time: which are on at a moment, when a freeze really ends, what comes next.

Moments are aware datetimes (any offset; every answer is in UTC); a naive one is a bug. Weekly
windows are laid out day by day in their own time zone with zoneinfo, so midnight and daylight
saving changes fall where the wall clock puts them:
- a local time that happens twice (clocks go back) starts a window at its first occurrence
  (fold=0) and ends one at its second (fold=1), so a clock change never shortens a freeze;
- a local time that never happens (clocks go forward) is the moment the clocks jump (neither
  fold: both would put it an hour away from the jump, one before, one after);
- an occurrence the jump swallows whole (02:00-02:30 on that night, in Europe) does not happen.
Back-to-back or overlapping occurrences are one freeze: it ends when the last of them ends.
"""

import zoneinfo
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from bot.policy.model import (
    DAYS,
    MINUTES_PER_DAY,
    FreezeWindow,
    OneOff,
    Policy,
    Rule,
    Weekly,
    actions,
    hhmm,
)

_TO: Final = "\u2013"  # an en dash, the way ranges are written
_TICK: Final = timedelta(microseconds=1)
# A run of weekly occurrences longer than a week and a day repeats forever (one occurrence
# lasts less than a week, and an hour at most more when the clocks go back).
_SPAN: Final = timedelta(days=8)


@dataclass(frozen=True)
class FreezeHit:
    """One run of a freeze window: when it began, when it ends (None: never), in words."""

    window: FreezeWindow
    start: datetime  # UTC
    end: datetime | None  # UTC; None: the window covers the whole week
    description: str  # e.g. "weekly freeze sat-sun 00:00-24:00 Europe/Rome"

    @property
    def reason(self) -> str:
        """Return the window's reason ("" when it gives none)."""
        return self.window.reason

    @property
    def except_rules(self) -> tuple[Rule, ...]:
        """Return the rules whose matches may act anyway."""
        return self.window.except_rules


def active_freezes(policy: Policy, action: str, at: datetime) -> list[FreezeHit]:
    """Return the windows that freeze `action` at `at`, in file order (`except` not applied)."""
    _known(action)
    at = _utc(at)
    return [
        _hit(w, at) for w in policy.freezes if action in w.actions and any(_occurrences(w, at, at))
    ]


def freeze_ends(
    policy: Policy, action: str, at: datetime, *, exempt: Collection[FreezeWindow] = ()
) -> datetime | None:
    """Return when `action` stops being frozen by any window but `exempt`: `at` when it isn't
    frozen, None when it never stops (weekly windows covering the whole week)."""
    _known(action)
    windows = [w for w in policy.freezes if action in w.actions and w not in exempt]
    return _chain_end(windows, _utc(at))


def upcoming_freezes(policy: Policy, at: datetime, horizon: timedelta) -> list[FreezeHit]:
    """Return the runs of every window that are on at `at` or begin within `horizon`, by start."""
    at = _utc(at)
    until = at + horizon
    hits = []
    for window in policy.freezes:
        moment = at
        while moment <= until:
            occurrence = next(_occurrences(window, moment, until), None)
            if occurrence is None:
                break
            hit = _hit(window, max(occurrence[0], moment))
            hits.append(hit)
            if hit.end is None:
                break
            moment = hit.end
    return sorted(hits, key=lambda h: (h.start, h.window.index))


def describe_window(window: FreezeWindow) -> str:
    """Return a window in words: when it is on, in the zone or offset the file gave."""
    when = window.when
    if isinstance(when, OneOff):
        start, end = when.start, when.end
        if start.utcoffset() == end.utcoffset():
            return f"freeze from {_local(start)} to {_local(end)} ({_offset(start)})"
        return f"freeze from {_local(start)} ({_offset(start)}) to {_local(end)} ({_offset(end)})"
    if when.end_days_later is not None:  # "fri 16:00" to "mon 08:00"
        last = DAYS[(when.days[0] + when.end_days_later) % len(DAYS)]
        times = f"{DAYS[when.days[0]]} {hhmm(when.start)}{_TO}{last} {hhmm(when.end)}"
        return f"weekly freeze {times} {when.timezone}"
    next_day = " (next day)" if when.end <= when.start else ""
    times = f"{hhmm(when.start)}{_TO}{hhmm(when.end)}{next_day}"
    return f"weekly freeze {_day_ranges(when.days)} {times} {when.timezone}"


def _hit(window: FreezeWindow, moment: datetime) -> FreezeHit:
    return FreezeHit(
        window=window,
        start=_chain_start([window], moment),
        end=_chain_end([window], moment),
        description=describe_window(window),
    )


def _chain_end(windows: Iterable[FreezeWindow], moment: datetime) -> datetime | None:
    """Return the first moment from `moment` on that no window holds; None: never."""
    windows = list(windows)
    bound = max([moment, *(w.when.end for w in windows if isinstance(w.when, OneOff))]) + _SPAN
    while True:
        ends = [e for w in windows for _, e in _occurrences(w, moment, moment)]
        if not ends:
            return moment
        moment = max(ends)
        if moment > bound:
            return None


def _chain_start(windows: Iterable[FreezeWindow], moment: datetime) -> datetime:
    """Return when the run of occurrences holding `moment` began (at most _SPAN before it)."""
    windows = list(windows)
    bound = min([moment, *(w.when.start for w in windows if isinstance(w.when, OneOff))]) - _SPAN
    while moment > bound:
        starts = [
            s for w in windows for s, _ in _occurrences(w, moment - _TICK, moment) if s < moment
        ]
        if not starts:
            break
        moment = min(starts)
    return moment


def _occurrences(
    window: FreezeWindow, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """Yield the occurrences (UTC) with begin <= end and finish > start, by begin."""
    when = window.when
    if isinstance(when, OneOff):
        begin, finish = _utc(when.start), _utc(when.end)
        if begin <= end and finish > start:
            yield begin, finish
        return
    zone = zoneinfo.ZoneInfo(when.timezone)
    # An occurrence lasts at most its days and an hour: begin a day more than that early.
    day = start.astimezone(zone).date() - timedelta(days=when.days_to_end + 2)
    last = end.astimezone(zone).date()
    while day <= last:
        if day.weekday() in when.days:
            begin, finish = _occurrence(when, day, zone)
            if begin < finish and begin <= end and finish > start:
                yield begin, finish
        day += timedelta(days=1)


def _occurrence(when: Weekly, day: date, zone: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    """Return the (UTC) start and end of the weekly window that starts on local `day`."""
    end_day = day + timedelta(days=when.days_to_end)
    begin = _instant(day, when.start, zone, first=True)
    return begin, _instant(end_day, when.end % MINUTES_PER_DAY, zone, first=False)


def _instant(day: date, minutes: int, zone: zoneinfo.ZoneInfo, *, first: bool) -> datetime:
    """Return local `day` at `minutes` in `zone` as UTC (see the module's rules for DST)."""
    local = datetime.combine(day, time(minutes // 60, minutes % 60))
    early = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    late = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if early == late:
        return early
    if early < late:  # the clocks went back: this local time happens twice
        return early if first else late
    return _jump(late, early, zone)  # the clocks jumped over it (fold=0 is the later instant)


def _jump(before: datetime, after: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """Return the moment in (before, after] when the clocks jump to `after`'s offset."""
    offset = after.astimezone(zone).utcoffset()
    low, high = int(before.timestamp()), int(after.timestamp())
    while high - low > 1:  # zone transitions fall on whole seconds
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == offset:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _day_ranges(days: tuple[int, ...]) -> str:
    """Return days as "sat-sun", "mon-wed, fri", "sun-mon" or "every day"."""
    if len(days) == len(DAYS):
        return "every day"
    chosen = set(days)
    # Start each range after a day that is not chosen, so sun+mon reads "sun-mon".
    firsts = [d for d in sorted(chosen) if (d - 1) % 7 not in chosen]
    ranges = []
    for first in firsts:
        last = first
        while (last + 1) % 7 in chosen:
            last = (last + 1) % 7
        ranges.append(DAYS[first] if first == last else f"{DAYS[first]}{_TO}{DAYS[last]}")
    return ", ".join(ranges)


def _known(action: str) -> None:
    """Refuse an action the policy does not know: a bug in the caller, not a freeze."""
    if action not in actions():
        raise ValueError(f"unknown action {action!r}")


def _utc(moment: datetime) -> datetime:
    """Return an aware moment in UTC; a naive one is a bug."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"freeze windows need an aware datetime, not {moment!r}")
    return moment.astimezone(UTC)


def _local(moment: datetime) -> str:
    """Return a moment as the file wrote it: date and time, in its own offset."""
    return f"{moment:%Y-%m-%d %H:%M}"


def _offset(moment: datetime) -> str:
    """Return a moment's UTC offset as "UTC+01:00"."""
    seconds = int((moment.utcoffset() or timedelta()).total_seconds())
    if not seconds:
        return "UTC"
    sign, minutes = "+" if seconds > 0 else "-", abs(seconds) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
