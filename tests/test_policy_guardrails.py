"""The guardrail sections of the policy file: approve:, freeze:, limits: — what loads, what not."""

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.check import Report, check_policy
from bot.config import Settings, StartupError
from bot.policy import (
    ApprovalRule,
    Policy,
    PolicyError,
    Rule,
    Weekly,
    WriteLimit,
    parse_policy,
    settings_problems,
    write_actions,
)
from bot.policy.guardrails import parse_duration
from bot.policy.model import OneOff
from bot.runner import load_policy_for

# The example from the contract (spec/bot-interface.md, "The policy file"), line for line; three
# comments are cut short to fit this file's line length.
CONTRACT_POLICY = """\
# Actions: list, show, audit (reads); create, update, start, stop, reboot, delete (writes); "*"…
# A request is allowed when at least one rule for its action (or for "*") matches.
# A rule matches when ALL the conditions it lists hold; a condition it omits matches anyone/any…
# A read with no rule of its own is open; once its action has rules, they decide. A write with no
# matching rule is denied. `servers:` globs must hold for the server as it is AND as it will be: a
# rename (rename/set/update with a name) needs the new name allowed too; create checks the new…
rules:
  "*":
    - users: [U0ADMIN01]                 # Slack user IDs
  stop:
    - channels: [C0OPS0001]              # channel IDs (or "#name")
    - usergroups: [S0ONCALL1]            # Slack user-group IDs (membership looked up, cached)
  reboot:
    - channels: [C0OPS0001]
  delete:
    - users: [U0ALICE01]
      channels: [C0OPS0001]              # both must hold
  start:
    - servers: ["web-*"]                 # server-name globs
confirm: [stop, delete]                  # actions that need a confirmation step
approve:                                 # actions that need a second person (after any confirm)
  delete:
    by: [{usergroups: [S0ONCALL1]}]      # who may approve: rules, as under `rules:`
    servers: ["prod-*"]                  # optional: only these servers need it (default: all)
    ttl: 30m                             # optional; default 30m
freeze:                                  # windows in which writes are refused
  - actions: [stop, reboot, delete]      # default: every write
    start: "2026-12-24T00:00:00+01:00"   # a one-off window (ISO 8601 with offset) ...
    end: "2026-12-27T00:00:00+01:00"
    reason: "holiday change freeze"
  - weekly: {days: [sat, sun], start: "00:00", end: "24:00", timezone: "Europe/Rome"}   # ...
    except: [{usergroups: [S0ONCALL1]}]  # rules that may act anyway
limits:
  writes: {per_user: 10, window: 10m}    # writes per member; over it: refused with when to retry
"""

PLUS_ONE = timezone(timedelta(hours=1))


def policy_from(text: str) -> Policy:
    return parse_policy(text, "policy.yml")


def load_error(text: str) -> str:
    with pytest.raises(PolicyError) as caught:
        policy_from(text)
    return str(caught.value)


# -- the contract's example ---------------------------------------------------------------


def test_the_contract_example_loads_every_guardrail() -> None:
    policy = policy_from(CONTRACT_POLICY)
    oncall = Rule(action="approve delete", index=1, line=23, usergroups=("S0ONCALL1",))
    assert policy.approvals == (
        ApprovalRule(action="delete", by=(oncall,), servers=("prod-*",), ttl=1800.0, line=22),
    )
    holidays, weekends = policy.freezes
    assert holidays.when == OneOff(
        datetime(2026, 12, 24, tzinfo=PLUS_ONE), datetime(2026, 12, 27, tzinfo=PLUS_ONE)
    )
    assert (holidays.index, holidays.line, holidays.reason) == (1, 27, "holiday change freeze")
    assert holidays.actions == {"stop", "reboot", "delete"}
    assert holidays.except_rules == ()
    assert weekends.when == Weekly(days=(5, 6), start=0, end=1440, timezone="Europe/Rome")
    assert (weekends.index, weekends.line, weekends.reason) == (2, 31, "")
    assert weekends.actions == set(write_actions())
    assert weekends.except_rules == (
        Rule(action="freeze 2 except", index=1, line=32, usergroups=("S0ONCALL1",)),
    )
    assert policy.write_limit == WriteLimit(per_user=10, window=600.0, line=34)


def test_a_policy_without_guardrails_has_none() -> None:
    for policy in (Policy.default(), policy_from("rules: {}\n")):
        assert (policy.approvals, policy.freezes, policy.write_limit) == ((), (), None)
        assert policy.approval_for("delete", ["prod-db"]) is None


@pytest.mark.parametrize(
    "text",
    ["approve:\n", "approve: {}\n", "freeze:\n", "freeze: []\n", "limits:\n", "limits: {}\n"],
)
def test_empty_guardrail_sections_add_nothing(text: str) -> None:
    policy = policy_from(text)
    assert (policy.approvals, policy.freezes, policy.write_limit) == ((), (), None)


# -- durations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("10m", 600),
        ("2h", 7200),
        ("1d", 86400),
        ("1h30m", 5400),
        ("90", 90),
        ("0.5", 0.5),
        ("1.5h", 5400),
        (" 10m ", 600),
        ("366d", 366 * 86400),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("0", "must be more than zero"),
        ("0s", "must be more than zero"),
        ("0.0", "must be more than zero"),
        ("-5", "must be more than zero"),
        ("-5m", "must be more than zero"),
        ("", "is not a duration (like 90s, 10m, 2h, 1d, or a number of seconds)"),
        ("10x", "is not a duration (like 90s, 10m, 2h, 1d, or a number of seconds)"),
        ("10 m", "is not a duration (like 90s, 10m, 2h, 1d, or a number of seconds)"),
        ("1:30", "is not a duration (like 90s, 10m, 2h, 1d, or a number of seconds)"),
        ("m", "is not a duration (like 90s, 10m, 2h, 1d, or a number of seconds)"),
        ("1e3", "is not a duration (like 90s, 10m, 2h, 1d, or a number of seconds)"),
        ("\u0661\u0662s", "is not a duration (like 90s, 10m, 2h, 1d, or a number of seconds)"),
        ("367d", "is longer than a year"),
        ("9" * 400, "is longer than a year"),
    ],
)
def test_bad_durations(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(problem)}$"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("ttl", "seconds"), [("90s", 90), ("2h", 7200), ("45", 45), ("0.5", 0.5), ('"600"', 600)]
)
def test_ttl_takes_any_duration(ttl: str, seconds: float) -> None:
    text = f"approve:\n  stop:\n    by: [{{users: [U0ADMIN01]}}]\n    ttl: {ttl}\n"
    assert policy_from(text).approvals[0].ttl == seconds


# -- approve: -----------------------------------------------------------------------------


def test_approve_reads_by_exactly_as_rules_with_a_label_saying_where() -> None:
    policy = policy_from(
        'approve:\n  "*":\n    by:\n      - users: [U0ADMIN01]\n        channels: ["#ops"]\n'
        "      - usergroups: [S0SRE0001]\n        servers: [db-*]\n"
    )
    (entry,) = policy.approvals
    assert (entry.action, entry.servers, entry.ttl, entry.line) == ("*", (), 1800.0, 2)
    assert entry.by == (
        Rule(action="approve *", index=1, line=4, users=("U0ADMIN01",), channels=("#ops",)),
        Rule(action="approve *", index=2, line=6, usergroups=("S0SRE0001",), servers=("db-*",)),
    )


APPROVALS = """\
approve:
  delete:
    by: [{usergroups: [S0ONCALL1]}]
    servers: ["prod-*", "db-?"]
  "*":
    by: [{users: [U0ADMIN01]}]
    servers: ["*-critical"]
  reboot:
    by: [{users: [U0ALICE01]}]
"""


@pytest.mark.parametrize(
    ("action", "names", "line"),
    [
        pytest.param("delete", ["prod-db"], 2, id="own-entry-on-a-protected-server"),
        pytest.param("delete", ["db-1"], 2, id="second-glob"),
        pytest.param("delete", ["web-01"], None, id="unprotected-server"),
        pytest.param("delete", ["Prod-db"], None, id="globs-are-case-sensitive"),
        pytest.param("delete", ["web-critical"], 5, id="falls-back-to-star"),
        pytest.param("delete", ["prod-x-critical"], 2, id="own-entry-first"),
        pytest.param("update", ["web-01", "prod-web"], None, id="neither-name-protected"),
        pytest.param("update", ["web-critical", "web-01"], 5, id="rename-away-from-protected"),
        pytest.param("update", ["web-01", "web-critical"], 5, id="rename-to-protected"),
        pytest.param("delete", [], 2, id="no-server-name-fails-closed"),
        pytest.param("reboot", ["anything"], 8, id="no-servers-means-every-server"),
        pytest.param("list", ["web-critical"], None, id="reads-never-need-approval"),
        pytest.param("audit", ["web-critical"], None, id="audit-is-a-read"),
    ],
)
def test_approval_for(action: str, names: list[str], line: int | None) -> None:
    entry = policy_from(APPROVALS).approval_for(action, iter(names))
    assert (entry.line if entry else None) == line


def test_approval_rules_for_lists_the_own_entry_then_star() -> None:
    policy = policy_from(APPROVALS)
    assert [e.action for e in policy.approval_rules_for("delete")] == ["delete", "*"]
    assert [e.action for e in policy.approval_rules_for("start")] == ["*"]
    assert policy.approval_rules_for("show") == ()
    with pytest.raises(ValueError, match="restart"):
        policy.approval_for("restart", ["web-01"])


# -- the startup check ---------------------------------------------------------------------


def test_approve_needs_an_ops_channel() -> None:
    policy = policy_from("rules: {}\napprove:\n  delete:\n    by: [{users: [U0ADMIN01]}]\n")
    assert settings_problems(policy, None) == [
        "policy.yml:3: approve: needs BOT_OPS_CHANNEL, the channel where approval requests are "
        "posted; set it, or remove approve: from the policy"
    ]
    assert settings_problems(policy, "") == settings_problems(policy, None)
    assert settings_problems(policy, "C0OPS0001") == []
    assert settings_problems(Policy.default(), None) == []


async def test_run_and_check_refuse_approve_without_an_ops_channel(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text("approve:\n  delete:\n    by: [{users: [U0ADMIN01]}]\n", encoding="utf-8")
    settings = Settings(bot_policy_file=path, bot_ops_channel=None)
    message = f"{path}:2: approve: needs BOT_OPS_CHANNEL, the channel where approval"
    with pytest.raises(StartupError, match=f"^{re.escape(message)}"):
        load_policy_for(settings)
    report = Report()
    await check_policy(settings, report)
    assert report.failed
    assert report.lines[0][2].startswith(message)
    ready = Settings(bot_policy_file=path, bot_ops_channel="C0OPS0001")
    assert load_policy_for(ready).approvals[0].action == "delete"


def test_freezes_and_limits_need_no_setting() -> None:
    policy = policy_from(
        CONTRACT_POLICY.split("approve:")[0] + CONTRACT_POLICY.split("ttl: 30m")[1]
    )
    assert policy.approvals == ()
    assert policy.freezes
    assert settings_problems(policy, None) == []


# -- freeze: and limits: that load --------------------------------------------------------


@pytest.mark.parametrize(
    ("weekly", "expected"),
    [
        pytest.param(
            '{days: [mon], start: "09:00", end: "17:30", timezone: UTC}',
            Weekly((0,), 540, 1050, "UTC"),
            id="office-hours",
        ),
        pytest.param(
            "{days: [Saturday, SUN, fri, fri], start: 22:00, end: 06:00, timezone: UTC}",
            Weekly((4, 5, 6), 1320, 360, "UTC"),
            id="full-names-any-case-unquoted-times-crossing-midnight",
        ),
        pytest.param(
            '{days: [sun], start: "9:05", end: "24:00", timezone: "America/New_York"}',
            Weekly((6,), 545, 1440, "America/New_York"),
            id="one-digit-hour-and-24-00",
        ),
    ],
)
def test_weekly_windows_load(weekly: str, expected: Weekly) -> None:
    (window,) = policy_from(f"freeze:\n  - weekly: {weekly}\n").freezes
    assert window.when == expected
    assert (window.when.days_to_end > 0) is (expected.end <= expected.start or expected.end == 1440)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ('"2026-12-24T00:00:00+01:00"', '"2026-12-24T12:00:00-05:00"'),
        ("2026-12-24T00:00:00+01:00", "2026-12-24T12:00:00-05:00"),  # YAML timestamps
        ('"2026-12-23T23:00:00Z"', '"2026-12-24 17:00+00:00"'),
    ],
)
def test_one_off_windows_keep_their_offsets(start: str, end: str) -> None:
    (window,) = policy_from(f"freeze:\n  - start: {start}\n    end: {end}\n").freezes
    assert isinstance(window.when, OneOff)
    assert window.when.start == datetime(2026, 12, 23, 23, tzinfo=UTC)
    assert window.when.end == datetime(2026, 12, 24, 17, tzinfo=UTC)


def test_freeze_actions_star_means_every_write() -> None:
    (window,) = policy_from(
        'freeze:\n  - actions: ["*"]\n    start: 2026-01-01T00:00:00Z\n'
        "    end: 2026-01-02T00:00:00Z\n"
    ).freezes
    assert window.actions == set(write_actions())
    assert "delete" in window.actions
    assert "list" not in window.actions


def test_write_limit_loads() -> None:
    policy = policy_from("limits:\n  writes:\n    per_user: 3\n    window: 90\n")
    assert policy.write_limit == WriteLimit(per_user=3, window=90.0, line=2)


# -- files that stop the bot, with file:line: problem ------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "approve:\n  restart:\n    by: [{users: [U0ADMIN01]}]\n",
            'policy.yml:2: unknown action "restart" in approve (known: create, update, start, '
            'stop, reboot, delete, "*")',
            id="unknown-approve-action",
        ),
        pytest.param(
            "approve:\n  list:\n    by: [{users: [U0ADMIN01]}]\n",
            'policy.yml:2: "list" changes nothing and never needs approval',
            id="read-needs-no-approval",
        ),
        pytest.param(
            "approve:\n  audit:\n    by: [{users: [U0ADMIN01]}]\n",
            'policy.yml:2: "audit" changes nothing and never needs approval',
            id="audit-needs-no-approval",
        ),
        pytest.param(
            "approve:\n  delete:\n    by: []\n",
            'policy.yml:3: "by" is empty; name who may approve',
            id="empty-by",
        ),
        pytest.param(
            "approve:\n  delete:\n    by:\n",
            'policy.yml:3: "by" must be a list of rules, as under rules:, like by: [{usergroups: '
            "[S0ONCALL1]}]",
            id="null-by",
        ),
        pytest.param(
            "approve:\n  delete:\n    servers: [prod-*]\n",
            'policy.yml:3: approve "delete" needs by: (who may approve), like by: [{usergroups: '
            "[S0ONCALL1]}]",
            id="missing-by",
        ),
        pytest.param(
            "approve:\n  delete:\n    by: [{users: [U0ADMIN01]}]\n    tll: 10m\n",
            'policy.yml:4: unknown key "tll" in approve "delete" (known: by, servers, ttl)',
            id="unknown-approve-key",
        ),
        pytest.param(
            "approve:\n  delete: [{users: [U0ADMIN01]}]\n",
            'policy.yml:2: approve "delete" must be a mapping (by, servers, ttl)',
            id="approve-entry-is-a-list",
        ),
        pytest.param(
            "approve:\n  delete:\n",
            'policy.yml:2: approve "delete" must be a mapping (by, servers, ttl)',
            id="approve-entry-is-empty",
        ),
        pytest.param(
            "approve: [delete]\n",
            'policy.yml:1: "approve" must be a mapping (key: value)',
            id="approve-is-a-list",
        ),
        pytest.param(
            "approve:\n  delete:\n    by: [{user: [U0ADMIN01]}]\n",
            'policy.yml:3: unknown condition "user" (known: users, usergroups, channels, servers)',
            id="by-rule-unknown-condition",
        ),
        pytest.param(
            "approve:\n  delete:\n    by:\n      - users: [alice]\n",
            'policy.yml:4: "alice" is not a Slack user ID (like U0ADMIN01)',
            id="by-rule-bad-id",
        ),
        pytest.param(
            "approve:\n  delete:\n    by: {users: [U0ADMIN01]}\n",
            'policy.yml:3: "by" must be a list of rules, as under rules:, like by: [{usergroups: '
            "[S0ONCALL1]}]",
            id="by-is-a-mapping",
        ),
        pytest.param(
            "approve:\n  delete:\n    by: [{users: [U0ADMIN01]}]\n    servers: []\n",
            'policy.yml:4: "servers" is empty; leave it out to match everyone/everywhere',
            id="empty-servers",
        ),
        pytest.param(
            "approve:\n  delete:\n    by: [{users: [U0ADMIN01]}]\n    servers: prod-*\n",
            'policy.yml:4: "servers" must be a list, like servers: [...]',
            id="servers-not-a-list",
        ),
        pytest.param(
            "approve:\n  delete:\n    by: [{users: [U0ADMIN01]}]\n    ttl: 0\n",
            'policy.yml:4: ttl "0" must be more than zero',
            id="zero-ttl",
        ),
        pytest.param(
            "approve:\n  delete:\n    by: [{users: [U0ADMIN01]}]\n    ttl: -5m\n",
            'policy.yml:4: ttl "-5m" must be more than zero',
            id="negative-ttl",
        ),
        pytest.param(
            "approve:\n  delete:\n    by: [{users: [U0ADMIN01]}]\n    ttl: soon\n",
            'policy.yml:4: ttl "soon" is not a duration (like 90s, 10m, 2h, 1d, or a number of '
            "seconds)",
            id="garbage-ttl",
        ),
        pytest.param(
            "approve:\n  delete:\n    by: [{users: [U0ADMIN01]}]\n    ttl:\n",
            "policy.yml:4: ttl must be a duration (like 90s, 10m, 2h, 1d, or a number of "
            "seconds), not nothing",
            id="empty-ttl",
        ),
        pytest.param(
            "approve:\n  delete:\n    by: [{users: [U0ADMIN01]}]\n    ttl: [10m]\n",
            "policy.yml:4: ttl must be a duration (like 90s, 10m, 2h, 1d, or a number of "
            "seconds), not a list or mapping",
            id="ttl-list",
        ),
        pytest.param(
            "approve:\n  delete:\n    by: [{users: [U0ADMIN01]}]\n    ttl: true\n",
            "policy.yml:4: ttl must be a duration (like 90s, 10m, 2h, 1d, or a number of "
            "seconds), not true",
            id="ttl-bool",
        ),
        pytest.param(
            "approve:\n  delete:\n    by: [{users: [U0ADMIN01]}]\n    ttl: 1:30\n",
            'policy.yml:4: ttl "1:30" is not a duration (like 90s, 10m, 2h, 1d, or a number of '
            "seconds)",
            id="ttl-base-60",
        ),
        pytest.param(
            "approve:\n  delete:\n    by: [{users: [U0ADMIN01]}]\n  delete:\n"
            "    by: [{users: [U0ADMIN01]}]\n",
            'policy.yml:4: duplicate key "delete" (first at line 2)',
            id="duplicate-approve-action",
        ),
        pytest.param(
            "freeze:\n  start: 2026-01-01T00:00:00Z\n",
            "policy.yml:2: freeze must be a list of windows, like freeze: [{weekly: {...}}, "
            '{start: "..."}]',
            id="freeze-not-a-list",
        ),
        pytest.param(
            "freeze:\n  - weekly\n",
            "policy.yml:2: freeze window 1 must be a mapping (start, end, weekly, actions, "
            "reason, except)",
            id="window-not-a-mapping",
        ),
        pytest.param(
            'freeze:\n  - start: "2026-01-01T00:00:00Z"\n',
            "policy.yml:2: freeze window 1 needs end: as well as start:",
            id="one-off-without-end",
        ),
        pytest.param(
            'freeze:\n  - end: "2026-01-01T00:00:00Z"\n',
            "policy.yml:2: freeze window 1 needs start: as well as end:",
            id="one-off-without-start",
        ),
        pytest.param(
            "freeze:\n  - reason: nothing\n",
            "policy.yml:2: freeze window 1 needs start: and end: (a one-off window) or weekly:",
            id="window-without-when",
        ),
        pytest.param(
            'freeze:\n  - start: "2026-01-01T00:00:00"\n    end: "2026-01-02T00:00:00Z"\n',
            'policy.yml:2: start "2026-01-01T00:00:00" has no UTC offset; write it like '
            "2026-12-24T00:00:00+01:00",
            id="no-offset",
        ),
        pytest.param(
            "freeze:\n  - start: 2026-01-01\n    end: 2026-01-02\n",
            'policy.yml:2: start "2026-01-01" has no UTC offset; write it like '
            "2026-12-24T00:00:00+01:00",
            id="date-only",
        ),
        pytest.param(
            'freeze:\n  - start: tomorrow\n    end: "2026-01-02T00:00:00Z"\n',
            'policy.yml:2: start "tomorrow" is not an ISO 8601 date and time, like '
            "2026-12-24T00:00:00+01:00",
            id="not-a-date-time",
        ),
        pytest.param(
            'freeze:\n  - start: "2026-01-02T00:00:00+01:00"\n    end: "2026-01-01T23:00:00Z"\n',
            "policy.yml:3: end 2026-01-01T23:00:00+00:00 is not after start "
            "2026-01-02T00:00:00+01:00",
            id="end-equals-start",
        ),
        pytest.param(
            'freeze:\n  - start: "2026-01-02T00:00:00+01:00"\n    end: "2026-01-01T22:00:00Z"\n',
            "policy.yml:3: end 2026-01-01T22:00:00+00:00 is not after start "
            "2026-01-02T00:00:00+01:00",
            id="end-before-start",
        ),
        pytest.param(
            'freeze:\n  - start: 42\n    end: "2026-01-01T22:00:00Z"\n',
            'policy.yml:2: start "42" is not an ISO 8601 date and time, like '
            "2026-12-24T00:00:00+01:00",
            id="number-as-date",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [sat], start: "00:00", end: "24:00", timezone: UTC}\n'
            '    start: "2026-01-01T00:00:00Z"\n',
            "policy.yml:3: freeze window 1 is either one-off (start, end) or weekly, not both",
            id="one-off-and-weekly",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [sat], start: "00:00", end: "24:00"}\n',
            "policy.yml:2: weekly needs days, start, end, timezone; missing: timezone",
            id="weekly-without-timezone",
        ),
        pytest.param(
            "freeze:\n"
            '  - weekly: {days: [sat], start: "00:00", end: "24:00", timezone: UTC, tz: UTC}\n',
            'policy.yml:2: unknown key "tz" in weekly (known: days, start, end, timezone)',
            id="unknown-weekly-key",
        ),
        pytest.param(
            "freeze:\n"
            '  - weekly: {days: [sat, sunday2], start: "00:00", end: "24:00", timezone: UTC}\n',
            'policy.yml:2: unknown day "sunday2" (known: mon, tue, wed, thu, fri, sat, sun, or '
            "the full names)",
            id="unknown-day",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [], start: "00:00", end: "24:00", timezone: UTC}\n',
            'policy.yml:2: "days" is empty; name the days the window starts on',
            id="no-days",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: sat, start: "00:00", end: "24:00", timezone: UTC}\n',
            'policy.yml:2: "days" must be a list, like days: [sat, sun]',
            id="days-not-a-list",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [6], start: "00:00", end: "24:00", timezone: UTC}\n',
            'policy.yml:2: "days" entries must be text, not 6',
            id="day-number",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [sat], start: "24:00", end: "06:00", timezone: UTC}\n',
            'policy.yml:2: start "24:00": 24:00 is only allowed as an end; write "00:00"',
            id="start-24-00",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [sat], start: "25:00", end: "06:00", timezone: UTC}\n',
            'policy.yml:2: start "25:00" is not a time of day (HH:MM, 00:00 to 23:59)',
            id="hour-25",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [sat], start: "00:00", end: "24:30", timezone: UTC}\n',
            'policy.yml:2: end "24:30" is not a time of day (HH:MM, 00:00 to 24:00)',
            id="end-24-30",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [sat], start: "00:00", end: "noon", timezone: UTC}\n',
            'policy.yml:2: end "noon" is not a time of day (HH:MM, 00:00 to 24:00)',
            id="end-noon",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [sat], start: 06:00, end: "06:00", timezone: UTC}\n',
            'policy.yml:2: start and end are both 06:00; for whole days write start: "00:00", '
            'end: "24:00"',
            id="start-equals-end",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [sat], start: "06:00", end: 6, timezone: UTC}\n',
            'policy.yml:2: end "6" is not a time of day (HH:MM, 00:00 to 24:00)',
            id="end-bare-number",
        ),
        pytest.param(
            "freeze:\n"
            '  - weekly: {days: [sat], start: "00:00", end: "24:00", timezone: Europe/Rom}\n',
            'policy.yml:2: unknown time zone "Europe/Rom"; did you mean Europe/Rome?',
            id="timezone-typo",
        ),
        pytest.param(
            "freeze:\n"
            '  - weekly: {days: [sat], start: "00:00", end: "24:00", timezone: Mars/Olympus}\n',
            'policy.yml:2: unknown time zone "Mars/Olympus" (an IANA name like Europe/Rome or UTC)',
            id="unknown-timezone",
        ),
        pytest.param(
            "freeze:\n"
            '  - weekly: {days: [sat], start: "00:00", end: "24:00", timezone: localtime}\n',
            'policy.yml:2: unknown time zone "localtime" (an IANA name like Europe/Rome or UTC)',
            id="localtime-is-not-a-zone",
        ),
        pytest.param(
            "freeze:\n"
            '  - weekly: {days: [sat], start: "00:00", end: "24:00", timezone: /etc/localtime}\n',
            'policy.yml:2: unknown time zone "/etc/localtime" (an IANA name like Europe/Rome or '
            "UTC)",
            id="path-is-not-a-zone",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [sat], start: "00:00", end: "24:00", timezone: +01:00}\n',
            'policy.yml:2: unknown time zone "+01:00" (an IANA name like Europe/Rome or UTC)',
            id="offset-is-not-a-zone",
        ),
        pytest.param(
            "freeze:\n  - weekly: [sat]\n",
            "policy.yml:2: weekly must be a mapping, like weekly: {days: [sat, sun], start: "
            '"00:00", end: "24:00", timezone: "UTC"}',
            id="weekly-not-a-mapping",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [sat], start: "00:00", end: "24:00", timezone: UTC}\n'
            "    actions: [list]\n",
            'policy.yml:3: "list" changes nothing and is never frozen',
            id="freeze-a-read",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [sat], start: "00:00", end: "24:00", timezone: UTC}\n'
            "    actions: []\n",
            'policy.yml:3: "actions" is empty; leave it out to freeze every write',
            id="empty-actions",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [sat], start: "00:00", end: "24:00", timezone: UTC}\n'
            "    actions: [restart]\n",
            'policy.yml:3: unknown action "restart" in freeze window 1 actions (known: create, '
            'update, start, stop, reboot, delete, "*")',
            id="unknown-freeze-action",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [sat], start: "00:00", end: "24:00", timezone: UTC}\n'
            "    actions: delete\n",
            "policy.yml:3: actions must be a list of actions, like actions: [stop, delete]",
            id="actions-not-a-list",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [sat], start: "00:00", end: "24:00", timezone: UTC}\n'
            '    reason: "  "\n',
            'policy.yml:3: "reason" is empty; leave it out or say why',
            id="blank-reason",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [sat], start: "00:00", end: "24:00", timezone: UTC}\n'
            "    reason: 42\n",
            "policy.yml:3: reason must be text, not 42",
            id="reason-a-number",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [sat], start: "00:00", end: "24:00", timezone: UTC}\n'
            "    except: []\n",
            'policy.yml:3: "except" is empty; leave it out when nobody may act during the freeze',
            id="empty-except",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [sat], start: "00:00", end: "24:00", timezone: UTC}\n'
            "    except: [{groups: [S0ONCALL1]}]\n",
            'policy.yml:3: unknown condition "groups" (known: users, usergroups, channels, '
            "servers)",
            id="except-unknown-condition",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [sat], start: "00:00", end: "24:00", timezone: UTC}\n'
            "    except: {usergroups: [S0ONCALL1]}\n",
            'policy.yml:3: "except" must be a list of rules, as under rules:, like except: '
            "[{usergroups: [S0ONCALL1]}]",
            id="except-is-a-mapping",
        ),
        pytest.param(
            'freeze:\n  - weekly: {days: [sat], start: "00:00", end: "24:00", timezone: UTC}\n'
            "    excep: []\n",
            'policy.yml:3: unknown key "excep" in freeze window 1 (known: start, end, weekly, '
            "actions, reason, except)",
            id="unknown-window-key",
        ),
        pytest.param(
            "limits:\n  write: {per_user: 10, window: 10m}\n",
            'policy.yml:2: unknown key "write" in "limits" (known: writes)',
            id="unknown-limit",
        ),
        pytest.param(
            "limits:\n  writes: {per_user: 10}\n",
            "policy.yml:2: writes needs window, like {per_user: 10, window: 10m}",
            id="per-user-without-window",
        ),
        pytest.param(
            "limits:\n  writes: {window: 10m}\n",
            "policy.yml:2: writes needs per_user, like {per_user: 10, window: 10m}",
            id="window-without-per-user",
        ),
        pytest.param(
            "limits:\n  writes: {}\n",
            "policy.yml:2: writes needs per_user and window, like {per_user: 10, window: 10m}",
            id="writes-empty",
        ),
        pytest.param(
            "limits:\n  writes:\n",
            "policy.yml:2: writes must be a mapping, like writes: {per_user: 10, window: 10m}",
            id="writes-null",
        ),
        pytest.param(
            "limits:\n  writes: 10\n",
            "policy.yml:2: writes must be a mapping, like writes: {per_user: 10, window: 10m}",
            id="writes-a-number",
        ),
        pytest.param(
            "limits:\n  writes: {per_user: 0, window: 10m}\n",
            "policy.yml:2: per_user must be a whole number more than zero, not 0",
            id="per-user-zero",
        ),
        pytest.param(
            "limits:\n  writes: {per_user: -1, window: 10m}\n",
            "policy.yml:2: per_user must be a whole number more than zero, not -1",
            id="per-user-negative",
        ),
        pytest.param(
            "limits:\n  writes: {per_user: 2.5, window: 10m}\n",
            "policy.yml:2: per_user must be a whole number more than zero, not 2.5",
            id="per-user-fraction",
        ),
        pytest.param(
            'limits:\n  writes: {per_user: "10", window: 10m}\n',
            'policy.yml:2: per_user must be a whole number more than zero, not "10"',
            id="per-user-quoted",
        ),
        pytest.param(
            "limits:\n  writes: {per_user: ten, window: 10m}\n",
            'policy.yml:2: per_user must be a whole number more than zero, not "ten"',
            id="per-user-word",
        ),
        pytest.param(
            "limits:\n  writes: {per_user: , window: 10m}\n",
            "policy.yml:2: per_user must be a whole number more than zero, not nothing",
            id="per-user-nothing",
        ),
        pytest.param(
            "limits:\n  writes: {per_user: [1], window: 10m}\n",
            "policy.yml:2: per_user must be a whole number more than zero, not a list or mapping",
            id="per-user-list",
        ),
        pytest.param(
            "limits:\n  writes: {per_user: 0x10, window: 10m}\n",
            "policy.yml:2: per_user must be a whole number more than zero, not 0x10",
            id="per-user-hex",
        ),
        pytest.param(
            "limits:\n  writes: {per_user: 10, window: 0}\n",
            'policy.yml:2: window "0" must be more than zero',
            id="window-zero",
        ),
        pytest.param(
            "limits:\n  writes: {per_user: 10, window: 10m, burst: 3}\n",
            'policy.yml:2: unknown key "burst" in "writes" (known: per_user, window)',
            id="unknown-writes-key",
        ),
        pytest.param(
            "limits: [writes]\n",
            'policy.yml:1: "limits" must be a mapping (key: value)',
            id="limits-a-list",
        ),
    ],
)
def test_a_wrong_guardrail_is_refused_with_file_line_and_problem(text: str, message: str) -> None:
    assert load_error(text) == message


def test_the_readme_examples_of_every_guardrail_load() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Approval (`approve:`)") :]
    section = section[: section.index("\n## ")]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.DOTALL)
    policies = [parse_policy(block, "README.md") for block in blocks]
    assert [(bool(p.approvals), bool(p.freezes), bool(p.write_limit)) for p in policies] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]


# -- a weekly window across days, written with its days -------------------------------------


@pytest.mark.parametrize(
    ("weekly", "expected"),
    [
        pytest.param(
            '{start: "fri 16:00", end: "mon 08:00", timezone: Europe/Rome}',
            Weekly((4,), 960, 480, "Europe/Rome", end_days_later=3),
            id="friday-afternoon-to-monday-morning",
        ),
        pytest.param(
            '{start: "Friday 22:00", end: "SAT 6:00", timezone: UTC}',
            Weekly((4,), 1320, 360, "UTC", end_days_later=1),
            id="full-names-any-case",
        ),
        pytest.param(
            '{start: "sat 00:00", end: "sun 24:00", timezone: UTC}',
            Weekly((5,), 0, 1440, "UTC", end_days_later=1),
            id="sunday-24-00",
        ),
        pytest.param(
            '{start: "wed 10:00", end: "wed 12:00", timezone: UTC}',
            Weekly((2,), 600, 720, "UTC", end_days_later=0),
            id="same-day",
        ),
        pytest.param(
            '{start: "wed 12:00", end: "wed 10:00", timezone: UTC}',
            Weekly((2,), 720, 600, "UTC", end_days_later=7),
            id="the-next-wednesday",
        ),
    ],
)
def test_a_weekly_window_may_name_its_days_in_its_times(weekly: str, expected: Weekly) -> None:
    (window,) = policy_from(f"freeze:\n  - weekly: {weekly}\n").freezes
    assert window.when == expected


@pytest.mark.parametrize(
    ("weekly", "problem"),
    [
        pytest.param(
            '{days: [fri], start: "fri 16:00", end: "mon 08:00", timezone: UTC}',
            "policy.yml:2: start names its day, so leave days: out",
            id="days-as-well",
        ),
        pytest.param(
            '{start: "fri 16:00", end: "08:00", timezone: UTC}',
            'policy.yml:2: start names its day, so must end, like end: "mon 08:00"',
            id="end-without-its-day",
        ),
        pytest.param(
            '{days: [fri], start: "16:00", end: "mon 08:00", timezone: UTC}',
            'policy.yml:2: end names its day, so must start (like start: "fri 16:00", no days:)',
            id="start-without-its-day",
        ),
        pytest.param(
            '{start: "fri 16:00", end: "fri 16:00", timezone: UTC}',
            "policy.yml:2: end is the same moment of the week as start",
            id="no-length",
        ),
        pytest.param(
            '{start: "fry 16:00", end: "mon 08:00", timezone: UTC}',
            'policy.yml:2: unknown day "fry" (known: mon, tue, wed, thu, fri, sat, sun, or the '
            "full names)",
            id="unknown-day",
        ),
        pytest.param(
            '{start: "fri 16:00", end: "mon 08:00"}',
            "policy.yml:2: weekly needs start, end, timezone; missing: timezone",
            id="no-timezone",
        ),
        pytest.param(
            '{start: "fri 24:00", end: "mon 08:00", timezone: UTC}',
            'policy.yml:2: start "24:00": 24:00 is only allowed as an end; write "00:00"',
            id="start-24-00",
        ),
    ],
)
def test_a_wrong_window_across_days_is_refused(weekly: str, problem: str) -> None:
    assert load_error(f"freeze:\n  - weekly: {weekly}\n") == problem
