"""whoami's lines: moments in a time zone beside UTC, the write limit, and approvers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.policy import Rule
from bot.slack.blocks.guardrails import approval_line, limit_line, when
from bot.slack.wording import rules_text

NOW = datetime(2027, 1, 15, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "zone", "shown"),
    [
        (datetime(2027, 1, 15, 15, tzinfo=UTC), "UTC", "2027-01-15 15:00 UTC (in 7 hours)"),
        (
            datetime(2027, 1, 15, 15, tzinfo=UTC),
            "Europe/Rome",
            "2027-01-15 16:00 Europe/Rome (15:00 UTC, in 7 hours)",
        ),
        (  # another day in UTC: both dates
            datetime(2027, 1, 17, 23, 30, tzinfo=UTC),
            "Europe/Rome",
            "2027-01-18 00:30 Europe/Rome (2027-01-17 23:30 UTC, in 2 days 16 hours)",
        ),
        (  # in the past: no "in …"
            datetime(2027, 1, 15, 7, tzinfo=UTC),
            "America/New_York",
            "2027-01-15 02:00 America/New_York (07:00 UTC)",
        ),
    ],
)
def test_a_moment_is_shown_in_its_zone_beside_utc(moment: datetime, zone: str, shown: str) -> None:
    assert when(moment, NOW, zone) == shown


def test_the_write_limit_says_what_is_left_or_until_when_none_is() -> None:
    assert limit_line(10, 600, 3, None, NOW, "UTC") == (
        ":stopwatch: You may make at most 10 changes in any 10 minutes: 7 left now."
    )
    retry = datetime(2027, 1, 15, 8, 6, tzinfo=UTC)
    assert limit_line(1, 3600, 1, retry, NOW, "Europe/Rome") == (
        ":stopwatch: You may make at most 1 change in any 1 hour: none left until "
        "2027-01-15 09:06 Europe/Rome (08:06 UTC, in 6 minutes)."
    )


def rule(
    users: tuple[str, ...] = (), usergroups: tuple[str, ...] = (), channels: tuple[str, ...] = ()
) -> Rule:
    return Rule("approve delete", 1, 3, users=users, usergroups=usergroups, channels=channels)


def test_the_viewer_is_left_out_of_who_may_approve() -> None:
    by = (
        rule(users=("U0ALICE01", "U0BOB0001")),
        rule(users=("U0ALICE01",)),  # names no one else: left out
        rule(usergroups=("S0ONCALL1",)),
        rule(users=("U0ALICE01",), channels=("C0OPS0001",)),
    )
    assert rules_text(by) == (
        "by <@U0ALICE01> or <@U0BOB0001>; by <@U0ALICE01>; by members of <!subteam^S0ONCALL1>; "
        "by <@U0ALICE01> in <#C0OPS0001>"
    )
    assert rules_text(by, without="U0ALICE01") == (
        "by <@U0BOB0001>; by members of <!subteam^S0ONCALL1>"
    )
    assert rules_text(by[1:2], without="U0ALICE01") == ""
    assert approval_line("delete", (), "") == (
        ":raised_hand: `delete` needs approval by someone else, and the policy names no one else "
        "who may give it."
    )
