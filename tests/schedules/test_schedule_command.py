"""`/vps schedule …` and `/vps schedules` as typed: the command parsed as if typed now, the
time kept as typed, and clear answers for what cannot be scheduled."""

from __future__ import annotations

import pytest

from bot.catalog import load_catalog
from bot.commands.parser import parse
from bot.commands.values import ParseError, PlanWrite, Schedule, Schedules, Write
from bot.slack.command_wording import parse_error

CATALOG = load_catalog(None)


def test_a_single_server_command_at_a_day_and_time_in_a_zone() -> None:
    command = parse("schedule reboot web-01 at sat 02:00 Europe/Rome", CATALOG)
    assert isinstance(command, Schedule)
    assert command.command == Write(operation="reboot", server="web-01", values={})
    assert (command.kind, command.when, command.typed) == (
        "at",
        "sat 02:00 Europe/Rome",
        "reboot web-01",
    )


def test_a_plan_every_weekday_and_a_stop_in_two_hours() -> None:
    plan = parse("schedule reboot cache-* batch:2 every mon-fri 03:30", CATALOG)
    assert isinstance(plan, Schedule)
    assert isinstance(plan.command, PlanWrite)
    assert plan.command.options.batch == 2
    assert (plan.kind, plan.when) == ("every", "mon-fri 03:30")
    later = parse("schedule stop test-01 in 2h", CATALOG)
    assert isinstance(later, Schedule)
    assert (later.kind, later.when, later.command.operation) == ("in", "2h", "stop")


def test_the_last_when_word_splits_the_command_from_its_time() -> None:
    # a server named "at" stays a server; the last `at` says when
    command = parse("schedule stop at at 22:00", CATALOG)
    assert isinstance(command, Schedule)
    assert command.command == Write(operation="stop", server="at", values={})
    assert command.when == "22:00"


def test_the_list_of_schedules() -> None:
    assert parse("schedules", CATALOG) == Schedules()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("schedule reboot web-01", "needs a change and when to run it"),
        ("schedule reboot web-01 at", "needs a change and when to run it"),
        ("schedule list at 22:00", "Only a change to servers can be scheduled"),
        ("schedule schedule reboot web-01 at 22:00 at 23:00", "Only a change to servers"),
        ("schedule rebot web-01 at 22:00", "Did you mean `reboot`?"),
    ],
)
def test_what_cannot_be_scheduled_says_why(text: str, says: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text, CATALOG)
    assert says in parse_error(caught.value)
