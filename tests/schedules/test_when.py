"""The time arithmetic of schedules, on a fake clock: reading `at`/`in`/`every`, the next run,
and wall times across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.schedules.when import Once, Recurring, WhenError, days_text, next_run, parse_when

# Thursday 2026-03-26 12:00 UTC; in Rome 13:00 CET. Europe switches to summer time on Sunday
# 2026-03-29 at 02:00 local (01:00 UTC) and back on Sunday 2026-10-25 at 03:00 local.
NOW = datetime(2026, 3, 26, 12, 0, tzinfo=UTC)
ROME = "Europe/Rome"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_at_a_clock_time_is_the_next_one() -> None:
    assert parse_when("at", "22:00", now=NOW, zone="UTC") == Once(utc(2026, 3, 26, 22), "UTC")
    # 11:00 has passed today: tomorrow's
    assert parse_when("at", "11:00", now=NOW, zone="UTC").moment == utc(2026, 3, 27, 11)


def test_at_reads_the_default_zone_and_a_named_one() -> None:
    assert parse_when("at", "14:00", now=NOW, zone=ROME).moment == utc(2026, 3, 26, 13)
    named = parse_when("at", "14:00 America/New_York", now=NOW, zone=ROME)
    assert named == Once(utc(2026, 3, 26, 18), "America/New_York")


def test_at_a_day_and_a_time() -> None:
    # Saturday 2026-03-28 02:00 in Rome is still winter time (+01:00)
    assert parse_when("at", "sat 02:00", now=NOW, zone=ROME).moment == utc(2026, 3, 28, 1)
    assert parse_when("at", "Thursday 13:00", now=NOW, zone="UTC").moment == utc(2026, 3, 26, 13)
    # Thursday 11:00 has passed: next week's
    assert parse_when("at", "thu 11:00", now=NOW, zone="UTC").moment == utc(2026, 4, 2, 11)


def test_at_an_iso_time_with_or_without_offset() -> None:
    with_offset = parse_when("at", "2026-12-24T22:00:00+01:00", now=NOW, zone="UTC")
    assert with_offset.moment == utc(2026, 12, 24, 21)
    naive = parse_when("at", "2026-07-01T08:00 Europe/Rome", now=NOW, zone="UTC")
    assert naive.moment == utc(2026, 7, 1, 6)  # summer time: +02:00


def test_in_a_duration() -> None:
    assert parse_when("in", "2h", now=NOW, zone=ROME).moment == NOW + timedelta(hours=2)
    assert parse_when("in", "1h30m", now=NOW, zone="UTC").moment == NOW + timedelta(minutes=90)
    assert parse_when("in", "5s", now=NOW, zone="UTC").moment == NOW + timedelta(seconds=5)
    assert parse_when("in", "0.5s", now=NOW, zone="UTC").moment == NOW + timedelta(seconds=0.5)


@pytest.mark.parametrize(
    ("kind", "text", "says"),
    [
        ("at", "25:00", "cannot read"),
        ("at", "2020-01-01T00:00+00:00", "in the past"),
        ("at", "someday 02:00", "not a day"),
        ("at", "sat 2am", "not a time of day"),
        ("at", "", "needs a time"),
        ("in", "soon", "duration"),
        ("in", "0s", "more than 0"),
        ("in", "400d", "within a year"),
        ("every", "weekday 03:00", "not a day"),
        ("every", "mon 03:00 Mars/Olympus", "not an IANA time zone"),
        ("at", "22:00 Mars/Olympus", "not an IANA time zone"),
    ],
)
def test_what_cannot_be_read_is_refused_saying_why(kind: str, text: str, says: str) -> None:
    with pytest.raises(WhenError, match=says):
        parse_when(kind, text, now=NOW, zone="UTC")


def test_every_reads_days_and_a_time() -> None:
    weekdays = parse_when("every", "mon-fri 03:30", now=NOW, zone=ROME)
    assert weekdays == Recurring(frozenset({0, 1, 2, 3, 4}), time(3, 30), ROME)
    assert parse_when("every", "sat,sun 02:00 UTC", now=NOW, zone=ROME) == Recurring(
        frozenset({5, 6}), time(2, 0), "UTC"
    )
    assert parse_when("every", "day 04:00", now=NOW, zone="UTC").days == frozenset(range(7))
    assert parse_when("every", "fri-mon 04:00", now=NOW, zone="UTC").days == {4, 5, 6, 0}
    assert days_text(frozenset({0, 1, 2, 3, 4})) == "mon-fri"
    assert days_text(frozenset({5, 6})) == "sat,sun"
    assert days_text(frozenset(range(7))) == "day"


def test_the_next_run_of_a_one_off_is_its_moment_then_none() -> None:
    once = Once(utc(2026, 3, 27), "UTC")
    assert next_run(once, NOW) == utc(2026, 3, 27)
    assert next_run(once, utc(2026, 3, 27)) is None


def test_a_recurring_schedule_keeps_its_wall_time_across_the_spring_change() -> None:
    every_night = Recurring(frozenset(range(7)), time(3, 30), ROME)
    runs = []
    moment = NOW
    for _ in range(4):
        found = next_run(every_night, moment)
        assert found is not None
        runs.append(found)
        moment = found
    # 03:30 CET is 02:30 UTC until Saturday; from Sunday 03:30 CEST is 01:30 UTC
    winter = [utc(2026, 3, 27, 2, 30), utc(2026, 3, 28, 2, 30)]
    assert runs == [*winter, utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 1, 30)]


def test_a_skipped_wall_time_runs_once_after_the_gap_and_a_repeated_one_runs_once() -> None:
    at_half_two = Recurring(frozenset({6}), time(2, 30), ROME)  # Sundays 02:30
    spring = next_run(at_half_two, utc(2026, 3, 28))
    assert spring == utc(2026, 3, 29, 1, 30)  # 02:30 does not exist: 03:30 CEST
    autumn_sunday = utc(2026, 10, 24)
    autumn = next_run(at_half_two, autumn_sunday)
    assert autumn == utc(2026, 10, 25, 0, 30)  # the first 02:30 (CEST), not the second
    after = next_run(at_half_two, autumn)
    assert after == utc(2026, 11, 1, 1, 30)  # a week later, in winter time, not the repeat


def test_weekdays_skip_the_weekend() -> None:
    weekdays = Recurring(frozenset({0, 1, 2, 3, 4}), time(3, 30), "UTC")
    friday = utc(2026, 3, 27, 3, 30)
    assert next_run(weekdays, friday) == utc(2026, 3, 30, 3, 30)  # Monday


def test_a_when_is_kept_as_json_and_read_back() -> None:
    from bot.schedules.when import dump_when, load_when

    for when in (
        Once(utc(2026, 3, 27, 1, 2, 3), ROME),
        Recurring(frozenset({0, 4}), time(3, 30), ROME),
    ):
        assert load_when(dump_when(when)) == when
