"""`vpsbot check` in-process, against the simulator and the Slack emulator on loopback."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.check import run_check
from bot.config import Settings
from slackemu import SlackEmulator
from vpssim.simulator import Simulator, start_simulator

POLICY = "rules:\n  stop:\n    - channels: [C0OPS0001]\n"


@dataclass
class Outside:
    """What the check talks to: a simulated VPS.org API and Slack."""

    vps_url: str
    slack_url: str


@pytest.fixture
async def outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Outside]:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "VPS_", "BOT_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # where `run` looks for policy.yml and creates vpsbot.db
    sim = await start_simulator(Simulator(token="check-token", seed=3))
    try:
        async with SlackEmulator(signing_secret="s", bot_token="xoxb-check") as emu:
            yield Outside(sim.url, emu.api_url)
    finally:
        await sim.close()


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def check(outside: Outside, **settings: object) -> tuple[int, str]:
    """Run the check with working settings, changed by `settings`; (exit code, report)."""
    values: dict[str, object] = {
        "vps_api_url": outside.vps_url,
        "vps_api_token": "check-token",
        "slack_bot_token": "xoxb-check",
        "slack_signing_secret": "signing-secret",
        "slack_api_url": outside.slack_url,
        "bot_ops_channel": "C0OPS0001",
        **settings,
    }
    lines: list[str] = []
    code = await run_check(Settings(_env_file=None, **values), lines.append)  # type: ignore[call-arg]
    return code, "\n".join(lines)


async def test_everything_in_place_is_all_good(outside: Outside, tmp_path: Path) -> None:
    (tmp_path / "policy.yml").write_text(POLICY)
    code, report = await check(outside)
    assert code == 0, report
    assert "[  ok] policy" in report
    assert "3 servers listed" in report
    assert "WARN" not in report
    assert report.endswith("vpsbot check: all good")


async def test_the_time_zone_is_shown(outside: Outside, tmp_path: Path) -> None:
    (tmp_path / "policy.yml").write_text(POLICY)
    code, report = await check(outside, bot_timezone="Europe/Rome")
    assert code == 0, report
    line = next(line for line in report.splitlines() if "time zone" in line)
    assert line.startswith("[  ok] time zone")
    assert "BOT_TIMEZONE Europe/Rome (UTC+01:00 now)" in line or "(UTC+02:00 now)" in line


async def test_no_policy_file_is_a_warning_that_says_how_to_write_one(
    outside: Outside, tmp_path: Path
) -> None:
    code, report = await check(outside)
    assert code == 0, report  # `run` starts like this: a warning, not a failure
    policy = next(line for line in report.splitlines() if " policy " in line)
    assert policy.startswith("[WARN] policy")
    assert "no policy.yml here: every change is denied" in policy
    assert "README" in policy
    assert report.endswith("vpsbot check: all good, 1 warning (exit code 0)")


async def test_a_policy_file_without_rules_is_a_warning(outside: Outside, tmp_path: Path) -> None:
    (tmp_path / "policy.yml").write_text("rules: {}\n")
    code, report = await check(outside)
    assert code == 0, report
    assert "[WARN] policy" in report
    assert "no rules, so every change is denied" in report


async def test_no_ops_channel_is_a_warning(outside: Outside, tmp_path: Path) -> None:
    (tmp_path / "policy.yml").write_text(POLICY)
    code, report = await check(outside, bot_ops_channel=None)
    assert code == 0, report
    line = next(line for line in report.splitlines() if "ops channel" in line)
    assert line.startswith("[WARN] ops channel")
    assert "BOT_OPS_CHANNEL is unset" in line


async def test_warnings_do_not_hide_failures(outside: Outside) -> None:
    code, report = await check(outside, bot_ops_channel=None, vps_api_token="wrong")
    assert code == 1
    assert "[WARN]" in report
    assert "[FAIL] VPS.org API" in report
    assert report.endswith("vpsbot check: problems found")


async def test_the_state_file_is_not_left_behind(outside: Outside, tmp_path: Path) -> None:
    code, report = await check(outside)
    assert code == 0, report
    assert "vpsbot run will create vpsbot.db" in report
    assert files_in(tmp_path) == []


async def test_an_existing_state_file_is_opened_and_kept(outside: Outside, tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "bot.db").write_bytes(b"this is not a database")
    code, report = await check(outside, bot_state_url="sqlite:///state/bot.db")
    assert code == 1
    assert "[FAIL] state" in report
    assert (tmp_path / "state" / "bot.db").read_bytes() == b"this is not a database"


async def test_a_state_file_in_a_missing_directory_fails(outside: Outside) -> None:
    code, report = await check(outside, bot_state_url="sqlite:///nowhere/bot.db")
    assert code == 1
    assert "[FAIL] state" in report
    assert "nowhere does not exist" in report


async def test_a_state_store_that_cannot_be_reached_fails_without_waiting(
    outside: Outside,
) -> None:
    with socket.socket() as s:  # a port nobody listens on: PostgreSQL is down
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://vpsbot:hunter2@127.0.0.1:{port}/vpsbot"
    code, report = await check(outside, bot_state_url=url)
    assert code == 1
    [line] = [line for line in report.splitlines() if line.startswith("[FAIL] state")]
    where = f"postgresql://***@127.0.0.1:{port}/vpsbot"
    assert f"BOT_STATE_URL: cannot open database {where}: cannot be reached (" in line
    assert line.endswith("(vpsbot run waits for it, not ready)")
    assert "hunter2" not in report


async def test_credentials_in_urls_are_never_printed(outside: Outside) -> None:
    vps = outside.vps_url.replace("http://", "http://vpsuser:vps-password@")
    slack = outside.slack_url.replace("http://", "http://slackuser:slack-password@")
    _, report = await check(outside, vps_api_url=vps, slack_api_url=slack)
    assert f"{vps.replace('vpsuser:vps-password', '***')}: 3 servers listed" in report
    # Slack's client refuses such a URL; the error names it, and it is redacted too
    assert f"Slack at {slack.replace('slackuser:slack-password', '***')}" in report
    assert "password" not in report


async def test_credentials_are_not_printed_when_the_api_cannot_be_reached(
    outside: Outside,
) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://user:password@127.0.0.1:{port}/api/v1"
    code, report = await check(outside, vps_api_url=url, vps_api_timeout_seconds=2)
    assert code == 1
    assert "[FAIL] VPS.org API" in report
    assert "could not connect" in report
    assert "password" not in report


DEAD_GLOBS = """\
rules:
  start:
    - servers: ["dev-[0-9"]
  stop:
    - servers: ["dev-.*", "web-*"]
approve:
  delete:
    by: [{users: [U0ADMIN01]}]
    servers: ["[]dev"]
"""


async def test_globs_that_can_never_match_are_warnings_naming_file_line_and_why(
    outside: Outside, tmp_path: Path
) -> None:
    (tmp_path / "policy.yml").write_text(DEAD_GLOBS)
    code, report = await check(outside)
    assert code == 0, report  # `run` accepts the file: warnings, not failures
    warned = [line for line in report.splitlines() if line.startswith("[WARN] policy")]
    assert len(warned) == 3, report
    assert 'policy.yml:3: servers glob "dev-[0-9" can never match: the "["' in warned[0]
    assert "never closed" in warned[0]
    assert 'policy.yml:5: servers glob "dev-.*" can never match' in warned[1]
    assert "regular expression" in warned[1]
    assert 'policy.yml:9: servers glob "[]dev" can never match' in warned[2]
    assert all("only letters, digits and hyphens" in line for line in warned)
    assert "web-*" not in report  # a glob that can match is not a warning


async def test_every_problem_of_the_policy_file_is_listed_at_once(
    outside: Outside, tmp_path: Path
) -> None:
    (tmp_path / "policy.yml").write_text(
        "rules:\n"
        "  stop:\n"
        "    - users: [alice]\n"  # 3
        "  restart:\n"  # 4
        "    - {}\n"
        "  start:\n"
        "    - servers: [web-*]\n"
        "      color: red\n"  # 8
        "confirm: [stop, list]\n"  # 9
        "freeze:\n"
        "  - weekly: {days: [sat], start: '25:00', end: '06:00', timezone: Mars/Olympus}\n"  # 11
    )
    code, report = await check(outside)
    assert code == 1
    failed = [line for line in report.splitlines() if line.startswith("[FAIL] policy")]
    lines = [line.split("policy.yml:")[1].split(":")[0] for line in failed]
    assert lines == ["3", "4", "8", "9", "11", "11"], report
    assert '"alice" is not a Slack user ID' in failed[0]
    assert 'unknown action "restart"' in failed[1]
    assert 'unknown condition "color"' in failed[2]
    assert '"list" changes nothing' in failed[3]
    assert 'start "25:00" is not a time of day' in failed[4]
    assert 'unknown time zone "Mars/Olympus"' in failed[5]


async def test_the_policy_line_summarises_what_the_file_holds(
    outside: Outside, tmp_path: Path
) -> None:
    (tmp_path / "policy.yml").write_text(
        "rules:\n"
        '  "*": [{users: [U0ADMIN01]}]\n'
        "  stop: [{channels: [C0OPS0001]}, {usergroups: [S0ONCALL1]}]\n"
        "approve:\n"
        "  delete: {by: [{users: [U0ADMIN01]}]}\n"
        "freeze:\n"
        "  - weekly: {start: 'fri 16:00', end: 'mon 08:00', timezone: Europe/Rome}\n"
        "limits:\n"
        "  writes: {per_user: 10, window: 10m}\n"
    )
    code, report = await check(outside)
    assert code == 0, report
    line = next(line for line in report.splitlines() if line.startswith("[  ok] policy"))
    assert '3 rules ("*" 1, stop 2)' in line
    assert "confirm stop, delete" in line
    assert "1 approval (delete)" in line
    assert "1 freeze window (weekly freeze fri 16:00\u2013mon 08:00 Europe/Rome)" in line
    assert "at most 10 writes per member in 10m" in line
