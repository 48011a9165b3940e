"""Scripts can test: a line that fails stops the script with exit code 1; and a console on a
real API never runs with the demo policy."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import StartupError
from bot.slack import ids
from bot.slack.blocks import build_denial, build_error, build_result
from bot.slack.blocks.guardrails import build_frozen, build_limited
from bot.slack.blocks.notes import build_name_taken, build_note, build_pointless
from tests.console.conftest import Console
from vpssim.simulator import Simulator, start_simulator

STOPPED = "the lines after it were not run. Exit code 1."


@pytest.mark.parametrize(
    ("lines", "failed"),
    [
        ((":bogus",), ":bogus"),
        (("/vps show web-server-01", ":click 9"), ":click 9"),
        (("/vps show web-server-01", ":click Frobnicate"), ":click Frobnicate"),
        (("hello",), "hello"),
        (("/other list",), "/other list"),
        ((":submit",), ":submit"),
    ],
)
async def test_a_line_the_console_cannot_act_on_stops_the_script(
    console: Console, lines: tuple[str, ...], failed: str
) -> None:
    out = await console(*lines, "/vps list", expect=1)
    assert f"✗ Failed: {failed}; {STOPPED}" in out
    assert "Servers" not in out  # the line after it did not run


async def test_a_refused_command_stops_the_script(console: Console) -> None:
    out = await console(":as bob", "/vps start web-server-03", ":as you", "/vps list", expect=1)
    assert "You may not start web-server-03" in out
    assert f"✗ Failed: /vps start web-server-03; {STOPPED}" in out
    assert "Servers" not in out


@pytest.mark.parametrize(
    "line",
    [
        "/vps show no-such-server",
        "/vps frobnicate",
        "/vps stop",
        "/vps show #99999",
        "/vps rename web-server-01 db-server-01",  # a name another server has
    ],
)
async def test_a_command_the_bot_could_not_run_stops_the_script(
    console: Console, line: str
) -> None:
    out = await console(line, "/vps list", expect=1)
    assert f"✗ Failed: {line}; {STOPPED}" in out
    assert "Servers" not in out


async def test_an_api_error_stops_the_script(console: Console, tmp_path: Path) -> None:
    (tmp_path / "policy.yml").write_text('rules:\n  "*": [{users: [U0YOU0001]}]\n')
    with socket.socket() as s:  # a port nobody listens on: the API "is down"
        s.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{s.getsockname()[1]}/api/v1"
    out = await console(
        "/vps list",
        "/vps whoami",
        vps_api_url=down,
        vps_api_token="t",
        vps_api_timeout_seconds=1,
        bot_monitor_interval_seconds=0,
        expect=1,
    )
    assert "could not connect" in out
    assert f"✗ Failed: /vps list; {STOPPED}" in out
    assert "You are @you" not in out


async def test_an_action_the_api_refuses_stops_the_script(console: Console) -> None:
    line = "/vps create web-09 plan:1 os:1 location:us-east"  # no OS 1 in the simulator
    out = await console(line, "/vps list", expect=1)
    assert "Couldn't create web-09" in out
    assert f"✗ Failed: {line}; {STOPPED}" in out
    assert "Servers" not in out


async def test_a_form_the_app_refuses_stops_the_script(console: Console) -> None:
    out = await console(
        "/vps create",
        ":submit name=bad-name! plan=1 os=1 location=us-east",
        "web-03",
        expect=1,
    )
    assert "! Name:" in out
    assert "Form closed; nothing was sent." in out
    assert "is being created" not in out
    assert "✗ Failed: the form “Create a server”" in out


async def test_a_wrong_answer_in_a_form_stops_the_script(console: Console) -> None:
    out = await console("/vps create", "web-03", "9", "1", expect=1)
    assert "'9' is not one of the options" in out
    assert "Form closed; nothing was sent." in out
    assert "is being created" not in out


async def test_keep_going_runs_every_line_and_still_fails(console: Console) -> None:
    out = await console(":bogus", "/vps list", ":nope", keep_going=True, expect=1)
    assert "Servers" in out
    assert "✗ Failed: :bogus (2 failures in all). Exit code 1." in out


async def test_a_script_that_works_exits_0(console: Console) -> None:
    out = await console("/vps stop web-server-01", ":click 1", "/vps whoami")
    assert "is stopped after" in out
    assert "Failed" not in out


def test_refusals_and_failures_are_marked_for_scripts() -> None:
    """What the console's script mode reads: the first block's id, not the words."""

    def mark(message: object) -> object:
        return message.to_dict()["blocks"][0].get("block_id")  # type: ignore[attr-defined]

    assert mark(build_denial("You may not stop web-01.")) == ids.DENIED_BLOCK
    assert mark(build_note("Only <@U1> can answer this.", icon=":lock:")) == ids.DENIED_BLOCK
    assert mark(build_error("The API is down.")) == ids.FAILED_BLOCK
    assert mark(build_note("Unknown command.")) == ids.FAILED_BLOCK
    assert mark(build_note("No server called x.", icon=":mag:")) == ids.FAILED_BLOCK
    assert mark(build_result(ok=False, action="stop", server_name="w", server_id=1)) == (
        ids.FAILED_BLOCK
    )
    assert mark(build_result(ok=True, action="stop", server_name="w", server_id=1)) is None
    assert mark(build_name_taken("db-01", "db-01", 7)) == ids.FAILED_BLOCK
    now = datetime(2026, 12, 7, tzinfo=UTC)
    frozen = build_frozen("reboot", "web-01", "weekly freeze", "", None, now)
    assert mark(frozen) == ids.DENIED_BLOCK
    assert mark(build_limited(2, 600, now + timedelta(minutes=5), now)) == ids.DENIED_BLOCK
    assert mark(build_note("Not now: over the limit.", icon=":stopwatch:")) == ids.DENIED_BLOCK
    assert mark(build_note("Already answered.", icon=":information_source:")) is None
    assert mark(build_pointless("start", "web-01", 1, "active")) is None  # nothing to do: no error


# --- a real API needs a real policy ------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        {"vps_api_token": "real-token"},  # the token alone means the real VPS.org API
        {"vps_api_url": "http://127.0.0.1:9/api/v1", "vps_api_token": "real-token"},
    ],
)
async def test_a_real_api_without_a_policy_file_does_not_start(
    console: Console, settings: dict[str, str]
) -> None:
    with pytest.raises(StartupError) as refused:
        await console("/vps list", **settings)
    text = str(refused.value)
    assert text.startswith("no policy.yml here")
    assert "never the demo policy" in text
    assert '"*": [{users: [U0ADMIN01]}]' in text  # how to write one


async def test_a_real_api_uses_the_policy_file_never_the_demo_one(
    console: Console, tmp_path: Path
) -> None:
    (tmp_path / "policy.yml").write_text('rules:\n  "*": [{users: [U0ADMIN01]}]\n')
    elsewhere = await start_simulator(Simulator(token="real-token", seed=3))
    try:
        out = await console(
            "/vps reboot web-server-01",
            vps_api_url=elsewhere.url.replace("http://", "http://user:password@"),
            vps_api_token="real-token",
            expect=1,
        )
    finally:
        await elsewhere.close()
    assert "REAL VPS.org API at http://***@127.0.0.1:" in out
    assert "password" not in out
    assert "policy.yml (as `vpsbot run` would use it)" in out
    assert "demo policy" not in out
    assert "You may not reboot web-server-01" in out  # @you is not U0ADMIN01


# --- every refusal is a failed line: the policy's, a freeze's and the write limit's ----------

_ALWAYS_FROZEN = """\
rules:
  "*": [{users: [U0YOU0001]}]
freeze:
  - weekly: {days: [mon, tue, wed, thu, fri, sat, sun], start: "00:00", end: "24:00", timezone: UTC}
    reason: "nothing moves"
"""
_ONE_WRITE = """\
rules:
  "*": [{users: [U0YOU0001]}]
limits:
  writes: {per_user: 1, window: 1h}
"""


async def test_a_freeze_refusal_stops_the_script(console: Console, tmp_path: Path) -> None:
    (tmp_path / "policy.yml").write_text(_ALWAYS_FROZEN)
    out = await console("/vps reboot web-server-01", "/vps list", expect=1)
    assert "is frozen by" in out
    assert f"✗ Failed: /vps reboot web-server-01; {STOPPED}" in out
    assert "Servers" not in out


async def test_a_write_limit_refusal_stops_the_script(console: Console, tmp_path: Path) -> None:
    (tmp_path / "policy.yml").write_text(_ONE_WRITE)
    out = await console(
        "/vps reboot web-server-01", "/vps reboot db-server-01", "/vps list", expect=1
    )
    assert "You have made 1 change in the last 1 hour, the most this bot allows" in out
    assert f"✗ Failed: /vps reboot db-server-01; {STOPPED}" in out
    assert "Servers" not in out


async def test_a_plan_is_previewed_and_its_buttons_click(console: Console) -> None:
    out = await console("/vps reboot worker-0* batch:2", ":click Reboot 5 servers", "/vps plans")
    assert "Batch 3: worker-06" in out
    assert "is stopped" in out  # worker-05, left out
    assert "Confirmed" in out
    assert "Failed" not in out
    cancelled = await console("/vps reboot worker-0*", ":click Cancel")
    assert "Cancelled; nothing was done." in cancelled
