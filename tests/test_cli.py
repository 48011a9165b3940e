"""The `vpsbot` command line as a user runs it: real processes, real loopback HTTP."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from asyncio.subprocess import PIPE
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.cli import DEMO_SERVERS, _parser, main
from bot.config import Settings
from bot.console import ConsoleOptions
from slackemu import SlackEmulator
from tests.e2e.test_crash import free_port

VPSBOT = [sys.executable, "-m", "bot"]
SETTINGS = {name.upper() for name in Settings.model_fields}


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listened on 127.0.0.1:{port} within {timeout}s")


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "VPS_", "BOT_"))}
    env["BOT_METRICS_PORT"] = "0"  # tests run side by side: no fixed port
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own program, fixed arguments
        [*VPSBOT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=30, check=False
    )


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - our own program, fixed arguments
        [*VPSBOT, "simulator", "--port", str(port), "--servers", "250", "--token", "cli-token"],
        env=clean_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}/api/v1"
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


async def test_check_reports_policy_fleet_and_slack(simulator: str, tmp_path: Path) -> None:
    (tmp_path / "policy.yml").write_text("rules:\n  stop:\n    - channels: [C0OPS0001]\n")
    async with SlackEmulator(signing_secret="s", bot_token="xoxb-cli-check") as emu:
        env = clean_env(
            tmp_path,
            VPS_API_URL=simulator,
            VPS_API_TOKEN="cli-token",
            SLACK_BOT_TOKEN="xoxb-cli-check",
            SLACK_SIGNING_SECRET="cli-signing-secret",
            SLACK_API_URL=emu.api_url,
        )
        proc = await asyncio.create_subprocess_exec(
            *VPSBOT, "check", env=env, cwd=tmp_path, stdout=PIPE, stderr=PIPE
        )
        out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    report = out.decode()
    assert proc.returncode == 0, report + err.decode()
    assert "policy.yml: 1 rule (stop 1)" in report
    assert "250 servers listed" in report
    assert "auth.test" not in report
    assert "all good" in report


def test_check_without_slack_token_fails(simulator: str, tmp_path: Path) -> None:
    env = clean_env(tmp_path, VPS_API_URL=simulator, VPS_API_TOKEN="cli-token")
    result = run(["check"], env, tmp_path)
    assert result.returncode == 1
    assert "250 servers listed" in result.stdout
    assert "SLACK_BOT_TOKEN: required" in result.stdout
    assert "no SLACK_BOT_TOKEN to try" in result.stdout


def test_check_finds_what_run_would_trip_on(tmp_path: Path) -> None:
    env = clean_env(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-x",
        SLACK_API_URL=f"http://127.0.0.1:{free_port()}/api/",  # offline: nobody answers there
        BOT_CATALOG_FILE=str(tmp_path / "missing.yml"),
        BOT_STATE_URL="sqlite:////nonexistent-dir/state.db",
    )
    result = run(["check"], env, tmp_path)
    assert result.returncode == 1
    assert "SLACK_SIGNING_SECRET: required" in result.stdout
    assert "BOT_CATALOG_FILE:" in result.stdout
    assert "BOT_STATE_URL:" in result.stdout
    assert "all good" not in result.stdout


def test_run_without_settings_names_each_missing_one(tmp_path: Path) -> None:
    result = run(["run"], clean_env(tmp_path), tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert [line.split(":")[1].strip() for line in lines] == [
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "VPS_API_TOKEN",
    ]


def test_run_refuses_a_broken_policy_file_naming_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "policy.yml").write_text(
        "rules:\n  restart:\n    - users: [U0ADMIN01]\n  stop:\n    - users: [alice]\n"
    )
    env = clean_env(tmp_path, SLACK_BOT_TOKEN="xoxb-x", SLACK_SIGNING_SECRET="s", VPS_API_TOKEN="t")
    result = run(["run"], env, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert [line.split(":")[2] for line in lines] == ["2", "5"]  # every problem, not the first
    assert 'unknown action "restart"' in lines[0]
    assert '"alice" is not a Slack user ID' in lines[1]


def test_check_fails_on_a_wrong_token_without_printing_it(simulator: str, tmp_path: Path) -> None:
    env = clean_env(tmp_path, VPS_API_URL=simulator, VPS_API_TOKEN="wrong-secret-value")
    result = run(["check"], env, tmp_path)
    assert result.returncode == 1
    assert "check VPS_API_TOKEN" in result.stdout
    assert "wrong-secret-value" not in result.stdout + result.stderr


def test_check_fails_when_the_api_is_unreachable(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    env = clean_env(tmp_path, VPS_API_URL=url, VPS_API_TOKEN="x", VPS_API_TIMEOUT_SECONDS="2")
    result = run(["check"], env, tmp_path)
    assert result.returncode == 1
    assert "could not connect" in result.stdout


def test_bad_settings_stop_run_with_one_line_per_variable(tmp_path: Path) -> None:
    env = clean_env(tmp_path, PORT="nope", BOT_OPS_CHANNEL="#ops")
    result = run(["run"], env, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["vpsbot", "vpsbot"]
    assert any("BOT_OPS_CHANNEL" in line for line in lines)
    assert any("PORT" in line for line in lines)


def test_bad_settings_are_fail_lines_of_the_check(tmp_path: Path) -> None:
    env = clean_env(tmp_path, PORT="nope", BOT_OPS_CHANNEL="#ops")
    result = run(["check"], env, tmp_path)
    assert result.returncode == 1
    assert result.stderr == ""
    failed = [line for line in result.stdout.splitlines() if line.startswith("[FAIL]")]
    assert len(failed) == 2
    assert any("BOT_OPS_CHANNEL: must be a channel ID" in line for line in failed)
    assert any("PORT:" in line for line in failed)
    assert result.stdout.rstrip().endswith("vpsbot check: problems found")
    assert "nope" not in result.stdout  # a value is never echoed: it may be a secret


def test_console_script_and_module_agree(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "vpsbot"
    assert script.exists(), "the vpsbot console script is not installed: pip install ."
    via_script = subprocess.run(  # noqa: S603 - our own program
        [str(script), "--version"], capture_output=True, text=True, check=True, timeout=30
    )
    via_module = run(["--version"], clean_env(tmp_path), tmp_path)
    assert via_script.stdout == via_module.stdout
    assert via_script.stdout.startswith("vpsbot ")


async def test_run_with_the_simulator_says_demo_and_serves(tmp_path: Path) -> None:
    port = free_port()
    async with SlackEmulator(signing_secret="s", bot_token="xoxb-demo") as emu:
        env = clean_env(
            tmp_path,
            SLACK_BOT_TOKEN="xoxb-demo",
            SLACK_SIGNING_SECRET="s",
            SLACK_API_URL=emu.api_url,
            HOST="127.0.0.1",
            PORT=str(port),
        )
        proc = await asyncio.create_subprocess_exec(
            *VPSBOT, "run", "--simulator", env=env, cwd=tmp_path, stdout=PIPE, stderr=PIPE
        )
        try:
            banner = await asyncio.wait_for(proc.stdout.readline(), timeout=20)  # type: ignore[union-attr]
            assert b"DEMO MODE" in banner
            listening = await asyncio.wait_for(proc.stdout.readline(), timeout=20)  # type: ignore[union-attr]
            assert f":{port}/slack/events".encode() in listening
            emu.add_user("U0DEMO001", "demo")
            emu.add_channel("C0DEMO001", "demo")
            emu.app_url = f"http://127.0.0.1:{port}/slack/events"
            ack = await emu.slash_command("/vps list", user="U0DEMO001", channel="C0DEMO001")
            assert ack.ok
            listed = await emu.wait_for(lambda: emu.last_message(visible_to="U0DEMO001"))
            assert "web-server-01" in listed.text + str(listed.blocks)
            # the console's fleet: "1-10 of 12" (it was 25 servers here, 12 there)
            assert re.search(rf"\u2013\d+ of {DEMO_SERVERS}\b", listed.text)
        finally:
            proc.terminate()
            await proc.wait()
    assert proc.returncode == 0  # SIGTERM is a clean stop


def test_simulator_on_a_taken_port_says_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(["simulator", "--port", str(port)], clean_env(tmp_path), tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"vpsbot: --host/--port: cannot listen on 127.0.0.1:{port} (Address already in use)\n"
    )
    assert result.stdout == ""  # no "serving on…" line for a server that never served


def test_seed_is_a_deprecated_name_for_servers(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - our own program, fixed arguments
        [*VPSBOT, "simulator", "--port", str(port), "--seed", "3"],
        env=clean_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        serving = proc.stdout.readline()  # type: ignore[union-attr]
        assert f"3 servers on http://127.0.0.1:{port}/api/v1" in serving
        listed = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/servers/",
            headers={"Authorization": "Bearer simulator-token"},
            timeout=10,
        )
        assert listed.json()["count"] == 3
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert err == "vpsbot: --seed is deprecated; it is the fleet size: use --servers N\n"


def test_run_simulator_console_and_simulator_default_to_the_same_fleet() -> None:
    parse = _parser().parse_args
    for args in (["run", "--simulator"], ["console"], ["simulator"]):
        assert parse(args).servers is None, args  # none given: DEMO_SERVERS, for all three
    assert ConsoleOptions().servers == DEMO_SERVERS
    assert parse(["run", "--simulator", "--servers", "5"]).servers == 5


def test_servers_without_simulator_is_refused(tmp_path: Path) -> None:
    result = run(["run", "--servers", "5"], clean_env(tmp_path), tmp_path)
    assert result.returncode == 2
    assert "--servers sizes the simulated fleet: it needs --simulator" in result.stderr


PROGRAMS = {
    "vpsbot": [],
    "vpsbot run": ["run"],
    "vpsbot check": ["check"],
    "vpsbot console": ["console"],
    "vpsbot simulator": ["simulator"],
}
SETTING_NAME = re.compile(r"\b(?:SLACK|VPS|BOT|LOG)_[A-Z_]+\b|\b(?:HOST|PORT|NO_COLOR|TERM)\b")


def help_of(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        main([*args, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("program", PROGRAMS)
def test_every_program_says_what_it_does_what_it_reads_and_how_it_exits(
    program: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = help_of(PROGRAMS[program], capsys)
    usage, _, rest = text.partition("\n\n")
    assert usage.startswith(f"usage: {program} ")
    assert len(rest.partition("\n\n")[0].split()) >= 12, "no sentence on what it does"
    assert "settings" in text
    named = set(SETTING_NAME.findall(text))
    assert named <= SETTINGS, f"not settings: {sorted(named - SETTINGS)}"
    codes = text.partition("exit codes:\n")[2]
    assert re.search(r"^  0 ", codes, re.MULTILINE), "no exit code 0"
    assert re.search(r"^  2 ", codes, re.MULTILINE), "no exit code 2"


def test_run_help_names_every_setting(capsys: pytest.CaptureFixture[str]) -> None:
    named = set(SETTING_NAME.findall(help_of(["run"], capsys)))
    terminal_only = {"NO_COLOR", "TERM"}  # the console's
    assert SETTINGS - terminal_only <= named, f"add to `run --help`: {SETTINGS - named}"


def test_the_check_exits_1_on_a_fail_and_0_on_warnings_in_every_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for args in ([], ["check"]):
        text = help_of(args, capsys)
        codes = text.partition("exit codes:\n")[2]
        one = re.search(r"^  1 +(.+(?:\n {7}.+)*)", codes, re.MULTILINE)
        assert one is not None, text
        assert "FAIL" in one.group(1), text
        assert re.search(r"warnings\s+alone\s+leave", text), text
    summary = help_of([], capsys).partition("commands:")[2]
    check_line = next(line for line in summary.splitlines() if line.strip().startswith("check"))
    assert "exit code 1 on a FAIL" in check_line
    assert "non-zero exit on any problem" not in summary


def run_probe(
    probe: str, env: dict[str, str], cwd: Path, *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run `probe` (Python source) in a fresh interpreter, as a start of `vpsbot` would be."""
    return subprocess.run(  # noqa: S603 - our own interpreter, a fixed script
        [sys.executable, "-c", probe],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
        check=check,
    )


def test_help_loads_neither_the_database_layer_nor_slack(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from bot.cli import main\n"
        "for args in ([], ['run'], ['check'], ['console'], ['simulator']):\n"
        "    try:\n"
        "        main([*args, '--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = ('sqlalchemy', 'alembic', 'aiohttp', 'slack_bolt', 'pydantic')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
    )
    result = run_probe(probe, clean_env(tmp_path), tmp_path)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_simulator_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - our own program, fixed arguments
        [*VPSBOT, "simulator", "--port", str(port)],
        env=clean_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_port(port, timeout=30)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err


def test_run_loads_only_what_its_mode_needs(tmp_path: Path) -> None:
    """`vpsbot run` in HTTP mode on SQLite: no Socket Mode, simulator, console or PostgreSQL."""
    probe = (
        "import sys\n"
        "import bot.cli, bot.runner\n"
        "unneeded = ('slack_bolt.adapter.socket_mode', 'slack_sdk.socket_mode',\n"
        "            'vpssim', 'bot.console', 'slackemu', 'bot.check',\n"
        "            'sqlalchemy.dialects.postgresql', 'alembic')\n"
        "print(sorted(m for m in sys.modules if m.startswith(unneeded)))\n"
    )
    result = run_probe(probe, clean_env(tmp_path), tmp_path)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_run_answers_its_probes_before_it_loads_the_store(tmp_path: Path) -> None:
    """What a restart waits for before /healthz answers is small: when `vpsbot run` starts
    listening, neither SQLAlchemy nor the Bolt app and its services have been loaded yet
    (they load while the probes answer). Seen at the moment it listens (here: refused)."""
    probe = (
        "import sys\n"
        "from aiohttp import web\n"
        "import bot.cli\n"
        "later = ('sqlalchemy', 'aiosqlite', 'bot.app', 'bot.flow.services', 'bot.state.store',\n"
        "         'bot.watch', 'bot.monitor', 'bot.vps')\n"
        "async def listen(site):\n"
        "    print(sorted(m for m in sys.modules if m.startswith(later)), flush=True)\n"
        "    raise OSError('refused here')\n"
        "web.TCPSite.start = listen\n"
        "sys.exit(bot.cli.main(['run']))\n"
    )
    env = clean_env(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-probe",
        SLACK_SIGNING_SECRET="probe-secret",
        VPS_API_TOKEN="probe-token",
        SLACK_API_URL=f"http://127.0.0.1:{free_port()}/api/",  # never asked
    )
    result = run_probe(probe, env, tmp_path, check=False)
    assert "HOST/PORT: cannot listen" in result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert list(tmp_path.iterdir()) == []  # no state file either


def test_the_simulator_serves_a_fleet_in_the_bots_catalog(tmp_path: Path) -> None:
    """`vpsbot simulator` with the BOT_CATALOG_FILE a bot uses: its servers are ones that bot's
    `/vps create` could make (as with `run --simulator` and `console`)."""
    (tmp_path / "catalog.yml").write_text(
        "plans: [{id: 21, name: Tiny}]\n"
        "operating_systems: [{id: 31, name: Debian 13}]\n"
        "locations: [{code: eu-north}]\n"
    )
    port = free_port()
    env = {**clean_env(tmp_path), "BOT_CATALOG_FILE": str(tmp_path / "catalog.yml")}
    proc = subprocess.Popen(  # noqa: S603 - our own program, fixed arguments
        [*VPSBOT, "simulator", "--port", str(port), "--servers", "5"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "5 servers on" in proc.stdout.readline()  # type: ignore[union-attr]
        listed = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/servers/",
            headers={"Authorization": "Bearer simulator-token"},
            timeout=10,
        ).json()["results"]
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert {(s["plan"]["id"], s["os"]["id"], s["location"]) for s in listed} == {
        (21, 31, "eu-north")
    }
