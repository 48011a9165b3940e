"""`vpsbot console` as a newcomer runs it: a real process, a clean environment, an empty folder."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

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
        timeout=120,  # a hang guard only: start-up alone takes seconds on a loaded machine
        check=False,
    )


def test_a_first_command_shows_the_fleet(tmp_path: Path) -> None:
    # How fast: bench/console_first.py (a test on a busy machine would measure the machine).
    done = run(tmp_path, "-c", "/vps list")
    assert done.returncode == 0, done.stderr
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


def test_a_failed_line_from_a_pipe_is_exit_code_1(tmp_path: Path) -> None:
    done = run(tmp_path, stdin="/vps show web-server-01\n:click 9\n:click 1\n")
    assert done.returncode == 1, done.stderr
    assert "No button [9]" in done.stdout
    assert "✗ Failed: :click 9; the lines after it were not run. Exit code 1." in done.stdout
    assert "Stop web-server-01?" not in done.stdout  # :click 1 was not run


def test_a_vps_token_alone_does_not_reach_production_with_the_demo_policy(
    tmp_path: Path,
) -> None:
    done = run(tmp_path, "-c", "/vps list", VPS_API_TOKEN="real-token")
    assert done.returncode == 2
    assert done.stdout == ""  # no banner, nothing run
    assert done.stderr.startswith("vpsbot: no policy.yml here: with VPS_API_URL or VPS_API_TOKEN")
    assert "real-token" not in done.stderr
    assert list(tmp_path.iterdir()) == []


class Terminal:
    """`vpsbot console` on a pseudo-terminal, as a person runs it: what it prints, keys typed."""

    def __init__(self, tmp_path: Path) -> None:
        master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "VPS_", "BOT_"))}
        env.update(NO_COLOR="1", TERM="xterm", PYTHONPATH=str(Path(__file__).resolve().parents[2]))
        self.proc = subprocess.Popen(  # noqa: S603 - our own program, fixed arguments
            VPSBOT, stdin=slave, stdout=slave, stderr=slave, cwd=tmp_path, env=env
        )
        os.close(slave)
        self.master = master
        self.unread = b""
        self.seen = ""

    def until(self, text: str, timeout: float = 30.0) -> str:
        """Everything printed up to and including `text`."""
        wanted = text.encode()
        deadline = time.monotonic() + timeout
        while wanted not in self.unread:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.master], [], [], max(left, 0))
            if not ready:
                raise TimeoutError(f"{text!r} never came; the screen: {self.seen[-1500:]}")
            try:
                self.unread += os.read(self.master, 65536)
            except OSError:  # EIO: nothing holds the terminal open any more
                code = self.proc.wait(timeout=10)
                raise AssertionError(
                    f"the console ended (exit code {code}) before {text!r}"
                ) from None
        end = self.unread.index(wanted) + len(wanted)
        shown, self.unread = self.unread[:end].decode(errors="replace"), self.unread[end:]
        self.seen += shown
        return shown

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def ctrl_c(self) -> None:
        """What the terminal does on Ctrl-C: SIGINT to the program in front."""
        self.proc.send_signal(signal.SIGINT)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        os.close(self.master)


PROMPT = "you #general \u203a "


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_ctrl_c_clears_the_line_and_ctrl_d_leaves(tmp_path: Path) -> None:
    screen = Terminal(tmp_path)
    try:
        screen.until("[11] Next")  # it opens with /vps list
        screen.until(PROMPT)
        screen.type("/vps show web-serv")
        screen.until("web-serv")
        screen.ctrl_c()
        assert screen.until(PROMPT).endswith(f"^C\r\n{PROMPT}")  # the line is gone, as in a shell
        assert screen.proc.poll() is None
        screen.type("/vps whoami\r")
        assert "You are" in screen.until(PROMPT)  # only what was typed after Ctrl-C ran

        screen.type("/vps create\r")  # inside a form too: the field is asked again, empty
        screen.until("Name \u203a ")
        screen.type("web-o")
        screen.until("web-o")
        screen.ctrl_c()
        assert screen.until("Name \u203a ").endswith("^C\r\n  Name \u203a ")
        screen.type(":cancel\r")
        assert "Form closed; nothing was sent." in screen.until(PROMPT)

        # while the console waits for the bot (a server takes 6 s to be created), Ctrl-C stops
        # the waiting and gives the prompt back, not the program
        screen.type("/vps create web-09 plan:1 os:5 location:us-east\r")
        screen.until("is being created")
        screen.until(PROMPT)
        screen.type(":wait 60\r")
        screen.until("Waiting for the bot to settle, at most 60s (Ctrl-C stops it).")
        screen.ctrl_c()
        assert "Not waiting any longer (Ctrl-C)." in screen.until(PROMPT, timeout=30)
        assert "is active at" not in screen.seen  # it came back before the server was ready

        screen.type("\x04")  # Ctrl-D at an empty prompt leaves
        assert screen.proc.wait(timeout=30) == 0
    finally:
        screen.close()
    assert "web-serv/vps" not in screen.seen
    assert "Traceback" not in screen.seen
