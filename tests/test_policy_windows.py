"""Freeze windows in time, against a fixed clock: midnight, 24:00, DST changes, offsets, merging."""

import struct
import zoneinfo
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.policy import (
    Policy,
    active_freezes,
    freeze_ends,
    parse_policy,
    upcoming_freezes,
)
from bot.policy.windows import describe_window

ROME = ZoneInfo("Europe/Rome")
NEW_YORK = ZoneInfo("America/New_York")


def freezes(*windows: str) -> Policy:
    """A policy whose freeze: section lists these windows (YAML flow mappings)."""
    return parse_policy("freeze:\n" + "".join(f"  - {w}\n" for w in windows), "policy.yml")


def weekly(days: str, start: str, end: str, zone: str, extra: str = "") -> str:
    when = f'{{days: [{days}], start: "{start}", end: "{end}", timezone: "{zone}"}}'
    return f"{{weekly: {when}{extra}}}"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def rome(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ROME)


def spans(policy: Policy, at: datetime, days: int = 8) -> list[tuple[datetime, datetime | None]]:
    """The runs of every window from `at` on, in UTC."""
    return [(h.start, h.end) for h in upcoming_freezes(policy, at, timedelta(days=days))]


def frozen(policy: Policy, at: datetime, action: str = "stop") -> bool:
    return bool(active_freezes(policy, action, at))


# -- weekly windows, midnight and 24:00 ----------------------------------------------------


def test_a_weekend_freeze_is_one_freeze_from_saturday_to_monday() -> None:
    policy = freezes(weekly("sat, sun", "00:00", "24:00", "Europe/Rome"))
    sunday_noon = datetime(2026, 6, 7, 12, tzinfo=ROME)
    (hit,) = active_freezes(policy, "reboot", sunday_noon)
    assert hit.start == datetime(2026, 6, 6, tzinfo=ROME)
    assert hit.end == datetime(2026, 6, 8, tzinfo=ROME)  # not Sunday 00:00: Monday
    assert hit.description == "weekly freeze sat\u2013sun 00:00\u201324:00 Europe/Rome"
    assert freeze_ends(policy, "reboot", sunday_noon) == hit.end


@pytest.mark.parametrize(
    ("at", "on"),
    [
        (rome(6, 5, 23, 59), False),  # Friday
        (rome(6, 6, 0, 0), True),  # Saturday starts it
        (rome(6, 7, 23, 59), True),
        (rome(6, 8, 0, 0), False),  # 24:00 on Sunday is Monday 00:00, and the end is open
    ],
)
def test_24_00_ends_at_the_next_midnight(at: datetime, on: bool) -> None:
    policy = freezes(weekly("sat, sun", "00:00", "24:00", "Europe/Rome"))
    assert frozen(policy, at) is on


@pytest.mark.parametrize(
    ("at", "on"),
    [
        (rome(6, 6, 21, 59), False),
        (rome(6, 6, 22, 0), True),  # Saturday 22:00
        (rome(6, 7, 0, 30), True),  # past midnight: Sunday, still Saturday's window
        (rome(6, 7, 5, 59), True),
        (rome(6, 7, 6, 0), False),
        (rome(6, 7, 22, 30), False),  # Sunday night is not a start day
        (rome(6, 6, 3, 0), False),  # Saturday early morning belongs to Friday: not a start day
    ],
)
def test_a_window_across_midnight_belongs_to_the_day_it_starts(at: datetime, on: bool) -> None:
    policy = freezes(weekly("sat", "22:00", "06:00", "Europe/Rome"))
    assert frozen(policy, at) is on


def test_nights_across_midnight_back_to_back_merge() -> None:
    policy = freezes(weekly("mon, tue, wed, thu, fri", "18:00", "09:00", "UTC"))
    (hit,) = active_freezes(policy, "stop", utc(2026, 6, 9, 3))  # Tuesday 03:00
    assert (hit.start, hit.end) == (utc(2026, 6, 8, 18), utc(2026, 6, 9, 9))
    assert hit.description == "weekly freeze mon\u2013fri 18:00\u201309:00 (next day) UTC"


def test_every_hour_of_the_week_never_ends() -> None:
    policy = freezes(weekly("mon, tue, wed, thu, fri, sat, sun", "00:00", "24:00", "Europe/Rome"))
    at = datetime(2026, 3, 28, 12, tzinfo=ROME)  # across a DST change too
    (hit,) = active_freezes(policy, "start", at)
    assert hit.end is None
    assert hit.description == "weekly freeze every day 00:00\u201324:00 Europe/Rome"
    assert freeze_ends(policy, "start", at) is None
    assert spans(policy, at, days=30) == [(hit.start, None)]


def test_two_windows_that_together_cover_the_week_never_end() -> None:
    every_day = "mon, tue, wed, thu, fri, sat, sun"
    policy = freezes(
        weekly(every_day, "00:00", "12:00", "UTC"), weekly(every_day, "12:00", "24:00", "UTC")
    )
    (hit,) = active_freezes(policy, "stop", utc(2026, 6, 6, 9))
    assert hit.end == utc(2026, 6, 6, 12)  # this window's own end
    assert freeze_ends(policy, "stop", utc(2026, 6, 6, 9)) is None  # the freeze's: never
    assert freeze_ends(policy, "stop", utc(2026, 6, 6, 9), exempt=policy.freezes[1:]) == hit.end


# -- DST: Europe/Rome, 29 March and 25 October 2026 ------------------------------------------


def test_a_window_over_the_spring_jump_lasts_one_hour_not_24() -> None:
    # 29 March 2026: at 02:00 CET the clocks jump to 03:00 CEST.
    policy = freezes(weekly("sun", "01:30", "03:30", "Europe/Rome"))
    runs = spans(policy, datetime(2026, 3, 28, tzinfo=ROME), days=9)
    assert runs == [
        (utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30)),  # 01:30 CET to 03:30 CEST: 1 h
        (utc(2026, 4, 4, 23, 30), utc(2026, 4, 5, 1, 30)),  # a week later: 2 h again
    ]
    assert not frozen(policy, utc(2026, 3, 29, 0, 29))
    assert frozen(policy, utc(2026, 3, 29, 1, 29))
    assert not frozen(policy, utc(2026, 3, 29, 1, 30))


def test_a_start_the_clocks_skip_is_the_moment_they_jump() -> None:
    policy = freezes(weekly("sun", "02:30", "04:00", "Europe/Rome"))
    ((start, end),) = spans(policy, datetime(2026, 3, 28, tzinfo=ROME), days=2)
    assert start == utc(2026, 3, 29, 1) == datetime(2026, 3, 29, 3, tzinfo=ROME)
    assert end == datetime(2026, 3, 29, 4, tzinfo=ROME)


def test_a_window_inside_the_skipped_hour_does_not_happen_that_night() -> None:
    policy = freezes(weekly("sun", "02:00", "02:30", "Europe/Rome"))
    runs = spans(policy, datetime(2026, 3, 28, tzinfo=ROME), days=9)
    assert runs == [
        (datetime(2026, 4, 5, 2, tzinfo=ROME), datetime(2026, 4, 5, 2, 30, tzinfo=ROME))
    ]
    assert not any(frozen(policy, utc(2026, 3, 29, 0, m)) for m in range(0, 60, 5))


def test_the_repeated_hour_in_autumn_never_shortens_a_freeze() -> None:
    # 25 October 2026: at 03:00 CEST the clocks go back to 02:00 CET; 02:00-02:59 happens twice.
    policy = freezes(
        weekly("sun", "02:00", "02:30", "Europe/Rome"),
        weekly("sun", "01:00", "05:00", "Europe/Rome"),
    )
    wide, narrow = spans(policy, datetime(2026, 10, 24, tzinfo=ROME), days=2)
    assert wide == (utc(2026, 10, 24, 23), utc(2026, 10, 25, 4))  # 01:00 CEST to 05:00 CET: 5 h
    assert narrow == (utc(2026, 10, 25, 0), utc(2026, 10, 25, 1, 30))  # 1st 02:00 to 2nd 02:30
    assert frozen(policy, utc(2026, 10, 25, 1, 15))  # 02:15 the second time


def test_a_weekend_over_a_dst_change_ends_at_local_midnight() -> None:
    policy = freezes(weekly("sat, sun", "00:00", "24:00", "Europe/Rome"))
    (hit,) = active_freezes(policy, "delete", datetime(2026, 10, 24, 12, tzinfo=ROME))
    assert hit.start == utc(2026, 10, 23, 22)  # Saturday 00:00 CEST
    assert hit.end == utc(2026, 10, 25, 23)  # Monday 00:00 CET: 49 hours later
    assert hit.end - hit.start == timedelta(hours=49)


# -- DST: America/New_York, 8 March and 1 November 2026 --------------------------------------


def test_new_york_saturday_night_across_the_spring_jump() -> None:
    # 8 March 2026: at 02:00 EST the clocks jump to 03:00 EDT.
    policy = freezes(weekly("sat", "22:00", "06:00", "America/New_York"))
    runs = spans(policy, datetime(2026, 3, 7, 12, tzinfo=NEW_YORK), days=7)
    assert runs == [(utc(2026, 3, 8, 3), utc(2026, 3, 8, 10))]  # 7 h of real time
    assert runs[0][0] == datetime(2026, 3, 7, 22, tzinfo=NEW_YORK)
    assert runs[0][1] == datetime(2026, 3, 8, 6, tzinfo=NEW_YORK)


def test_new_york_saturday_night_across_the_autumn_fall_back() -> None:
    # 1 November 2026: at 02:00 EDT the clocks go back to 01:00 EST.
    policy = freezes(weekly("sat", "22:00", "06:00", "America/New_York"))
    runs = spans(policy, datetime(2026, 10, 31, 12, tzinfo=NEW_YORK), days=7)
    assert runs == [(utc(2026, 11, 1, 2), utc(2026, 11, 1, 11))]  # 9 h of real time
    assert frozen(policy, utc(2026, 11, 1, 6, 30))  # 01:30 EST, the second time


def test_new_york_window_in_the_repeated_hour() -> None:
    policy = freezes(weekly("sun", "01:15", "01:45", "America/New_York"))
    ((start, end),) = spans(policy, datetime(2026, 10, 31, 12, tzinfo=NEW_YORK), days=2)
    assert (start, end) == (utc(2026, 11, 1, 5, 15), utc(2026, 11, 1, 6, 45))  # EDT to EST


# -- a zone whose clocks change at midnight ------------------------------------------------

# A made-up zone, so that no tz database update can change the test: UTC-5, and at midnight on
# the second Sunday of March the clocks jump to 01:00; at 01:00 on the first Sunday of
# November they go back to 00:00 (the rules Cuba kept for years).
MIDNIGHT_RULE = "CST5CDT,M3.2.0/0,M11.1.0/1"


@pytest.fixture
def midnight_zone(tmp_path: Path) -> Iterator[ZoneInfo]:
    """The zone "Test/Midnight", found by name while the test runs."""
    chars = b"CST\0"
    counts = struct.pack(">6l", 0, 0, 0, 0, 1, len(chars))
    block = b"TZif2" + bytes(15) + counts + struct.pack(">lBB", -5 * 3600, 0, 0) + chars
    (tmp_path / "Test").mkdir()
    (tmp_path / "Test" / "Midnight").write_bytes(block + block + f"\n{MIDNIGHT_RULE}\n".encode())
    saved = zoneinfo.TZPATH
    zoneinfo.reset_tzpath(to=[str(tmp_path), *saved])
    try:
        yield ZoneInfo("Test/Midnight")
    finally:
        zoneinfo.reset_tzpath(to=saved)


def test_a_missing_midnight_starts_the_day_when_the_clocks_jump(midnight_zone: ZoneInfo) -> None:
    policy = freezes(weekly("sat, sun", "00:00", "24:00", "Test/Midnight"))
    (hit,) = active_freezes(policy, "stop", datetime(2026, 3, 7, 12, tzinfo=midnight_zone))
    assert hit.start == utc(2026, 3, 7, 5)  # Saturday 00:00 CST
    assert hit.end == utc(2026, 3, 9, 4)  # Monday 00:00 CDT; Sunday began at 05:00 UTC
    assert hit.end - hit.start == timedelta(hours=47)
    sunday = freezes(weekly("sun", "00:00", "24:00", "Test/Midnight"))
    assert spans(sunday, utc(2026, 3, 7), days=2) == [(utc(2026, 3, 8, 5), utc(2026, 3, 9, 4))]


def test_a_repeated_midnight_keeps_back_to_back_days_together(midnight_zone: ZoneInfo) -> None:
    policy = freezes(weekly("sat, sun", "00:00", "24:00", "Test/Midnight"))
    (hit,) = active_freezes(policy, "stop", datetime(2026, 10, 31, 12, tzinfo=midnight_zone))
    assert hit.start == utc(2026, 10, 31, 4)  # Saturday 00:00 CDT
    assert hit.end == utc(2026, 11, 2, 5)  # Monday 00:00 CST: 49 hours
    saturday = freezes(weekly("sat", "00:00", "24:00", "Test/Midnight"))
    assert spans(saturday, utc(2026, 10, 30), days=3) == [
        (utc(2026, 10, 31, 4), utc(2026, 11, 1, 5))  # to the second midnight: 25 hours
    ]


# -- one-off windows -----------------------------------------------------------------------


def test_one_off_windows_with_different_offsets() -> None:
    policy = freezes('{start: "2026-12-24T00:00:00+01:00", end: "2026-12-24T12:00:00-05:00"}')
    assert not frozen(policy, utc(2026, 12, 23, 22, 59))
    assert frozen(policy, utc(2026, 12, 23, 23))
    assert frozen(policy, datetime(2026, 12, 24, 11, 59, tzinfo=timezone(timedelta(hours=-5))))
    assert not frozen(policy, utc(2026, 12, 24, 17))
    (hit,) = active_freezes(policy, "create", utc(2026, 12, 24, 12))
    assert (hit.start, hit.end) == (utc(2026, 12, 23, 23), utc(2026, 12, 24, 17))
    assert hit.description == (
        "freeze from 2026-12-24 00:00 (UTC+01:00) to 2026-12-24 12:00 (UTC-05:00)"
    )


def test_a_one_off_window_in_one_offset_reads_simply() -> None:
    policy = freezes('{start: "2026-12-24T00:00:00+01:00", end: "2026-12-27T00:00:00+01:00"}')
    assert describe_window(policy.freezes[0]) == (
        "freeze from 2026-12-24 00:00 to 2026-12-27 00:00 (UTC+01:00)"
    )
    utc_policy = freezes('{start: "2026-12-24T00:00:00Z", end: "2026-12-27T00:00:00Z"}')
    assert describe_window(utc_policy.freezes[0]).endswith(" (UTC)")


def test_a_weekly_window_meeting_a_one_off_freeze_ends_with_the_last_of_them() -> None:
    policy = freezes(
        weekly("sat", "18:00", "24:00", "Europe/Rome"),
        '{start: "2026-06-07T00:00:00+02:00", end: "2026-06-07T08:00:00-04:00"}',
    )
    saturday = datetime(2026, 6, 6, 20, tzinfo=ROME)
    (hit,) = active_freezes(policy, "stop", saturday)
    assert hit.end == datetime(2026, 6, 7, tzinfo=ROME)  # this window's own end
    assert freeze_ends(policy, "stop", saturday) == utc(2026, 6, 7, 12)  # the freeze's
    assert freeze_ends(policy, "stop", saturday, exempt=[policy.freezes[1]]) == hit.end
    assert freeze_ends(policy, "stop", saturday, exempt=policy.freezes) == saturday


def test_overlapping_windows_are_all_reported_with_their_excepts_and_reasons() -> None:
    policy = parse_policy(
        "freeze:\n"
        '  - start: "2026-12-24T00:00:00+01:00"\n    end: "2026-12-27T00:00:00+01:00"\n'
        "    actions: [delete]\n    reason: holidays\n"
        "  - weekly: {days: [sat], start: '00:00', end: '24:00', timezone: Europe/Rome}\n"
        "    except: [{usergroups: [S0ONCALL1]}]\n",
        "policy.yml",
    )
    saturday = datetime(2026, 12, 26, 12, tzinfo=ROME)
    both = active_freezes(policy, "delete", saturday)
    assert [(h.window.index, h.reason) for h in both] == [(1, "holidays"), (2, "")]
    assert [r.action for r in both[1].except_rules] == ["freeze 2 except"]
    assert both[0].except_rules == ()
    assert [h.window.index for h in active_freezes(policy, "stop", saturday)] == [2]
    assert active_freezes(policy, "list", saturday) == []
    assert freeze_ends(policy, "delete", saturday) == datetime(2026, 12, 27, tzinfo=ROME)


def test_nothing_is_frozen_without_windows() -> None:
    at = utc(2026, 1, 1)
    assert active_freezes(Policy.default(), "delete", at) == []
    assert freeze_ends(Policy.default(), "delete", at) == at
    assert upcoming_freezes(Policy.default(), at, timedelta(days=7)) == []


# -- what comes next (whoami) --------------------------------------------------------------


def test_upcoming_freezes_are_sorted_and_bounded_by_the_horizon() -> None:
    policy = freezes(
        weekly("sat, sun", "00:00", "24:00", "Europe/Rome"),
        '{start: "2026-06-03T09:00:00+02:00", end: "2026-06-03T10:00:00+02:00", reason: deploy}',
        weekly("wed", "07:00", "07:15", "UTC"),
    )
    wednesday = datetime(2026, 6, 3, 9, 30, tzinfo=ROME)  # inside the one-off deploy freeze
    hits = upcoming_freezes(policy, wednesday, timedelta(days=7))
    assert [(h.window.index, h.start, h.end) for h in hits] == [
        (2, utc(2026, 6, 3, 7), utc(2026, 6, 3, 8)),  # on now
        (1, utc(2026, 6, 5, 22), utc(2026, 6, 7, 22)),  # the weekend, merged
        (3, utc(2026, 6, 10, 7), utc(2026, 6, 10, 7, 15)),  # next Wednesday (today's is over)
    ]
    assert hits[0].reason == "deploy"
    short = upcoming_freezes(policy, wednesday, timedelta(days=2))
    assert [h.window.index for h in short] == [2]


def test_a_freeze_on_now_is_upcoming_even_with_no_horizon() -> None:
    policy = freezes(weekly("sat", "00:00", "24:00", "UTC"), weekly("sun", "00:00", "01:00", "UTC"))
    saturday = utc(2026, 6, 6, 12)
    assert spans(policy, saturday, days=0) == [(utc(2026, 6, 6), utc(2026, 6, 7))]  # window 1
    assert freeze_ends(policy, "stop", saturday) == utc(2026, 6, 7, 1)  # window 2 follows


def test_a_naive_clock_or_an_unknown_action_is_a_bug() -> None:
    policy = freezes(weekly("sat", "00:00", "24:00", "UTC"))
    with pytest.raises(ValueError, match="aware"):
        active_freezes(policy, "stop", datetime(2026, 6, 6, 12))
    with pytest.raises(ValueError, match="restart"):
        active_freezes(policy, "restart", utc(2026, 6, 6, 12))
    with pytest.raises(ValueError, match="restart"):
        freeze_ends(policy, "restart", utc(2026, 6, 6, 12))


# -- one window across days: "fri 16:00" to "mon 08:00" ------------------------------------


def across(start: str, end: str, zone: str) -> str:
    return f'{{weekly: {{start: "{start}", end: "{end}", timezone: "{zone}"}}}}'


@pytest.mark.parametrize(
    ("at", "on"),
    [
        (rome(6, 5, 15, 59), False),  # Friday, a minute before
        (rome(6, 5, 16), True),
        (rome(6, 6, 12), True),  # Saturday
        (rome(6, 7, 23, 59), True),  # Sunday night
        (rome(6, 8, 7, 59), True),  # Monday morning
        (rome(6, 8, 8), False),
        (rome(6, 10, 12), False),  # Wednesday
    ],
)
def test_one_entry_freezes_from_friday_afternoon_to_monday_morning(at: datetime, on: bool) -> None:
    policy = freezes(across("fri 16:00", "mon 08:00", "Europe/Rome"))
    assert frozen(policy, at) is on


def test_a_window_across_days_is_one_freeze_with_its_real_end() -> None:
    policy = freezes(across("fri 16:00", "mon 08:00", "Europe/Rome"))
    (hit,) = active_freezes(policy, "reboot", rome(6, 6, 12))
    assert (hit.start, hit.end) == (rome(6, 5, 16), rome(6, 8, 8))
    assert hit.description == "weekly freeze fri 16:00\u2013mon 08:00 Europe/Rome"
    assert spans(policy, rome(6, 3, 12)) == [(rome(6, 5, 16), rome(6, 8, 8))]


def test_a_window_across_days_over_the_autumn_change_keeps_its_wall_clock() -> None:
    # 2026-10-25: Rome goes back from UTC+2 to UTC+1 during the weekend.
    policy = freezes(across("fri 16:00", "mon 08:00", "Europe/Rome"))
    (hit,) = active_freezes(policy, "stop", rome(10, 24, 12))
    assert hit.start == utc(2026, 10, 23, 14)  # 16:00 at UTC+2
    assert hit.end == utc(2026, 10, 26, 7)  # 08:00 at UTC+1


def test_a_window_of_almost_a_week_ends_and_a_whole_week_never_does() -> None:
    almost = freezes(across("wed 12:00", "wed 10:00", "UTC"))
    assert freeze_ends(almost, "stop", utc(2026, 6, 3, 12)) == utc(2026, 6, 10, 10)
    assert not frozen(almost, utc(2026, 6, 10, 11))
    whole = freezes(across("mon 00:00", "sun 24:00", "UTC"))
    assert freeze_ends(whole, "stop", utc(2026, 6, 3, 12)) is None
