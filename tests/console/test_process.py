"""`vpsbot console` as a newcomer runs it: a real process, a clean environment, an empty folder."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

VPSBOT = [sys.executable, "-m", "bot", "console"]


def run(
    tmp_path: Path, *args: str, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "VPS_", "BOT_")) and k not in ("NO_COLOR", "LOG_LEVEL")
    }
    clean["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return subprocess.run(  # noqa: S603 - our own program, fixed arguments
        [*VPSBOT, *args],
        env={**clean, **env},
        cwd=tmp_path,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_a_first_command_shows_the_fleet_in_seconds(tmp_path: Path) -> None:
    started = time.monotonic()
    done = run(tmp_path, "-c", "/vps list")
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 10
    assert "DEMO MODE" in done.stdout
    assert "web-server-01" in done.stdout
    assert "[11] Next →" in done.stdout
    assert "\x1b" not in done.stdout  # piped: no colour
    assert done.stderr == ""
    assert list(tmp_path.iterdir()) == []  # a demo leaves nothing behind


def test_lines_from_a_pipe(tmp_path: Path) -> None:
    done = run(tmp_path, stdin="/vps show web-server-01\n:click Stop\n:click Cancel\n")
    assert done.returncode == 0, done.stderr
    assert "you #general \u203a /vps show web-server-01" in done.stdout
    assert "[1] Stop web-server-01 (danger)  [2] Cancel" in done.stdout
    assert "→ [2] Cancel" in done.stdout


def test_startup_problems_exit_non_zero_with_one_line_each(tmp_path: Path) -> None:
    done = run(tmp_path, "-c", "/vps list", BOT_POLICY_FILE="missing.yml")
    assert done.returncode == 2
    assert "vpsbot: BOT_POLICY_FILE: missing.yml does not exist" in done.stderr
    assert "Servers" not in done.stdout
